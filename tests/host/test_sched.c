/*
 * The scheduler (kernel/sched.c) and its semaphores, mutexes, condition
 * variables and mailboxes (kernel/sync.c), the very files the kernel runs, on the host
 * arch layer of tests/host/sched_host.c: threads are ucontexts, time is a
 * fake clock that moves only while every thread waits (to the next
 * deadline, exactly), and timers fire from that halt as from an interrupt.
 *
 * Each test starts from sched_init and a clock at T0, and must leave every
 * thread joined or reaped, every stack freed and no timer armed (checked
 * after it). Code running on a thread's stack checks with HOST_CHECK,
 * which aborts: cmocka's assertions longjmp and must stay on the boot
 * thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/clock.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/sched.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000) /* the clock when a test starts: 1 s */

/* --- helpers --------------------------------------------------------------------------- */

/* What threads did, in order: one character each. */
static char trace[4096];
static size_t ntrace;

static void mark(char c)
{
	HOST_CHECK(ntrace + 1 < sizeof(trace));
	trace[ntrace++] = c;
	trace[ntrace] = '\0';
}

static int setup(void **state)
{
	ntrace = 0;
	trace[0] = '\0';
	return host_reset(T0) ? 0 : -1;
}

static int teardown(void **state)
{
	if (!host_quiescent()) {
		print_error("the test left threads, stacks or timers behind\n");
		return -1;
	}
	return 0;
}

static struct thread *spawn(const char *name, int (*fn)(void *), void *arg)
{
	struct thread *t = NULL;
	assert_int_equal(thread_create(&t, name, fn, arg, 0), 0);
	assert_non_null(t);
	return t;
}

static int join(struct thread *t)
{
	int status = -12345;
	assert_int_equal(thread_join(t, &status), 0);
	return status;
}

/* Every public call returns to its caller with interrupts enabled. */
#define CHECK_IRQ_ON() HOST_CHECK(host_irq_enabled() && !host_in_interrupt())

static int return_arg(void *arg)
{
	CHECK_IRQ_ON();
	return (int)(intptr_t)arg;
}

static int mark_arg(void *arg)
{
	mark(*(const char *)arg);
	return 0;
}

/* --- creating, joining, detaching -------------------------------------------------- */

static void exit_inner(int status) { thread_exit(status); }

static void exit_outer(int status)
{
	exit_inner(status + 1);
	mark('!'); /* not reached */
}

static int exits_from_nested_call(void *arg)
{
	exit_outer((int)(intptr_t)arg - 1);
	return -1;
}

static void create_and_join(void **state)
{
	struct thread *t = spawn("worker", return_arg, (void *)42);
	assert_int_equal(host_live_stacks(), 1);
	assert_string_equal(thread_name(t), "worker");
	assert_int_equal(join(t), 42);
	assert_int_equal(host_live_stacks(), 0);

	assert_int_equal(join(spawn("negative", return_arg, (void *)(intptr_t)-7)), -7);
	assert_int_equal(join(spawn("nested", exits_from_nested_call, (void *)99)), 99);
	assert_string_equal(trace, "");
	t = spawn("nostatus", return_arg, (void *)1);
	assert_int_equal(thread_join(t, NULL), 0);

	/* Many, joined in the reverse order. */
	struct thread *ts[10];
	for (int i = 0; i < 10; i++)
		ts[i] = spawn("many", return_arg, (void *)(intptr_t)(3 * i));
	assert_int_equal(host_live_stacks(), 10);
	for (int i = 9; i >= 0; i--)
		assert_int_equal(join(ts[i]), 3 * i);
	assert_int_equal(host_stacks_allocated(), 14);
	assert_int_equal(host_live_stacks(), 0);
}

static int set_flag(void *arg)
{
	*(int *)arg = 1;
	return 0;
}

static void create_arguments(void **state)
{
	struct thread *t = NULL;
	assert_int_equal(thread_create(&t, "x", NULL, NULL, 0), -EINVAL);
	assert_int_equal(thread_create(NULL, "x", return_arg, NULL, 0), -EINVAL);
	assert_int_equal(host_live_stacks(), 0);

	/* The new thread runs when the caller next yields or blocks. */
	int flag = 0;
	t = spawn("flag", set_flag, &flag);
	assert_int_equal(flag, 0);
	thread_yield();
	assert_int_equal(flag, 1);
	join(t);

	/* Names: copied, at most 15 bytes kept, a default. */
	char name[32] = "fifteen-chars-x";
	assert_int_equal(thread_create(&t, name, return_arg, NULL, 0), 0);
	name[0] = 'X';
	assert_string_equal(thread_name(t), "fifteen-chars-x");
	join(t);
	t = spawn("sixteen-chars-xy", return_arg, NULL);
	assert_string_equal(thread_name(t), "sixteen-chars-x");
	join(t);
	t = spawn(NULL, return_arg, NULL);
	assert_string_equal(thread_name(t), "thread");
	join(t);
	assert_string_equal(thread_name(thread_self()), "boot");
	/* Renamed: a shorter name leaves nothing of the longer one, a longer
	 * one is cut to 15 bytes. */
	t = spawn("long-first-name", return_arg, NULL);
	thread_set_name(t, "io");
	assert_string_equal(thread_name(t), "io");
	thread_set_name(t, "bio_lazy_free-and-more");
	assert_string_equal(thread_name(t), "bio_lazy_free-a");
	join(t);

	/* Stack sizes: 0 is the default, the rest rounded up to pages. */
	static const struct {
		size_t ask, get;
	} sizes[] = {
		{ 0, THREAD_DEFAULT_STACK }, { 1, 4096 }, { 4096, 4096 }, { 4097, 8192 }, { 100000, 102400 },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(thread_create(&t, "size", return_arg, (void *)(intptr_t)i, sizes[i].ask), 0);
		assert_int_equal(t->stack_size, sizes[i].get);
		assert_int_equal(join(t), (int)i);
	}

	/* No memory: nothing is left behind (the sanitizer's leak check sees
	 * the thread structure). */
	host_fail_stack_allocs(1);
	assert_int_equal(thread_create(&t, "nomem", return_arg, NULL, 0), -ENOMEM);
	assert_int_equal(thread_create(&t, "huge", return_arg, NULL, HOST_STACK_MAX + 1), -ENOMEM);
	assert_int_equal(thread_create(&t, "huger", return_arg, NULL, SIZE_MAX), -ENOMEM);
	assert_int_equal(thread_create(&t, "huger", return_arg, NULL, SIZE_MAX - 4095), -ENOMEM);
	assert_int_equal(host_live_stacks(), 0);
	/* And the next one works. */
	assert_int_equal(join(spawn("after", return_arg, (void *)5)), 5);
}

static struct sem sem;

static int wait_sem_then_return(void *arg)
{
	sem_wait(&sem);
	CHECK_IRQ_ON();
	return (int)(intptr_t)arg;
}

static int join_self(void *arg) { return thread_join(thread_self(), NULL); }
static int join_arg(void *arg) { return thread_join(arg, NULL); }
static int detach_arg(void *arg) { return thread_detach(arg); }

