/*
 * lib/string.c against glibc: edge cases chosen by hand, then random
 * lengths, alignments, overlaps and contents. Buffers are allocated to
 * their exact size so that AddressSanitizer catches any read or write
 * past them; memcpy and memset run as inline assembly, which it does not
 * see, so their destinations are also fenced with canary bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "tests/host/lib_under_test.h"

#define CANARY 0xa5
#define FENCE 16

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng();
}

/* A string of length len from a small alphabet, so that searches find
 * partial and whole matches often; malloc'd to its exact size. */
static char *random_string(size_t len, const char *alphabet)
{
	size_t k = strlen(alphabet);
	char *s = malloc(len + 1);
	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = alphabet[rng_below(k)];
	s[len] = '\0';
	return s;
}

static int sign(int v) { return (v > 0) - (v < 0); }

/* --- memory ------------------------------------------------------------- */

/* memcpy and memset at every alignment of source and destination, lengths
 * 0..300: the bytes written are those expected, the fences untouched. */
static void mem_copy_and_fill(void **state)
{
	enum { MAX_LEN = 300, ALIGN = 16 };
	unsigned char src[MAX_LEN + ALIGN];
	unsigned char dst[FENCE + MAX_LEN + ALIGN + FENCE];
	unsigned char expected[sizeof(dst)];

	for (int round = 0; round < 4000; round++) {
		size_t len = rng_below(MAX_LEN + 1);
		size_t soff = rng_below(ALIGN), doff = rng_below(ALIGN);
		fill_random(src, sizeof(src));
		fill_random(dst, sizeof(dst));
		memset(dst, CANARY, FENCE);
		memset(dst + FENCE + doff + len, CANARY, sizeof(dst) - FENCE - doff - len);
		memcpy(expected, dst, sizeof(dst));

		memcpy(expected + FENCE + doff, src + soff, len);
		assert_ptr_equal(keel_memcpy(dst + FENCE + doff, src + soff, len), dst + FENCE + doff);
		assert_memory_equal(dst, expected, sizeof(dst));

		int c = (int)rng_below(0x300) - 0x80; /* memset uses (unsigned char)c */
		memset(expected + FENCE + doff, c, len);
		assert_ptr_equal(keel_memset(dst + FENCE + doff, c, len), dst + FENCE + doff);
		assert_memory_equal(dst, expected, sizeof(dst));
	}
}

/* memmove within one buffer: source and destination overlapping in both
 * directions by every distance, and apart. */
static void mem_move(void **state)
{
	enum { SIZE = 340 };
	unsigned char buf[FENCE + SIZE + FENCE], expected[sizeof(buf)];

	for (int round = 0; round < 6000; round++) {
		size_t len = rng_below(301);
		size_t src = rng_below(SIZE - len + 1), dst;
		/* Half the time a destination within 20 bytes of the source,
		 * where word-sized overlaps are the delicate case. */
		if (round % 2 == 0) {
			size_t lo = src > 20 ? src - 20 : 0, hi = src + 20 < SIZE - len ? src + 20 : SIZE - len;
			dst = lo + rng_below(hi - lo + 1);
		} else {
			dst = rng_below(SIZE - len + 1);
		}
		fill_random(buf, sizeof(buf));
		memcpy(expected, buf, sizeof(buf));
		memmove(expected + FENCE + dst, expected + FENCE + src, len);
		assert_ptr_equal(keel_memmove(buf + FENCE + dst, buf + FENCE + src, len), buf + FENCE + dst);
		if (memcmp(buf, expected, sizeof(buf)) != 0)
			fail_msg("memmove(dst %zu, src %zu, len %zu)", dst, src, len);
	}
	/* The same pointer, and n == 0 with pointers that must not be
	 * touched. */
	memset(buf, 'x', sizeof(buf));
	keel_memmove(buf, buf, sizeof(buf));
	keel_memmove(NULL, buf, 0);
	keel_memcpy(buf, NULL, 0);
	keel_memset(NULL, 0, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'x');
}

