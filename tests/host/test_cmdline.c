/*
 * The command line splitter and the kernel/application divide
 * (kernel/cmdline.c): hand-written cases for every quoting rule and every
 * limit, then a round trip over random argument vectors, each quoted the
 * way a shell user would quote it, joined with random whitespace and split
 * back.
 *
 * Every input is copied into a heap buffer of exactly its size, so that
 * AddressSanitizer catches a read or write past its terminating NUL.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/test_random.h"

#include "kernel/cmdline.h"

/* The limit the parse tests below pass: small, so its edges are cheap to
 * reach. The kernel passes CMDLINE_WORDS_MAX of its command line's size. */
#define TEST_MAX_WORDS 128

#define SENTINEL ((char *)&sentinel_target)
static const char sentinel_target = 0;

/* --- helpers --------------------------------------------------------------- */

static char *dup_exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	assert_non_null(p);
	memcpy(p, s, n);
	return p;
}

/*
 * Splits text with room for max words and checks the result: the return
 * value, each word, the NULL after the last one, that every word lies in
 * the buffer (the split is in place), and that the slot after argv[max]
 * was not touched. want_words lists the words argv must hold afterwards
 * (on an error, the ones before it).
 */
static void check_split_at(int line, const char *text, int max, int want_ret, const char *const *want_words, int nwant)
{
	char *buf = dup_exact(text);
	size_t len = strlen(text);
	char **argv = calloc((size_t)max + 2, sizeof(char *));
	assert_non_null(argv);
	for (int i = 0; i < max + 2; i++)
		argv[i] = SENTINEL;

	int ret = cmdline_split(buf, argv, max);
	if (ret != want_ret)
		fail_msg("line %d: split of [%s] (max %d) returned %d, want %d", line, text, max, ret, want_ret);
	for (int i = 0; i < nwant; i++) {
		if (argv[i] == NULL || argv[i] == SENTINEL)
			fail_msg("line %d: split of [%s]: word %d missing", line, text, i);
		if (argv[i] < buf || argv[i] > buf + len)
			fail_msg("line %d: split of [%s]: word %d is outside the buffer", line, text, i);
		if (strcmp(argv[i], want_words[i]) != 0)
			fail_msg("line %d: split of [%s]: word %d is [%s], want [%s]", line, text, i, argv[i],
				 want_words[i]);
	}
	if (argv[nwant] != NULL)
		fail_msg("line %d: split of [%s]: argv[%d] is not NULL", line, text, nwant);
	if (argv[max + 1] != SENTINEL)
		fail_msg("line %d: split of [%s]: argv[max + 1] was written", line, text);
	free(argv);
	free(buf);
}

#define WORDS(...) ((const char *const[]){ __VA_ARGS__ })
#define NWORDS(...) ((int)(sizeof(WORDS(__VA_ARGS__)) / sizeof(const char *)))
/* SPLIT(text, "w1", "w2", ...): splits into exactly these words. */
#define SPLIT(text, ...)                                                                                               \
	check_split_at(__LINE__, text, 16, NWORDS(__VA_ARGS__), WORDS(__VA_ARGS__), NWORDS(__VA_ARGS__))
#define SPLIT_NONE(text) check_split_at(__LINE__, text, 16, 0, NULL, 0)
/* SPLIT_ERR(text, max, ret, "w1", ...): returns ret (a count or an error)
 * with room for max words; the words listed are in argv afterwards. */
#define SPLIT_ERR(text, max, err, ...) check_split_at(__LINE__, text, max, err, WORDS(__VA_ARGS__), NWORDS(__VA_ARGS__))
#define SPLIT_ERR_NONE(text, max, err) check_split_at(__LINE__, text, max, err, NULL, 0)

/* --- splitting by hand ------------------------------------------------------ */

static void split_empty_and_blank(void **state)
{
	SPLIT_NONE("");
	SPLIT_NONE(" ");
	SPLIT_NONE("     ");
	SPLIT_NONE("\t");
	SPLIT_NONE("\n");
	SPLIT_NONE(" \t\r\n \t ");
	/* With no room at all, no words is still a success. */
	SPLIT_ERR_NONE("", 0, 0);
	SPLIT_ERR_NONE(" \t ", 0, 0);
}