static int join_arg_status(void *arg)
{
	int status = -1;
	HOST_CHECK(thread_join(arg, &status) == 0);
	return status;
}

static void join_and_detach_errors(void **state)
{
	struct thread *boot = thread_self();
	sem_init(&sem, 0);

	/* Joining oneself. */
	assert_int_equal(join(spawn("self", join_self, NULL)), -EDEADLK);
	assert_int_equal(thread_join(boot, NULL), -EDEADLK);
	/* The boot thread is neither joined nor detached. */
	assert_int_equal(join(spawn("joinboot", join_arg, boot)), -EINVAL);
	assert_int_equal(join(spawn("detachboot", detach_arg, boot)), -EINVAL);
	assert_int_equal(thread_detach(boot), -EINVAL);

	/* Detached: neither joined nor detached again. */
	struct thread *t = spawn("detached", wait_sem_then_return, NULL);
	assert_int_equal(thread_detach(t), 0);
	assert_int_equal(thread_detach(t), -EINVAL);
	assert_int_equal(thread_join(t, NULL), -EINVAL);
	thread_yield(); /* it waits */
	assert_int_equal(host_live_stacks(), 1);
	sem_post(&sem);
	thread_yield(); /* it ends and is freed */
	assert_int_equal(host_live_stacks(), 0);

	/* Already being joined: a second joiner is refused, and so is a
	 * detach. */
	t = spawn("target", wait_sem_then_return, (void *)31);
	struct thread *j = spawn("joiner", join_arg_status, t);
	thread_yield(); /* t waits on the semaphore, j in the join */
	assert_int_equal(thread_join(t, NULL), -EINVAL);
	assert_int_equal(thread_detach(t), -EINVAL);
	sem_post(&sem);
	assert_int_equal(join(j), 31);
	assert_int_equal(host_live_stacks(), 0);
}

static void detach_exited_thread(void **state)
{
	struct thread *t = spawn("done", return_arg, NULL);
	thread_yield(); /* it runs and exits, and waits for a join */
	assert_int_equal(t->state, THREAD_EXITED);
	assert_int_equal(host_live_stacks(), 1);
	assert_int_equal(thread_detach(t), 0); /* freed right away */
	assert_int_equal(host_live_stacks(), 0);
}

static int detach_self_then_mark(void *arg)
{
	HOST_CHECK(thread_detach(thread_self()) == 0);
	mark(*(const char *)arg);
	return 0;
}

static void detached_threads_are_reaped(void **state)
{
	static const char ids[] = "abcdef";
	for (int i = 0; i < 6; i++)
		assert_int_equal(thread_detach(spawn("det", mark_arg, (void *)&ids[i])), 0);
	assert_int_equal(host_live_stacks(), 6);
	/* One yield: each runs, ends, and is freed by whichever thread runs
	 * next; the last by the boot thread coming back. */
	thread_yield();
	assert_string_equal(trace, "abcdef");
	assert_int_equal(host_live_stacks(), 0);

	/* Threads detaching themselves. */
	for (int i = 0; i < 3; i++)
		spawn("selfdet", detach_self_then_mark, (void *)&ids[i]);
	thread_yield();
	assert_string_equal(trace, "abcdefabc");
	assert_int_equal(host_live_stacks(), 0);

	/* One that ends while the boot thread sleeps: freed by then. */
	sem_init(&sem, 0);
	thread_detach(spawn("sleeper", wait_sem_then_return, NULL));
	thread_yield();
	assert_int_equal(host_live_stacks(), 1);
	sem_post(&sem);
	sleep_ns(10);
	assert_int_equal(host_live_stacks(), 0);
	assert_int_equal(host_clock(), T0 + 10);
}

static void guard_owner(void **state)
{
	struct thread *a = spawn("a", return_arg, NULL);
	struct thread *b = spawn("b", return_arg, NULL);
	assert_ptr_equal(sched_guard_owner(a->stack - 1), a);
	assert_ptr_equal(sched_guard_owner(a->stack - 4096), a);
	assert_ptr_not_equal(sched_guard_owner(a->stack - 4097), a);
	assert_ptr_not_equal(sched_guard_owner(a->stack), a);
	assert_ptr_equal(sched_guard_owner(b->stack - 100), b);
	/* The boot thread was given no stack: it owns no guard page. */
	assert_null(sched_guard_owner(0));
	assert_null(sched_guard_owner(4095));
	uintptr_t b_stack = b->stack;
	join(a);
	join(b);
	assert_null(sched_guard_owner(b_stack - 100)); /* freed: no longer anyone's */
}

/* --- yield ----------------------------------------------------------------------------- */

static int yield_three_times(void *arg)
{
	for (int i = 0; i < 3; i++) {
		mark(*(const char *)arg);
		thread_yield();
		CHECK_IRQ_ON();
	}
	return 0;
}

static void yield_round_robin(void **state)
{
	/* Alone: straight back, no switch. */
	unsigned long sw = sched_switches;
	thread_yield();
	assert_int_equal(sched_switches, sw);

	struct thread *a = spawn("a", yield_three_times, "a");
	struct thread *b = spawn("b", yield_three_times, "b");
	struct thread *c = spawn("c", yield_three_times, "c");
	join(a);
	join(b);
	join(c);
	assert_string_equal(trace, "abcabcabc");

	/* The boot thread takes its turn like the others. */
	ntrace = 0;
	a = spawn("a", yield_three_times, "a");
	b = spawn("b", yield_three_times, "b");
	for (int i = 0; i < 4; i++) {
		mark('B');
		thread_yield();
	}
	assert_string_equal(trace, "BabBabBabB");
	join(a);
	join(b);
	/* Nobody ever waited: the CPU never halted. */
	assert_int_equal(host_idles(), 0);
	assert_int_equal(host_clock(), T0);
}

/* --- sleeping ------------------------------------------------------------------------- */

struct sleeper {
	char id;
	uint64_t ns, woke;
};

static int sleep_then_mark(void *arg)
{
	struct sleeper *s = arg;
	sleep_ns(s->ns);
	CHECK_IRQ_ON();
	s->woke = host_clock();
	mark(s->id);
	return 0;
}

static void sleep_in_deadline_order(void **state)
{
	struct sleeper s[] = {
		{ 'a', 300, 0 }, { 'b', 100, 0 }, { 'c', 200, 0 }, { 'd', 100, 0 }, { 'e', 0, 0 }, { 'f', 1, 0 },
	};
	struct thread *t[6];
	for (int i = 0; i < 6; i++)
		t[i] = spawn("sleeper", sleep_then_mark, &s[i]);
	for (int i = 0; i < 6; i++)
		join(t[i]);
	/* e does not wait at all; b and d, due together, in the order they
	 * went to sleep. */
	assert_string_equal(trace, "efbdca");
	for (int i = 0; i < 6; i++)
		assert_int_equal(s[i].woke, T0 + s[i].ns);
	assert_int_equal(host_clock(), T0 + 300);

	/* sleep_ns(0) returns at once, without a switch or a halt. */
	unsigned long sw = sched_switches, idle = host_idles();
	sleep_ns(0);
	assert_int_equal(sched_switches, sw);
	assert_int_equal(host_idles(), idle);
	assert_int_equal(host_clock(), T0 + 300);

	/* The boot thread sleeping alongside others. */
	struct sleeper x = { 'x', 50, 0 }, y = { 'y', 150, 0 };
	struct thread *tx = spawn("x", sleep_then_mark, &x);
	struct thread *ty = spawn("y", sleep_then_mark, &y);
	sleep_ns(100);
	mark('B');
	assert_int_equal(host_clock(), T0 + 400);
	join(tx);
	join(ty);
	assert_string_equal(trace, "efbdcaxBy");
	assert_int_equal(host_clock(), T0 + 450);
}