/* memcmp's sign must follow the first differing byte as unsigned char,
 * wherever it is relative to the 8-byte words compared at once. */
static void mem_compare(void **state)
{
	for (int round = 0; round < 20000; round++) {
		size_t len = rng_below(80);
		unsigned char *a = malloc(len + 1), *b = malloc(len + 1);
		assert_non_null(a);
		assert_non_null(b);
		fill_random(a, len + 1);
		memcpy(b, a, len + 1);
		if (len > 0 && round % 4 != 0) {
			size_t at = rng_below(len);
			b[at] = (unsigned char)rng();
			/* Sometimes also a later difference of the other sign. */
			if (at + 1 < len && round % 3 == 0)
				b[at + 1 + rng_below(len - at - 1)] ^= 0xff;
		}
		assert_int_equal(sign(keel_memcmp(a, b, len)), sign(memcmp(a, b, len)));
		assert_int_equal(sign(keel_memcmp(b, a, len)), sign(memcmp(b, a, len)));
		free(a);
		free(b);
	}
	assert_true(keel_memcmp("\x80", "\x7f", 1) > 0);
	assert_true(keel_memcmp("\x00", "\xff", 1) < 0);
	assert_int_equal(keel_memcmp("abc", "abd", 2), 0);
	assert_int_equal(keel_memcmp(NULL, NULL, 0), 0);
}

static void mem_find(void **state)
{
	for (int round = 0; round < 5000; round++) {
		size_t len = rng_below(120);
		unsigned char *p = malloc(len ? len : 1);
		assert_non_null(p);
		for (size_t i = 0; i < len; i++)
			p[i] = (unsigned char)(rng_below(8) + 0xfc); /* wraps: fc..ff, 00..03 */
		int c = (int)rng_below(12) + 0xfa;
		size_t n = rng_below(len + 1);
		assert_ptr_equal(keel_memchr(p, c, n), memchr(p, c, n));
		free(p);
	}
	/* It stops at the first match, so n may exceed the object then. */
	char *s = exact("abcdef");
	assert_ptr_equal(keel_memchr(s, 'd', SIZE_MAX), s + 3);
	assert_ptr_equal(keel_memchr(s, 'd' + 0x100, 7), s + 3);
	assert_ptr_equal(keel_memchr(s, '\0', 7), s + 6);
	assert_null(keel_memchr(s, 'z', 7));
	free(s);
}

/* --- strings ------------------------------------------------------------ */

static void string_length(void **state)
{
	static const char *const strings[] = { "", "a", "hello", "\xff\x80 high bytes", "0123456789abcdef0123" };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		char *s = exact(strings[i]);
		size_t len = strlen(s);
		assert_int_equal(keel_strlen(s), len);
		for (size_t max = 0; max <= len + 2; max++)
			assert_int_equal(keel_strnlen(s, max), strnlen(s, max));
		assert_int_equal(keel_strnlen(s, SIZE_MAX), len);
		free(s);
	}
	/* strnlen reads no further than maxlen: an unterminated buffer. */
	char *raw = malloc(4);
	assert_non_null(raw);
	memcpy(raw, "abcd", 4);
	assert_int_equal(keel_strnlen(raw, 4), 4);
	assert_int_equal(keel_strnlen(raw, 2), 2);
	free(raw);
}

