/*
 * The timer queue (kernel/timerq.c): order by deadline, first in first out
 * among equal deadlines, cancellation anywhere in the queue, expiry, and a
 * random run of thousands of operations checked after each one against a
 * model that knows nothing but "a list sorted by (deadline, order added)".
 *
 * The queue must never call a timer's function itself (its caller does),
 * so every timer here carries one that fails the test.
 */
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

#include "tests/host/test_random.h"

#include "kernel/timerq.h"

static void never_called(struct timer *t, void *ctx) { fail_msg("the queue called a timer's function"); }

/* Walks the queue checking its links, its order and its count; returns the
 * number of timers. */
static unsigned check_queue(const struct timerq *q)
{
	unsigned n = 0;
	const struct timer *prev = NULL;
	for (const struct timer *t = q->head; t; t = t->next) {
		if (t->prev != prev)
			fail_msg("timer %u: prev link broken", n);
		if (!t->armed)
			fail_msg("timer %u: in the queue but not armed", n);
		if (prev && prev->deadline > t->deadline)
			fail_msg("timer %u: deadline %" PRIu64 " after %" PRIu64, n, t->deadline, prev->deadline);
		prev = t;
		if (++n > 100000)
			fail_msg("the queue loops");
	}
	assert_int_equal(n, q->count);
	assert_int_equal(timerq_next_deadline(q), q->head ? q->head->deadline : UINT64_MAX);
	return n;
}

static void add(struct timerq *q, struct timer *t, uint64_t deadline)
{
	timerq_add(q, t, deadline, never_called, t);
	assert_true(t->armed);
	assert_int_equal(t->deadline, deadline);
	check_queue(q);
}

/* Pops everything due at now and checks it is exactly want[0..n). */
static void expect_pops(struct timerq *q, uint64_t now, struct timer *const *want, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct timer *t = timerq_pop_expired(q, now);
		if (t != want[i])
			fail_msg("pop %u at %" PRIu64 ": got %p, want %p", i, now, (void *)t, (void *)want[i]);
		assert_false(t->armed);
		assert_null(t->next);
		assert_null(t->prev);
		assert_true(t->deadline <= now);
		check_queue(q);
	}
	assert_null(timerq_pop_expired(q, now));
}

#define POPS(q, now, ...)                                                                                              \
	expect_pops(q, now, (struct timer *const[]){ __VA_ARGS__ },                                                    \
		    (unsigned)(sizeof((struct timer *const[]){ __VA_ARGS__ }) / sizeof(struct timer *)))

/* --- by hand ----------------------------------------------------------------- */

static void empty_queue(void **state)
{
	struct timerq q = { 0 };
	assert_int_equal(timerq_next_deadline(&q), UINT64_MAX);
	assert_null(timerq_pop_expired(&q, 0));
	assert_null(timerq_pop_expired(&q, 12345));
	assert_null(timerq_pop_expired(&q, UINT64_MAX));
	assert_int_equal(check_queue(&q), 0);

	/* Emptied again after use. */
	struct timer t = { 0 };
	add(&q, &t, 7);
	assert_int_equal(timerq_next_deadline(&q), 7);
	POPS(&q, 7, &t);
	assert_int_equal(timerq_next_deadline(&q), UINT64_MAX);
	assert_null(q.head);
	assert_int_equal(q.count, 0);
}

static void ordered_by_deadline(void **state)
{
	struct timerq q = { 0 };
	struct timer t[6] = { 0 };
	add(&q, &t[0], 50);
	add(&q, &t[1], 10);
	add(&q, &t[2], 30);
	add(&q, &t[3], 20);
	add(&q, &t[4], 60);
	add(&q, &t[5], 40);
	assert_int_equal(q.count, 6);
	assert_int_equal(timerq_next_deadline(&q), 10);
	POPS(&q, UINT64_MAX, &t[1], &t[3], &t[2], &t[5], &t[0], &t[4]);
	assert_int_equal(q.count, 0);
}

static void fields_kept(void **state)
{
	struct timerq q = { 0 };
	struct timer t = { 0 };
	int ctx;
	timerq_add(&q, &t, 99, never_called, &ctx);
	assert_ptr_equal(t.fn, never_called);
	assert_ptr_equal(t.ctx, &ctx);
	struct timer *p = timerq_pop_expired(&q, 100);
	assert_ptr_equal(p, &t);
	/* What the caller needs to run it survives the pop. */
	assert_ptr_equal(p->fn, never_called);
	assert_ptr_equal(p->ctx, &ctx);
	assert_int_equal(p->deadline, 99);
}