static void sleep_saturates(void **state)
{
	/* A sleep that would run past the end of the clock ends at its last
	 * tick rather than wrapping into the past. */
	assert_true(host_reset(UINT64_MAX - 1000));
	sleep_ns(UINT64_MAX);
	assert_int_equal(host_clock(), UINT64_MAX - 1);
	assert_true(host_reset(T0));
	sleep_ns(UINT64_MAX - T0);
	assert_int_equal(host_clock(), UINT64_MAX - 1);
	assert_true(host_reset(T0));
}

/* The halt loop: an interrupt that wakes no thread halts again. */
static void spurious_wakeups(void **state)
{
	host_spurious_wakeups(3);
	unsigned long halts = sched_idle_halts;
	sleep_ns(100);
	assert_int_equal(host_clock(), T0 + 100);
	assert_int_equal(host_idles(), 4);
	assert_int_equal(sched_idle_halts - halts, 4);
}

/* --- interruptible waits (signals) ------------------------------------------------- */

static int wait_interruptibly(void *arg)
{
	struct waitq q = { 0, 0 };
	bool irq = sched_lock();
	int r = waitq_wait_interruptible(&q, *(uint64_t *)arg);
	sched_unlock(irq);
	return r;
}

static int wait_plainly(void *arg)
{
	struct waitq q = { 0, 0 };
	bool irq = sched_lock();
	int r = waitq_wait(&q, *(uint64_t *)arg);
	sched_unlock(irq);
	return r;
}

static void interrupt_ends_wait(void **state)
{
	uint64_t deadline = T0 + 1000;
	struct thread *a = spawn("intr", wait_interruptibly, &deadline);
	struct thread *b = spawn("plain", wait_plainly, &deadline);
	thread_yield(); /* both block */
	assert_int_equal(a->state, THREAD_BLOCKED);
	bool irq = sched_lock();
	a->sig_work = 1;
	sched_interrupt(a);
	sched_interrupt(b); /* not interruptible: still waiting */
	sched_unlock(irq);
	assert_int_equal(join(a), -EINTR);
	assert_int_equal(host_clock(), T0); /* at once, not at the deadline */
	assert_int_equal(join(b), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + 1000);

	/* Work already there: no wait at all. */
	deadline = DEADLINE_NEVER;
	thread_self()->sig_work = 1;
	assert_int_equal(wait_interruptibly(&deadline), -EINTR);
	thread_self()->sig_work = 0;

	/* A thread that runs (not blocked) is left alone. */
	irq = sched_lock();
	sched_interrupt(thread_self());
	sched_unlock(irq);
	assert_int_equal(thread_self()->state, THREAD_RUNNABLE);
}

/* --- semaphores -------------------------------------------------------------------- */

static void sem_post_before_wait(void **state)
{
	struct sem s;
	sem_init(&s, 0);
	sem_post(&s);
	sem_post(&s);
	assert_int_equal(s.count, 2);
	unsigned long sw = sched_switches;
	sem_wait(&s);
	assert_int_equal(sem_timedwait(&s, 1000), 0);
	assert_int_equal(sched_switches, sw);
	assert_int_equal(s.count, 0);
	assert_int_equal(sem_trywait(&s), -EAGAIN);
	/* A timeout of zero does not wait. */
	assert_int_equal(sem_timedwait(&s, 0), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0);
	assert_int_equal(host_idles(), 0);

	sem_init(&s, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sem_trywait(&s), 0);
	assert_int_equal(sem_trywait(&s), -EAGAIN);

	struct sem z = SEM_INIT(1);
	assert_int_equal(sem_trywait(&z), 0);
	assert_int_equal(sem_trywait(&z), -EAGAIN);
	struct sem zero = { 0 };
	sem_post(&zero);
	sem_wait(&zero);
	assert_true(host_irq_enabled());
}

static int sem_wait_mark(void *arg)
{
	sem_wait(&sem);
	CHECK_IRQ_ON();
	mark(*(const char *)arg);
	return 0;
}

static int trywait_result;

static int sem_trywait_once(void *arg)
{
	trywait_result = sem_trywait(&sem);
	return 0;
}

static void sem_hand_off(void **state)
{
	sem_init(&sem, 0);
	struct thread *w = spawn("waiter", sem_wait_mark, "w");
	thread_yield();
	assert_ptr_equal(waitq_first(&sem.waiters), w);
	/* A thread that will run before the waiter does. */
	trywait_result = 1;
	struct thread *t = spawn("thief", sem_trywait_once, NULL);
	sem_post(&sem);
	/* The unit went to the waiter: the count stays zero and nobody else
	 * can take it, not the poster, not the thread that runs first. */
	assert_int_equal(sem.count, 0);
	assert_null(waitq_first(&sem.waiters));
	assert_int_equal(sem_trywait(&sem), -EAGAIN);
	assert_int_equal(sem_timedwait(&sem, 0), -ETIMEDOUT);
	join(t);
	assert_int_equal(trywait_result, -EAGAIN);
	join(w);
	assert_string_equal(trace, "w");
	assert_int_equal(sem.count, 0);
}

static void sem_waiters_fifo(void **state)
{
	sem_init(&sem, 0);
	struct thread *t[5];
	static const char ids[] = "12345";
	for (int i = 0; i < 5; i++)
		t[i] = spawn("w", sem_wait_mark, (void *)&ids[i]);
	thread_yield();
	sem_post(&sem);
	sem_post(&sem);
	thread_yield();
	assert_string_equal(trace, "12");
	sem_post(&sem);
	thread_yield();
	assert_string_equal(trace, "123");
	sem_post(&sem);
	sem_post(&sem);
	sem_post(&sem); /* one more than there are waiters */
	for (int i = 0; i < 5; i++)
		join(t[i]);
	assert_string_equal(trace, "12345");
	assert_int_equal(sem.count, 1);
}

struct timed {
	char id;
	uint64_t timeout, start, end;
	int ret;
};

static int sem_timedwait_thread(void *arg)
{
	struct timed *w = arg;
	w->start = host_clock();
	w->ret = sem_timedwait(&sem, w->timeout);
	CHECK_IRQ_ON();
	w->end = host_clock();
	mark(w->id);
	return 0;
}

