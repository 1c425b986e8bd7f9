/*
 * lib/stdlib.c and lib/qsort.c against glibc: the strto* family on inputs
 * chosen by hand and random ones (value, end pointer and errno), the ato*
 * and abs functions, qsort's output on arrays of many sizes, element
 * sizes and orders, its comparison count and stack depth on inputs that
 * defeat a plain quicksort, and bsearch.
 */
#include <errno.h>
#include <inttypes.h>
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

/* --- strto* ------------------------------------------------------------- */

static const char *const number_inputs[] = {
	"",
	" ",
	"0",
	"-0",
	"+0",
	"1",
	"-1",
	"+1",
	"  42",
	"\t\n\v\f\r 42",
	"42abc",
	"abc",
	"0x",
	"0X",
	"-0x",
	"+0x",
	" 0xg",
	"0xz",
	"0x1f",
	"0X1F",
	"-0x1f",
	"0x 1",
	"0x0x1",
	"00x1",
	"0b101",
	"0755",
	"-0755",
	"0789",
	"08",
	"0",
	"-",
	"+",
	"--1",
	"+-1",
	" - 1",
	"- 1",
	"z",
	"Z",
	"zz",
	"ZZZZZZZZZZZZZ",
	"2147483647",
	"2147483648",
	"-2147483648",
	"-2147483649",
	"4294967295",
	"4294967296",
	"9223372036854775807",
	"9223372036854775808",
	"-9223372036854775808",
	"-9223372036854775809",
	"18446744073709551615",
	"18446744073709551616",
	"-18446744073709551615",
	"-18446744073709551616",
	"99999999999999999999999999xyz",
	"-99999999999999999999999999",
	"000000000000000000000000000000000000000000042",
	"0x7fffffffffffffff",
	"0x8000000000000000",
	"0xffffffffffffffff",
	"0x10000000000000000",
	"-0x8000000000000000",
	"-0x8000000000000001",
	"-0xffffffffffffffff",
	"1111111111111111111111111111111111111111111111111111111111111111",
	"10000000000000000000000000000000000000000000000000000000000000000",
	"111111111111111111111111111111111111111111111111111111111111111",
	"777777777777777777777",
	"1777777777777777777777",
	"2000000000000000000000",
	"3w5e11264sgsf",
	"3w5e11264sgsg",
	"1y2p0ij32e8e7",
	"1y2p0ij32e8e8",
	"-1y2p0ij32e8e8",
	"-1y2p0ij32e8e9",
	"123 456",
	"1.5",
	"1e5",
	"\xd9\xa3",
	"\xff"
	"1",
	"\xa0"
	"1",
	"1\xff",
	"9",
	"a",
	"A",
	"g",
	"Zz",
	"  +0x10",
	"  -0X10",
};

static const int bases[] = { 0, 2, 3, 7, 8, 10, 11, 16, 17, 35, 36 };

/* Runs one strto* function of glibc and of Keel on s and fails unless the
 * value, the end pointer and errno agree. */
#define COMPARE_STRTO(keel_fn, glibc_fn, fmt, s, base)                                                                 \
	do {                                                                                                           \
		char *want_end = NULL, *got_end = NULL;                                                                \
		errno = 0;                                                                                             \
		keel_errno = 0;                                                                                        \
		__typeof__(glibc_fn(s, NULL, 0)) want = glibc_fn(s, &want_end, base);                                  \
		__typeof__(glibc_fn(s, NULL, 0)) got = keel_fn(s, &got_end, base);                                     \
		if (want != got || want_end != got_end || errno != keel_errno)                                         \
			fail_msg("%s(\"%s\", %d): glibc " fmt " end +%td errno %d, keel " fmt " end +%td errno %d",    \
				 #glibc_fn, s, base, want, want_end - (s), errno, got, got_end - (s), keel_errno);     \
		/* And without an end pointer. */                                                                      \
		assert_true(keel_fn(s, NULL, base) == want);                                                           \
	} while (0)

static void compare_all_strto(const char *s, int base)
{
	COMPARE_STRTO(keel_strtol, strtol, "%ld", s, base);
	COMPARE_STRTO(keel_strtoul, strtoul, "%lu", s, base);
	COMPARE_STRTO(keel_strtoll, strtoll, "%lld", s, base);
	COMPARE_STRTO(keel_strtoull, strtoull, "%llu", s, base);
	COMPARE_STRTO(keel_strtoimax, strtoimax, "%" PRIdMAX, s, base);
	COMPARE_STRTO(keel_strtoumax, strtoumax, "%" PRIuMAX, s, base);
}

static void strto_table(void **state)
{
	for (size_t i = 0; i < sizeof(number_inputs) / sizeof(number_inputs[0]); i++) {
		char *s = exact(number_inputs[i]);
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++)
			compare_all_strto(s, bases[b]);
		for (int base = 2; base <= 36; base++)
			compare_all_strto(s, base);
		free(s);
	}
}

