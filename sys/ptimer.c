/*
 * POSIX per-process timers: timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete. Each expiry sends the timer's signal
 * (SIGEV_SIGNAL to the process, SIGEV_THREAD_ID to one thread, as musl's
 * SIGEV_THREAD helper asks) with si_code SI_TIMER and its sigev_value,
 * from the timer interrupt. The clocks are measured on the monotonic
 * clock; an absolute CLOCK_REALTIME time is converted when armed.
 */
#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/timer.h"
#include "kernel/wallclock.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/syscall.h"
#include "sys/timeval.h"

#define PTIMER_MAX 32
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4
#define SIGALRM 14

struct linux_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
	int32_t pad[11];
};
_Static_assert(sizeof(struct linux_sigevent) == 64, "sigevent");

struct linux_itimerspec {
	struct linux_timespec interval, value;
};

struct ptimer {
	bool used;
	long clock;
	int signo, notify, tid;
	uint64_t value;
	uint64_t deadline, interval; /* deadline 0: disarmed */
	int overrun, last_overrun;
	struct timer timer;
};

static struct ptimer timers[PTIMER_MAX];

static void on_expiry(struct timer *tm, void *ctx)
{
	struct ptimer *p = ctx;
	if (!p->used || p->deadline == 0)
		return;
	p->last_overrun = p->overrun;
	p->overrun = 0;
	if (p->notify != SIGEV_NONE)
		signal_send_timer(p->signo, p->notify == SIGEV_THREAD_ID ? p->tid : 0, (int)(p - timers), p->value);
	if (p->interval == 0) {
		p->deadline = 0;
		return;
	}
	uint64_t now = clock_ns();
	p->deadline += p->interval;
	if (p->deadline <= now) {
		/* Periods missed: counted as overruns, as Linux. */
		uint64_t missed = (now - p->deadline) / p->interval + 1;
		p->overrun += missed > 0x7fffffff ? 0x7fffffff : (int)missed;
		p->deadline += missed * p->interval;
	}
	timer_arm(&p->timer, p->deadline, on_expiry, p);
}

static struct ptimer *lookup(long id) { return id >= 0 && id < PTIMER_MAX && timers[id].used ? &timers[id] : NULL; }

static long sys_timer_create(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct linux_sigevent *ev = (const struct linux_sigevent *)a1;
	int *out = (int *)a2;
	if (a0 != CLOCK_REALTIME && a0 != CLOCK_MONOTONIC && a0 != CLOCK_BOOTTIME)
		return -EINVAL;
	if ((ev && !user_range_ok(ev, sizeof(*ev))) || !user_writable_ok(out, sizeof(*out)))
		return -EFAULT;
	struct linux_sigevent e = { .signo = SIGALRM, .notify = SIGEV_SIGNAL };
	if (ev)
		e = *ev;
	if (e.notify != SIGEV_SIGNAL && e.notify != SIGEV_NONE && e.notify != SIGEV_THREAD_ID)
		return -EINVAL;
	if (e.notify != SIGEV_NONE && (e.signo < 1 || e.signo > LINUX_NSIG))
		return -EINVAL;
	bool irq = sched_lock();
	int id = -1;
	for (int i = 0; i < PTIMER_MAX && id < 0; i++)
		if (!timers[i].used)
			id = i;
	if (id >= 0) {
		struct ptimer *p = &timers[id];
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->clock = a0;
		p->signo = e.signo;
		p->notify = e.notify;
		p->tid = e.tid;
		/* Without an event, the value is the timer's id (POSIX). */
		p->value = ev ? e.value : (uint64_t)id;
	}
	sched_unlock(irq);
	if (id < 0)
		return -EAGAIN;
	*out = id;
	return 0;
}
SYSCALL(SYS_timer_create, sys_timer_create);

static struct linux_itimerspec current_value(const struct ptimer *p)
{
	uint64_t now = clock_ns();
	uint64_t left = p->deadline == 0 ? 0 : p->deadline > now ? p->deadline - now : 1;
	return (struct linux_itimerspec){ ns_to_timespec(p->interval), ns_to_timespec(left) };
}

static long sys_timer_settime(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct linux_itimerspec *nv = (const struct linux_itimerspec *)a2;
	struct linux_itimerspec *ov = (struct linux_itimerspec *)a3;
	if (a1 & ~(long)TIMER_ABSTIME)
		return -EINVAL;
	if (!user_range_ok(nv, sizeof(*nv)) || (ov && !user_writable_ok(ov, sizeof(*ov))))
		return -EFAULT;
	struct linux_itimerspec v = *nv;
	uint64_t value, interval;
	if (timespec_to_ns(&v.value, &value) || timespec_to_ns(&v.interval, &interval))
		return -EINVAL;
	bool irq = sched_lock();
	struct ptimer *p = lookup(a0);
	if (p == NULL) {
		sched_unlock(irq);
		return -EINVAL;
	}
	struct linux_itimerspec old = current_value(p);
	timer_cancel(&p->timer);
	p->deadline = 0;
	p->interval = interval;
	p->overrun = p->last_overrun = 0;
	uint64_t now = clock_ns();
	if (value != 0) {
		if (a1 & TIMER_ABSTIME) {
			/* An absolute time on the timer's clock, moved to the
			 * monotonic one; one in the past expires at once. */
			uint64_t clock_now = p->clock == CLOCK_REALTIME ? wallclock_ns() : now;
			value = value > clock_now ? value - clock_now : 1;
		}
		p->deadline = now + value;
		timer_arm(&p->timer, p->deadline, on_expiry, p);
	}
	sched_unlock(irq);
	if (ov)
		*ov = old;
	return 0;
}
SYSCALL(SYS_timer_settime, sys_timer_settime);

static long sys_timer_gettime(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_itimerspec *out = (struct linux_itimerspec *)a1;
	if (!user_writable_ok(out, sizeof(*out)))
		return -EFAULT;
	bool irq = sched_lock();
	struct ptimer *p = lookup(a0);
	struct linux_itimerspec v = p ? current_value(p) : (struct linux_itimerspec){ 0 };
	sched_unlock(irq);
	if (p == NULL)
		return -EINVAL;
	*out = v;
	return 0;
}
SYSCALL(SYS_timer_gettime, sys_timer_gettime);

static long sys_timer_getoverrun(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct ptimer *p = lookup(a0);
	return p ? p->last_overrun : -EINVAL;
}
SYSCALL(SYS_timer_getoverrun, sys_timer_getoverrun);

static long sys_timer_delete(long a0, long a1, long a2, long a3, long a4, long a5)
{
	bool irq = sched_lock();
	struct ptimer *p = lookup(a0);
	if (p) {
		timer_cancel(&p->timer);
		p->used = false;
		p->deadline = 0;
	}
	sched_unlock(irq);
	return p ? 0 : -EINVAL;
}
SYSCALL(SYS_timer_delete, sys_timer_delete);