static void sem_timedwait_times_out(void **state)
{
	sem_init(&sem, 0);
	struct timed a = { 'a', 12345, 0, 0, 1 }, b = { 'b', 500, 0, 0, 1 };
	struct thread *ta = spawn("a", sem_timedwait_thread, &a);
	struct thread *tb = spawn("b", sem_timedwait_thread, &b);
	join(ta);
	join(tb);
	assert_string_equal(trace, "ba");
	assert_int_equal(a.ret, -ETIMEDOUT);
	assert_int_equal(b.ret, -ETIMEDOUT);
	/* Exactly at the deadline on the fake clock. */
	assert_int_equal(a.start, T0);
	assert_int_equal(a.end, T0 + 12345);
	assert_int_equal(b.end, T0 + 500);
	assert_null(waitq_first(&sem.waiters));
	assert_int_equal(sem.count, 0);
	/* A post now finds no waiter: it counts. */
	sem_post(&sem);
	assert_int_equal(sem.count, 1);

	/* The boot thread timing out alone. */
	sem_init(&sem, 0);
	assert_int_equal(sem_timedwait(&sem, 77), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + 12345 + 77);
}

/* The one place a timeout becomes a deadline (kernel/clock.h). */
static void deadline_after_saturates(void **state)
{
	assert_int_equal(deadline_after(0), T0);
	assert_int_equal(deadline_after(5), T0 + 5);
	assert_int_equal(deadline_after(DEADLINE_NEVER - T0 - 1), DEADLINE_NEVER - 1);
	assert_int_equal(deadline_after(DEADLINE_NEVER - T0), DEADLINE_NEVER);
	assert_int_equal(deadline_after(UINT64_MAX), DEADLINE_NEVER);
	assert_true(host_reset(UINT64_MAX - 10));
	assert_int_equal(deadline_after(9), UINT64_MAX - 1);
	assert_int_equal(deadline_after(10), DEADLINE_NEVER);
	assert_int_equal(deadline_after(11), DEADLINE_NEVER);
}

static void sem_timedwait_woken_early(void **state)
{
	sem_init(&sem, 0);
	struct timed a = { 'a', 1000000, 0, 0, 1 };
	struct thread *t = spawn("a", sem_timedwait_thread, &a);
	thread_yield();
	assert_int_equal(host_timers_armed(), 1); /* its timeout */
	sem_post(&sem);
	join(t);
	assert_int_equal(a.ret, 0);
	assert_int_equal(a.end, a.start);	  /* no time passed */
	assert_int_equal(host_timers_armed(), 0); /* the timeout was cancelled */
	assert_int_equal(sem.count, 0);
	/* Nothing fires later either. */
	sleep_ns(2000000);
	assert_int_equal(sem.count, 0);

	/* The longest timeout there is, cut short by a post: beyond the
	 * clock's reach, it is no limit (deadline_after gives DEADLINE_NEVER),
	 * so no timer is armed for it. */
	struct timed b = { 'b', UINT64_MAX, 0, 0, 1 };
	t = spawn("b", sem_timedwait_thread, &b);
	thread_yield();
	assert_int_equal(host_timers_armed(), 0);
	sem_post(&sem);
	join(t);
	assert_int_equal(b.ret, 0);
	assert_int_equal(host_timers_armed(), 0);
}

static struct timer irq_timer;

/* A timer function runs as an interrupt handler would. */
static void post_from_interrupt(struct timer *t, void *ctx)
{
	HOST_CHECK(host_in_interrupt());
	HOST_CHECK(!host_irq_enabled());
	sem_post(ctx);
	HOST_CHECK(!host_irq_enabled());
}

static void sem_post_from_interrupt(void **state)
{
	sem_init(&sem, 0);
	/* A thread waits; the boot thread joins it; the CPU halts until the
	 * "device" interrupt posts. */
	arch_timer_arm(&irq_timer, T0 + 777, post_from_interrupt, &sem);
	struct timed w = { 'w', UINT64_MAX, 0, 0, 1 };
	join(spawn("w", sem_timedwait_thread, &w));
	assert_int_equal(w.ret, 0);
	assert_int_equal(w.end, T0 + 777);
	/* The boot thread itself waiting. */
	arch_timer_arm(&irq_timer, T0 + 1000, post_from_interrupt, &sem);
	sem_wait(&sem);
	assert_int_equal(host_clock(), T0 + 1000);
	assert_int_equal(sem.count, 0);
	/* With nobody waiting, it counts. */
	arch_timer_arm(&irq_timer, T0 + 2000, post_from_interrupt, &sem);
	sleep_ns(5000);
	assert_int_equal(sem.count, 1);
}

/* A post and a timeout due at the same instant: whichever fires first
 * decides, and the unit is never lost nor given twice. */
static void sem_post_and_timeout_together(void **state)
{
	/* The post's timer was armed first: the waiter gets the unit, and
	 * its own timeout, firing right after, changes nothing. */
	sem_init(&sem, 0);
	uint64_t due = T0 + 1000;
	arch_timer_arm(&irq_timer, due, post_from_interrupt, &sem);
	struct timed a = { 'a', due - T0, 0, 0, 1 };
	join(spawn("a", sem_timedwait_thread, &a));
	assert_int_equal(a.ret, 0);
	assert_int_equal(a.end, due);
	assert_int_equal(sem.count, 0);

	/* The timeout was armed first: the wait times out, the post counts. */
	due += 1000;
	struct timed b = { 'b', 1000, 0, 0, 1 };
	struct thread *t = spawn("b", sem_timedwait_thread, &b);
	thread_yield();
	arch_timer_arm(&irq_timer, due, post_from_interrupt, &sem);
	join(t);
	assert_int_equal(b.ret, -ETIMEDOUT);
	assert_int_equal(b.end, due);
	assert_int_equal(sem.count, 1);
}

static struct sem ping, pong;
static int rally;

static int ponger(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		sem_wait(&ping);
		HOST_CHECK(rally == 2 * i + 1);
		rally++;
		sem_post(&pong);
	}
	return 0;
}

static void sem_ping_pong(void **state)
{
	sem_init(&ping, 0);
	sem_init(&pong, 0);
	rally = 0;
	unsigned long sw = sched_switches;
	struct thread *t = spawn("ponger", ponger, NULL);
	for (int i = 0; i < 1000; i++) {
		rally++;
		sem_post(&ping);
		sem_wait(&pong);
		assert_int_equal(rally, 2 * i + 2);
	}
	join(t);
	assert_int_equal(rally, 2000);
	assert_true(sched_switches - sw >= 2000);
	assert_int_equal(host_idles(), 0);
	assert_int_equal(ping.count + pong.count, 0);
}

/* --- mutexes ---------------------------------------------------------------------------- */

static struct mutex mtx;

struct mutex_try {
	int trylock, unlock;
};

static int mutex_try_foreign(void *arg)
{
	struct mutex_try *r = arg;
	r->trylock = mutex_trylock(&mtx);
	r->unlock = mutex_unlock(&mtx);
	return 0;
}

