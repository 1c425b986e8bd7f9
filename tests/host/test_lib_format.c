/*
 * The formatter (lib/format.c) and snprintf (lib/stdio.c) against glibc's
 * snprintf: a table of formats and values chosen by hand, then sweeps over
 * every combination of flags, widths, precisions and length modifiers,
 * each comparing the output and the return value. Then what glibc cannot
 * be compared on: truncation, writes past the buffer, the conversions
 * Keel prints as text, and overflow.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/lib_under_test.h"

#define BUF_SIZE 256
#define CANARY 0xa5
#define CANARY_SIZE 32

static unsigned long comparisons;

/* AddressSanitizer checks the formats passed to glibc's printf and warns
 * about some that glibc accepts ("%5%"), which are compared on purpose. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "check_printf=0"; }

static void show(char *dst, size_t size, const char *s, int len)
{
	/* Make NULs (from %c) visible in failure messages. */
	size_t n = len < 0 ? 0 : (size_t)len;
	size_t i;
	for (i = 0; i < n && i + 1 < size; i++)
		dst[i] = s[i] == '\0' ? '@' : s[i];
	dst[i] = '\0';
}

/* Formats with glibc's vsnprintf and Keel's and fails the test unless the
 * two agree on the output (NULs included), the return value and errno,
 * and Keel wrote nothing after its terminating NUL. */
static void compare_va(int line, const char *fmt, va_list ap)
{
	char expected[BUF_SIZE];
	unsigned char actual[BUF_SIZE + CANARY_SIZE];
	va_list aq;

	va_copy(aq, ap);
	errno = 0;
	int want = vsnprintf(expected, sizeof(expected), fmt, ap);
	int want_errno = errno;
	memset(actual, CANARY, sizeof(actual));
	keel_errno = 0;
	int got = keel_vsnprintf((char *)actual, BUF_SIZE, fmt, aq);
	int got_errno = keel_errno;
	va_end(aq);
	comparisons++;

	size_t stored = want < 0 ? 0 : (size_t)want < BUF_SIZE ? (size_t)want : BUF_SIZE - 1;
	if (got != want || got_errno != want_errno || memcmp(expected, actual, stored + 1) != 0) {
		char a[BUF_SIZE], b[BUF_SIZE];
		show(a, sizeof(a), expected, want);
		show(b, sizeof(b), (const char *)actual, got);
		fail_msg("line %d: format \"%s\": glibc \"%s\" = %d (errno %d), keel \"%s\" = %d (errno %d)", line, fmt,
			 a, want, want_errno, b, got, got_errno);
	}
	for (size_t i = stored + 1; i < sizeof(actual); i++) {
		if (actual[i] != CANARY)
			fail_msg("line %d: format \"%s\": byte %zu written after the terminator", line, fmt, i);
	}
}

static void compare(int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	compare_va(line, fmt, ap);
	va_end(ap);
}

#define COMPARE(...) compare(__LINE__, __VA_ARGS__)

/* Compares every format of a NULL-terminated list with the same
 * arguments (va_start again for each: the list is consumed each time). */
static void compare_each(int line, const char *const *fmts, ...)
{
	for (; *fmts != NULL; fmts++) {
		va_list ap;
		va_start(ap, fmts);
		compare_va(line, *fmts, ap);
		va_end(ap);
	}
}

#define COMPARE_EACH(fmts, ...) compare_each(__LINE__, fmts, __VA_ARGS__)

/* --- the table ------------------------------------------------------------ */

/* Formats that take an int (the hh and h ones too: their argument is
 * promoted to int). */
