/*
 * The terminal's line discipline (sys/ldisc.c) fed bytes as a person
 * types them: canonical lines with erase, kill and word erase, VEOF as the
 * end of a line and as end of file, the echo, ISIG, ICRNL, raw mode, and
 * the VMIN/VTIME rules of when a read returns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sys/ldisc.h"

#define MS 1000000ull
static struct ldisc l;

static void type_at(const char *s, uint64_t now)
{
	for (; *s; s++)
		ldisc_input(&l, (uint8_t)*s, now);
}

static void type(const char *s) { type_at(s, 0); }

/* Reads up to len bytes and checks they are want (NULL: nothing). */
static void expect_read(size_t len, const char *want)
{
	uint8_t buf[LDISC_BUF + 1];
	size_t n = ldisc_read(&l, buf, len);
	buf[n] = 0;
	assert_string_equal((char *)buf, want ? want : "");
}

static void expect_echo(const char *want)
{
	l.echo[l.echo_len] = 0; /* room: the test types far less than LDISC_ECHO */
	assert_int_equal(l.echo_len, strlen(want));
	assert_memory_equal(l.echo, want, l.echo_len);
	l.echo_len = 0;
}

static int setup(void **state)
{
	ldisc_init(&l);
	return 0;
}

static void raw_mode(uint8_t vmin, uint8_t vtime)
{
	struct ldisc_termios t = l.t;
	t.c_lflag &= ~(uint32_t)(ICANON | ECHO);
	t.c_cc[VMIN] = vmin;
	t.c_cc[VTIME] = vtime;
	ldisc_set_termios(&l, &t, false);
}

static void canonical_lines_come_whole(void **state)
{
	type("hello");
	assert_false(ldisc_input_ready(&l));
	assert_int_equal(ldisc_readable(&l), 0);
	uint64_t deadline;
	assert_int_equal(ldisc_read_verdict(&l, 100, 0, 0, &deadline), LDISC_WAIT);
	assert_int_equal(deadline, UINT64_MAX);
	type("\rsecond\n"); /* ICRNL: the carriage return ends the line */
	assert_true(ldisc_input_ready(&l));
	assert_int_equal(ldisc_readable(&l), 13);
	assert_int_equal(ldisc_read_verdict(&l, 100, 0, 0, &deadline), LDISC_READ);
	expect_read(100, "hello\n"); /* one line per read */
	expect_read(3, "sec");	     /* a short read leaves the rest of the line */
	expect_read(100, "ond\n");
	assert_false(ldisc_input_ready(&l));
	expect_echo("hello\nsecond\n");
}

static void erase_kill_and_word_erase(void **state)
{
	type("abc\177\177xy\n");
	expect_echo("abc\b \b\b \bxy\n");
	expect_read(100, "axy\n");
	type("kill me\025ok\n");
	expect_read(100, "ok\n");
	type("one two  \027three\n");
	expect_read(100, "one three\n");
	/* Erase stops at the start of the line: completed lines stay. */
	type("done\n\177\177x\n");
	expect_read(100, "done\n");
	expect_read(100, "x\n");
	l.echo_len = 0;
	/* A control character shown as ^X takes two columns to rub out. */
	type("\001\177");
	expect_echo("^A\b \b\b \b");
}

static void erase_without_echoe_echoes_the_erase_character(void **state)
{
	l.t.c_lflag &= ~(uint32_t)ECHOE;
	type("ab\177");
	expect_echo("ab^?");
	l.t.c_lflag &= ~(uint32_t)(ECHO);
	type("c\177");
	expect_echo("");
}

static void veof_ends_a_line_and_means_end_of_file_alone(void **state)
{
	type("partial\004");
	assert_true(ldisc_input_ready(&l));
	expect_read(100, "partial");
	type("\004");
	assert_true(ldisc_input_ready(&l)); /* end of file is ready to read */
	expect_read(100, NULL);
	assert_false(ldisc_input_ready(&l));
	expect_echo("partial"); /* ^D itself is not shown */
}

static void isig_raises_and_flushes(void **state)
{
	type("half a line\003");
	assert_int_equal(l.signal, 2);
	assert_int_equal(ldisc_readable(&l), 0);
	type("x\n");
	expect_read(100, "x\n");
	l.signal = 0;
	type("\034");
	assert_int_equal(l.signal, 3);
	/* Without ISIG ^C is a character like another. */
	l.signal = 0;
	l.t.c_lflag &= ~(uint32_t)ISIG;
	type("\003\n");
	assert_int_equal(l.signal, 0);
	expect_read(100, "\003\n");
}

static void input_flags(void **state)
{
	l.t.c_iflag = IGNCR;
	type("a\rb\n");
	expect_read(100, "ab\n");
	l.t.c_iflag = 0;
	type("a\r\n");
	expect_read(100, "a\r\n");
	l.t.c_iflag = ISTRIP;
	type("\xe1\n"); /* 0xe1 & 0x7f = 'a' */
	expect_read(100, "a\n");
}

static void a_full_buffer_keeps_room_to_end_the_line(void **state)
{
	l.t.c_lflag &= ~(uint32_t)ECHO;
	for (int i = 0; i < LDISC_BUF + 10; i++)
		ldisc_input(&l, 'x', 0);
	assert_int_equal(l.len, LDISC_BUF - 1);
	type("\n");
	assert_int_equal(ldisc_readable(&l), LDISC_BUF);
	uint8_t buf[LDISC_BUF];
	assert_int_equal(ldisc_read(&l, buf, sizeof(buf)), LDISC_BUF);
	assert_int_equal(buf[LDISC_BUF - 1], '\n');
}