static void string_compare(void **state)
{
	static const char *const strings[] = {
		"",	   "a",	      "A",    "b", "ab", "abc", "abd",	 "ABC",	  "aBc",    "abc\xff",
		"abc\x80", "abc\x7f", "\xff", "[", "_",	 "`",	"Hello", "hello", "HELLO!", "hello!",
	};
	size_t n = sizeof(strings) / sizeof(strings[0]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			char *a = exact(strings[i]), *b = exact(strings[j]);
			assert_int_equal(sign(keel_strcmp(a, b)), sign(strcmp(a, b)));
			assert_int_equal(sign(keel_strcasecmp(a, b)), sign(strcasecmp(a, b)));
			for (size_t k = 0; k <= 7; k++) {
				assert_int_equal(sign(keel_strncmp(a, b, k)), sign(strncmp(a, b, k)));
				assert_int_equal(sign(keel_strncasecmp(a, b, k)), sign(strncasecmp(a, b, k)));
			}
			assert_int_equal(sign(keel_strncmp(a, b, SIZE_MAX)), sign(strcmp(a, b)));
			free(a);
			free(b);
		}
	}
	/* strncmp reads no further than n: unterminated buffers. */
	char *x = malloc(3), *y = malloc(3);
	assert_non_null(x);
	assert_non_null(y);
	memcpy(x, "abc", 3);
	memcpy(y, "abd", 3);
	assert_int_equal(keel_strncmp(x, y, 2), 0);
	assert_true(keel_strncmp(x, y, 3) < 0);
	assert_int_equal(keel_strncasecmp(x, y, 2), 0);
	free(x);
	free(y);
}

static void string_copy(void **state)
{
	char dst[FENCE + 32 + FENCE], expected[sizeof(dst)];
	static const char *const sources[] = { "", "a", "hello", "0123456789abcdef" };

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		char *src = exact(sources[i]);
		memset(dst, CANARY, sizeof(dst));
		memset(expected, CANARY, sizeof(expected));
		assert_ptr_equal(keel_strcpy(dst + FENCE, src), dst + FENCE);
		strcpy(expected + FENCE, src);
		assert_memory_equal(dst, expected, sizeof(dst));

		/* strncpy pads with NULs to n and leaves the result
		 * unterminated when src does not fit. */
		for (size_t n = 0; n <= 20; n++) {
			memset(dst, CANARY, sizeof(dst));
			memset(expected, CANARY, sizeof(expected));
			assert_ptr_equal(keel_strncpy(dst + FENCE, src, n), dst + FENCE);
			strncpy(expected + FENCE, src, n);
			assert_memory_equal(dst, expected, sizeof(dst));
		}

		static const char *const prefixes[] = { "", "x", "abc" };
		for (size_t p = 0; p < 3; p++) {
			memset(dst, CANARY, sizeof(dst));
			memset(expected, CANARY, sizeof(expected));
			strcpy(dst + FENCE, prefixes[p]);
			strcpy(expected + FENCE, prefixes[p]);
			assert_ptr_equal(keel_strcat(dst + FENCE, src), dst + FENCE);
			strcat(expected + FENCE, src);
			assert_memory_equal(dst, expected, sizeof(dst));
			for (size_t n = 0; n <= 18; n++) {
				memset(dst, CANARY, sizeof(dst));
				memset(expected, CANARY, sizeof(expected));
				strcpy(dst + FENCE, prefixes[p]);
				strcpy(expected + FENCE, prefixes[p]);
				assert_ptr_equal(keel_strncat(dst + FENCE, src, n), dst + FENCE);
				strncat(expected + FENCE, src, n);
				assert_memory_equal(dst, expected, sizeof(dst));
			}
		}
		free(src);
	}
	/* strncat reads at most n bytes of src: an unterminated one. */
	char *raw = malloc(3);
	assert_non_null(raw);
	memcpy(raw, "xyz", 3);
	strcpy(dst, "ab");
	keel_strncat(dst, raw, 3);
	assert_string_equal(dst, "abxyz");
	strcpy(dst, "ab");
	keel_strncpy(dst, raw, 3);
	assert_memory_equal(dst, "xyz", 3);
	free(raw);
}

/* BSD strlcpy and strlcat, which glibc 2.36 lacks: reference versions
 * written byte by byte from their definition. */
static size_t reference_strlcpy(char *dst, const char *src, size_t size)
{
	size_t i = 0;
	for (; size > 0 && i < size - 1 && src[i] != '\0'; i++)
		dst[i] = src[i];
	if (size > 0)
		dst[i] = '\0';
	return strlen(src);
}

