/*
 * The futex table (sys/futex.c) on the scheduler it runs on in the kernel
 * (kernel/sched.c) and the host arch layer (tests/host/sched_host.c):
 * threads are ucontexts, time moves only while every thread waits.
 *
 * Code on a thread's stack checks with HOST_CHECK (cmocka's assertions
 * must stay on the boot thread).
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
#include "sys/futex.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)

static char trace[256];
static size_t ntrace;

static int setup(void **state)
{
	ntrace = 0;
	trace[0] = '\0';
	return host_reset(T0) ? 0 : -1;
}

static int teardown(void **state) { return host_quiescent() ? 0 : -1; }

struct waiter {
	uint32_t *addr;
	uint32_t val, bitset;
	uint64_t deadline;
	char tag;
	int result;
	uint64_t woke_at;
};

static int wait_fn(void *arg)
{
	struct waiter *w = arg;
	w->result = futex_wait(w->addr, w->val, w->bitset, w->deadline);
	w->woke_at = host_clock();
	HOST_CHECK(ntrace + 1 < sizeof(trace));
	trace[ntrace++] = w->tag;
	trace[ntrace] = '\0';
	return 0;
}

static struct thread *start(struct waiter *w)
{
	struct thread *t = NULL;
	assert_int_equal(thread_create(&t, "waiter", wait_fn, w, 0), 0);
	return t;
}

static void join(struct thread *t) { assert_int_equal(thread_join(t, NULL), 0); }

#define WAITER(a, v, tg)                                                                                               \
	{                                                                                                              \
		.addr = (a), .val = (v), .bitset = FUTEX_BITSET_ANY, .deadline = DEADLINE_NEVER, .tag = (tg)           \
	}

/* The word is not the value expected: no wait at all. */
static void test_value_mismatch(void **state)
{
	uint32_t word = 5;
	assert_int_equal(futex_wait(&word, 4, FUTEX_BITSET_ANY, DEADLINE_NEVER), -EAGAIN);
	assert_int_equal(futex_waiters(&word), 0);
	assert_int_equal(host_clock(), T0);
}

/* A wake reaches the waiter; the woken count is returned. */
static void test_wait_wake(void **state)
{
	uint32_t word = 0;
	struct waiter w = WAITER(&word, 0, 'a');
	struct thread *t = start(&w);
	thread_yield(); /* the waiter runs and blocks */
	assert_int_equal(futex_waiters(&word), 1);
	assert_string_equal(trace, "");
	assert_int_equal(futex_wake(&word, 1, FUTEX_BITSET_ANY), 1);
	assert_int_equal(futex_waiters(&word), 0);
	join(t);
	assert_int_equal(w.result, 0);
	assert_string_equal(trace, "a");
	/* Nobody left: a wake finds nothing. */
	assert_int_equal(futex_wake(&word, 1, FUTEX_BITSET_ANY), 0);
}

/* Wakes go first come, first served, and no further than asked. */
static void test_wake_order_and_count(void **state)
{
	uint32_t word = 7;
	struct waiter w[3] = { WAITER(&word, 7, 'a'), WAITER(&word, 7, 'b'), WAITER(&word, 7, 'c') };
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = start(&w[i]);
	thread_yield();
	assert_int_equal(futex_waiters(&word), 3);
	assert_int_equal(futex_wake(&word, 2, FUTEX_BITSET_ANY), 2);
	thread_yield();
	assert_string_equal(trace, "ab");
	assert_int_equal(futex_waiters(&word), 1);
	assert_int_equal(futex_wake(&word, 0, FUTEX_BITSET_ANY), 0);
	assert_int_equal(futex_wake(&word, 100, FUTEX_BITSET_ANY), 1);
	for (int i = 0; i < 3; i++)
		join(t[i]);
	assert_string_equal(trace, "abc");
}

/* A timed wait nobody wakes ends at its deadline, exactly, and leaves
 * the table empty. */
static void test_timeout(void **state)
{
	uint32_t word = 1;
	struct waiter w = WAITER(&word, 1, 't');
	w.deadline = T0 + 5 * MS;
	struct thread *t = start(&w);
	join(t);
	assert_int_equal(w.result, -ETIMEDOUT);
	assert_int_equal(w.woke_at, T0 + 5 * MS);
	assert_int_equal(futex_waiters(&word), 0);
	/* A deadline already past: at once. */
	assert_int_equal(futex_wait(&word, 1, FUTEX_BITSET_ANY, T0), -ETIMEDOUT);
	assert_int_equal(futex_waiters(&word), 0);
}

/* A wake before the deadline wins, and the timer is gone after. */
static void test_woken_before_timeout(void **state)
{
	uint32_t word = 1;
	struct waiter w = WAITER(&word, 1, 'w');
	w.deadline = T0 + 50 * MS;
	struct thread *t = start(&w);
	thread_yield();
	assert_int_equal(host_timers_armed(), 1);
	assert_int_equal(futex_wake(&word, 1, FUTEX_BITSET_ANY), 1);
	join(t);
	assert_int_equal(w.result, 0);
	assert_int_equal(host_timers_armed(), 0);
}

