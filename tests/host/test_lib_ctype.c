/*
 * lib/ctype.c against glibc in the "C" locale, for every argument C
 * allows (EOF and 0..255), and for arguments C does not allow, which Keel
 * must still answer without reading out of bounds.
 */
#include <ctype.h>
#include <limits.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "tests/host/lib_under_test.h"

struct class_test {
	const char *name;
	int (*keel)(int);
	int (*glibc)(int);
};

/* glibc's classes are macros; the parentheses call its functions. */
static const struct class_test classes[] = {
	{ "isalnum", keel_isalnum, (isalnum) }, { "isalpha", keel_isalpha, (isalpha) },
	{ "isblank", keel_isblank, (isblank) }, { "iscntrl", keel_iscntrl, (iscntrl) },
	{ "isdigit", keel_isdigit, (isdigit) }, { "isgraph", keel_isgraph, (isgraph) },
	{ "islower", keel_islower, (islower) }, { "isprint", keel_isprint, (isprint) },
	{ "ispunct", keel_ispunct, (ispunct) }, { "isspace", keel_isspace, (isspace) },
	{ "isupper", keel_isupper, (isupper) }, { "isxdigit", keel_isxdigit, (isxdigit) },
};

static int setup_c_locale(void **state) { return setlocale(LC_ALL, "C") == NULL ? -1 : 0; }

/* One class, for every argument; they agree as truth values, since
 * glibc returns bit masks. */
static void class_matches_glibc(void **state)
{
	const struct class_test *t = *state;
	for (int c = EOF; c <= UCHAR_MAX; c++) {
		if (!t->keel(c) != !t->glibc(c))
			fail_msg("%s(%d): keel %d, glibc %d", t->name, c, t->keel(c), t->glibc(c));
	}
}

static void tolower_matches_glibc(void **state)
{
	for (int c = EOF; c <= UCHAR_MAX; c++)
		assert_int_equal(keel_tolower(c), (tolower)(c));
}

static void toupper_matches_glibc(void **state)
{
	for (int c = EOF; c <= UCHAR_MAX; c++)
		assert_int_equal(keel_toupper(c), (toupper)(c));
}

/* Outside EOF..255 (a negative plain char, a wide value): in no class,
 * and unchanged by the case mappings. AddressSanitizer would report a
 * table read out of bounds. */
static void out_of_range_arguments(void **state)
{
	static const int values[] = { INT_MIN, -1000, -129, -128, -97, -2, 256, 256 + 'a', 256 + ' ', 1000, INT_MAX };
	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
			assert_int_equal(classes[i].keel(values[v]), 0);
		assert_int_equal(keel_tolower(values[v]), values[v]);
		assert_int_equal(keel_toupper(values[v]), values[v]);
	}
}

#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

int main(void)
{
	struct CMUnitTest tests[NCLASSES + 3];
	size_t n = 0;
	/* A test per class, named after it. */
	for (size_t i = 0; i < NCLASSES; i++)
		tests[n++] =
		    (struct CMUnitTest){ classes[i].name, class_matches_glibc, NULL, NULL, (void *)&classes[i] };
	tests[n++] = (struct CMUnitTest){ "tolower", tolower_matches_glibc, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "toupper", toupper_matches_glibc, NULL, NULL, NULL };
	tests[n++] = (struct CMUnitTest){ "out_of_range_arguments", out_of_range_arguments, NULL, NULL, NULL };
	assert_int_equal(n, sizeof(tests) / sizeof(tests[0]));
	return cmocka_run_group_tests(tests, setup_c_locale, NULL);
}