static size_t reference_strlcat(char *dst, const char *src, size_t size)
{
	size_t used = 0;
	while (used < size && dst[used] != '\0')
		used++;
	if (used == size)
		return size + strlen(src);
	return used + reference_strlcpy(dst + used, src, size - used);
}

static void string_bounded_copy(void **state)
{
	char buf[16];

	/* The definition's cases, by hand. */
	memset(buf, 'q', sizeof(buf));
	assert_int_equal(keel_strlcpy(buf, "hello", 0), 5);
	assert_int_equal(buf[0], 'q');
	assert_int_equal(keel_strlcpy(buf, "hello", 1), 5);
	assert_string_equal(buf, "");
	assert_int_equal(keel_strlcpy(buf, "hello", 3), 5);
	assert_string_equal(buf, "he");
	assert_int_equal(keel_strlcpy(buf, "hello", 6), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(keel_strlcpy(buf, "hello", sizeof(buf)), 5);
	assert_string_equal(buf, "hello");

	strcpy(buf, "ab");
	assert_int_equal(keel_strlcat(buf, "cde", sizeof(buf)), 5);
	assert_string_equal(buf, "abcde");
	strcpy(buf, "ab");
	assert_int_equal(keel_strlcat(buf, "cde", 4), 5);
	assert_string_equal(buf, "abc");
	strcpy(buf, "ab");
	assert_int_equal(keel_strlcat(buf, "cde", 3), 5);
	assert_string_equal(buf, "ab");
	/* No terminator within size: nothing is appended, and the result
	 * counts size as dst's length. */
	strcpy(buf, "ab");
	assert_int_equal(keel_strlcat(buf, "cde", 2), 5);
	assert_string_equal(buf, "ab");
	assert_int_equal(keel_strlcat(buf, "cde", 0), 3);
	assert_string_equal(buf, "ab");

	/* Random cases against the reference, fenced. */
	char dst[FENCE + 24 + FENCE], expected[sizeof(dst)];
	for (int round = 0; round < 5000; round++) {
		char *src = random_string(rng_below(30), "abc");
		size_t size = rng_below(25);
		size_t prefix = rng_below(size + 3);
		memset(dst, CANARY, sizeof(dst));
		for (size_t i = 0; i < prefix && i < 24; i++)
			dst[FENCE + i] = 'p';
		if (prefix < 24)
			dst[FENCE + prefix] = '\0';
		memcpy(expected, dst, sizeof(dst));
		if (round % 2 == 0) {
			assert_int_equal(keel_strlcpy(dst + FENCE, src, size),
					 reference_strlcpy(expected + FENCE, src, size));
		} else if (prefix < 24) {
			assert_int_equal(keel_strlcat(dst + FENCE, src, size),
					 reference_strlcat(expected + FENCE, src, size));
		}
		assert_memory_equal(dst, expected, sizeof(dst));
		free(src);
	}
}

static void string_search(void **state)
{
	char *s = exact("hello, world\x80\xff!");
	static const int chars[] = { 'h', 'o', 'l', ',', '!', 'z', '\0', 0x80, 0xff, -1, 'o' + 0x100, -0x80 };
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++) {
		assert_ptr_equal(keel_strchr(s, chars[i]), strchr(s, chars[i]));
		assert_ptr_equal(keel_strrchr(s, chars[i]), strrchr(s, chars[i]));
	}
	free(s);

	static const char *const haystacks[] = { "", "a", "aaa", "abcabcabd", "hello world", "aab", "mississippi" };
	static const char *const needles[] = { "",	"a",   "aa",	"aaaa", "abd", "abcabd",
					       "world", "ssi", "issip", "ppi",	"x",   "mississippix" };
	for (size_t h = 0; h < sizeof(haystacks) / sizeof(haystacks[0]); h++) {
		for (size_t n = 0; n < sizeof(needles) / sizeof(needles[0]); n++) {
			char *hay = exact(haystacks[h]), *needle = exact(needles[n]);
			assert_ptr_equal(keel_strstr(hay, needle), strstr(hay, needle));
			free(hay);
			free(needle);
		}
	}
}