/* Bitsets select the waiters a wake reaches. */
static void test_bitsets(void **state)
{
	uint32_t word = 0;
	struct waiter w1 = WAITER(&word, 0, '1'), w2 = WAITER(&word, 0, '2');
	w1.bitset = 1;
	w2.bitset = 2;
	struct thread *t1 = start(&w1), *t2 = start(&w2);
	thread_yield();
	assert_int_equal(futex_wake(&word, 10, 4), 0);
	assert_int_equal(futex_wake(&word, 10, 2), 1);
	thread_yield();
	assert_string_equal(trace, "2");
	assert_int_equal(futex_wake(&word, 10, 3), 1);
	join(t1);
	join(t2);
	assert_int_equal(futex_wait(&word, 0, 0, DEADLINE_NEVER), -EINVAL);
	assert_int_equal(futex_wake(&word, 1, 0), -EINVAL);
}

/* Requeue wakes some and moves others without waking them; the moved
 * wake from the second address only. */
static void test_requeue(void **state)
{
	uint32_t a = 3, b = 0;
	struct waiter w[3] = { WAITER(&a, 3, 'x'), WAITER(&a, 3, 'y'), WAITER(&a, 3, 'z') };
	struct thread *t[3];
	for (int i = 0; i < 3; i++)
		t[i] = start(&w[i]);
	thread_yield();
	assert_int_equal(futex_requeue(&a, 1, &b, 1, 0, 0), 2);
	thread_yield();
	assert_string_equal(trace, "x");
	assert_int_equal(futex_waiters(&a), 1);
	assert_int_equal(futex_waiters(&b), 1);
	/* y moved to b: a wake on a reaches z only. */
	assert_int_equal(futex_wake(&a, 10, FUTEX_BITSET_ANY), 1);
	thread_yield();
	assert_string_equal(trace, "xz");
	assert_int_equal(futex_wake(&b, 10, FUTEX_BITSET_ANY), 1);
	for (int i = 0; i < 3; i++)
		join(t[i]);
	assert_string_equal(trace, "xzy");
	assert_int_equal(futex_requeue(&a, -1, &b, 0, 0, 0), -EINVAL);
	assert_int_equal(futex_requeue(&a, 0, &b, -1, 0, 0), -EINVAL);
}

/* CMP_REQUEUE checks the first word and changes nothing when it moved. */
static void test_cmp_requeue(void **state)
{
	uint32_t a = 3, b = 0;
	struct waiter w = WAITER(&a, 3, 'q');
	struct thread *t = start(&w);
	thread_yield();
	assert_int_equal(futex_requeue(&a, 1, &b, 1, 1, 4), -EAGAIN);
	assert_int_equal(futex_waiters(&a), 1);
	assert_int_equal(futex_requeue(&a, 0, &b, 1, 1, 3), 1);
	assert_int_equal(futex_waiters(&a), 0);
	assert_int_equal(futex_waiters(&b), 1);
	assert_int_equal(futex_wake(&b, 1, FUTEX_BITSET_ANY), 1);
	join(t);
	assert_int_equal(w.result, 0);
}

/* A requeued waiter that times out leaves the queue of its new address
 * (where the timeout finds it), not the old one's. */
static void test_requeued_timeout(void **state)
{
	uint32_t a = 1, b = 2;
	struct waiter w = WAITER(&a, 1, 'r');
	w.deadline = T0 + 10 * MS;
	struct thread *t = start(&w);
	thread_yield();
	assert_int_equal(futex_requeue(&a, 0, &b, 1, 0, 0), 1);
	join(t);
	assert_int_equal(w.result, -ETIMEDOUT);
	assert_int_equal(futex_waiters(&a), 0);
	assert_int_equal(futex_waiters(&b), 0);
}

/* Many neighbouring words, so buckets are shared: each wake reaches the
 * one waiter on its own word. */
static void test_many_words(void **state)
{
	enum { N = 150 };
	static uint32_t words[N];
	static struct waiter w[N];
	static struct thread *t[N];
	for (int i = 0; i < N; i++) {
		words[i] = (uint32_t)i;
		w[i] = (struct waiter)WAITER(&words[i], (uint32_t)i, '.');
		t[i] = start(&w[i]);
	}
	thread_yield();
	for (int i = N - 1; i >= 0; i--) {
		assert_int_equal(futex_waiters(&words[i]), 1);
		assert_int_equal(futex_wake(&words[i], N, FUTEX_BITSET_ANY), 1);
		assert_int_equal(futex_waiters(&words[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		join(t[i]);
		assert_int_equal(w[i].result, 0);
	}
}

/* Requeue onto the same address only wakes. */
static void test_requeue_same_address(void **state)
{
	uint32_t a = 0;
	struct waiter w1 = WAITER(&a, 0, '1'), w2 = WAITER(&a, 0, '2');
	struct thread *t1 = start(&w1), *t2 = start(&w2);
	thread_yield();
	assert_int_equal(futex_requeue(&a, 1, &a, 5, 0, 0), 1);
	assert_int_equal(futex_waiters(&a), 1);
	assert_int_equal(futex_wake(&a, 1, FUTEX_BITSET_ANY), 1);
	join(t1);
	join(t2);
	assert_string_equal(trace, "12");
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_value_mismatch),
		TEST(test_wait_wake),
		TEST(test_wake_order_and_count),
		TEST(test_timeout),
		TEST(test_woken_before_timeout),
		TEST(test_bitsets),
		TEST(test_requeue),
		TEST(test_cmp_requeue),
		TEST(test_requeued_timeout),
		TEST(test_many_words),
		TEST(test_requeue_same_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
