/*
 * stack=SIZE (sys/stack_size.c): sizes with and without a suffix,
 * rounded up to pages, and what is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sys/stack_size.h"

static uint64_t parsed(const char *text)
{
	uint64_t v = 12345;
	assert_int_equal(stack_size_parse(text, &v), 0);
	return v;
}

static void refused(const char *text)
{
	uint64_t v = 12345;
	assert_int_equal(stack_size_parse(text, &v), -EINVAL);
	assert_int_equal(v, 12345);
}

static void test_suffixes(void **state)
{
	assert_int_equal(parsed("1M"), 1u << 20);
	assert_int_equal(parsed("1m"), 1u << 20);
	assert_int_equal(parsed("256K"), 256u << 10);
	assert_int_equal(parsed("1G"), 1u << 30);
	assert_int_equal(parsed("65536"), 65536);
	assert_int_equal(parsed("8M"), STACK_SIZE_DEFAULT);
}

static void test_rounded_up_to_pages(void **state)
{
	assert_int_equal(parsed("65537"), 65536 + 4096);
	assert_int_equal(parsed("100K"), 100u << 10);
	assert_int_equal(parsed("101K"), 104u << 10);
}

static void test_bounds(void **state)
{
	assert_int_equal(parsed("64K"), STACK_SIZE_MIN);
	refused("60K");
	refused("0");
	assert_int_equal(parsed("1024M"), STACK_SIZE_MAX);
	refused("1025M");
	refused("2G");
	/* Digits enough to wrap 64 bits, and a suffix that would. */
	refused("99999999999999999999999");
	refused("18014398509481984K");
}

static void test_not_sizes(void **state)
{
	refused("");
	refused("M");
	refused("-1M");
	refused("1MB");
	refused("1 M");
	refused("1T");
	refused("0x100000");
	uint64_t v = 1;
	assert_int_equal(stack_size_parse(NULL, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suffixes),
		cmocka_unit_test(test_rounded_up_to_pages),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_not_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