static void split_plain_words(void **state)
{
	SPLIT("a", "a");
	SPLIT("hello", "hello");
	SPLIT("a b c", "a", "b", "c");
	SPLIT("  leading", "leading");
	SPLIT("trailing   ", "trailing");
	SPLIT("  both  ", "both");
	SPLIT("a    b", "a", "b");
	SPLIT("a\tb", "a", "b");
	SPLIT("a\nb", "a", "b");
	SPLIT("a\rb", "a", "b");
	SPLIT("\t\ta \n\t b\r\n", "a", "b");
	SPLIT("console=ttyS0 quiet loglevel=7", "console=ttyS0", "quiet", "loglevel=7");
	SPLIT("-- x --", "--", "x", "--");
	SPLIT("=a= b=c", "=a=", "b=c");
}

static void split_single_quotes(void **state)
{
	SPLIT("'a b'", "a b");
	SPLIT("'a b' c", "a b", "c");
	SPLIT("c 'a b'", "c", "a b");
	SPLIT("''", "");
	SPLIT("'' ''", "", "");
	SPLIT("x '' y", "x", "", "y");
	/* Nothing is special inside single quotes but the closing quote. */
	SPLIT("'a\\b'", "a\\b");
	SPLIT("'a\\'", "a\\");
	SPLIT("'\"'", "\"");
	SPLIT("'\\\"'", "\\\"");
	SPLIT("'\t\n '", "\t\n ");
	SPLIT("'  '", "  ");
	SPLIT("'--'", "--");
}

static void split_double_quotes(void **state)
{
	SPLIT("\"a b\"", "a b");
	SPLIT("\"\"", "");
	SPLIT("\"\" \"\"", "", "");
	SPLIT("a \"\" b", "a", "", "b");
	/* \" and \\ are escapes inside double quotes... */
	SPLIT("\"a\\\"b\"", "a\"b");
	SPLIT("\"a\\\\b\"", "a\\b");
	SPLIT("\"\\\\\"", "\\");
	SPLIT("\"\\\"\"", "\"");
	SPLIT("\"\\\\\\\"\"", "\\\"");
	/* ...any other backslash stays as it is. */
	SPLIT("\"a\\nb\"", "a\\nb");
	SPLIT("\"\\ \"", "\\ ");
	SPLIT("\"\\'\"", "\\'");
	SPLIT("\"it's\"", "it's");
	SPLIT("\"tab\there\"", "tab\there");
	SPLIT("\"line\nbreak\"", "line\nbreak");
}

static void split_backslashes(void **state)
{
	SPLIT("a\\ b", "a b");
	SPLIT("\\ ", " ");
	SPLIT("\\'", "'");
	SPLIT("\\\"", "\"");
	SPLIT("\\\\", "\\");
	SPLIT("\\a\\b", "ab");
	SPLIT("a\\\tb", "a\tb");
	SPLIT("a\\\nb", "a\nb");
	SPLIT("\\\\ x", "\\", "x");
	SPLIT("x\\  y", "x ", "y");
	/* A backslash with nothing after it is kept. */
	SPLIT("a\\", "a\\");
	SPLIT("\\", "\\");
	SPLIT("a \\", "a", "\\");
}

static void split_joined_parts(void **state)
{
	SPLIT("a'b'c", "abc");
	SPLIT("'a'\"b\"c", "abc");
	SPLIT("\"a\"'b'", "ab");
	SPLIT("a\"\"b", "ab");
	SPLIT("a''", "a");
	SPLIT("''a", "a");
	SPLIT("''\"\"", "");
	SPLIT("'a b'\"c d\"\\ e", "a bc d e");
	SPLIT("x='a b' y=\"c\\\"d\"", "x=a b", "y=c\"d");
	SPLIT("'it'\\''s'", "it's");
	SPLIT("-- '' --", "--", "", "--");
}

