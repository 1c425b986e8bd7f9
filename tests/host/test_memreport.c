/*
 * The memory report's option and line (kernel/memreport.c): the interval
 * is a whole number of seconds in range and nothing else; the line holds
 * every field as name=decimal in a fixed order, then the sources in list
 * order, and a buffer too short gets a line cut at a field's end, still
 * terminated, never overrun.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/memreport.h"

static void test_interval_accepts_whole_seconds(void **state)
{
	unsigned s = 0;
	assert_int_equal(memreport_parse_interval("1", &s), 0);
	assert_int_equal(s, 1);
	assert_int_equal(memreport_parse_interval("10", &s), 0);
	assert_int_equal(s, 10);
	assert_int_equal(memreport_parse_interval("86400", &s), 0);
	assert_int_equal(s, MEMREPORT_MAX_SECONDS);
	assert_int_equal(memreport_parse_interval("007", &s), 0);
	assert_int_equal(s, 7);
}

static void test_interval_refuses_the_rest(void **state)
{
	static const char *bad[] = {
		"", "0", "000", "-1", "+5", "1.5", "5s", " 5", "5 ", "86401", "99999999999999999999", "0x10"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unsigned s = 1234;
		assert_int_equal(memreport_parse_interval(bad[i], &s), -EINVAL);
		assert_int_equal(s, 1234); /* untouched */
	}
	unsigned s;
	assert_int_equal(memreport_parse_interval(NULL, &s), -EINVAL);
}

static unsigned long unused_read(void) { return 0; }

static const struct memreport_sample sample = {
	.t_ns = 120004567890ull,
	.heap_used = 183424,
	.heap_bytes = 2097152,
	.heap_allocs = 412,
	.free_pages = 55012,
};

static void test_line_without_sources(void **state)
{
	char buf[256];
	const char *want = "keel: mem t=120.004 heap_used=183424 heap_bytes=2097152 heap_allocs=412 free_pages=55012\n";
	assert_int_equal(memreport_format(buf, sizeof(buf), &sample, NULL), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_line_with_sources_in_list_order(void **state)
{
	struct memreport_source tw = { .name = "tcp_tw", .read = unused_read, .value = 0 };
	struct memreport_source tcp = { .name = "tcp", .read = unused_read, .value = 52, .next = &tw };
	struct memreport_source lent = { .name = "lent", .read = unused_read, .value = 3, .next = &tcp };
	char buf[256];
	const char *want = "keel: mem t=120.004 heap_used=183424 heap_bytes=2097152 heap_allocs=412 free_pages=55012"
			   " lent=3 tcp=52 tcp_tw=0\n";
	assert_int_equal(memreport_format(buf, sizeof(buf), &sample, &lent), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_time_rounds_down_to_milliseconds(void **state)
{
	struct memreport_sample s = { .t_ns = 999999 };
	char buf[256];
	assert_true(memreport_format(buf, sizeof(buf), &s, NULL) > 0);
	assert_non_null(strstr(buf, "t=0.000 "));
	s.t_ns = 1000000;
	assert_true(memreport_format(buf, sizeof(buf), &s, NULL) > 0);
	assert_non_null(strstr(buf, "t=0.001 "));
	s.t_ns = 61050000000ull;
	assert_true(memreport_format(buf, sizeof(buf), &s, NULL) > 0);
	assert_non_null(strstr(buf, "t=61.050 "));
}

static void test_largest_values(void **state)
{
	struct memreport_sample s = { .t_ns = UINT64_MAX,
				      .heap_used = UINT64_MAX,
				      .heap_bytes = UINT64_MAX,
				      .heap_allocs = UINT64_MAX,
				      .free_pages = UINT64_MAX };
	struct memreport_source big = { .name = "big", .read = unused_read, .value = ~0ul };
	char buf[512];
	int n = memreport_format(buf, sizeof(buf), &s, &big);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, "t=18446744073.709 "));
	assert_non_null(strstr(buf, " heap_used=18446744073709551615 "));
	assert_non_null(strstr(buf, " big=18446744073709551615\n"));
}

/* Every size from 0 up to the whole line: never a byte past size, the
 * result always terminated, cut only at a field's end, -ENOSPC until the
 * line fits. */
static void test_short_buffers(void **state)
{
	struct memreport_source tcp = { .name = "tcp", .read = unused_read, .value = 52 };
	struct memreport_source lent = { .name = "lent", .read = unused_read, .value = 3, .next = &tcp };
	char full[256];
	int whole = memreport_format(full, sizeof(full), &sample, &lent);
	assert_true(whole > 0);
	for (size_t size = 0; size <= (size_t)whole + 1; size++) {
		/* An exact allocation, so ASan sees any overrun. */
		char *buf = malloc(size ? size : 1);
		int n = memreport_format(buf, size, &sample, &lent);
		if (size > (size_t)whole) {
			assert_int_equal(n, whole);
			assert_string_equal(buf, full);
		} else {
			assert_int_equal(n, -ENOSPC);
			if (size >= 2) {
				size_t len = strlen(buf);
				assert_true(len < size);
				assert_int_equal(buf[len - 1], '\n');
				/* What is there is the start of the whole line, up to a field's end. */
				assert_memory_equal(buf, full, len - 1);
				assert_true(len == 1 || full[len - 1] == ' ' || full[len - 1] == '\n');
			} else if (size == 1) {
				assert_int_equal(buf[0], '\0');
			}
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_accepts_whole_seconds),
		cmocka_unit_test(test_interval_refuses_the_rest),
		cmocka_unit_test(test_line_without_sources),
		cmocka_unit_test(test_line_with_sources_in_list_order),
		cmocka_unit_test(test_time_rounds_down_to_milliseconds),
		cmocka_unit_test(test_largest_values),
		cmocka_unit_test(test_short_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
