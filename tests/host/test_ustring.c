/*
 * Strings from the application (sys/ustring.c) over a fake address
 * space of two readable pages followed by an unreadable one: the copy
 * reads up to the NUL and checks no more than it reads, a string that
 * runs off its pages is -EFAULT, one too long for the buffer
 * -ENAMETOOLONG.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/process.h"

#define PAGE 4096

static char *space; /* three pages; the first two are the application's */

bool user_range_ok(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, lo = (uintptr_t)space, hi = lo + 2 * PAGE;
	return a >= lo && len <= hi - lo && a - lo <= hi - lo - len;
}

static int setup(void **state)
{
	(void)state;
	space = aligned_alloc(PAGE, 3 * PAGE);
	memset(space, 'a', 3 * PAGE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(space);
	return 0;
}

static void copies_to_the_nul(void **state)
{
	(void)state;
	char dst[64];
	strcpy(space + 100, "/dev/null");
	assert_int_equal(user_string_copy(dst, space + 100, sizeof(dst)), 9);
	assert_string_equal(dst, "/dev/null");
	/* Empty. */
	space[200] = '\0';
	assert_int_equal(user_string_copy(dst, space + 200, sizeof(dst)), 0);
	assert_string_equal(dst, "");
}

static void reads_up_to_the_last_mapped_byte(void **state)
{
	(void)state;
	char dst[PAGE];
	memset(space, 'a', 3 * PAGE);
	/* Across the page boundary, ending on the last readable byte. */
	space[2 * PAGE - 1] = '\0';
	assert_int_equal(user_string_copy(dst, space + 2 * PAGE - 10, sizeof(dst)), 9);
	assert_int_equal(user_string_copy(dst, space + PAGE - 5, sizeof(dst)), -ENAMETOOLONG);
	assert_int_equal(user_string_copy(dst, space + PAGE + 5, sizeof(dst)), (long)PAGE - 6);
	/* Without its NUL there, the string runs into the unreadable page. */
	space[2 * PAGE - 1] = 'a';
	space[2 * PAGE + 10] = '\0';
	assert_int_equal(user_string_copy(dst, space + 2 * PAGE - 10, sizeof(dst)), -EFAULT);
	assert_int_equal(user_string_copy(dst, NULL, sizeof(dst)), -EFAULT);
	assert_int_equal(user_string_copy(dst, space + 2 * PAGE, sizeof(dst)), -EFAULT);
}

static void bounds_the_length(void **state)
{
	(void)state;
	char dst[16];
	memset(space, 'a', 3 * PAGE);
	space[15] = '\0'; /* 15 characters and the NUL: fits exactly */
	assert_int_equal(user_string_copy(dst, space, sizeof(dst)), 15);
	space[15] = 'a';
	space[16] = '\0'; /* one more: too long */
	assert_int_equal(user_string_copy(dst, space, sizeof(dst)), -ENAMETOOLONG);
	assert_int_equal(user_string_copy(dst, space, 0), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copies_to_the_nul),
		cmocka_unit_test(reads_up_to_the_last_mapped_byte),
		cmocka_unit_test(bounds_the_length),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
