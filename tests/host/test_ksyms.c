/*
 * The compressed symbol table: tools/gen-ksyms.sh run on a made-up `nm -n`
 * listing (tests/host/host.mk; the listing is written by this file's
 * twin, ksyms_listing below, so the two cannot drift), then every lookup
 * kernel/ksyms.c answers checked against the listing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/ksyms.h"
#include "tests/host/ksyms_listing.h"

static void every_symbol(void **state)
{
	char want[KSYMS_TEST_NAME_MAX];
	for (unsigned i = 0; i < KSYMS_TEST_COUNT; i++) {
		uint64_t at = ksyms_test_addr(i), off = 1;
		ksyms_test_name(i, want);
		/* Names longer than 127 characters come back cut short. */
		want[127] = '\0';
		const char *got = ksyms_lookup(at, &off);
		assert_non_null(got);
		assert_string_equal(got, want);
		assert_int_equal(off, 0);
		/* Inside the function, up to the next one. */
		uint64_t last = i + 1 < KSYMS_TEST_COUNT ? ksyms_test_addr(i + 1) - 1 : KSYMS_TEST_TEXT_END - 1;
		got = ksyms_lookup(last, &off);
		assert_non_null(got);
		assert_string_equal(got, want);
		assert_int_equal(off, last - at);
	}
}

static void outside(void **state)
{
	uint64_t off;
	/* Text before the first symbol, and outside the text. */
	assert_null(ksyms_lookup(KSYMS_TEST_TEXT_START, &off));
	assert_null(ksyms_lookup(KSYMS_TEST_TEXT_START - 1, &off));
	assert_null(ksyms_lookup(KSYMS_TEST_TEXT_END, &off));
	assert_null(ksyms_lookup(0, &off));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_symbol),
		cmocka_unit_test(outside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
