/*
 * The application's times as nanoseconds and back (sys/timeval.c): what
 * Linux refuses, what saturates, and the round trip.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sys/timeval.h"

static void timespec_checks(void **state)
{
	(void)state;
	uint64_t ns = 7;
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ 0, 0 }, &ns), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ 2, 999999999 }, &ns), 0);
	assert_int_equal(ns, 2999999999ull);
	ns = 7;
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ -1, 0 }, &ns), -EINVAL);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ 0, -1 }, &ns), -EINVAL);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ 0, 1000000000 }, &ns), -EINVAL);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ INT64_MIN, INT64_MIN }, &ns), -EINVAL);
	assert_int_equal(ns, 7); /* untouched on error */
	/* Long durations saturate, never wrap. */
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ INT64_MAX, 999999999 }, &ns), 0);
	assert_int_equal(ns, TV_NS_MAX);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ (int64_t)(TV_NS_MAX / TV_NS_PER_S), 0 }, &ns), 0);
	assert_int_equal(ns, TV_NS_MAX);
	assert_int_equal(timespec_to_ns(&(struct linux_timespec){ (int64_t)(TV_NS_MAX / TV_NS_PER_S) - 1, 5 }, &ns), 0);
	assert_int_equal(ns, (TV_NS_MAX / TV_NS_PER_S - 1) * TV_NS_PER_S + 5);
}

static void timeval_checks(void **state)
{
	(void)state;
	uint64_t ns;
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ 3, 250000 }, &ns), 0);
	assert_int_equal(ns, 3250000000ull);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ 0, 1000000 }, &ns), -EINVAL);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ -1, 0 }, &ns), -EINVAL);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ 0, -5 }, &ns), -EINVAL);
	assert_int_equal(timeval_to_ns(&(struct linux_timeval){ INT64_MAX, 999999 }, &ns), 0);
	assert_int_equal(ns, TV_NS_MAX);
	/* select folds excess microseconds into seconds, as Linux. */
	assert_int_equal(select_timeval_to_ns(&(struct linux_timeval){ 1, 2500000 }, &ns), 0);
	assert_int_equal(ns, 3500000000ull);
	assert_int_equal(select_timeval_to_ns(&(struct linux_timeval){ INT64_MAX, INT64_MAX }, &ns), 0);
	assert_int_equal(ns, TV_NS_MAX);
	assert_int_equal(select_timeval_to_ns(&(struct linux_timeval){ -1, 0 }, &ns), -EINVAL);
	assert_int_equal(select_timeval_to_ns(&(struct linux_timeval){ 0, -1 }, &ns), -EINVAL);
}

static void back_to_the_application(void **state)
{
	(void)state;
	struct linux_timespec ts = ns_to_timespec(5123456789ull);
	assert_int_equal(ts.tv_sec, 5);
	assert_int_equal(ts.tv_nsec, 123456789);
	struct linux_timeval tv = ns_to_timeval(5123456789ull);
	assert_int_equal(tv.tv_sec, 5);
	assert_int_equal(tv.tv_usec, 123456); /* rounded down */
	ts = ns_to_timespec(UINT64_MAX);
	assert_true(ts.tv_sec > 0 && ts.tv_nsec < 1000000000);
	/* The multiply is the division, at every second's edge and between
	 * (up to the largest value), and at random points. */
	for (uint64_t sec = 0; sec < UINT64_MAX / TV_NS_PER_S; sec = sec < 100000 ? sec + 1 : sec * 3 + 7) {
		uint64_t edge = sec * TV_NS_PER_S;
		for (uint64_t v = edge > 0 ? edge - 1 : 0; v <= edge + 1; v++) {
			ts = ns_to_timespec(v);
			assert_true((uint64_t)ts.tv_sec == v / TV_NS_PER_S && (uint64_t)ts.tv_nsec == v % TV_NS_PER_S);
		}
	}
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 1000000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		ts = ns_to_timespec(x);
		assert_true((uint64_t)ts.tv_sec == x / TV_NS_PER_S && (uint64_t)ts.tv_nsec == x % TV_NS_PER_S);
	}
	ts = ns_to_timespec(UINT64_MAX);
	assert_true((uint64_t)ts.tv_sec == UINT64_MAX / TV_NS_PER_S &&
		    (uint64_t)ts.tv_nsec == UINT64_MAX % TV_NS_PER_S);
	/* A round trip keeps every nanosecond. */
	uint64_t ns;
	for (uint64_t v = 0; v < 3 * TV_NS_PER_S; v += 333333331) {
		ts = ns_to_timespec(v);
		assert_int_equal(timespec_to_ns(&ts, &ns), 0);
		assert_int_equal(ns, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timespec_checks),
		cmocka_unit_test(timeval_checks),
		cmocka_unit_test(back_to_the_application),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