static void split_unterminated(void **state)
{
	SPLIT_ERR_NONE("'", 16, -EINVAL);
	SPLIT_ERR_NONE("\"", 16, -EINVAL);
	SPLIT_ERR_NONE("'abc", 16, -EINVAL);
	SPLIT_ERR_NONE("\"abc", 16, -EINVAL);
	SPLIT_ERR_NONE("\"abc\\\"", 16, -EINVAL);
	SPLIT_ERR_NONE("'abc\"", 16, -EINVAL);
	SPLIT_ERR_NONE("\"abc'", 16, -EINVAL);
	SPLIT_ERR_NONE("ab'c", 16, -EINVAL);
	SPLIT_ERR_NONE("\\''", 16, -EINVAL);
	SPLIT_ERR("a 'b", 16, -EINVAL, "a");
	SPLIT_ERR("a b \"c d", 16, -EINVAL, "a", "b");
	SPLIT_ERR("'x' y 'z", 16, -EINVAL, "x", "y");
}

static void split_word_limit(void **state)
{
	SPLIT_ERR("a b c", 3, 3, "a", "b", "c");
	SPLIT_ERR("a b c   ", 3, 3, "a", "b", "c");
	SPLIT_ERR(" a b c\n", 3, 3, "a", "b", "c");
	SPLIT_ERR("a b c d", 3, -E2BIG, "a", "b", "c");
	SPLIT_ERR("a b c ''", 3, -E2BIG, "a", "b", "c");
	SPLIT_ERR("a b c 'unterminated", 3, -E2BIG, "a", "b", "c");
	SPLIT_ERR("a", 1, 1, "a");
	SPLIT_ERR("a b", 1, -E2BIG, "a");
	SPLIT_ERR_NONE("a", 0, -E2BIG);
	SPLIT_ERR_NONE("''", 0, -E2BIG);

	/* A long run of words, at the limit and one past it. */
	enum { N = 200 };
	char text[N * 12 + 1] = "";
	const char *want[N + 1];
	static char names[N + 1][12];
	for (int i = 0; i <= N; i++) {
		snprintf(names[i], sizeof(names[i]), "%d", i);
		want[i] = names[i];
	}
	for (int i = 0; i < N; i++) {
		strcat(text, names[i]);
		strcat(text, " ");
	}
	check_split_at(__LINE__, text, N, N, want, N);
	check_split_at(__LINE__, text, N - 1, -E2BIG, want, N - 1);
	check_split_at(__LINE__, text, N + 50, N, want, N);
}

/* The whole command line as one word, past the limits of any buffer in
 * the splitter (it has none). */
static void split_long_word(void **state)
{
	enum { LEN = 8000 };
	char *text = malloc(LEN + 3);
	char *want = malloc(LEN + 1);
	assert_non_null(text);
	assert_non_null(want);
	text[0] = '\'';
	for (int i = 0; i < LEN; i++)
		text[1 + i] = want[i] = (char)('a' + i % 26);
	text[LEN + 1] = '\'';
	text[LEN + 2] = '\0';
	want[LEN] = '\0';
	const char *words[] = { want };
	check_split_at(__LINE__, text, 1, 1, words, 1);
	free(text);
	free(want);
}

/* --- cmdline_parse ---------------------------------------------------------- */

struct parsed {
	char *buf;
	char *words[TEST_MAX_WORDS + 2];
	struct cmdline cl;
	int ret;
};

static void parse(struct parsed *p, const char *text)
{
	p->buf = dup_exact(text);
	for (size_t i = 0; i < sizeof(p->words) / sizeof(p->words[0]); i++)
		p->words[i] = SENTINEL;
	memset(&p->cl, 0, sizeof(p->cl));
	p->ret = cmdline_parse(p->buf, "app", p->words, TEST_MAX_WORDS, &p->cl);
}

/* Checks the kernel's words and the application's argv (argv[0] is "app"
 * and is not listed in want_argv). */