static void equal_deadlines_fifo(void **state)
{
	struct timerq q = { 0 };
	struct timer t[8] = { 0 };
	add(&q, &t[0], 5);
	add(&q, &t[1], 3);
	add(&q, &t[2], 5);
	add(&q, &t[3], 1);
	add(&q, &t[4], 5);
	add(&q, &t[5], 3);
	add(&q, &t[6], 9);
	add(&q, &t[7], 1);
	POPS(&q, UINT64_MAX, &t[3], &t[7], &t[1], &t[5], &t[0], &t[2], &t[4], &t[6]);

	/* All equal. */
	for (int i = 0; i < 8; i++)
		add(&q, &t[i], 42);
	POPS(&q, 42, &t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]);
}

static void pop_expired_by_now(void **state)
{
	struct timerq q = { 0 };
	struct timer a = { 0 }, b = { 0 }, c = { 0 };
	add(&q, &a, 100);
	add(&q, &b, 200);
	add(&q, &c, 200);
	/* Before every deadline: nothing. */
	assert_null(timerq_pop_expired(&q, 0));
	assert_null(timerq_pop_expired(&q, 99));
	assert_int_equal(check_queue(&q), 3);
	/* Exactly at a deadline: due. */
	POPS(&q, 100, &a);
	assert_null(timerq_pop_expired(&q, 199));
	assert_int_equal(timerq_next_deadline(&q), 200);
	/* After: everything due, in order. */
	POPS(&q, 1000, &b, &c);

	/* The extremes of the clock. */
	struct timer z = { 0 }, m = { 0 };
	add(&q, &m, UINT64_MAX - 1);
	add(&q, &z, 0);
	POPS(&q, 0, &z);
	assert_null(timerq_pop_expired(&q, UINT64_MAX - 2));
	POPS(&q, UINT64_MAX - 1, &m);
}

static void cancel_anywhere(void **state)
{
	struct timerq q = { 0 };
	struct timer t[5] = { 0 };
	for (int i = 0; i < 5; i++)
		add(&q, &t[i], 10 * (uint64_t)(i + 1));

	/* Middle. */
	assert_true(timerq_cancel(&q, &t[2]));
	assert_false(t[2].armed);
	assert_int_equal(check_queue(&q), 4);
	/* Head. */
	assert_true(timerq_cancel(&q, &t[0]));
	assert_int_equal(check_queue(&q), 3);
	assert_int_equal(timerq_next_deadline(&q), 20);
	/* Tail. */
	assert_true(timerq_cancel(&q, &t[4]));
	assert_int_equal(check_queue(&q), 2);
	/* Not armed any more: refused, queue untouched. */
	assert_false(timerq_cancel(&q, &t[2]));
	assert_false(timerq_cancel(&q, &t[0]));
	assert_false(timerq_cancel(&q, &t[4]));
	assert_int_equal(check_queue(&q), 2);
	/* Never added. */
	struct timer fresh = { 0 };
	assert_false(timerq_cancel(&q, &fresh));
	assert_int_equal(check_queue(&q), 2);
	/* Already expired. */
	POPS(&q, 20, &t[1]);
	assert_false(timerq_cancel(&q, &t[1]));
	/* The only one. */
	assert_true(timerq_cancel(&q, &t[3]));
	assert_int_equal(check_queue(&q), 0);
	assert_null(q.head);
	assert_int_equal(timerq_next_deadline(&q), UINT64_MAX);
}

static void readd_after_cancel(void **state)
{
	struct timerq q = { 0 };
	struct timer a = { 0 }, b = { 0 }, c = { 0 };
	add(&q, &a, 10);
	add(&q, &b, 10);
	add(&q, &c, 10);
	assert_true(timerq_cancel(&q, &a));
	/* Added again with the same deadline: now last among equals. */
	add(&q, &a, 10);
	POPS(&q, 10, &b, &c, &a);

	/* Added again with another deadline, and cancelled twice in a row. */
	add(&q, &a, 30);
	add(&q, &b, 20);
	assert_true(timerq_cancel(&q, &a));
	assert_false(timerq_cancel(&q, &a));
	add(&q, &a, 5);
	POPS(&q, 100, &a, &b);

	/* An expired timer is added again as well. */
	add(&q, &c, 1);
	POPS(&q, 1, &c);
	add(&q, &c, 2);
	POPS(&q, 2, &c);
}