/* The taker stops while the discipline is full (the rest waits upstream),
 * but a line that cannot fit must still be able to end. */
static void full_discipline_throttles_the_taker(void **state)
{
	l.t.c_lflag &= ~(uint32_t)ECHO;
	assert_true(ldisc_can_take(&l));
	char line[64];
	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = 0;
	while (ldisc_can_take(&l))
		type(line);
	/* Every line kept whole: nothing was dropped. */
	unsigned lines = 0;
	for (;;) {
		uint8_t buf[LDISC_BUF];
		size_t n = ldisc_read(&l, buf, sizeof(buf));
		if (n == 0)
			break;
		assert_int_equal(n, sizeof(line) - 1);
		lines++;
	}
	assert_true(lines * (sizeof(line) - 1) > LDISC_BUF - sizeof(line));
	assert_true(ldisc_can_take(&l));
	/* One unfinished line as long as the buffer: still taking, so that
	 * its newline can come. */
	for (int i = 0; i < LDISC_BUF + 10; i++)
		type("y");
	assert_true(ldisc_can_take(&l));
	type("\n");
	/* Raw mode stops at a full buffer. */
	setup(state);
	raw_mode(1, 0);
	for (int i = 0; i < LDISC_BUF; i++)
		type("z");
	assert_false(ldisc_can_take(&l));
}

static void raw_mode_hands_bytes_over(void **state)
{
	type("pending");
	raw_mode(1, 0);
	/* What was being edited becomes readable at once. */
	assert_int_equal(ldisc_readable(&l), 7);
	expect_read(100, "pending");
	type("\177\004\025x\r");
	expect_read(100, "\177\004\025x\n");
	expect_echo("pending"); /* typed before ECHO went off */
}

static void vmin_and_vtime(void **state)
{
	uint64_t d;
	/* VMIN 0, VTIME 0: a poll. */
	raw_mode(0, 0);
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 0, &d), LDISC_READ);
	/* VMIN 0, VTIME 5: 500 ms for the first byte, from the read's start. */
	raw_mode(0, 5);
	assert_int_equal(ldisc_read_verdict(&l, 10, 1000 * MS, 1000 * MS, &d), LDISC_WAIT);
	assert_int_equal(d, 1500 * MS);
	assert_int_equal(ldisc_read_verdict(&l, 10, 1000 * MS, 1500 * MS, &d), LDISC_READ);
	type_at("a", 1200 * MS);
	assert_int_equal(ldisc_read_verdict(&l, 10, 1000 * MS, 1200 * MS, &d), LDISC_READ);
	expect_read(10, "a");
	/* VMIN 3, VTIME 0: three bytes, however long (fewer if fewer asked). */
	raw_mode(3, 0);
	type("xy");
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 5000 * MS, &d), LDISC_WAIT);
	assert_int_equal(d, UINT64_MAX);
	assert_int_equal(ldisc_read_verdict(&l, 2, 0, 0, &d), LDISC_READ);
	type("z");
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 0, &d), LDISC_READ);
	expect_read(10, "xyz");
	/* VMIN 3, VTIME 2: after the first byte, 200 ms between bytes. */
	raw_mode(3, 2);
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 0, &d), LDISC_WAIT);
	assert_int_equal(d, UINT64_MAX); /* no timer before the first byte */
	type_at("p", 100 * MS);
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 150 * MS, &d), LDISC_WAIT);
	assert_int_equal(d, 300 * MS);
	type_at("q", 250 * MS);
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 300 * MS, &d), LDISC_WAIT);
	assert_int_equal(d, 450 * MS);
	assert_int_equal(ldisc_read_verdict(&l, 10, 0, 450 * MS, &d), LDISC_READ);
	expect_read(10, "pq");
}

static void tcsetsf_flushes_and_back_to_canonical(void **state)
{
	raw_mode(1, 0);
	type("junk");
	struct ldisc_termios t = l.t;
	ldisc_set_termios(&l, &t, true);
	assert_int_equal(ldisc_readable(&l), 0);
	type("ab");
	t.c_lflag |= ICANON;
	ldisc_set_termios(&l, &t, false);
	/* Back in canonical mode the bytes are a line being edited. */
	assert_false(ldisc_input_ready(&l));
	type("\177c\n");
	expect_read(100, "ac\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(canonical_lines_come_whole, setup),
		cmocka_unit_test_setup(erase_kill_and_word_erase, setup),
		cmocka_unit_test_setup(erase_without_echoe_echoes_the_erase_character, setup),
		cmocka_unit_test_setup(veof_ends_a_line_and_means_end_of_file_alone, setup),
		cmocka_unit_test_setup(isig_raises_and_flushes, setup),
		cmocka_unit_test_setup(input_flags, setup),
		cmocka_unit_test_setup(a_full_buffer_keeps_room_to_end_the_line, setup),
		cmocka_unit_test_setup(full_discipline_throttles_the_taker, setup),
		cmocka_unit_test_setup(raw_mode_hands_bytes_over, setup),
		cmocka_unit_test_setup(vmin_and_vtime, setup),
		cmocka_unit_test_setup(tcsetsf_flushes_and_back_to_canonical, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