static const char *const int_formats[] = {
	"%d",	 "%i",	   "%u",       "%o",	  "%x",	     "%X",	  "%c|",   "%1d",    "%2d",	"%5d",
	"%12d",	 "%-5d",   "%-12d",    "%05d",	  "%012d",   "%+d",	  "% d",   "%+ d",   "% +d",	"%+5d",
	"% 5d",	 "%+05d",  "% 05d",    "%-+5d",	  "%- 5d",   "%-05d",	  "%0-5d", "%.0d",   "%.1d",	"%.3d",
	"%.10d", "%.12d",  "%5.0d",    "%5.3d",	  "%-5.3d",  "%05.3d",	  "%+.3d", "% .3d",  "%+05.3d", "%+.0d",
	"% .0d", "%+5.0d", "%-+5.0d",  "%#d",	  "%#5d",    "%#.0d",	  "%.d",   "%5.d",   "%+.d",	"%00005d",
	"%--5d", "%++d",   "%  d",     "%##x",	  "%hhd",    "%hhi",	  "%hhu",  "%hho",   "%hhx",	"%hhX",
	"%hd",	 "%hi",	   "%hu",      "%ho",	  "%hx",     "%hX",	  "%+hhd", "%05hhd", "%-6hd",	"%#hho",
	"%#hhx", "%.4hhx", "%#10.4hx", "%u|%u",	  "%+u",     "% u",	  "%+x",   "% X",    "%+o",	"%5u",
	"%-5u",	 "%05u",   "%.0u",     "%.3u",	  "%#o",     "%#5o",	  "%#-5o", "%#05o",  "%#.0o",	"%#.1o",
	"%#.3o", "%#.12o", "%#5.0o",   "%#x",	  "%#X",     "%#5x",	  "%#-8x", "%#08x",  "%#08X",	"%#.0x",
	"%#.0X", "%#.3x",  "%#8.3x",   "%#-8.3x", "%#08.3x", "%#012.10x", "%.0x",  "%.0o",   "%5.0x",	"%-5.0o",
	"[%d]",	 "%d%d",   "abc%ddef", "%%%d%%",  NULL,
};

static const int int_values[] = {
	0,     1,	  -1,	  2,	   7,	    8,		 9,	      10,	  15,
	16,    42,	  -42,	  99,	   100,	    127,	 128,	      -128,	  -129,
	255,   256,	  1000,	  4095,	   32767,   -32768,	 32768,	      65535,	  65536,
	99999, 123456789, -12345, INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1, 0x7fff0000, -0x7fff0000,
};

static void table_int(void **state)
{
	for (size_t i = 0; i < sizeof(int_values) / sizeof(int_values[0]); i++)
		COMPARE_EACH(int_formats, int_values[i], int_values[i] ^ 0x5a5a);
}

/* Formats for 64-bit arguments: long, long long, intmax_t, size_t and
 * ptrdiff_t are all 64-bit integers on x86_64. */
static const char *const long_formats[] = {
	"%ld",	  "%li",    "%lu",     "%lo",	   "%lx",	 "%lX",		"%lld", "%lli", "%llu",
	"%llo",	  "%llx",   "%llX",    "%jd",	   "%ji",	 "%ju",		"%jo",	"%jx",	"%jX",
	"%zd",	  "%zi",    "%zu",     "%zo",	   "%zx",	 "%zX",		"%td",	"%ti",	"%tu",
	"%to",	  "%tx",    "%tX",     "%25ld",	   "%-25ld",	 "%025ld",	"%+ld", "% ld", "%+025lld",
	"%.0ld",  "%.20ld", "%.25lld", "%30.25ld", "%-30.25lld", "%030.25ld",	"%#lo", "%#lx", "%#lX",
	"%#.0lo", "%#.0lx", "%#30lo",  "%#030llx", "%#-30llX",	 "%#.30lx",	"%+zd", "% zd", "%-+25jd",
	"%+lu",	  "%.0zu",  "%#zx",    "%#to",	   "%#025jo",	 "%ld|%lu|%lx", NULL,
};

static const long long long_values[] = {
	0,
	1,
	-1,
	42,
	-42,
	255,
	256,
	INT_MAX,
	INT_MIN,
	(long long)INT_MAX + 1,
	(long long)INT_MIN - 1,
	UINT_MAX,
	(long long)UINT_MAX + 1,
	1000000000000LL,
	-1000000000000LL,
	0x0123456789abcdefLL,
	-0x0123456789abcdefLL,
	LLONG_MAX,
	LLONG_MIN,
	LLONG_MAX - 1,
	LLONG_MIN + 1,
	(long long)SIZE_MAX,
	(long long)(ULLONG_MAX - 1),
};