/* --- random operations against a model --------------------------------------- */

#define NTIMERS 64

/* The model: the armed timers as indexes, in the order they must expire. */
struct model {
	int order[NTIMERS];
	unsigned n;
	uint64_t deadline[NTIMERS];
	bool armed[NTIMERS];
};

static void model_add(struct model *m, int id, uint64_t deadline)
{
	unsigned at = m->n;
	/* After every timer due at or before it: FIFO among equals. */
	while (at > 0 && m->deadline[m->order[at - 1]] > deadline)
		at--;
	memmove(&m->order[at + 1], &m->order[at], (m->n - at) * sizeof(int));
	m->order[at] = id;
	m->n++;
	m->deadline[id] = deadline;
	m->armed[id] = true;
}

static bool model_cancel(struct model *m, int id)
{
	if (!m->armed[id])
		return false;
	unsigned at = 0;
	while (m->order[at] != id)
		at++;
	memmove(&m->order[at], &m->order[at + 1], (m->n - at - 1) * sizeof(int));
	m->n--;
	m->armed[id] = false;
	return true;
}

static void check_against_model(const struct timerq *q, const struct timer *t, const struct model *m, int step)
{
	check_queue(q);
	if (q->count != m->n)
		fail_msg("step %d: %u timers queued, model has %u", step, q->count, m->n);
	const struct timer *p = q->head;
	for (unsigned i = 0; i < m->n; i++, p = p->next)
		if (p != &t[m->order[i]])
			fail_msg("step %d: position %u holds timer %d, want %d", step, i, (int)(p - t), m->order[i]);
	for (int i = 0; i < NTIMERS; i++)
		if (t[i].armed != m->armed[i])
			fail_msg("step %d: timer %d armed %d, model %d", step, i, t[i].armed, m->armed[i]);
}

static void random_against_model(void **state)
{
	rng_state = seed_from_env("timerq random", 0x74696d6572712121ull);
	struct timer t[NTIMERS];
	struct model m;
	struct timerq q = { 0 };
	memset(t, 0, sizeof(t));
	memset(&m, 0, sizeof(m));
	uint64_t now = 0;
	unsigned long adds = 0, cancels = 0, refused = 0, pops = 0;

	for (int step = 0; step < 20000; step++) {
		unsigned op = (unsigned)below(100);
		int id = (int)below(NTIMERS);
		if (op < 45) {
			if (!m.armed[id]) {
				/* A narrow range of deadlines makes ties common; some are
				 * already due. */
				uint64_t d = now + below(40);
				if (now >= 5 && below(8) == 0)
					d = now - below(5);
				timerq_add(&q, &t[id], d, never_called, &t[id]);
				model_add(&m, id, d);
				adds++;
			}
		} else if (op < 70) {
			/* Mostly an armed one (head, middle or tail), sometimes any. */
			if (m.n > 0 && below(4) != 0)
				id = m.order[below(m.n)];
			bool want = model_cancel(&m, id);
			bool got = timerq_cancel(&q, &t[id]);
			if (got != want)
				fail_msg("step %d: cancel of timer %d returned %d, want %d", step, id, got, want);
			if (got)
				cancels++;
			else
				refused++;
		} else if (op < 95) {
			now += below(12);
			/* Pops everything due, one at a time, in the model's order. */
			for (;;) {
				struct timer *p = timerq_pop_expired(&q, now);
				if (m.n == 0 || m.deadline[m.order[0]] > now) {
					if (p != NULL)
						fail_msg("step %d: popped timer %d at %" PRIu64 ", none due", step,
							 (int)(p - t), now);
					break;
				}
				int want = m.order[0];
				if (p != &t[want])
					fail_msg("step %d: popped %d at %" PRIu64 ", want %d", step,
						 p ? (int)(p - t) : -1, now, want);
				assert_ptr_equal(p->ctx, p);
				model_cancel(&m, want);
				pops++;
			}
		} else {
			uint64_t want = m.n ? m.deadline[m.order[0]] : UINT64_MAX;
			assert_int_equal(timerq_next_deadline(&q), want);
		}
		check_against_model(&q, t, &m, step);
	}
	/* Drain. */
	while (m.n) {
		int want = m.order[0];
		assert_ptr_equal(timerq_pop_expired(&q, UINT64_MAX), &t[want]);
		model_cancel(&m, want);
	}
	check_against_model(&q, t, &m, -1);
	print_message("timerq random: %lu adds, %lu cancels (%lu refused), %lu pops\n", adds, cancels, refused, pops);
}