static void check_parse_at(int line, const char *text, const char *const *want_k, int nk, const char *const *want_a,
			   int na)
{
	struct parsed p;
	parse(&p, text);
	if (p.ret != 0)
		fail_msg("line %d: parse of [%s] returned %d", line, text, p.ret);
	if (p.cl.kargc != nk)
		fail_msg("line %d: parse of [%s]: kargc %d, want %d", line, text, p.cl.kargc, nk);
	for (int i = 0; i < nk; i++)
		if (strcmp(p.cl.kargv[i], want_k[i]) != 0)
			fail_msg("line %d: parse of [%s]: kargv[%d] [%s], want [%s]", line, text, i, p.cl.kargv[i],
				 want_k[i]);
	if (p.cl.argc != na + 1)
		fail_msg("line %d: parse of [%s]: argc %d, want %d", line, text, p.cl.argc, na + 1);
	assert_string_equal(p.cl.argv[0], "app");
	for (int i = 0; i < na; i++)
		if (strcmp(p.cl.argv[i + 1], want_a[i]) != 0)
			fail_msg("line %d: parse of [%s]: argv[%d] [%s], want [%s]", line, text, i + 1,
				 p.cl.argv[i + 1], want_a[i]);
	if (p.cl.argv[p.cl.argc] != NULL)
		fail_msg("line %d: parse of [%s]: argv is not NULL-terminated", line, text);
	/* Both lists live in the caller's words[]. */
	char **lo = p.words, **hi = p.words + TEST_MAX_WORDS + 2;
	assert_true(p.cl.argv >= lo && p.cl.argv + p.cl.argc + 1 <= hi);
	assert_true(p.cl.kargv >= lo && p.cl.kargv + p.cl.kargc <= hi);
	free(p.buf);
}

#define NONE ((const char *const *)NULL), 0
#define LIST(...) WORDS(__VA_ARGS__), NWORDS(__VA_ARGS__)
#define PARSE(text, k, a) check_parse_at(__LINE__, text, k, a)

static void parse_without_dashes(void **state)
{
	PARSE("", NONE, NONE);
	PARSE("   \t ", NONE, NONE);
	PARSE("a", NONE, LIST("a"));
	PARSE("a b c", NONE, LIST("a", "b", "c"));
	PARSE("'a b' \"\"", NONE, LIST("a b", ""));
	/* Words that only look like the separator. */
	PARSE("--x -", NONE, LIST("--x", "-"));
	PARSE("--- x", NONE, LIST("---", "x"));
}

static void parse_with_dashes(void **state)
{
	PARSE("--", NONE, NONE);
	PARSE("-- a b", NONE, LIST("a", "b"));
	PARSE("k --", LIST("k"), NONE);
	PARSE("k1 k2 --", LIST("k1", "k2"), NONE);
	PARSE("quiet -- hello world", LIST("quiet"), LIST("hello", "world"));
	PARSE("  quiet\t--\tx  ", LIST("quiet"), LIST("x"));
	/* Only the first "--" divides; later ones belong to the application. */
	PARSE("k -- a -- b", LIST("k"), LIST("a", "--", "b"));
	PARSE("-- --", NONE, LIST("--"));
	PARSE("-- -- --", NONE, LIST("--", "--"));
	/* "--" is a word after quotes are removed, as a shell passes it. */
	PARSE("k '--' a", LIST("k"), LIST("a"));
	PARSE("k \"--\" a", LIST("k"), LIST("a"));
	PARSE("k \\-- a", LIST("k"), LIST("a"));
	PARSE("k '-- a'", NONE, LIST("k", "-- a"));
	PARSE("'' -- ''", LIST(""), LIST(""));
}

/* QEMU's microvm appends virtio_mmio.device= words behind whatever it was
 * given: they are the kernel's, in order, wherever they stand; a word that
 * only resembles one stays the application's. */
static void parse_appended_words(void **state)
{
	PARSE("virtio_mmio.device=512@0xfeb00e00:12", LIST("virtio_mmio.device=512@0xfeb00e00:12"), NONE);
	PARSE("a b virtio_mmio.device=1 virtio_mmio.device=2", LIST("virtio_mmio.device=1", "virtio_mmio.device=2"),
	      LIST("a", "b"));
	PARSE("quiet -- a virtio_mmio.device=1 b virtio_mmio.device=2",
	      LIST("quiet", "virtio_mmio.device=1", "virtio_mmio.device=2"), LIST("a", "b"));
	PARSE("virtio_mmio.device=1 -- a", LIST("virtio_mmio.device=1"), LIST("a"));
	PARSE("-- virtio_mmio.device=1", LIST("virtio_mmio.device=1"), NONE);
	PARSE("k -- virtio_mmio.device=1 -- x", LIST("k", "virtio_mmio.device=1"), LIST("--", "x"));
	PARSE("virtio_mmio.devicex a virtio_mmio.device", NONE, LIST("virtio_mmio.devicex", "a", "virtio_mmio.device"));
}