static void strto_random(void **state)
{
	static const char alphabet[] = "0123456789abcdefxzXZ+- \t";
	for (int round = 0; round < 30000; round++) {
		size_t len = rng_below(round % 4 == 0 ? 70 : 12);
		char *s = malloc(len + 1);
		assert_non_null(s);
		for (size_t i = 0; i < len; i++) {
			/* Mostly digits, so that long numbers occur. */
			s[i] = rng_below(3) ? (char)('0' + rng_below(10)) : alphabet[rng_below(sizeof(alphabet) - 1)];
		}
		s[len] = '\0';
		compare_all_strto(s, bases[rng_below(sizeof(bases) / sizeof(bases[0]))]);
		free(s);
	}
}

/* A base outside 0 and 2..36: EINVAL and 0, as glibc; glibc leaves *end
 * unset, Keel points it at the string, as for any failed conversion. */
static void strto_invalid_base(void **state)
{
	static const int invalid[] = { -1, 1, 37, 64, INT_MIN, INT_MAX };
	const char *s = "  123";
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char *end = NULL;
		errno = 0;
		assert_int_equal(strtol(s, &end, invalid[i]), 0);
		assert_int_equal(errno, EINVAL);

		keel_errno = 0;
		end = NULL;
		assert_int_equal(keel_strtol(s, &end, invalid[i]), 0);
		assert_int_equal(keel_errno, EINVAL);
		assert_ptr_equal(end, s);
		keel_errno = 0;
		assert_int_equal(keel_strtoull(s, &end, invalid[i]), 0);
		assert_int_equal(keel_errno, EINVAL);
		assert_ptr_equal(end, s);
		assert_int_equal(keel_strtoimax(s, NULL, invalid[i]), 0);
		assert_int_equal(keel_strtoumax(s, NULL, invalid[i]), 0);
	}
}

/* errno is left alone unless there is an error. */
static void strto_errno_untouched(void **state)
{
	keel_errno = 1234;
	assert_int_equal(keel_strtol("42", NULL, 10), 42);
	assert_int_equal(keel_strtoul("", NULL, 10), 0);
	assert_int_equal(keel_strtoll("x", NULL, 0), 0);
	assert_int_equal(keel_errno, 1234);
}

static void ato_functions(void **state)
{
	for (size_t i = 0; i < sizeof(number_inputs) / sizeof(number_inputs[0]); i++) {
		const char *s = number_inputs[i];
		/* glibc's ato* are strtol truncated: compare them as such. */
		assert_int_equal(keel_atoi(s), atoi(s));
		assert_int_equal(keel_atol(s), atol(s));
		assert_int_equal(keel_atoll(s), atoll(s));
	}
}

static void absolute_values(void **state)
{
	static const long long values[] = { 0, 1, -1, 42, -42, INT_MAX, INT_MIN + 1, LLONG_MAX, LLONG_MIN + 1 };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		long long v = values[i];
		if (v >= INT_MIN + 1 && v <= INT_MAX)
			assert_int_equal(keel_abs((int)v), abs((int)v));
		assert_int_equal(keel_labs((long)v), labs((long)v));
		assert_int_equal(keel_llabs(v), llabs(v));
	}
}

/* --- qsort -------------------------------------------------------------- */

/* Elements of various sizes, each compared on its whole content so that
 * the sorted order is unique and any correct sort gives glibc's result
 * byte for byte. */
static int compare_u8(const void *a, const void *b) { return *(const uint8_t *)a - *(const uint8_t *)b; }

static int compare_i32(const void *a, const void *b)
{
	int32_t x, y;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return (x > y) - (x < y);
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x, y;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return (x > y) - (x < y);
}

/* 24 bytes (and 13, odd): a key in the first four, then the rest. */
static int compare_wide(const void *a, const void *b, size_t size)
{
	int c = compare_i32(a, b);
	return c != 0 ? c : memcmp(a, b, size);
}

static int compare_24(const void *a, const void *b) { return compare_wide(a, b, 24); }

static int compare_13(const void *a, const void *b) { return compare_wide(a, b, 13); }

struct element_kind {
	size_t size;
	int (*compar)(const void *, const void *);
};

static const struct element_kind kinds[] = {
	{ 1, compare_u8 }, { 4, compare_i32 }, { 8, compare_u64 }, { 24, compare_24 }, { 13, compare_13 },
};

enum order { RANDOM, FEW_VALUES, SORTED, REVERSED, ALL_EQUAL, ORGAN_PIPE, SAWTOOTH, NEARLY_SORTED, NORDERS };

/* The key of element i of n in the given order; the bytes after the key
 * are random (or zero for ALL_EQUAL, to make whole elements equal). */