static void string_spans(void **state)
{
	static const char *const strings[] = { "", "abc", "aabbcc", "hello world", " \t\n x", "\x80\xff\x01" };
	static const char *const sets[] = { "", "a", "abc", " \t\n", "lo", "\xff\x80", "\x01", "xyz" };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		for (size_t j = 0; j < sizeof(sets) / sizeof(sets[0]); j++) {
			char *s = exact(strings[i]), *set = exact(sets[j]);
			assert_int_equal(keel_strspn(s, set), strspn(s, set));
			assert_int_equal(keel_strcspn(s, set), strcspn(s, set));
			assert_ptr_equal(keel_strpbrk(s, set), strpbrk(s, set));
			free(s);
			free(set);
		}
	}
}

/* Random strings over small alphabets against glibc: searches, spans and
 * comparisons. */
static void string_random(void **state)
{
	for (int round = 0; round < 20000; round++) {
		char *a = random_string(rng_below(300), round % 2 ? "ab" : "abcA\xe9");
		char *b = random_string(rng_below(round % 3 ? 6 : 300), round % 2 ? "ab" : "abcA\xe9");
		assert_ptr_equal(keel_strstr(a, b), strstr(a, b));
		assert_ptr_equal(keel_strchr(a, b[0]), strchr(a, b[0]));
		assert_ptr_equal(keel_strrchr(a, b[0]), strrchr(a, b[0]));
		assert_int_equal(keel_strspn(a, b), strspn(a, b));
		assert_int_equal(keel_strcspn(a, b), strcspn(a, b));
		assert_ptr_equal(keel_strpbrk(a, b), strpbrk(a, b));
		assert_int_equal(sign(keel_strcmp(a, b)), sign(strcmp(a, b)));
		assert_int_equal(sign(keel_strcasecmp(a, b)), sign(strcasecmp(a, b)));
		size_t n = rng_below(310);
		assert_int_equal(sign(keel_strncmp(a, b, n)), sign(strncmp(a, b, n)));
		assert_int_equal(sign(keel_strncasecmp(a, b, n)), sign(strncasecmp(a, b, n)));
		assert_int_equal(keel_strlen(a), strlen(a));
		free(a);
		free(b);
	}
}

/* Token by token, strtok_r must return what glibc's returns and leave the
 * same string behind. */
static void string_tokens(void **state)
{
	static const char *const strings[] = {
		"",
		",",
		",,,",
		"a",
		"a,b",
		",a,,b,",
		"one two  three ",
		"  lead",
		"trail  ",
		"a,b;c d",
		"no delims here",
	};
	static const char *const delims[] = { ",", " ", ",; ", "", "xyz" };
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		for (size_t d = 0; d < sizeof(delims) / sizeof(delims[0]); d++) {
			char *mine = exact(strings[i]), *theirs = exact(strings[i]);
			char *save_mine = NULL, *save_theirs = NULL;
			char *t_mine = keel_strtok_r(mine, delims[d], &save_mine);
			char *t_theirs = strtok_r(theirs, delims[d], &save_theirs);
			for (int k = 0; k < 20; k++) {
				assert_int_equal(t_mine == NULL, t_theirs == NULL);
				if (t_mine != NULL)
					assert_int_equal(t_mine - mine, t_theirs - theirs);
				assert_int_equal(save_mine - mine, save_theirs - theirs);
				if (t_mine == NULL)
					break;
				t_mine = keel_strtok_r(NULL, delims[d], &save_mine);
				t_theirs = strtok_r(NULL, delims[d], &save_theirs);
			}
			assert_memory_equal(mine, theirs, strlen(strings[i]) + 1);
			/* Calling again after the end keeps returning NULL. */
			assert_null(keel_strtok_r(NULL, delims[d], &save_mine));
			free(mine);
			free(theirs);
		}
	}
	/* Changing the delimiters between calls, as strtok_r allows. */
	char *s = exact("key=value;next");
	char *save;
	assert_string_equal(keel_strtok_r(s, "=", &save), "key");
	assert_string_equal(keel_strtok_r(NULL, ";", &save), "value");
	assert_string_equal(keel_strtok_r(NULL, "", &save), "next");
	assert_null(keel_strtok_r(NULL, ";", &save));
	free(s);
}