static void mutex_basics(void **state)
{
	mutex_init(&mtx);
	struct thread *self = thread_self();
	assert_int_equal(mutex_lock(&mtx), 0);
	assert_ptr_equal(mtx.owner, self);
	assert_int_equal(mutex_lock(&mtx), -EDEADLK);
	assert_int_equal(mutex_trylock(&mtx), -EBUSY);
	assert_ptr_equal(mtx.owner, self);

	/* Another thread can neither take it nor release it. */
	struct mutex_try r = { 1, 1 };
	join(spawn("foreign", mutex_try_foreign, &r));
	assert_int_equal(r.trylock, -EBUSY);
	assert_int_equal(r.unlock, -EPERM);
	assert_ptr_equal(mtx.owner, self);

	assert_int_equal(mutex_unlock(&mtx), 0);
	assert_null(mtx.owner);
	assert_int_equal(mutex_unlock(&mtx), -EPERM);
	assert_int_equal(mutex_trylock(&mtx), 0);
	assert_int_equal(mutex_unlock(&mtx), 0);

	/* Free, another thread takes and leaves it. */
	r = (struct mutex_try){ 1, 1 };
	join(spawn("foreign", mutex_try_foreign, &r));
	assert_int_equal(r.trylock, 0);
	assert_int_equal(r.unlock, 0);
	assert_null(mtx.owner);

	struct mutex s = MUTEX_INIT;
	assert_int_equal(mutex_lock(&s), 0);
	assert_int_equal(mutex_unlock(&s), 0);
	assert_int_equal(host_idles(), 0);
}

static int lock_mark_unlock(void *arg)
{
	HOST_CHECK(mutex_lock(&mtx) == 0);
	CHECK_IRQ_ON();
	HOST_CHECK(mtx.owner == thread_self());
	mark(*(const char *)arg);
	thread_yield(); /* holding it */
	HOST_CHECK(mtx.owner == thread_self());
	HOST_CHECK(mutex_unlock(&mtx) == 0);
	return 0;
}

static void mutex_hand_off_fifo(void **state)
{
	mutex_init(&mtx);
	assert_int_equal(mutex_lock(&mtx), 0);
	static const char ids[] = "1234";
	struct thread *t[4];
	for (int i = 0; i < 4; i++)
		t[i] = spawn("locker", lock_mark_unlock, (void *)&ids[i]);
	thread_yield(); /* all four wait, in order */
	assert_ptr_equal(waitq_first(&mtx.waiters), t[0]);
	assert_string_equal(trace, "");

	/* Unlocking hands the mutex straight to the longest waiter: it is
	 * taken before that waiter even runs. */
	assert_int_equal(mutex_unlock(&mtx), 0);
	assert_ptr_equal(mtx.owner, t[0]);
	assert_ptr_equal(waitq_first(&mtx.waiters), t[1]);
	assert_int_equal(mutex_trylock(&mtx), -EBUSY);
	/* Waiting for it now means queueing behind the other three. */
	assert_int_equal(mutex_lock(&mtx), 0);
	mark('B');
	assert_int_equal(mutex_unlock(&mtx), 0);
	for (int i = 0; i < 4; i++)
		join(t[i]);
	assert_string_equal(trace, "1234B");
	assert_null(mtx.owner);
	assert_null(waitq_first(&mtx.waiters));
}

/* --- condition variables ------------------------------------------------------------- */

static struct cond cv;
static int ready;

static int cond_wait_ready(void *arg)
{
	HOST_CHECK(mutex_lock(&mtx) == 0);
	while (!ready) {
		HOST_CHECK(cond_wait(&cv, &mtx) == 0);
		CHECK_IRQ_ON();
		HOST_CHECK(mtx.owner == thread_self());
	}
	mark(*(const char *)arg);
	HOST_CHECK(mutex_unlock(&mtx) == 0);
	return 0;
}

static void cond_signal_and_broadcast(void **state)
{
	mutex_init(&mtx);
	cond_init(&cv);
	ready = 0;
	/* A signal with nobody waiting is not remembered. */
	cond_signal(&cv);
	cond_broadcast(&cv);

	static const char ids[] = "123";
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = spawn("cw", cond_wait_ready, (void *)&ids[i]);
	thread_yield();
	assert_ptr_equal(waitq_first(&cv.waiters), t[0]);
	assert_null(mtx.owner); /* released by the waits */

	/* A signal wakes one, the longest waiter. */
	assert_int_equal(mutex_lock(&mtx), 0);
	ready = 1;
	cond_signal(&cv);
	assert_int_equal(mutex_unlock(&mtx), 0);
	thread_yield();
	assert_string_equal(trace, "1");
	assert_ptr_equal(waitq_first(&cv.waiters), t[1]);
	/* A broadcast wakes the rest, in order. */
	cond_broadcast(&cv);
	assert_null(waitq_first(&cv.waiters));
	for (int i = 0; i < 3; i++)
		join(t[i]);
	assert_string_equal(trace, "123");

	/* Waiting without holding the mutex is refused at once. */
	unsigned long sw = sched_switches;
	assert_int_equal(cond_wait(&cv, &mtx), -EPERM);
	assert_int_equal(cond_timedwait(&cv, &mtx, 100), -EPERM);
	assert_int_equal(sched_switches, sw);
	assert_null(waitq_first(&cv.waiters));

	struct cond s = COND_INIT;
	cond_signal(&s);
}

struct cond_timed {
	uint64_t timeout, start, end;
	int ret;
	bool owned;
};

static int cond_timedwait_thread(void *arg)
{
	struct cond_timed *w = arg;
	HOST_CHECK(mutex_lock(&mtx) == 0);
	w->start = host_clock();
	w->ret = cond_timedwait(&cv, &mtx, w->timeout);
	CHECK_IRQ_ON();
	w->end = host_clock();
	w->owned = mtx.owner == thread_self();
	HOST_CHECK(mutex_unlock(&mtx) == 0);
	return 0;
}

static void cond_timedwait_times_out(void **state)
{
	mutex_init(&mtx);
	cond_init(&cv);

	/* Times out exactly, the mutex held again. */
	struct cond_timed a = { 5000, 0, 0, 1, false };
	join(spawn("a", cond_timedwait_thread, &a));
	assert_int_equal(a.ret, -ETIMEDOUT);
	assert_int_equal(a.end - a.start, 5000);
	assert_true(a.owned);
	assert_null(mtx.owner);

	/* Times out while another thread holds the mutex: it returns when it
	 * has the mutex again, later than its deadline. */
	struct cond_timed b = { 1000, 0, 0, 1, false };
	struct thread *t = spawn("b", cond_timedwait_thread, &b);
	thread_yield(); /* b waits; the mutex is free */
	assert_int_equal(mutex_lock(&mtx), 0);
	sleep_ns(3000); /* b times out meanwhile and waits for the mutex */
	assert_ptr_equal(waitq_first(&mtx.waiters), t);
	assert_int_equal(mutex_unlock(&mtx), 0);
	join(t);
	assert_int_equal(b.ret, -ETIMEDOUT);
	assert_int_equal(b.end - b.start, 3000);
	assert_true(b.owned);

	/* Signalled before its deadline: 0, and its timeout cancelled. */
	struct cond_timed c = { 100000, 0, 0, 1, false };
	t = spawn("c", cond_timedwait_thread, &c);
	thread_yield();
	assert_int_equal(host_timers_armed(), 1);
	cond_signal(&cv);
	join(t);
	assert_int_equal(c.ret, 0);
	assert_int_equal(c.end, c.start);
	assert_true(c.owned);
	assert_int_equal(host_timers_armed(), 0);

	/* A timeout of zero: no wait, the mutex still held. */
	assert_int_equal(mutex_lock(&mtx), 0);
	unsigned long sw = sched_switches;
	assert_int_equal(cond_timedwait(&cv, &mtx, 0), -ETIMEDOUT);
	assert_int_equal(sched_switches, sw);
	assert_ptr_equal(mtx.owner, thread_self());
	assert_int_equal(mutex_unlock(&mtx), 0);
}