static void table_long(void **state)
{
	for (size_t i = 0; i < sizeof(long_values) / sizeof(long_values[0]); i++) {
		long long v = long_values[i];
		COMPARE_EACH(long_formats, v, v, v);
	}
	COMPARE("%zu %zx %zd", SIZE_MAX, SIZE_MAX, (size_t)0);
	COMPARE("%ju %jd %jx", UINTMAX_MAX, INTMAX_MIN, UINTMAX_MAX);
	COMPARE("%tu %td %tx", (ptrdiff_t)-1, PTRDIFF_MIN, PTRDIFF_MAX);
	COMPARE("%llu %lld %llo", ULLONG_MAX, LLONG_MIN, ULLONG_MAX);
	COMPARE("%lu %ld %lo", ULONG_MAX, LONG_MIN, ULONG_MAX);
	/* Arguments of different sizes in one format. */
	COMPARE("%hhd %hd %d %ld %lld %zu %jd %td", 1, 2, 3, 4L, 5LL, (size_t)6, (intmax_t)7, (ptrdiff_t)8);
	COMPARE("%lld %d %lld %d", LLONG_MIN, INT_MIN, LLONG_MAX, INT_MAX);
	COMPARE("%d %lld %d %lld", -1, -1LL, 1, 1LL);
}

static const char *const string_formats[] = {
	"%s",	  "[%s]", "%1s",  "%5s",  "%12s", "%-5s", "%-12s",  "%05s",  "%-05s",
	"%.0s",	  "%.1s", "%.3s", "%.5s", "%.6s", "%.7s", "%.12s",  "%5.1s", "%-5.1s",
	"%12.6s", "%.s",  "%+s",  "% s",  "%#s",  "%s%s", "%.2s%s", "%%s",   NULL,
};

static const char *const string_values[] = {
	"", "a", "ab", "abc", "hello", "hello!", "hello, world", "%d %s", "\t\n", "\xff\x80",
};

static void table_string(void **state)
{
	for (size_t i = 0; i < sizeof(string_values) / sizeof(string_values[0]); i++)
		COMPARE_EACH(string_formats, string_values[i], "tail");
	/* glibc prints NULL as "(null)", or nothing if the precision is
	 * below 6. */
	COMPARE_EACH(string_formats, (const char *)NULL, (const char *)NULL);
}

/* With a precision, %s reads no more than that many bytes: an
 * unterminated buffer, allocated to its size for AddressSanitizer. */
static void string_precision_bounds_reads(void **state)
{
	char buf[32];
	char *raw = malloc(5);
	assert_non_null(raw);
	memcpy(raw, "abcde", 5);
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "[%.5s]", raw), 7);
	assert_string_equal(buf, "[abcde]");
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "[%-8.3s]", raw), 10);
	assert_string_equal(buf, "[abc     ]");
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "[%.*s]", 4, raw), 6);
	assert_string_equal(buf, "[abcd]");
	free(raw);
}

static const char *const char_formats[] = {
	"%c",	"[%c]",	 "%1c", "%5c", "%-5c", "%05c", "%-05c", "%.0c",
	"%.3c", "%5.0c", "%+c", "% c", "%#c",  "%c%c", "%12c|", NULL,
};

static void table_char(void **state)
{
	static const int chars[] = { 'a', 'Z', ' ', '%', '0', '\n', 0, 0x7f, 0x80, 0xff, -1, 0x141 };
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
		COMPARE_EACH(char_formats, chars[i], 'x');
}

static const char *const pointer_formats[] = {
	"%p",	    "[%p]",   "%1p",   "%5p",	 "%20p",   "%-20p",  "%020p", "%-020p",	 "%+p",
	"% p",	    "%#p",    "%.0p",  "%.1p",	 "%.3p",   "%.5p",   "%.20p", "%25.20p", "%-25.20p",
	"%025.20p", "%08.3p", "%+20p", "%+020p", "% 020p", "%+.20p", "%p%p",  NULL,
};