static void parse_errors(void **state)
{
	struct parsed p;
	parse(&p, "a 'b");
	assert_int_equal(p.ret, -EINVAL);
	free(p.buf);
	parse(&p, "a -- \"b");
	assert_int_equal(p.ret, -EINVAL);
	free(p.buf);
}

/* TEST_MAX_WORDS words fit, with or without the separator among them;
 * one more does not. */
static void parse_word_limit(void **state)
{
	char text[TEST_MAX_WORDS * 5 + 8];
	struct parsed p;

	text[0] = '\0';
	for (int i = 0; i < TEST_MAX_WORDS; i++)
		sprintf(text + strlen(text), "w%d ", i);
	parse(&p, text);
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.cl.kargc, 0);
	assert_int_equal(p.cl.argc, TEST_MAX_WORDS + 1);
	assert_string_equal(p.cl.argv[0], "app");
	assert_string_equal(p.cl.argv[1], "w0");
	assert_string_equal(p.cl.argv[TEST_MAX_WORDS], "w127");
	assert_null(p.cl.argv[TEST_MAX_WORDS + 1]);
	free(p.buf);

	strcat(text, "one-more");
	parse(&p, text);
	assert_int_equal(p.ret, -E2BIG);
	free(p.buf);

	/* The last of the words is the separator. */
	text[0] = '\0';
	for (int i = 0; i < TEST_MAX_WORDS - 1; i++)
		sprintf(text + strlen(text), "k%d ", i);
	strcat(text, "--");
	parse(&p, text);
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.cl.kargc, TEST_MAX_WORDS - 1);
	assert_string_equal(p.cl.kargv[TEST_MAX_WORDS - 2], "k126");
	assert_int_equal(p.cl.argc, 1);
	assert_string_equal(p.cl.argv[0], "app");
	assert_null(p.cl.argv[1]);
	free(p.buf);

	/* The first is. */
	strcpy(text, "--");
	for (int i = 0; i < TEST_MAX_WORDS - 1; i++)
		sprintf(text + strlen(text), " a%d", i);
	parse(&p, text);
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.cl.kargc, 0);
	assert_int_equal(p.cl.argc, TEST_MAX_WORDS);
	assert_string_equal(p.cl.argv[TEST_MAX_WORDS - 1], "a126");
	assert_null(p.cl.argv[TEST_MAX_WORDS]);
	free(p.buf);
}

/* A command line of any size parses whole when words[] is sized by
 * CMDLINE_WORDS_MAX of it: one-character words, the densest there are,
 * far more of them than the old fixed table of 128 held, with and without
 * "--" among them; and empty quoted words, the densest of those. */
static void parse_sized_by_length(void **state)
{
	enum { SIZE = 4096, MAX = CMDLINE_WORDS_MAX(SIZE) };
	static char text[SIZE];
	static char *words[MAX + 2];
	struct cmdline cl;

	/* "a a a ... a": SIZE - 1 characters, (SIZE - 1 + 1) / 2 words. */
	for (int i = 0; i < SIZE - 1; i++)
		text[i] = i % 2 ? ' ' : 'a';
	text[SIZE - 1] = '\0';
	assert_int_equal(cmdline_parse(text, "app", words, MAX, &cl), 0);
	assert_int_equal(cl.kargc, 0);
	assert_int_equal(cl.argc, SIZE / 2 + 1);
	assert_true(cl.argc - 1 > 128);
	for (int i = 1; i < cl.argc; i++)
		assert_string_equal(cl.argv[i], "a");
	assert_null(cl.argv[cl.argc]);

	/* 1000 kernel words, "--", and the application's words after it. */
	text[0] = '\0';
	for (int i = 0; i < 1000; i++)
		strcat(text, "k ");
	strcat(text, "-- x y");
	assert_int_equal(cmdline_parse(text, "app", words, MAX, &cl), 0);
	assert_int_equal(cl.kargc, 1000);
	assert_string_equal(cl.kargv[999], "k");
	assert_int_equal(cl.argc, 3);
	assert_string_equal(cl.argv[0], "app");
	assert_string_equal(cl.argv[2], "y");
	assert_null(cl.argv[3]);

	/* Empty words take three characters each: fewer fit. */
	text[0] = '\0';
	while (strlen(text) + 3 < SIZE)
		strcat(text, "'' ");
	assert_int_equal(cmdline_parse(text, "app", words, MAX, &cl), 0);
	assert_int_equal(cl.argc, (SIZE - 1) / 3 + 1);
	assert_string_equal(cl.argv[cl.argc - 1], "");
}