static int32_t key_for(enum order order, size_t i, size_t n)
{
	switch (order) {
	case FEW_VALUES: return (int32_t)rng_below(4);
	case SORTED: return (int32_t)i;
	case REVERSED: return (int32_t)(n - i);
	case ALL_EQUAL: return 7;
	case ORGAN_PIPE: return (int32_t)(i < n / 2 ? i : n - i);
	case SAWTOOTH: return (int32_t)(i % 17);
	case NEARLY_SORTED: return (int32_t)(rng_below(20) == 0 ? rng_below(n) : i);
	default: return (int32_t)(rng() & 0xffffff) - 0x800000;
	}
}

static void fill(unsigned char *a, size_t n, size_t size, enum order order)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char *e = a + i * size;
		int32_t key = key_for(order, i, n);
		for (size_t k = 0; k < size; k++)
			e[k] = order == ALL_EQUAL ? 0 : (unsigned char)rng();
		/* One-byte elements hold the key's low byte only. */
		memcpy(e, &key, size < sizeof(key) ? size : sizeof(key));
	}
}

static void qsort_matches_glibc(void **state)
{
	static unsigned char mine[2000 * 24], theirs[2000 * 24];
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		for (int order = 0; order < NORDERS; order++) {
			for (int round = 0; round < 60; round++) {
				/* Every size up to 40, then sizes up to 2000. */
				size_t n = round < 41 ? (size_t)round : rng_below(2001);
				size_t size = kinds[k].size;
				fill(theirs, n, size, order);
				memcpy(mine, theirs, n * size);
				qsort(theirs, n, size, kinds[k].compar);
				keel_qsort(mine, n, size, kinds[k].compar);
				if (memcmp(mine, theirs, n * size) != 0)
					fail_msg("qsort of %zu elements of %zu bytes, order %d, differs", n, size,
						 order);
			}
		}
	}
}

/* Sorting on the key alone (equal keys, different contents): the keys are
 * in order and the contents a permutation of the input. */
static int compare_key_only(const void *a, const void *b) { return compare_i32(a, b); }

static void qsort_partial_keys(void **state)
{
	enum { N = 1500, SIZE = 24 };
	static unsigned char a[N * SIZE], sorted_input[N * SIZE];
	for (int order = 0; order < NORDERS; order++) {
		fill(a, N, SIZE, order);
		memcpy(sorted_input, a, sizeof(a));
		keel_qsort(a, N, SIZE, compare_key_only);
		for (size_t i = 1; i < N; i++)
			assert_true(compare_key_only(a + (i - 1) * SIZE, a + i * SIZE) <= 0);
		/* A permutation: the same multiset of whole elements. */
		qsort(a, N, SIZE, compare_24);
		qsort(sorted_input, N, SIZE, compare_24);
		assert_memory_equal(a, sorted_input, sizeof(a));
	}
}

/* The comparison counter: also checks that qsort only ever passes
 * pointers to elements of the array, and records how deep the stack
 * went. */
static struct {
	const char *base;
	size_t n, size;
	unsigned long comparisons;
	uintptr_t lowest_stack;
} counting;

static int compare_counted(const void *a, const void *b)
{
	volatile char here;
	uintptr_t sp = (uintptr_t)&here;
	if (sp < counting.lowest_stack)
		counting.lowest_stack = sp;
	const char *pa = a, *pb = b;
	size_t end = counting.n * counting.size;
	assert_true(pa >= counting.base && pa < counting.base + end &&
		    (size_t)(pa - counting.base) % counting.size == 0);
	assert_true(pb >= counting.base && pb < counting.base + end &&
		    (size_t)(pb - counting.base) % counting.size == 0);
	counting.comparisons++;
	return compare_i32(a, b);
}

/* floor(log2(n)): a bound slightly below the real logarithm. */
static double log2_floor(size_t n)
{
	double l = 0;
	for (size_t m = n; m > 1; m >>= 1)
		l += 1;
	return l;
}

/* Sorts a with compare (which must count through the counting state) and
 * returns the stack used below this frame, in bytes. */
static size_t sort_counted(int32_t *a, size_t n, int (*compare)(const void *, const void *))
{
	volatile char here;
	counting.base = (const char *)a;
	counting.n = n;
	counting.size = sizeof(*a);
	counting.comparisons = 0;
	counting.lowest_stack = (uintptr_t)&here;
	keel_qsort(a, n, sizeof(*a), compare);
	return (size_t)((uintptr_t)&here - counting.lowest_stack);
}

/* McIlroy's adversary ("A Killer Adversary for Quicksort", 1999): a
 * comparison function that decides the values of the elements as the sort
 * looks at them, always in the way that makes the pivot a bad one. The
 * elements are indices into values[]; all start as "gas" (undecided, and
 * greater than anything decided), and the sort's own comparisons freeze
 * them. It drives any quicksort without a fallback to n^2/4 comparisons. */