static void table_pointer(void **state)
{
	static const uintptr_t pointers[] = {
		0, 1, 0xf, 0x10, 0x1234, 0xdeadbeef, 0x7fffffffffff, 0xffff800000000000, UINTPTR_MAX,
	};
	for (size_t i = 0; i < sizeof(pointers) / sizeof(pointers[0]); i++)
		COMPARE_EACH(pointer_formats, (void *)pointers[i], (void *)pointers[i]);
}

static void table_text(void **state)
{
	COMPARE("");
	COMPARE("plain text");
	COMPARE("%%");
	COMPARE("100%%");
	COMPARE("%%%%%%");
	/* glibc ignores flags, width and precision on %%. */
	COMPARE("[%5%]");
	COMPARE("[%-5%]");
	COMPARE("[%05.2%]");
	COMPARE("%d%%%s", 50, "x");
	/* Long literal runs and a long result. */
	COMPARE("0123456789012345678901234567890123456789012345678901234567890123456789%s",
		"0123456789012345678901234567890123456789012345678901234567890123456789");
	COMPARE("%200d|", 1);
	COMPARE("%-200s|", "x");
	COMPARE("%.200d|", -1);
}

/* --- the sweeps --------------------------------------------------------- */

static const char flag_chars[] = "-+ #0";

/* Writes "%[flags][width][.precision]<length><conv>" for flag subset
 * bits, width (< 0: none) and precision (< 0: none). */
static void build_format(char *fmt, size_t size, unsigned flags, int width, int precision, const char *length,
			 char conv)
{
	char *p = fmt;
	*p++ = '%';
	for (unsigned f = 0; f < 5; f++) {
		if (flags & (1u << f))
			*p++ = flag_chars[f];
	}
	if (width >= 0)
		p += sprintf(p, "%d", width);
	if (precision >= 0)
		p += sprintf(p, ".%d", precision);
	snprintf(p, size - (size_t)(p - fmt), "%s%c|", length, conv);
}

/* Every flag subset, width none and 0..12, precision none and 0..10. */
#define FOR_EACH_LAYOUT(flags, width, precision)                                                                       \
	for (unsigned flags = 0; flags < 32; flags++)                                                                  \
		for (int width = -1; width <= 12; width++)                                                             \
			for (int precision = -1; precision <= 10; precision++)

struct length_modifier {
	const char *text;
	int bits; /* the width of the argument's type as passed */
};

static const struct length_modifier lengths[] = {
	{ "", 32 }, { "hh", 32 }, { "h", 32 }, { "l", 64 }, { "ll", 64 }, { "z", 64 }, { "j", 64 }, { "t", 64 },
};

static void compare_integer(const char *fmt, const struct length_modifier *len, char conv, uint64_t bits)
{
	bool is_signed = conv == 'd' || conv == 'i';
	if (len->bits == 32) {
		if (is_signed)
			compare(__LINE__, fmt, (int)(int32_t)bits);
		else
			compare(__LINE__, fmt, (unsigned)bits);
		return;
	}
	/* Pass exactly the type the length modifier names. */
	switch (len->text[0]) {
	case 'l':
		if (len->text[1] == 'l' && is_signed)
			compare(__LINE__, fmt, (long long)bits);
		else if (len->text[1] == 'l')
			compare(__LINE__, fmt, (unsigned long long)bits);
		else if (is_signed)
			compare(__LINE__, fmt, (long)bits);
		else
			compare(__LINE__, fmt, (unsigned long)bits);
		break;
	case 'z': compare(__LINE__, fmt, (size_t)bits); break;
	case 'j':
		if (is_signed)
			compare(__LINE__, fmt, (intmax_t)bits);
		else
			compare(__LINE__, fmt, (uintmax_t)bits);
		break;
	default: compare(__LINE__, fmt, (ptrdiff_t)bits); break;
	}
}

static void sweep_integers(const char *convs, const uint64_t *values, size_t nvalues)
{
	char fmt[32];
	for (const char *conv = convs; *conv != '\0'; conv++) {
		for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
			FOR_EACH_LAYOUT(flags, width, precision)
			{
				build_format(fmt, sizeof(fmt), flags, width, precision, lengths[l].text, *conv);
				for (size_t v = 0; v < nvalues; v++)
					compare_integer(fmt, &lengths[l], *conv, values[v]);
			}
		}
	}
}