/* The waiter's unlock and its wait are one step: a thread woken by that
 * unlock (the mutex handed to it) runs only once the waiter is on the
 * condition's queue, so its signal always finds it. If the signal were
 * lost, the waiter would wait forever and arch_idle would report the
 * deadlock. */
static struct thread *cond_waiter_thread;
static bool waiter_was_queued;

static int lw_waiter(void *arg)
{
	HOST_CHECK(mutex_lock(&mtx) == 0);
	mark('w');
	thread_yield(); /* the signaller now blocks on the mutex */
	HOST_CHECK(waitq_first(&mtx.waiters) != NULL);
	mark('W');
	HOST_CHECK(cond_wait(&cv, &mtx) == 0); /* no predicate: one signal must do */
	mark('r');
	HOST_CHECK(mutex_unlock(&mtx) == 0);
	return 0;
}

static int lw_signaller(void *arg)
{
	mark('s');
	HOST_CHECK(mutex_lock(&mtx) == 0); /* handed over by the wait's unlock */
	mark('S');
	waiter_was_queued = waitq_first(&cv.waiters) == cond_waiter_thread;
	cond_signal(&cv);
	HOST_CHECK(mutex_unlock(&mtx) == 0);
	return 0;
}

static void cond_no_lost_wakeup(void **state)
{
	mutex_init(&mtx);
	cond_init(&cv);
	waiter_was_queued = false;
	cond_waiter_thread = spawn("waiter", lw_waiter, NULL);
	struct thread *s = spawn("signaller", lw_signaller, NULL);
	join(cond_waiter_thread);
	join(s);
	assert_string_equal(trace, "wsWSr");
	assert_true(waiter_was_queued);
	assert_int_equal(host_idles(), 0);
}

/* A bounded buffer: producers and consumers, with yields and sleeps
 * thrown in. */
#define PC_SLOTS 4
#define PC_PRODUCERS 3
#define PC_CONSUMERS 4
#define PC_ITEMS 400

static struct {
	struct mutex m;
	struct cond not_full, not_empty;
	int buf[PC_SLOTS];
	unsigned head, count;
	unsigned taken;
	long sum;
	int last_seq[PC_PRODUCERS];
	unsigned long seed;
	unsigned max_count;
} pc;

static unsigned pc_random(unsigned n)
{
	pc.seed = pc.seed * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(pc.seed >> 33) % n;
}

static void pc_dawdle(void)
{
	unsigned r = pc_random(8);
	if (r == 0)
		thread_yield();
	else if (r == 1)
		sleep_ns(1 + pc_random(50));
}

static int producer(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int k = 0; k < PC_ITEMS; k++) {
		HOST_CHECK(mutex_lock(&pc.m) == 0);
		while (pc.count == PC_SLOTS)
			HOST_CHECK(cond_wait(&pc.not_full, &pc.m) == 0);
		pc.buf[(pc.head + pc.count) % PC_SLOTS] = id * 100000 + k;
		pc.count++;
		if (pc.count > pc.max_count)
			pc.max_count = pc.count;
		cond_signal(&pc.not_empty);
		HOST_CHECK(mutex_unlock(&pc.m) == 0);
		pc_dawdle();
	}
	return 0;
}

static int consumer(void *arg)
{
	int got = 0;
	for (;;) {
		HOST_CHECK(mutex_lock(&pc.m) == 0);
		while (pc.count == 0 && pc.taken < PC_PRODUCERS * PC_ITEMS)
			HOST_CHECK(cond_wait(&pc.not_empty, &pc.m) == 0);
		if (pc.count == 0) {
			HOST_CHECK(mutex_unlock(&pc.m) == 0);
			return got;
		}
		int v = pc.buf[pc.head];
		pc.head = (pc.head + 1) % PC_SLOTS;
		pc.count--;
		pc.taken++;
		pc.sum += v;
		/* One buffer, first in first out: each producer's items come
		 * out in the order it put them in. */
		int p = v / 100000, k = v % 100000;
		HOST_CHECK(p >= 0 && p < PC_PRODUCERS && k == pc.last_seq[p] + 1);
		pc.last_seq[p] = k;
		got++;
		cond_signal(&pc.not_full);
		if (pc.taken == PC_PRODUCERS * PC_ITEMS)
			cond_broadcast(&pc.not_empty); /* the others stop waiting */
		HOST_CHECK(mutex_unlock(&pc.m) == 0);
		pc_dawdle();
	}
}

static void producers_consumers(void **state)
{
	memset(&pc, 0, sizeof(pc));
	mutex_init(&pc.m);
	cond_init(&pc.not_full);
	cond_init(&pc.not_empty);
	pc.seed = 12345;
	for (int p = 0; p < PC_PRODUCERS; p++)
		pc.last_seq[p] = -1;
	struct thread *prod[PC_PRODUCERS], *cons[PC_CONSUMERS];
	for (int i = 0; i < PC_CONSUMERS; i++)
		cons[i] = spawn("consumer", consumer, NULL);
	for (int p = 0; p < PC_PRODUCERS; p++)
		prod[p] = spawn("producer", producer, (void *)(intptr_t)p);
	for (int p = 0; p < PC_PRODUCERS; p++)
		join(prod[p]);
	int total = 0;
	for (int i = 0; i < PC_CONSUMERS; i++)
		total += join(cons[i]);
	assert_int_equal(total, PC_PRODUCERS * PC_ITEMS);
	assert_int_equal(pc.taken, PC_PRODUCERS * PC_ITEMS);
	long want = 0;
	for (int p = 0; p < PC_PRODUCERS; p++)
		for (int k = 0; k < PC_ITEMS; k++)
			want += p * 100000 + k;
	assert_int_equal(pc.sum, want);
	for (int p = 0; p < PC_PRODUCERS; p++)
		assert_int_equal(pc.last_seq[p], PC_ITEMS - 1);
	assert_int_equal(pc.count, 0);
	assert_true(pc.max_count == PC_SLOTS); /* the buffer did fill up */
	assert_null(waitq_first(&pc.not_empty.waiters));
	assert_null(waitq_first(&pc.not_full.waiters));
}

/* --- errno ------------------------------------------------------------------------------ */

static int *errno_seen[3];

static int errno_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	errno_seen[id] = &errno;
	HOST_CHECK(errno == 0); /* a new thread's starts at zero */
	errno = 100 + id;
	for (int i = 0; i < 5; i++) {
		thread_yield();
		HOST_CHECK(errno == 100 + id);
		sleep_ns((uint64_t)(id + 1));
		HOST_CHECK(errno == 100 + id);
	}
	return 0;
}