/* --- random round trips ----------------------------------------------------- */

static const char charset[] = "abcXYZ019-_=./,:' \"\\\t\n\r";

static bool is_special(char c) { return strchr("'\"\\ \t\n\r", c) != NULL; }

struct outbuf {
	char *p;
	size_t len, cap;
};

static void put(struct outbuf *o, char c)
{
	assert_true(o->len + 1 < o->cap);
	o->p[o->len++] = c;
	o->p[o->len] = '\0';
}

/*
 * Quotes one word so that the splitter gives it back, cutting it into
 * pieces and quoting each in one of three ways picked at random, as a
 * user might: bare with backslashes, in single quotes (a single quote
 * itself then goes outside them), or in double quotes.
 */
static void quote_word(struct outbuf *o, const char *w)
{
	size_t n = strlen(w);
	if (n == 0) {
		const char *empty = below(2) ? "''" : "\"\"";
		put(o, empty[0]);
		put(o, empty[1]);
		return;
	}
	size_t i = 0;
	while (i < n) {
		size_t piece = 1 + below((unsigned)(n - i));
		size_t end = i + piece;
		switch (below(3)) {
		case 0: /* bare */
			for (; i < end; i++) {
				if (is_special(w[i]))
					put(o, '\\');
				else if (below(8) == 0)
					put(o, '\\'); /* a needless escape is harmless */
				put(o, w[i]);
			}
			break;
		case 1: /* single quotes */
			put(o, '\'');
			for (; i < end; i++) {
				if (w[i] == '\'') {
					put(o, '\'');
					put(o, '\\');
					put(o, '\'');
					put(o, '\'');
				} else {
					put(o, w[i]);
				}
			}
			put(o, '\'');
			if (below(6) == 0) {
				put(o, '\''); /* an empty pair in the middle of a word */
				put(o, '\'');
			}
			break;
		default: /* double quotes */
			put(o, '"');
			for (; i < end; i++) {
				if (w[i] == '"') {
					put(o, '\\');
				} else if (w[i] == '\\') {
					/* A backslash before anything but " and \
					 * may stay bare, unless it ends the piece. */
					bool bare_ok = i + 1 < end && w[i + 1] != '"' && w[i + 1] != '\\';
					if (!bare_ok || below(2))
						put(o, '\\');
				}
				put(o, w[i]);
			}
			put(o, '"');
			break;
		}
	}
}

static void put_blanks(struct outbuf *o, unsigned min)
{
	static const char blanks[] = " \t\n\r";
	unsigned n = min + below(4);
	for (unsigned i = 0; i < n; i++)
		put(o, blanks[below(4)]);
}

enum { MAX_RANDOM_WORDS = 24, MAX_WORD_LEN = 14 };

static void random_vector(char words[][MAX_WORD_LEN + 1], int *nwords)
{
	int n = (int)below(MAX_RANDOM_WORDS + 1);
	for (int i = 0; i < n; i++) {
		unsigned len = below(4) == 0 ? below(3) : below(MAX_WORD_LEN + 1);
		for (unsigned j = 0; j < len; j++)
			words[i][j] = charset[below(sizeof(charset) - 1)];
		words[i][len] = '\0';
		if (below(20) == 0)
			strcpy(words[i], "--");
	}
	*nwords = n;
}