/* Values that exercise every length's conversion back to its own type:
 * zero, one, the sign bit and the extremes of 8, 16, 32 and 64 bits. */
static const uint64_t sweep_values[] = {
	0,
	1,
	UINT64_MAX, /* -1 */
	0x7f,
	0x80,
	0x1ff,
	0x8000,
	0x12345,
	0x7fffffff,
	0x80000000,
	0xfedcba98,
	0x100000000,
	0x8000000000000000,
	0x7fffffffffffffff,
	0x0123456789abcdef,
};

static void sweep_signed(void **state)
{
	sweep_integers("di", sweep_values, sizeof(sweep_values) / sizeof(sweep_values[0]));
}

static void sweep_unsigned(void **state)
{
	sweep_integers("uoxX", sweep_values, sizeof(sweep_values) / sizeof(sweep_values[0]));
}

static void sweep_text(void **state)
{
	static const char *const strings[] = { "", "a", "hello", "(null)", "0123456789abcdef", NULL };
	static const int chars[] = { 'q', 0, 0xe9 };
	static const uintptr_t pointers[] = { 0, 1, 0xabc, 0xdeadbeef, UINTPTR_MAX };
	char fmt[32];

	FOR_EACH_LAYOUT(flags, width, precision)
	{
		build_format(fmt, sizeof(fmt), flags, width, precision, "", 's');
		for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
			COMPARE(fmt, strings[i]);
		build_format(fmt, sizeof(fmt), flags, width, precision, "", 'c');
		for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++)
			COMPARE(fmt, chars[i]);
		build_format(fmt, sizeof(fmt), flags, width, precision, "", 'p');
		for (size_t i = 0; i < sizeof(pointers) / sizeof(pointers[0]); i++)
			COMPARE(fmt, (void *)pointers[i]);
	}
}

/* '*' for width and precision, including negative values: a negative
 * width is the '-' flag, a negative precision none at all. */
static void sweep_star(void **state)
{
	static const char *const fmts[] = {
		"%*d|", "%-*d|", "%0*d|", "%+*d|", "%*x|", "%#*x|", "%*s|", "%-*s|", "%*c|", "%*p|", "%0*p|",
	};
	static const char *const precision_fmts[] = {
		"%.*d|", "%0.*d|", "%8.*d|", "%-8.*d|", "%08.*d|", "%#.*o|", "%#.*x|", "%.*s|", "%8.*s|", "%.*p|",
	};
	static const char *const both_fmts[] = { "%*.*d|", "%-*.*d|", "%0*.*d|", "%+*.*x|", "%*.*s|", "%0*.*u|" };

	for (int width = -14; width <= 14; width++) {
		for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			char conv = fmts[f][strlen(fmts[f]) - 2];
			if (conv == 's')
				COMPARE(fmts[f], width, "abc");
			else if (conv == 'p')
				COMPARE(fmts[f], width, (void *)0x1f);
			else
				COMPARE(fmts[f], width, -37);
		}
	}
	for (int precision = -14; precision <= 14; precision++) {
		for (size_t f = 0; f < sizeof(precision_fmts) / sizeof(precision_fmts[0]); f++) {
			char conv = precision_fmts[f][strlen(precision_fmts[f]) - 2];
			if (conv == 's') {
				COMPARE(precision_fmts[f], precision, "abcdef");
				COMPARE(precision_fmts[f], precision, (const char *)NULL);
			} else if (conv == 'p') {
				COMPARE(precision_fmts[f], precision, (void *)0x1f);
			} else {
				COMPARE(precision_fmts[f], precision, 0);
				COMPARE(precision_fmts[f], precision, 37);
			}
		}
	}
	for (int width = -9; width <= 9; width += 3) {
		for (int precision = -3; precision <= 6; precision++) {
			for (size_t f = 0; f < sizeof(both_fmts) / sizeof(both_fmts[0]); f++) {
				if (both_fmts[f][strlen(both_fmts[f]) - 2] == 's')
					COMPARE(both_fmts[f], width, precision, "abcdef");
				else
					COMPARE(both_fmts[f], width, precision, 255);
			}
		}
	}
	/* The star arguments come before the value, in order. */
	COMPARE("%*d %*d %.*s", 4, 1, -4, 2, 2, "xyz");
}