static void errno_per_thread(void **state)
{
	errno = 77;
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = spawn("errno", errno_thread, (void *)(intptr_t)i);
	for (int i = 0; i < 3; i++)
		join(t[i]);
	assert_int_equal(errno, 77);
	assert_ptr_equal(&errno, &thread_self()->errno_value);
	for (int i = 0; i < 3; i++) {
		assert_ptr_not_equal(errno_seen[i], &errno);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(errno_seen[i], errno_seen[j]);
	}
	errno = 0;
}

/* --- random stress ------------------------------------------------------------------- */

#define ST_THREADS 10
#define ST_MUTEXES 3
#define ST_SEMS 3
#define ST_CONDS 2
#define ST_OPS 400

static struct {
	struct mutex m[ST_MUTEXES];
	int holders[ST_MUTEXES]; /* how many threads think they hold it: 0 or 1 */
	struct cond c[ST_CONDS]; /* c[i] goes with m[i] */
	struct sem s[ST_SEMS];
	unsigned long initial[ST_SEMS], posted[ST_SEMS], acquired[ST_SEMS];
	unsigned long ops, timeouts, blocked_waits, irq_posts;
	uint64_t rng;
	unsigned finished;
	struct timer irq;
	unsigned irq_left;
} st;

static uint64_t st_random(uint64_t n)
{
	/* xorshift64*: the threads share it, one at a time */
	st.rng ^= st.rng >> 12;
	st.rng ^= st.rng << 25;
	st.rng ^= st.rng >> 27;
	return (st.rng * 0x2545f4914f6cdd1dull) % n;
}

static void st_check_sems(void)
{
	for (int i = 0; i < ST_SEMS; i++) {
		/* Never below zero (an unsigned count would wrap to a huge one),
		 * never more units than were ever put in. */
		HOST_CHECK(st.acquired[i] <= st.initial[i] + st.posted[i]);
		HOST_CHECK(st.s[i].count <= st.initial[i] + st.posted[i] - st.acquired[i]);
	}
}

/* With m[i] held: a random stretch of work that may yield, sleep or wait
 * on c[i] (which lets others take the mutex meanwhile). */
static void st_critical(int i)
{
	HOST_CHECK(st.m[i].owner == thread_self());
	HOST_CHECK(++st.holders[i] == 1);
	switch (st_random(5)) {
	case 0: thread_yield(); break;
	case 1: sleep_ns(st_random(300)); break;
	case 2:
		if (i < ST_CONDS) {
			st.holders[i]--;
			int r = cond_timedwait(&st.c[i], &st.m[i], st_random(500));
			HOST_CHECK(r == 0 || r == -ETIMEDOUT);
			st.timeouts += r == -ETIMEDOUT;
			HOST_CHECK(st.m[i].owner == thread_self());
			HOST_CHECK(++st.holders[i] == 1);
		}
		break;
	default: break;
	}
	HOST_CHECK(st.holders[i] == 1);
	st.holders[i]--;
}

static int st_thread(void *arg)
{
	int id = (int)(intptr_t)arg;
	errno = 1000 + id;
	for (int op = 0; op < ST_OPS; op++) {
		int i = (int)st_random(ST_SEMS);
		int r;
		switch (st_random(12)) {
		case 0:
		case 1:
			HOST_CHECK(mutex_lock(&st.m[i % ST_MUTEXES]) == 0);
			st_critical(i % ST_MUTEXES);
			HOST_CHECK(mutex_unlock(&st.m[i % ST_MUTEXES]) == 0);
			break;
		case 2:
			if (mutex_trylock(&st.m[i % ST_MUTEXES]) == 0) {
				st_critical(i % ST_MUTEXES);
				HOST_CHECK(mutex_unlock(&st.m[i % ST_MUTEXES]) == 0);
			}
			break;
		case 3:
			/* Releasing what one does not hold is refused. */
			if (st.m[i % ST_MUTEXES].owner != thread_self())
				HOST_CHECK(mutex_unlock(&st.m[i % ST_MUTEXES]) == -EPERM);
			break;
		case 4:
			st.posted[i]++;
			sem_post(&st.s[i]);
			break;
		case 5:
			if (sem_trywait(&st.s[i]) == 0)
				st.acquired[i]++;
			break;
		case 6:
		case 7:
			r = sem_timedwait(&st.s[i], st_random(1000));
			HOST_CHECK(r == 0 || r == -ETIMEDOUT);
			if (r == 0)
				st.acquired[i]++;
			else
				st.timeouts++;
			break;
		case 8:
			/* An untimed wait, only when a unit is sure to come: one is
			 * there, or the interrupt will keep posting. */
			if (st.s[i].count > 0 || (i == 0 && st.irq_left > 2 * ST_THREADS)) {
				st.blocked_waits++;
				sem_wait(&st.s[i]);
				st.acquired[i]++;
			}
			break;
		case 9:
			if (st_random(2))
				cond_signal(&st.c[i % ST_CONDS]);
			else
				cond_broadcast(&st.c[i % ST_CONDS]);
			break;
		case 10: thread_yield(); break;
		default: sleep_ns(st_random(400)); break;
		}
		CHECK_IRQ_ON();
		HOST_CHECK(errno == 1000 + id);
		st_check_sems();
		st.ops++;
	}
	st.finished++;
	return id;
}

/* The "device": posts semaphore 0 every 150 ns while it has posts left. */
static void st_interrupt(struct timer *t, void *ctx)
{
	HOST_CHECK(host_in_interrupt());
	st.posted[0]++;
	st.irq_posts++;
	sem_post(&st.s[0]);
	if (--st.irq_left > 0)
		arch_timer_arm(&st.irq, deadline_after(150), st_interrupt, NULL);
}

static void stress_round(uint64_t seed)
{
	memset(&st, 0, sizeof(st));
	st.rng = seed ? seed : 1;
	for (int i = 0; i < ST_MUTEXES; i++)
		mutex_init(&st.m[i]);
	for (int i = 0; i < ST_CONDS; i++)
		cond_init(&st.c[i]);
	for (int i = 0; i < ST_SEMS; i++) {
		st.initial[i] = st_random(3);
		sem_init(&st.s[i], st.initial[i]);
	}
	st.irq_left = 2000;
	arch_timer_arm(&st.irq, deadline_after(150), st_interrupt, NULL);

	struct thread *t[ST_THREADS];
	for (int k = 0; k < ST_THREADS; k++) {
		size_t stack = st_random(2) ? 0 : 16384;
		assert_int_equal(thread_create(&t[k], "stress", st_thread, (void *)(intptr_t)k, stack), 0);
		/* Some free themselves. */
		if (k % 3 == 2)
			assert_int_equal(thread_detach(t[k]), 0);
	}
	for (int k = 0; k < ST_THREADS; k++)
		if (k % 3 != 2)
			assert_int_equal(join(t[k]), k);
	/* The detached ones: wait until they are done and reaped. */
	while (st.finished < ST_THREADS || host_live_stacks() > 0)
		sleep_ns(1000);
	assert_int_equal(st.finished, ST_THREADS);
	assert_int_equal(st.ops, ST_THREADS * ST_OPS);
	arch_timer_cancel(&st.irq);

	for (int i = 0; i < ST_MUTEXES; i++) {
		assert_null(st.m[i].owner);
		assert_null(waitq_first(&st.m[i].waiters));
		assert_int_equal(st.holders[i], 0);
	}
	for (int i = 0; i < ST_CONDS; i++)
		assert_null(waitq_first(&st.c[i].waiters));
	/* Every unit accounted for. */
	for (int i = 0; i < ST_SEMS; i++) {
		assert_null(waitq_first(&st.s[i].waiters));
		assert_int_equal(st.s[i].count, st.initial[i] + st.posted[i] - st.acquired[i]);
	}
	assert_int_equal(host_live_stacks(), 0);
	assert_int_equal(host_timers_armed(), 0);
}

