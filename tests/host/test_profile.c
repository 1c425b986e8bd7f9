/*
 * The sampling profiler's pure part (kernel/profile.c): samples counted
 * per address in a bounded table, taken and grouped by function busiest
 * first, report lines, option values.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/profile.h"

static struct profile_entry slots[PROFILE_SLOTS], out[PROFILE_SLOTS];

static struct profile_table fresh(void)
{
	memset(slots, 0, sizeof(slots));
	return (struct profile_table){ .slots = slots };
}

static uint64_t count_of(const struct profile_entry *e, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].addr == addr)
			return e[i].count;
	return 0;
}

static void test_record_and_take(void **state)
{
	struct profile_table t = fresh();
	for (int i = 0; i < 5; i++)
		profile_record(&t, 0x1000);
	for (int i = 0; i < 3; i++)
		profile_record(&t, 0x1004);
	profile_record(&t, 0x2000);
	profile_record(&t, 0); /* no frame: dropped */
	uint64_t samples, dropped;
	size_t n = profile_take(&t, out, &samples, &dropped);
	assert_int_equal(n, 3);
	assert_int_equal(samples, 10);
	assert_int_equal(dropped, 1);
	assert_int_equal(count_of(out, n, 0x1000), 5);
	assert_int_equal(count_of(out, n, 0x1004), 3);
	assert_int_equal(count_of(out, n, 0x2000), 1);
	/* Taking empties the table and restarts its counters. */
	n = profile_take(&t, out, &samples, &dropped);
	assert_int_equal(n, 0);
	assert_int_equal(samples, 0);
	assert_int_equal(dropped, 0);
}

/* More distinct addresses than the table holds: every sample is either
 * in a slot or dropped, never lost or counted twice, and the table fills
 * before it drops. */
static void test_full_table_drops(void **state)
{
	struct profile_table t = fresh();
	const uint64_t distinct = 3 * PROFILE_SLOTS;
	for (uint64_t a = 1; a <= distinct; a++)
		profile_record(&t, a * 16);
	uint64_t samples, dropped;
	size_t n = profile_take(&t, out, &samples, &dropped);
	assert_int_equal(samples, distinct);
	assert_true(dropped > 0);
	assert_int_equal(n + dropped, distinct);
	assert_true(n > PROFILE_SLOTS * 9 / 10);
	assert_true(n <= PROFILE_SLOTS);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i].count, 1);
}

/* Functions: [0x1000, 0x2000) "a", [0x2000, 0x3000) "b", [0x3000, 0x4000)
 * "c"; anything else is unknown. */
static uint64_t resolve(uint64_t addr, void *ctx)
{
	int *calls = ctx;
	(*calls)++;
	if (addr < 0x1000 || addr >= 0x4000)
		return PROFILE_UNKNOWN;
	return addr & ~0xfffull;
}

static void test_group_by_function(void **state)
{
	struct profile_entry e[] = {
		{ 0x1010, 2 }, { 0x3000, 4 }, { 0x2020, 1 }, { 0x1ff0, 3 }, { 0x2ff0, 4 },
		{ 0x9000, 1 }, { 0x10, 2 },   { 0x3008, 1 }, { 0x2000, 1 },
	};
	int calls = 0;
	size_t n = profile_group(e, sizeof(e) / sizeof(e[0]), resolve, &calls);
	assert_int_equal(calls, 9);
	assert_int_equal(n, 4);
	/* a: 5, b: 6, c: 5, unknown: 3; equal counts by address. */
	assert_int_equal(e[0].addr, 0x2000);
	assert_int_equal(e[0].count, 6);
	assert_int_equal(e[1].addr, 0x1000);
	assert_int_equal(e[1].count, 5);
	assert_int_equal(e[2].addr, 0x3000);
	assert_int_equal(e[2].count, 5);
	assert_int_equal(e[3].addr, PROFILE_UNKNOWN);
	assert_int_equal(e[3].count, 3);
	assert_int_equal(profile_group(e, 0, resolve, &calls), 0);
}

/* A busy loop recorded among scattered samples comes first after taking
 * and grouping, as the boot test expects of the real one. */
static void test_busiest_first_end_to_end(void **state)
{
	struct profile_table t = fresh();
	for (int i = 0; i < 900; i++)
		profile_record(&t, 0x3000 + (uint64_t)(i % 7) * 4);
	for (uint64_t a = 0x1000; a < 0x1100; a += 4)
		profile_record(&t, a);
	uint64_t samples, dropped;
	size_t n = profile_take(&t, out, &samples, &dropped);
	int calls = 0;
	n = profile_group(out, n, resolve, &calls);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].addr, 0x3000);
	assert_int_equal(out[0].count, 900);
	assert_int_equal(samples, 900 + 64);
}

static void test_format_entry(void **state)
{
	char buf[80];
	struct profile_entry e = { 0x1000, 412 };
	int n = profile_format_entry(buf, sizeof(buf), &e, 1000, "tcp_output");
	assert_string_equal(buf, " 41.2%      412  tcp_output\n");
	assert_int_equal(n, (int)strlen(buf));
	e.count = 1000;
	profile_format_entry(buf, sizeof(buf), &e, 1000, "spin");
	assert_string_equal(buf, "100.0%     1000  spin\n");
	/* Rounded to the nearest tenth: 1/3 and 2/3. */
	e.count = 1;
	profile_format_entry(buf, sizeof(buf), &e, 3, "x");
	assert_string_equal(buf, " 33.3%        1  x\n");
	e.count = 2;
	profile_format_entry(buf, sizeof(buf), &e, 3, "x");
	assert_string_equal(buf, " 66.7%        2  x\n");
	/* No samples at all: 0%, not a division by zero. */
	e.count = 0;
	profile_format_entry(buf, sizeof(buf), &e, 0, "x");
	assert_string_equal(buf, "  0.0%        0  x\n");
	/* Cut short, still terminated. */
	e.count = 5;
	profile_format_entry(buf, 8, &e, 10, "long_name");
	assert_int_equal(strlen(buf), 7);
}

static void test_parse_uint(void **state)
{
	unsigned v = 7;
	assert_int_equal(profile_parse_uint("1000", 1, PROFILE_MAX_HZ, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(profile_parse_uint("10000", 1, PROFILE_MAX_HZ, &v), 0);
	assert_int_equal(v, 10000);
	v = 7;
	assert_int_equal(profile_parse_uint("10001", 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(profile_parse_uint("0", 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(profile_parse_uint("", 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(profile_parse_uint(NULL, 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(profile_parse_uint("100Hz", 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(profile_parse_uint("-5", 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(profile_parse_uint("99999999999999999999999", 1, PROFILE_MAX_HZ, &v), -EINVAL);
	assert_int_equal(v, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_and_take),	  cmocka_unit_test(test_full_table_drops),
		cmocka_unit_test(test_group_by_function), cmocka_unit_test(test_busiest_first_end_to_end),
		cmocka_unit_test(test_format_entry),	  cmocka_unit_test(test_parse_uint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
