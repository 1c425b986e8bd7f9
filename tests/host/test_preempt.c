/*
 * Preemption in the scheduler (kernel/sched.c) on the host arch layer
 * (tests/host/sched_host.c), where host_interrupt_at() plays an interrupt
 * striking the running thread: the slice timer armed only when needed,
 * a preemptible thread switched away from at its slice's end and not
 * before, never while it holds preempt_disable (but at preempt_enable),
 * at once when an interrupt wakes a cooperative thread; cooperative
 * threads never.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/sched.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)

static char trace[64];
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

static int teardown(void **state) { return host_quiescent() ? 0 : -1; }

static struct thread *spawn(int (*fn)(void *), bool preemptible)
{
	struct thread *t = NULL;
	assert_int_equal(thread_create(&t, preemptible ? "app" : "kernel", fn, NULL, 0), 0);
	sched_set_preemptible(t, preemptible);
	return t;
}

static int mark_q(void *arg)
{
	mark('q');
	return 0;
}

/* A preemptible thread alone needs no slice timer; beside another
 * runnable thread it gets one. */
static int check_slice_armed(void *arg)
{
	HOST_CHECK(host_timers_armed() == 1);
	mark('p');
	return 0;
}

static int check_no_slice(void *arg)
{
	/* The timer of the slice before is not moved at the switch (it costs
	 * an APIC write); when it fires for a thread alone, it is not armed
	 * again, and the thread goes on. */
	host_interrupt_at(host_clock() + SCHED_SLICE_NS);
	HOST_CHECK(host_timers_armed() == 0);
	mark('a');
	return 0;
}

static void test_slice_timer_only_when_needed(void **state)
{
	struct thread *p = spawn(check_slice_armed, true), *q = spawn(mark_q, false);
	assert_int_equal(thread_join(p, NULL), 0);
	assert_int_equal(thread_join(q, NULL), 0);
	struct thread *a = spawn(check_no_slice, true);
	assert_int_equal(thread_join(a, NULL), 0);
	assert_string_equal(trace, "pqa");
	assert_int_equal(host_timers_armed(), 0);
}

/* Preempted at the end of its slice, not a nanosecond before. */
static int run_past_slice(void *arg)
{
	mark('p');
	host_interrupt_at(T0 + SCHED_SLICE_NS - 1);
	mark('P');
	host_interrupt_at(T0 + SCHED_SLICE_NS);
	mark('r');
	HOST_CHECK(host_timers_armed() == 0); /* alone again */
	return 0;
}

static void test_preempted_at_slice_end(void **state)
{
	unsigned long before = sched_preemptions;
	struct thread *p = spawn(run_past_slice, true), *q = spawn(mark_q, false);
	assert_int_equal(thread_join(p, NULL), 0);
	assert_int_equal(thread_join(q, NULL), 0);
	assert_string_equal(trace, "pPqr");
	assert_int_equal(sched_preemptions - before, 1);
}

/* A cooperative thread runs on through any interrupt. */
static int cooperative_runs_on(void *arg)
{
	mark('c');
	HOST_CHECK(host_timers_armed() == 0);
	host_interrupt_at(T0 + 100 * SCHED_SLICE_NS);
	mark('C');
	return 0;
}

static void test_cooperative_never_preempted(void **state)
{
	struct thread *c = spawn(cooperative_runs_on, false), *q = spawn(mark_q, false);
	assert_int_equal(thread_join(c, NULL), 0);
	assert_int_equal(thread_join(q, NULL), 0);
	assert_string_equal(trace, "cCq");
}

/* preempt_disable holds a due preemption until preempt_enable. */
static int hold_preemption(void *arg)
{
	preempt_disable();
	mark('d');
	host_interrupt_at(T0 + 2 * SCHED_SLICE_NS);
	mark('D');
	preempt_enable();
	mark('e');
	return 0;
}

static void test_preempt_disable_defers(void **state)
{
	struct thread *p = spawn(hold_preemption, true), *q = spawn(mark_q, false);
	assert_int_equal(thread_join(p, NULL), 0);
	assert_int_equal(thread_join(q, NULL), 0);
	assert_string_equal(trace, "dDqe");
}

/* A cooperative (kernel) thread woken by an interrupt runs at once, in
 * the middle of an application thread's slice. */
static int sleep_then_mark(void *arg)
{
	sleep_ns(1 * MS);
	mark('k');
	return 0;
}

static int compute(void *arg)
{
	mark('p');
	host_interrupt_at(T0 + 1 * MS);
	mark('P');
	return 0;
}

static void test_woken_kernel_thread_preempts(void **state)
{
	struct thread *k = spawn(sleep_then_mark, false), *p = spawn(compute, true);
	assert_int_equal(thread_join(k, NULL), 0);
	assert_int_equal(thread_join(p, NULL), 0);
	assert_string_equal(trace, "pkP");
}

/* Two preemptible threads share the CPU slice by slice. */
static int take_turns(void *arg)
{
	char c = *(const char *)arg;
	for (int i = 1; i <= 3; i++) {
		mark(c);
		host_interrupt_at(host_clock() + SCHED_SLICE_NS);
	}
	return 0;
}

static void test_round_robin_slices(void **state)
{
	static const char a = 'a', b = 'b';
	struct thread *ta = NULL, *tb = NULL;
	assert_int_equal(thread_create(&ta, "a", take_turns, (void *)&a, 0), 0);
	assert_int_equal(thread_create(&tb, "b", take_turns, (void *)&b, 0), 0);
	sched_set_preemptible(ta, true);
	sched_set_preemptible(tb, true);
	assert_int_equal(thread_join(ta, NULL), 0);
	assert_int_equal(thread_join(tb, NULL), 0);
	assert_string_equal(trace, "ababab");
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_slice_timer_only_when_needed), TEST(test_preempted_at_slice_end),
		TEST(test_cooperative_never_preempted),	 TEST(test_preempt_disable_defers),
		TEST(test_woken_kernel_thread_preempts), TEST(test_round_robin_slices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