/* --- what is compared with fixed expectations ------------------------------ */

/* For every buffer size from 0 to past the output: the same return value
 * and the same bytes as glibc, always terminated, nothing written beyond
 * the size. */
static void truncation(void **state)
{
	/* Each takes (or ignores) the same arguments: "world", 42, 'a', 'b'. */
	static const char *const fmts[] = { "hello, %s! %d%%", "%s|%-10d|%#x|%c", "%s", "", "%.2s%c%c%c", "%40s%d" };
	char expected[64];
	unsigned char actual[64 + CANARY_SIZE];

	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		int full = snprintf(NULL, 0, fmts[f], "world", 42, 'a', 'b');
		assert_true(full >= 0 && full < 64);
		for (size_t n = 0; n <= (size_t)full + 2; n++) {
			memset(expected, CANARY, sizeof(expected));
			memset(actual, CANARY, sizeof(actual));
			int want = snprintf(expected, n, fmts[f], "world", 42, 'a', 'b');
			int got = keel_snprintf((char *)actual, n, fmts[f], "world", 42, 'a', 'b');
			assert_int_equal(got, want);
			assert_int_equal(got, full);
			if (n > 0) {
				size_t stored = n - 1 < (size_t)full ? n - 1 : (size_t)full;
				assert_memory_equal(actual, expected, stored + 1);
				assert_int_equal(actual[stored], '\0');
			}
			for (size_t i = n; i < sizeof(actual); i++)
				assert_int_equal(actual[i], CANARY);
		}
	}
}

/* n == 0 writes nothing, so buf may be NULL; the result is the length. */
static void null_buffer(void **state)
{
	assert_int_equal(keel_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	assert_int_equal(keel_snprintf(NULL, 0, ""), 0);
	assert_int_equal(keel_snprintf(NULL, 0, "%100d", 1), 100);
}

/* sprintf and vsprintf: no size, same output. */
static int call_vsprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = keel_vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

static void unbounded(void **state)
{
	char buf[BUF_SIZE];
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(keel_sprintf(buf, "%s=%08.3x%c", "key", 0xbeef, '!'), 13);
	assert_string_equal(buf, "key=    beef!");
	assert_int_equal((unsigned char)buf[14], CANARY);
	assert_int_equal(call_vsprintf(buf, "[%-6s|%+d]", "ab", 5), 11);
	assert_string_equal(buf, "[ab    |+5]");
}

/* A sink that appends to a buffer and records how it was called. */
struct recording {
	char text[BUF_SIZE];
	size_t len;
	unsigned calls;
	bool empty_call;
};

static void record(void *ctx, const char *s, size_t n)
{
	struct recording *r = ctx;
	r->calls++;
	if (n == 0)
		r->empty_call = true;
	assert_true(r->len + n < sizeof(r->text));
	memcpy(r->text + r->len, s, n);
	r->len += n;
}

static int format_recorded(struct recording *r, const char *fmt, ...)
{
	va_list ap;
	memset(r, 0, sizeof(*r));
	va_start(ap, fmt);
	int n = format_v(record, r, fmt, ap);
	va_end(ap);
	return n;
}

/* format_v hands over the same text as snprintf, in pieces, never empty
 * ones, and leaves errno alone when it succeeds. */
static void sink_pieces(void **state)
{
	struct recording r;
	char expected[BUF_SIZE];
	int want = snprintf(expected, sizeof(expected), "a%sb%5dc%-40sd%%", "xyz", 42, "pad");
	keel_errno = 1234;
	int n = format_recorded(&r, "a%sb%5dc%-40sd%%", "xyz", 42, "pad");
	assert_int_equal(n, want);
	assert_int_equal(r.len, (size_t)want);
	r.text[r.len] = '\0';
	assert_string_equal(r.text, expected);
	assert_false(r.empty_call);
	assert_true(r.calls > 1);
	assert_int_equal(keel_errno, 1234);

	n = format_recorded(&r, "");
	assert_int_equal(n, 0);
	assert_int_equal(r.calls, 0);
}

/* Keel prints what it does not support as written and takes no argument
 * for it: the arguments after it still line up. */
static void unsupported_as_text(void **state)
{
	static const struct {
		const char *fmt;
		const char *expected;
	} cases[] = {
		{ "%f %d", "%f 42" },	    { "%e %E %g %G %a %A %F %d", "%e %E %g %G %a %A %F 42" },
		{ "%8.3f|%d", "%8.3f|42" }, { "%Lf %d", "%Lf 42" },
		{ "%n%d", "%n42" },	    { "%hhn%ln%d", "%hhn%ln42" },
		{ "%lc%ls%d", "%lc%ls42" }, { "%hs%zp%llc%d", "%hs%zp%llc42" },
		{ "%y%d", "%y42" },	    { "%-05y%d", "%-05y42" },
		{ "%1$d", "%1$d" },	    { "%Ld%d", "%Ld42" },
		{ "%qd%d", "%qd42" },	    { "%*f %d", "%*f 42" },
		{ "%d%", "42%" },	    { "%d%-5", "42%-5" },
		{ "%d%5.", "42%5." },	    { "%d%ll", "42%ll" },
		{ "%d%#", "42%#" },
	};
	char buf[BUF_SIZE];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = keel_snprintf(buf, sizeof(buf), cases[i].fmt, 42, 43);
		if (strcmp(buf, cases[i].expected) != 0 || n != (int)strlen(cases[i].expected))
			fail_msg("format \"%s\": \"%s\" = %d, expected \"%s\"", cases[i].fmt, buf, n,
				 cases[i].expected);
	}
}

