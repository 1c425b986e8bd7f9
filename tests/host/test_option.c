/*
 * Kernel options (kernel/option.c): a word finds the option registered
 * under its name, a flag only as a whole word, a valued option by the
 * prefix up to its '=', the first registration wins, and a word nobody
 * registered is reported, not applied.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/option.h"

static const char *got_name;
static const char *got_value;
static int calls;

static void record(const char *name, const char *value)
{
	got_name = name;
	got_value = value;
	calls++;
}

static void set_quiet(const char *v) { record("quiet", v); }
static void set_irq(const char *v) { record("virtio.irq=", v); }
static void set_irq_again(const char *v) { record("second virtio.irq=", v); }
static void set_calibrate(const char *v) { record("tsc-calibrate=", v); }
static void set_env(const char *v) { record("env.", v); }

static const struct kernel_option options[] = {
	{ "quiet", set_quiet },		  { "virtio.irq=", set_irq }, { "tsc-calibrate=", set_calibrate },
	{ "virtio.irq=", set_irq_again }, { "env.", set_env },
};
#define END (options + sizeof(options) / sizeof(options[0]))

static int apply(const char *word)
{
	got_name = got_value = NULL;
	calls = 0;
	return kernel_option_apply(options, END, word);
}

static void flags_match_whole_words(void **state)
{
	assert_int_equal(apply("quiet"), 0);
	assert_string_equal(got_name, "quiet");
	assert_null(got_value);
	assert_int_equal(calls, 1);

	assert_int_equal(apply("quiet=1"), -ENOENT);
	assert_int_equal(apply("quieter"), -ENOENT);
	assert_int_equal(apply("quie"), -ENOENT);
	assert_int_equal(apply(""), -ENOENT);
	assert_int_equal(calls, 0);
}

static void values_follow_the_equals_sign(void **state)
{
	assert_int_equal(apply("virtio.irq=msi"), 0);
	assert_string_equal(got_name, "virtio.irq=");
	assert_string_equal(got_value, "msi");
	/* The first registration wins. */
	assert_int_equal(calls, 1);

	assert_int_equal(apply("tsc-calibrate="), 0);
	assert_string_equal(got_name, "tsc-calibrate=");
	assert_string_equal(got_value, "");

	assert_int_equal(apply("tsc-calibrate=pit=x"), 0);
	assert_string_equal(got_value, "pit=x");

	/* Without its '=', a valued option's name is no option at all. */
	assert_int_equal(apply("virtio.irq"), -ENOENT);
	assert_int_equal(apply("tsc-calibrate"), -ENOENT);
	assert_int_equal(apply("virtio.ir=msi"), -ENOENT);
	assert_int_equal(calls, 0);
}

static void prefixes_take_the_rest_of_the_word(void **state)
{
	assert_int_equal(apply("env.TERM=vt100"), 0);
	assert_string_equal(got_name, "env.");
	assert_string_equal(got_value, "TERM=vt100");

	assert_int_equal(apply("env."), 0);
	assert_string_equal(got_value, "");

	assert_int_equal(apply("env"), -ENOENT);
	assert_int_equal(apply("envTERM=x"), -ENOENT);
	assert_int_equal(calls, 0);
}

static void nothing_registered(void **state)
{
	assert_int_equal(kernel_option_apply(options, options, "quiet"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flags_match_whole_words),
		cmocka_unit_test(values_follow_the_equals_sign),
		cmocka_unit_test(prefixes_take_the_rest_of_the_word),
		cmocka_unit_test(nothing_registered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
