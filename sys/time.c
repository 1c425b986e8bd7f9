/*
 * Clocks and sleeping. Every clock counts from the TSC: the monotonic
 * ones from the kernel's first instruction; CLOCK_REALTIME and
 * CLOCK_REALTIME_COARSE from the RTC's reading carried on by it
 * (kernel/wallclock.h).
 * The clock calls are also the vDSO's entries (sys/vdso.h): the same
 * handlers, called as functions.
 */
#include <errno.h>

#include "arch/x86_64/tsc.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sched.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/wallclock.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"
#include "sys/timeval.h"
#include "sys/vm.h"
#include "sys/vdso.h"

#define NS 1000000000ll

/* The realtime clocks read the wall clock, the others the monotonic one. */
static bool is_wall_clock(long id) { return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE; }

static uint64_t clock_of(long id) { return is_wall_clock(id) ? wallclock_ns() : clock_ns(); }

/* The clocks served: CLOCK_REALTIME to CLOCK_BOOTTIME (the CPU-time
 * clocks read the monotonic one). */
static bool known_clock(long id) { return id >= CLOCK_REALTIME && id <= CLOCK_BOOTTIME; }

static long sys_clock_gettime(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (!known_clock(a0))
		return -EINVAL;
	struct linux_timespec *ts = (struct linux_timespec *)a1;
	if (!user_writable_ok(ts, sizeof(*ts)))
		return -EFAULT;
	*ts = ns_to_timespec(clock_of(a0));
	return 0;
}
SYSCALL_FAST(SYS_clock_gettime, sys_clock_gettime);

static long sys_clock_getres(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (!known_clock(a0))
		return -EINVAL;
	struct linux_timespec *ts = (struct linux_timespec *)a1;
	if (ts == NULL)
		return 0;
	if (!user_writable_ok(ts, sizeof(*ts)))
		return -EFAULT;
	*ts = (struct linux_timespec){ 0, 1 };
	return 0;
}
SYSCALL_FAST(SYS_clock_getres, sys_clock_getres);

static long sys_gettimeofday(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_timeval *tv = (struct linux_timeval *)a0;
	if (tv) {
		if (!user_writable_ok(tv, sizeof(*tv)))
			return -EFAULT;
		*tv = ns_to_timeval(wallclock_ns());
	}
	return 0;
}
SYSCALL_FAST(SYS_gettimeofday, sys_gettimeofday);

static long sys_time(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int64_t now = (int64_t)(wallclock_ns() / NS);
	int64_t *t = (int64_t *)a0;
	if (t) {
		if (!user_writable_ok(t, sizeof(*t)))
			return -EFAULT;
		*t = now;
	}
	return now;
}
SYSCALL_FAST(SYS_time, sys_time);

/* The vDSO's entries. Preemption is held off around each answer, as the
 * system call would hold it: the pointer check reads the application's
 * regions, which another thread's mmap may be changing.
 *
 * clock_gettime, called several times per request by most servers, has a
 * shorter way: when ts lies in the region the last pointer check found
 * (the caller's stack, mostly: vm_hint_ok), it is answered there and
 * then, preemptible, as Linux's vDSO answers; under an emulator every
 * call and return, and holding interrupts off, costs as much as the
 * reading itself. Otherwise, and for the wall clock before the RTC was
 * read, it takes the system call's path, checks and all. */
int vdso_clock_gettime(int clk, void *ts)
{
	if (!known_clock(clk))
		return -EINVAL;
	uint64_t epoch = 0;
	if ((!is_wall_clock(clk) || wallclock_epoch(&epoch)) &&
	    vm_hint_ok(&app_vm, (uintptr_t)ts, sizeof(struct linux_timespec), PROT_READ | PROT_WRITE)) {
		*(struct linux_timespec *)ts = ns_to_timespec(epoch + clock_ns_inline());
		return 0;
	}
	preempt_disable();
	long r = sys_clock_gettime(clk, (long)ts, 0, 0, 0, 0);
	preempt_enable();
	return (int)r;
}

int vdso_clock_getres(int clk, void *ts)
{
	preempt_disable();
	long r = sys_clock_getres(clk, (long)ts, 0, 0, 0, 0);
	preempt_enable();
	return (int)r;
}

int vdso_gettimeofday(void *tv, void *tz)
{
	preempt_disable();
	long r = sys_gettimeofday((long)tv, (long)tz, 0, 0, 0, 0);
	preempt_enable();
	return (int)r;
}

long vdso_time(long *t)
{
	preempt_disable();
	long r = sys_time((long)t, 0, 0, 0, 0, 0);
	preempt_enable();
	return r;
}

/* A relative or absolute sleep, which a signal ends with -EINTR; rem
 * (when given) then gets what was left (Linux writes it only then). */
static long sleep_until(uint64_t deadline, struct linux_timespec *rem)
{
	struct waitq nobody = { 0, 0 };
	bool irq = sched_lock();
	int r;
	while ((r = waitq_wait_interruptible(&nobody, deadline)) == 0)
		; /* nobody wakes this queue */
	sched_unlock(irq);
	if (r != -EINTR)
		return 0;
	/* Checked before the wait; meanwhile another thread may have
	 * unmapped or protected it. */
	if (rem && !user_writable_ok(rem, sizeof(*rem)))
		return -EFAULT;
	if (rem) {
		uint64_t now = clock_ns(), left = deadline > now ? deadline - now : 0;
		*rem = ns_to_timespec(left);
	}
	return -EINTR;
}

static long read_timespec(const struct linux_timespec *ts, uint64_t *ns)
{
	if (!user_range_ok(ts, sizeof(*ts)))
		return -EFAULT;
	return timespec_to_ns(ts, ns);
}

static long sys_nanosleep(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t ns;
	struct linux_timespec *rem = (struct linux_timespec *)a1;
	long err = read_timespec((const struct linux_timespec *)a0, &ns);
	if (err)
		return err;
	if (rem && !user_writable_ok(rem, sizeof(*rem)))
		return -EFAULT;
	uint64_t now = clock_ns();
	return sleep_until(ns > UINT64_MAX - now ? UINT64_MAX : now + ns, rem);
}
SYSCALL(SYS_nanosleep, sys_nanosleep);

static long sys_clock_nanosleep(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t ns;
	if (a0 < CLOCK_REALTIME || a0 > CLOCK_BOOTTIME || a0 == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (a1 & ~(long)TIMER_ABSTIME)
		return -EINVAL;
	struct linux_timespec *rem = (struct linux_timespec *)a3;
	long err = read_timespec((const struct linux_timespec *)a2, &ns);
	if (err)
		return err;
	if (rem && !(a1 & TIMER_ABSTIME) && !user_writable_ok(rem, sizeof(*rem)))
		return -EFAULT;
	if (a1 & TIMER_ABSTIME) {
		/* A time of day: the same instant on the monotonic clock (the
		 * monotonic clocks are that clock). */
		uint64_t offset = is_wall_clock(a0) ? wallclock_ns() - clock_ns() : 0;
		return sleep_until(ns > offset ? ns - offset : 0, NULL);
	}
	uint64_t now = clock_ns();
	return sleep_until(ns > UINT64_MAX - now ? UINT64_MAX : now + ns, rem);
}
SYSCALL(SYS_clock_nanosleep, sys_clock_nanosleep);