static void random_round_trips(void **state)
{
	rng_state = seed_from_env("random_round_trips", 0x6b65656c636d64ull);
	char words[MAX_RANDOM_WORDS][MAX_WORD_LEN + 1];
	char text[MAX_RANDOM_WORDS * (MAX_WORD_LEN * 10 + 16) + 16];
	char *argv[MAX_RANDOM_WORDS + 2];

	for (int iter = 0; iter < 100000; iter++) {
		int n;
		random_vector(words, &n);
		struct outbuf o = { text, 0, sizeof(text) };
		text[0] = '\0';
		put_blanks(&o, 0);
		for (int i = 0; i < n; i++) {
			if (i > 0)
				put_blanks(&o, 1);
			quote_word(&o, words[i]);
		}
		put_blanks(&o, 0);

		/* Room for exactly n words: all of them fit. */
		char *buf = dup_exact(text);
		argv[n + 1] = SENTINEL;
		int ret = cmdline_split(buf, argv, n);
		if (ret != n)
			fail_msg("iteration %d: split of [%s] returned %d, want %d", iter, text, ret, n);
		for (int i = 0; i < n; i++)
			if (strcmp(argv[i], words[i]) != 0)
				fail_msg("iteration %d: split of [%s]: word %d [%s], want [%s]", iter, text, i, argv[i],
					 words[i]);
		assert_null(argv[n]);
		assert_ptr_equal(argv[n + 1], SENTINEL);
		free(buf);

		/* Room for one fewer: the first n - 1 words, then -E2BIG. */
		if (n > 0) {
			buf = dup_exact(text);
			ret = cmdline_split(buf, argv, n - 1);
			if (ret != -E2BIG)
				fail_msg("iteration %d: split of [%s] with max %d returned %d", iter, text, n - 1, ret);
			for (int i = 0; i < n - 1; i++)
				assert_string_equal(argv[i], words[i]);
			assert_null(argv[n - 1]);
			free(buf);
		}

		/* The same through cmdline_parse, divided at the first "--". */
		struct parsed p;
		parse(&p, text);
		assert_int_equal(p.ret, 0);
		int dashes = -1;
		for (int i = 0; i < n && dashes < 0; i++)
			if (strcmp(words[i], "--") == 0)
				dashes = i;
		int first_app = dashes < 0 ? 0 : dashes + 1;
		assert_int_equal(p.cl.kargc, dashes < 0 ? 0 : dashes);
		for (int i = 0; i < p.cl.kargc; i++)
			assert_string_equal(p.cl.kargv[i], words[i]);
		assert_int_equal(p.cl.argc, n - first_app + 1);
		assert_string_equal(p.cl.argv[0], "app");
		for (int i = first_app; i < n; i++)
			assert_string_equal(p.cl.argv[i - first_app + 1], words[i]);
		assert_null(p.cl.argv[p.cl.argc]);
		free(p.buf);
	}
}

/* Cutting a quoted command line short anywhere inside a quote must give
 * -EINVAL, never a read past the end. */
static void random_truncations(void **state)
{
	rng_state = seed_from_env("random_truncations", 0x6b65656c636d64ull) ^ 0x5a5a;
	char words[MAX_RANDOM_WORDS][MAX_WORD_LEN + 1];
	char text[MAX_RANDOM_WORDS * (MAX_WORD_LEN * 10 + 16) + 16];
	char *argv[MAX_RANDOM_WORDS * MAX_WORD_LEN * 2 + 2];

	for (int iter = 0; iter < 20000; iter++) {
		int n;
		random_vector(words, &n);
		struct outbuf o = { text, 0, sizeof(text) };
		text[0] = '\0';
		for (int i = 0; i < n; i++) {
			put_blanks(&o, 1);
			quote_word(&o, words[i]);
		}
		if (o.len == 0)
			continue;
		text[below((unsigned)o.len)] = '\0';
		char *buf = dup_exact(text);
		int ret = cmdline_split(buf, argv, MAX_RANDOM_WORDS * MAX_WORD_LEN * 2);
		assert_true(ret >= 0 || ret == -EINVAL);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_empty_and_blank), cmocka_unit_test(split_plain_words),
		cmocka_unit_test(split_single_quotes),	 cmocka_unit_test(split_double_quotes),
		cmocka_unit_test(split_backslashes),	 cmocka_unit_test(split_joined_parts),
		cmocka_unit_test(split_unterminated),	 cmocka_unit_test(split_word_limit),
		cmocka_unit_test(split_long_word),	 cmocka_unit_test(parse_without_dashes),
		cmocka_unit_test(parse_with_dashes),	 cmocka_unit_test(parse_errors),
		cmocka_unit_test(parse_appended_words),	 cmocka_unit_test(parse_word_limit),
		cmocka_unit_test(parse_sized_by_length), cmocka_unit_test(random_round_trips),
		cmocka_unit_test(random_truncations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