/* kernel/timer.c's use of timerq_must_program: the hardware is set when
 * the queue asks, left alone at a cancellation, and cleared when it
 * fires. */
struct hw {
	uint64_t armed_for;
	unsigned sets;
};

static void hw_program(struct timerq *q, struct hw *hw)
{
	if (timerq_must_program(q, hw->armed_for)) {
		hw->armed_for = timerq_next_deadline(q);
		hw->sets++;
	}
}

/* The hardware may fire early (a cancelled deadline), never after the
 * earliest one queued. */
static void check_hw(const struct timerq *q, const struct hw *hw)
{
	if (hw->armed_for > timerq_next_deadline(q))
		fail_msg("the hardware is set for %" PRIu64 ", after the deadline %" PRIu64, hw->armed_for,
			 timerq_next_deadline(q));
}

static void hardware_set_only_for_an_earlier_deadline(void **state)
{
	struct timerq q = { 0 };
	struct hw hw = { UINT64_MAX, 0 };
	struct timer a, b, c;
	assert_false(timerq_must_program(&q, UINT64_MAX)); /* nothing queued, nothing set */
	add(&q, &a, 100);
	hw_program(&q, &hw);
	assert_int_equal(hw.armed_for, 100);
	add(&q, &b, 200); /* later: the hardware stays */
	hw_program(&q, &hw);
	assert_int_equal(hw.sets, 1);
	timerq_cancel(&q, &a); /* a cancellation sets nothing */
	assert_false(timerq_must_program(&q, hw.armed_for));
	add(&q, &c, 50); /* earlier than what is set: set again */
	hw_program(&q, &hw);
	assert_int_equal(hw.armed_for, 50);
	assert_int_equal(hw.sets, 2);
	/* It fires at 50: nothing is set any more, and what is left asks. */
	hw.armed_for = UINT64_MAX;
	expect_pops(&q, 50, (struct timer *const[]){ &c }, 1);
	hw_program(&q, &hw);
	assert_int_equal(hw.armed_for, 200);
	/* It fires early (at 100, for a's cancelled deadline, in a run where
	 * it was set for it): nothing expires, and it is set for b. */
	hw.armed_for = UINT64_MAX;
	assert_null(timerq_pop_expired(&q, 100));
	hw_program(&q, &hw);
	assert_int_equal(hw.armed_for, 200);
	timerq_cancel(&q, &b);
	check_hw(&q, &hw);
}

/* A random run of arms, cancels and interrupts: the hardware is never
 * set after the earliest deadline, so no timer fires late. */
static void hardware_never_late_random(void **state)
{
	enum { N = 32 };
	struct timerq q = { 0 };
	struct hw hw = { UINT64_MAX, 0 };
	struct timer t[N];
	memset(t, 0, sizeof(t));
	uint64_t now = 0;
	rng_state = seed_from_env("timerq hardware", 0x68617264776172ull);
	for (unsigned step = 0; step < 20000; step++) {
		struct timer *x = &t[below(N)];
		switch (below(3)) {
		case 0:
			timerq_cancel(&q, x);
			timerq_add(&q, x, now + 1 + below(1000), never_called, x);
			hw_program(&q, &hw);
			break;
		case 1: timerq_cancel(&q, x); break;
		default:
			/* Time passes up to the hardware's deadline, which fires. */
			if (hw.armed_for == UINT64_MAX)
				break;
			now = hw.armed_for;
			hw.armed_for = UINT64_MAX;
			while (timerq_pop_expired(&q, now) != NULL)
				;
			hw_program(&q, &hw);
			break;
		}
		check_queue(&q);
		check_hw(&q, &hw);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_queue),
		cmocka_unit_test(ordered_by_deadline),
		cmocka_unit_test(fields_kept),
		cmocka_unit_test(equal_deadlines_fifo),
		cmocka_unit_test(pop_expired_by_now),
		cmocka_unit_test(cancel_anywhere),
		cmocka_unit_test(readd_after_cancel),
		cmocka_unit_test(random_against_model),
		cmocka_unit_test(hardware_set_only_for_an_earlier_deadline),
		cmocka_unit_test(hardware_never_late_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