static void count_only(void *ctx, const char *s, size_t n) { *(size_t *)ctx += n; }

static int format_counted(size_t *count, const char *fmt, ...)
{
	va_list ap;
	*count = 0;
	va_start(ap, fmt);
	int n = format_v(count_only, count, fmt, ap);
	va_end(ap);
	return n;
}

/* A count beyond INT_MAX cannot be returned: -1 and EOVERFLOW, as glibc,
 * whether a width or precision is too large to parse or the output too
 * long. Exactly INT_MAX characters is still a result. */
static void overflow(void **state)
{
	char buf[16];
	size_t count;

	keel_errno = 0;
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "%2147483648d", 1), -1);
	assert_int_equal(keel_errno, EOVERFLOW);
	keel_errno = 0;
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "ab%.99999999999d", 1), -1);
	assert_int_equal(keel_errno, EOVERFLOW);
	keel_errno = 0;
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "ab%*d", INT_MIN, 1), -1);
	assert_int_equal(keel_errno, EOVERFLOW);
	assert_string_equal(buf, "ab");

	keel_errno = 0;
	assert_int_equal(format_counted(&count, "%2147483647d", 7), INT_MAX);
	assert_int_equal(count, INT_MAX);
	assert_int_equal(keel_errno, 0);
	assert_int_equal(format_counted(&count, "x%2147483647d", 7), -1);
	assert_int_equal(keel_errno, EOVERFLOW);
	assert_true(count <= INT_MAX);
}

static void report(void **state) { print_message("compared %lu formats with glibc\n", comparisons); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_int),	  cmocka_unit_test(table_long),
		cmocka_unit_test(table_string),	  cmocka_unit_test(string_precision_bounds_reads),
		cmocka_unit_test(table_char),	  cmocka_unit_test(table_pointer),
		cmocka_unit_test(table_text),	  cmocka_unit_test(sweep_signed),
		cmocka_unit_test(sweep_unsigned), cmocka_unit_test(sweep_text),
		cmocka_unit_test(sweep_star),	  cmocka_unit_test(truncation),
		cmocka_unit_test(null_buffer),	  cmocka_unit_test(unbounded),
		cmocka_unit_test(sink_pieces),	  cmocka_unit_test(unsupported_as_text),
		cmocka_unit_test(overflow),	  cmocka_unit_test(report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