static void string_duplicate(void **state)
{
	char *s = exact("duplicate me");
	char *d = keel_strdup(s);
	assert_non_null(d);
	assert_ptr_not_equal(d, s);
	assert_string_equal(d, s);
	free(d);
	for (size_t n = 0; n <= 14; n++) {
		d = keel_strndup(s, n);
		char *e = strndup(s, n);
		assert_string_equal(d, e);
		free(d);
		free(e);
	}
	free(s);
	d = keel_strdup("");
	assert_string_equal(d, "");
	free(d);
	/* strndup reads at most n bytes: an unterminated source. */
	char *raw = malloc(3);
	assert_non_null(raw);
	memcpy(raw, "xyz", 3);
	d = keel_strndup(raw, 3);
	assert_string_equal(d, "xyz");
	free(d);
	free(raw);
}

/* Every errno value of <errno.h> has its own message; anything else is
 * "Unknown error". */
static void string_error_messages(void **state)
{
	static const int known[] = {
		EPERM,		 ENOENT,       ESRCH,	     EINTR,	   EIO,		  ENXIO,      E2BIG,
		ENOEXEC,	 EBADF,	       ECHILD,	     EAGAIN,	   ENOMEM,	  EACCES,     EFAULT,
		EBUSY,		 EEXIST,       ENODEV,	     ENOTDIR,	   EISDIR,	  EINVAL,     ENFILE,
		EMFILE,		 ENOSPC,       ESPIPE,	     EROFS,	   EPIPE,	  EDOM,	      ERANGE,
		EDEADLK,	 ENAMETOOLONG, ENOSYS,	     ENOTEMPTY,	   ELOOP,	  ENODATA,    ETIME,
		EOVERFLOW,	 EILSEQ,       ENOTSOCK,     EDESTADDRREQ, EMSGSIZE,	  EPROTOTYPE, ENOPROTOOPT,
		EPROTONOSUPPORT, EOPNOTSUPP,   EAFNOSUPPORT, EADDRINUSE,   EADDRNOTAVAIL, ENETDOWN,   ENETUNREACH,
		ECONNABORTED,	 ECONNRESET,   ENOBUFS,	     EISCONN,	   ENOTCONN,	  ETIMEDOUT,  ECONNREFUSED,
		EHOSTUNREACH,	 EALREADY,     EINPROGRESS,  ECANCELED,
	};
	size_t n = sizeof(known) / sizeof(known[0]);
	for (size_t i = 0; i < n; i++) {
		const char *msg = keel_strerror(known[i]);
		assert_non_null(msg);
		assert_true(strlen(msg) > 0);
		assert_string_not_equal(msg, "Unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(msg, keel_strerror(known[j]));
	}
	assert_string_equal(keel_strerror(0), "Success");
	static const int unknown[] = { -1, 15, 18, 37, 41, 60, 126, 127, 1000, INT32_MIN, INT32_MAX };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_string_equal(keel_strerror(unknown[i]), "Unknown error");
	assert_ptr_equal(keel_strerror(EWOULDBLOCK), keel_strerror(EAGAIN));
	assert_ptr_equal(keel_strerror(ENOTSUP), keel_strerror(EOPNOTSUPP));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mem_copy_and_fill), cmocka_unit_test(mem_move),
		cmocka_unit_test(mem_compare),	     cmocka_unit_test(mem_find),
		cmocka_unit_test(string_length),     cmocka_unit_test(string_compare),
		cmocka_unit_test(string_copy),	     cmocka_unit_test(string_bounded_copy),
		cmocka_unit_test(string_search),     cmocka_unit_test(string_spans),
		cmocka_unit_test(string_random),     cmocka_unit_test(string_tokens),
		cmocka_unit_test(string_duplicate),  cmocka_unit_test(string_error_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