static void random_stress(void **state)
{
	const char *s = getenv("KEEL_TEST_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : 0x7363686564756c65ull;
	print_message("sched stress: seed 0x%" PRIx64 " (KEEL_TEST_SEED overrides it)\n", seed);
	unsigned long ops = 0, timeouts = 0, blocked = 0, irq = 0, sw = sched_switches;
	for (int round = 0; round < 20; round++) {
		stress_round(seed + (uint64_t)round * 0x9e3779b97f4a7c15ull);
		ops += st.ops;
		timeouts += st.timeouts;
		blocked += st.blocked_waits;
		irq += st.irq_posts;
	}
	print_message("sched stress: %lu operations, %lu switches, %lu timeouts, %lu untimed waits, "
		      "%lu posts from interrupts, clock %" PRIu64 " ns\n",
		      ops, sched_switches - sw, timeouts, blocked, irq, host_clock() - T0);
}

/* --- mailboxes ----------------------------------------------------------------------- */

static struct mbox mbox;

static void mbox_basics(void **state)
{
	assert_int_equal(mbox_init(&mbox, 0), -EINVAL);
	assert_int_equal(mbox_init(&mbox, 3), 0);
	void *m = NULL;
	assert_int_equal(mbox_tryfetch(&mbox, &m), -EAGAIN);
	int a, b, c, d;
	assert_int_equal(mbox_trypost(&mbox, &a), 0);
	mbox_post(&mbox, &b);
	assert_int_equal(mbox_trypost(&mbox, &c), 0);
	assert_int_equal(mbox_trypost(&mbox, &d), -EAGAIN); /* full */
	/* First in, first out, across the ring's wrap. */
	assert_int_equal(mbox_fetch(&mbox, &m, 0), 0);
	assert_ptr_equal(m, &a);
	assert_int_equal(mbox_trypost(&mbox, &d), 0);
	assert_int_equal(mbox_tryfetch(&mbox, &m), 0);
	assert_ptr_equal(m, &b);
	assert_int_equal(mbox_fetch(&mbox, &m, UINT64_MAX), 0);
	assert_ptr_equal(m, &c);
	assert_int_equal(mbox_tryfetch(&mbox, &m), 0);
	assert_ptr_equal(m, &d);
	/* Empty: a fetch times out exactly at its deadline. */
	uint64_t t = host_clock();
	assert_int_equal(mbox_fetch(&mbox, &m, 4321), -ETIMEDOUT);
	assert_int_equal(host_clock(), t + 4321);
	/* Round and round the ring, one to three messages in it: first in,
	 * first out at every position. */
	static int v[64];
	unsigned in = 0, out = 0;
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned k = 0; k <= round % 3; k++)
			assert_int_equal(mbox_trypost(&mbox, &v[in++ % 64]), 0);
		while (out < in) {
			assert_int_equal(mbox_tryfetch(&mbox, &m), 0);
			assert_ptr_equal(m, &v[out++ % 64]);
		}
	}
	mbox_destroy(&mbox);
}

static int mbox_consumer(void *arg)
{
	uintptr_t sum = 0;
	for (int i = 0; i < 100; i++) {
		void *m;
		HOST_CHECK(mbox_fetch(&mbox, &m, UINT64_MAX) == 0);
		CHECK_IRQ_ON();
		sum += (uintptr_t)m;
		if (i % 7 == 0)
			sleep_ns(10);
	}
	return (int)sum;
}

/* A full mailbox holds the poster back until a fetch makes room. */
static void mbox_blocking_post(void **state)
{
	assert_int_equal(mbox_init(&mbox, 2), 0);
	struct thread *t = spawn("consumer", mbox_consumer, NULL);
	for (uintptr_t i = 1; i <= 100; i++)
		mbox_post(&mbox, (void *)i);
	assert_int_equal(join(t), 5050);
	assert_int_equal(mbox.count, 0);
	assert_null(waitq_first(&mbox.not_full));
	assert_null(waitq_first(&mbox.not_empty));
	mbox_destroy(&mbox);
}

static void post_mbox_from_interrupt(struct timer *t, void *ctx)
{
	HOST_CHECK(host_in_interrupt());
	HOST_CHECK(mbox_trypost(&mbox, ctx) == 0);
}

/* A handler's post wakes a fetch that waits with a timeout; a second
 * fetch, with no post coming, times out. */
static void mbox_post_from_interrupt(void **state)
{
	assert_int_equal(mbox_init(&mbox, 1), 0);
	int msg;
	arch_timer_arm(&irq_timer, T0 + 500, post_mbox_from_interrupt, &msg);
	void *m = NULL;
	assert_int_equal(mbox_fetch(&mbox, &m, 1000000), 0);
	assert_ptr_equal(m, &msg);
	assert_int_equal(host_clock(), T0 + 500);
	assert_int_equal(host_timers_armed(), 0);
	assert_int_equal(mbox_fetch(&mbox, &m, 1000), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + 1500);
	mbox_destroy(&mbox);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(create_and_join),
		TEST(create_arguments),
		TEST(join_and_detach_errors),
		TEST(detach_exited_thread),
		TEST(detached_threads_are_reaped),
		TEST(guard_owner),
		TEST(yield_round_robin),
		TEST(sleep_in_deadline_order),
		TEST(sleep_saturates),
		TEST(spurious_wakeups),
		TEST(interrupt_ends_wait),
		TEST(sem_post_before_wait),
		TEST(sem_hand_off),
		TEST(sem_waiters_fifo),
		TEST(sem_timedwait_times_out),
		TEST(deadline_after_saturates),
		TEST(sem_timedwait_woken_early),
		TEST(sem_post_from_interrupt),
		TEST(sem_post_and_timeout_together),
		TEST(sem_ping_pong),
		TEST(mutex_basics),
		TEST(mutex_hand_off_fifo),
		TEST(cond_signal_and_broadcast),
		TEST(cond_timedwait_times_out),
		TEST(cond_no_lost_wakeup),
		TEST(producers_consumers),
		TEST(errno_per_thread),
		TEST(random_stress),
		TEST(mbox_basics),
		TEST(mbox_blocking_post),
		TEST(mbox_post_from_interrupt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
