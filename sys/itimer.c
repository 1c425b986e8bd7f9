/*
 * The process's real-time interval timer (ITIMER_REAL): alarm, setitimer
 * and getitimer, sending SIGALRM when it expires, from the timer
 * interrupt. ITIMER_VIRTUAL and ITIMER_PROF count CPU time, which Keel
 * does not account per process: they answer -EINVAL rather than pretend.
 */
#include <errno.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/timer.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/syscall.h"
#include "sys/timeval.h"

#define NS 1000000000ull
#define ITIMER_REAL 0
#define SIGALRM 14

struct linux_itimerval {
	struct linux_timeval interval, value;
};

static struct timer real_timer;
static uint64_t real_deadline; /* 0: disarmed */
static uint64_t real_interval;

static void on_real_timer(struct timer *tm, void *ctx)
{
	signal_send_process(SIGALRM, LINUX_SI_KERNEL);
	if (real_interval == 0) {
		real_deadline = 0;
		return;
	}
	/* Periodic: the next period from the last deadline, or from now
	 * when the interrupt came later than a whole period. */
	uint64_t now = clock_ns();
	real_deadline += real_interval;
	if (real_deadline <= now)
		real_deadline = now + real_interval;
	timer_arm(&real_timer, real_deadline, on_real_timer, NULL);
}

/* The time left and the interval, then (when value is not NULL) arms
 * or disarms. Interrupts disabled inside. */
static void real_timer_swap(const uint64_t *value, uint64_t interval, uint64_t *left, uint64_t *old_interval)
{
	bool irq = sched_lock();
	uint64_t now = clock_ns();
	*left = real_deadline > now ? real_deadline - now : real_deadline ? 1 : 0;
	*old_interval = real_interval;
	if (value) {
		timer_cancel(&real_timer);
		real_deadline = 0;
		real_interval = interval;
		if (*value) {
			real_deadline = now + *value;
			timer_arm(&real_timer, real_deadline, on_real_timer, NULL);
		}
	}
	sched_unlock(irq);
}

static long sys_setitimer(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct linux_itimerval *nv = (const struct linux_itimerval *)a1;
	struct linux_itimerval *ov = (struct linux_itimerval *)a2;
	if (a0 != ITIMER_REAL)
		return -EINVAL;
	if ((nv && !user_range_ok(nv, sizeof(*nv))) || (ov && !user_writable_ok(ov, sizeof(*ov))))
		return -EFAULT;
	uint64_t value = 0, interval = 0, left, old_interval;
	if (nv) {
		/* Beyond half the clock's range saturates (sys/timeval.h), so
		 * that now + value cannot wrap and fire at once. */
		if (timeval_to_ns(&nv->value, &value) || timeval_to_ns(&nv->interval, &interval))
			return -EINVAL;
	}
	real_timer_swap(nv ? &value : NULL, interval, &left, &old_interval);
	if (ov)
		*ov = (struct linux_itimerval){ ns_to_timeval(old_interval), ns_to_timeval(left) };
	return 0;
}
SYSCALL(SYS_setitimer, sys_setitimer);

static long sys_getitimer(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_itimerval *v = (struct linux_itimerval *)a1;
	if (a0 != ITIMER_REAL)
		return -EINVAL;
	if (!user_writable_ok(v, sizeof(*v)))
		return -EFAULT;
	uint64_t left, interval;
	real_timer_swap(NULL, 0, &left, &interval);
	*v = (struct linux_itimerval){ ns_to_timeval(interval), ns_to_timeval(left) };
	return 0;
}
SYSCALL(SYS_getitimer, sys_getitimer);

static long sys_alarm(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t value = (uint64_t)(unsigned)a0 * NS, left, interval;
	real_timer_swap(&value, 0, &left, &interval);
	/* Seconds left, rounded to the nearest, and at least 1 when armed. */
	uint64_t s = (left + NS / 2) / NS;
	return (long)(left && s == 0 ? 1 : s);
}
SYSCALL(SYS_alarm, sys_alarm);