static struct {
	int32_t *values;
	int32_t gas;
	int32_t decided;
	int32_t candidate;
} adversary;

static int compare_adversary(const void *pa, const void *pb)
{
	int32_t x, y;
	compare_counted(pa, pb); /* for the count and the checks */
	memcpy(&x, pa, sizeof(x));
	memcpy(&y, pb, sizeof(y));
	if (adversary.values[x] == adversary.gas && adversary.values[y] == adversary.gas)
		adversary.values[x == adversary.candidate ? x : y] = adversary.decided++;
	if (adversary.values[x] == adversary.gas)
		adversary.candidate = x;
	else if (adversary.values[y] == adversary.gas)
		adversary.candidate = y;
	return (adversary.values[x] > adversary.values[y]) - (adversary.values[x] < adversary.values[y]);
}

/* No quadratic blow-up: at most 40 n log2 n comparisons on every input
 * shape that hurts a plain quicksort, and the adversary above; the stack
 * stays shallow (a recursion as deep as n would take hundreds of KB). */
static void qsort_not_quadratic(void **state)
{
	enum { N = 10000 };
	static int32_t a[N];
	const double limit = 40.0 * N * log2_floor(N);

	for (int order = 0; order < NORDERS; order++) {
		for (size_t i = 0; i < N; i++)
			a[i] = key_for(order, i, N);
		size_t stack = sort_counted(a, N, compare_counted);
		for (size_t i = 1; i < N; i++)
			assert_true(a[i - 1] <= a[i]);
		if (counting.comparisons >= limit)
			fail_msg("order %d: %lu comparisons", order, counting.comparisons);
		assert_true(stack < 32 * 1024);
	}

	static int32_t values[N];
	adversary.values = values;
	adversary.gas = N;
	adversary.decided = 0;
	adversary.candidate = 0;
	for (size_t i = 0; i < N; i++) {
		a[i] = (int32_t)i;
		values[i] = N;
	}
	size_t stack = sort_counted(a, N, compare_adversary);
	for (size_t i = 1; i < N; i++)
		assert_true(values[a[i - 1]] <= values[a[i]]);
	print_message("adversary: %lu comparisons for n = %d (limit %.0f), %zu bytes of stack\n", counting.comparisons,
		      N, limit, stack);
	if (counting.comparisons >= limit)
		fail_msg("adversary: %lu comparisons", counting.comparisons);
	assert_true(stack < 32 * 1024);

	/* The input the adversary built, replayed against a plain
	 * comparison: the same bound. */
	for (size_t i = 0; i < N; i++)
		a[i] = values[i];
	sort_counted(a, N, compare_counted);
	for (size_t i = 1; i < N; i++)
		assert_true(a[i - 1] <= a[i]);
	assert_true(counting.comparisons < limit);
}

/* Trivial sizes never call the comparison function. */
static int compare_never(const void *a, const void *b)
{
	fail_msg("compared");
	return 0;
}

static void qsort_trivial(void **state)
{
	int one = 5;
	keel_qsort(NULL, 0, 4, compare_never);
	keel_qsort(&one, 1, sizeof(one), compare_never);
	keel_qsort(&one, 5, 0, compare_never);
	assert_int_equal(one, 5);
}

/* --- bsearch ------------------------------------------------------------ */

static void bsearch_finds(void **state)
{
	static int32_t a[200];
	for (size_t n = 0; n <= 200; n += (n < 20 ? 1 : 13)) {
		for (size_t i = 0; i < n; i++)
			a[i] = (int32_t)(2 * (i / 3)); /* even keys, with duplicates */
		for (int32_t key = -2; key <= (int32_t)(2 * (n / 3) + 2); key++) {
			int32_t *mine = keel_bsearch(&key, n ? a : NULL, n, sizeof(a[0]), compare_i32);
			int32_t *theirs = bsearch(&key, a, n, sizeof(a[0]), compare_i32);
			assert_int_equal(mine == NULL, theirs == NULL);
			if (mine != NULL) {
				/* Which of equal elements is found is unspecified. */
				assert_true(mine >= a && mine < a + n);
				assert_int_equal(*mine, key);
			}
		}
	}
	int32_t key = 0;
	assert_null(keel_bsearch(&key, NULL, 0, sizeof(key), compare_never));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(strto_table),	       cmocka_unit_test(strto_random),
		cmocka_unit_test(strto_invalid_base),  cmocka_unit_test(strto_errno_untouched),
		cmocka_unit_test(ato_functions),       cmocka_unit_test(absolute_values),
		cmocka_unit_test(qsort_matches_glibc), cmocka_unit_test(qsort_partial_keys),
		cmocka_unit_test(qsort_not_quadratic), cmocka_unit_test(qsort_trivial),
		cmocka_unit_test(bsearch_finds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
