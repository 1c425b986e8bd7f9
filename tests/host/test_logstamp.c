/*
 * The log's timestamps (kernel/logstamp.c): dmesg's format for times from
 * zero to beyond 99,999 seconds, and a stamp before each line that begins
 * in a message, whether the message starts a line or continues one, ends
 * it or not, holds several or is empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/logstamp.h"

static void test_format(void **state)
{
	char buf[LOGSTAMP_MAX];
	assert_int_equal(logstamp_format(buf, 0), 15);
	assert_string_equal(buf, "[    0.000000] ");
	logstamp_format(buf, 12345678);
	assert_string_equal(buf, "[    0.012345] ");
	logstamp_format(buf, 3000000999ull);
	assert_string_equal(buf, "[    3.000000] ");
	logstamp_format(buf, 123456789012345ull);
	assert_string_equal(buf, "[123456.789012] ");
	/* The largest time the clock can count still fits. */
	size_t n = logstamp_format(buf, UINT64_MAX);
	assert_true(n < LOGSTAMP_MAX);
	assert_int_equal(buf[n], '\0');
	assert_string_equal(buf + n - 2, "] ");
}

struct out {
	char text[256];
	size_t len;
	unsigned calls;
};

static void collect(void *ctx, const char *s, size_t n)
{
	struct out *o = ctx;
	assert_true(o->len + n < sizeof(o->text));
	memcpy(o->text + o->len, s, n);
	o->len += n;
	o->text[o->len] = '\0';
	o->calls++;
}

static const char *stamp(struct out *o, const char *s, bool *line_start)
{
	logstamp_lines(collect, o, s, strlen(s), "[T] ", 4, line_start);
	return o->text;
}

static void test_lines(void **state)
{
	struct out o = { 0 };
	bool start = true;
	assert_string_equal(stamp(&o, "one line\n", &start), "[T] one line\n");
	assert_true(start);

	o = (struct out){ 0 };
	assert_string_equal(stamp(&o, "two\nlines\n", &start), "[T] two\n[T] lines\n");
	assert_true(start);

	/* A message in pieces: the stamp once, before the first. */
	o = (struct out){ 0 };
	stamp(&o, "pci 00:01.0", &start);
	assert_false(start);
	stamp(&o, ", MSI-X", &start);
	stamp(&o, "\n", &start);
	assert_string_equal(o.text, "[T] pci 00:01.0, MSI-X\n");
	assert_true(start);

	/* In the middle of someone else's line: no stamp until the next. */
	o = (struct out){ 0 };
	start = false;
	assert_string_equal(stamp(&o, "tail\nnext", &start), "tail\n[T] next");
	assert_false(start);

	/* Nothing written, nothing stamped; blank lines are stamped. */
	o = (struct out){ 0 };
	start = true;
	assert_string_equal(stamp(&o, "", &start), "");
	assert_int_equal(o.calls, 0);
	assert_true(start);
	assert_string_equal(stamp(&o, "\n\n", &start), "[T] \n[T] \n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
