/*
 * lwIP's heap with reusable segment-sized blocks (net/lwipmem.c): blocks
 * of the class come back from the list, others go straight to the heap,
 * the list is bounded, a block freed twice is reported, the budget refuses
 * what would pass it and reports that once, and AddressSanitizer
 * sees every block given back in the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/lwipmem.h"

static void *bad_freed;
void lwipmem_bad_free(void *p) { bad_freed = p; }

static void test_class_reused(void **state)
{
	struct lwipmem_stats st0, st;
	lwipmem_get_stats(&st0);
	uint8_t *a = lwipmem_alloc(1540);
	assert_non_null(a);
	assert_int_equal((uintptr_t)a % 16, 0);
	memset(a, 0xaa, LWIPMEM_CLASS_SIZE); /* the whole class size is usable */
	lwipmem_free(a);
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, st0.kept + 1);
	/* Any size of the class takes the kept block, newest first. */
	uint8_t *b = lwipmem_alloc(LWIPMEM_CLASS_MIN + 1);
	assert_ptr_equal(b, a);
	lwipmem_get_stats(&st);
	assert_int_equal(st.reused, st0.reused + 1);
	assert_int_equal(st.kept, st0.kept);
	lwipmem_free(b);
	lwipmem_drain();
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, 0);
}

/* Sizes outside the class are the heap's own, never kept. */
static void test_other_sizes(void **state)
{
	size_t sizes[] = { 0, 1, 24, LWIPMEM_CLASS_MIN, LWIPMEM_CLASS_SIZE + 1, 65536 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *p = lwipmem_alloc(sizes[i]);
		assert_non_null(p);
		memset(p, 1, sizes[i]);
		lwipmem_free(p);
		struct lwipmem_stats st;
		lwipmem_get_stats(&st);
		assert_int_equal(st.kept, 0);
	}
	assert_null(lwipmem_alloc(SIZE_MAX - 8));
	lwipmem_free(NULL);
	assert_null(bad_freed);
}

static void test_zeroed(void **state)
{
	uint8_t *p = lwipmem_alloc(1500);
	memset(p, 0x55, 1500);
	lwipmem_free(p);
	/* The kept block comes back zeroed. */
	uint8_t *q = lwipmem_calloc(3, 500);
	assert_ptr_equal(q, p);
	for (int i = 0; i < 1500; i++)
		assert_int_equal(q[i], 0);
	lwipmem_free(q);
	assert_null(lwipmem_calloc(SIZE_MAX / 2, 4));
	lwipmem_drain();
}

/* The list holds LWIPMEM_KEEP blocks at most; the rest go back. */
static void test_bounded(void **state)
{
	enum { N = LWIPMEM_KEEP + 40 };
	static void *p[N];
	for (int i = 0; i < N; i++)
		assert_non_null(p[i] = lwipmem_alloc(1500));
	for (int i = 0; i < N; i++)
		lwipmem_free(p[i]);
	struct lwipmem_stats st;
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, LWIPMEM_KEEP);
	lwipmem_drain();
}

static void test_double_free(void **state)
{
	void *p = lwipmem_alloc(1500);
	lwipmem_free(p);
	bad_freed = NULL;
	lwipmem_free(p);
	assert_ptr_equal(bad_freed, p);
	struct lwipmem_stats st;
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, 1); /* not kept twice */
	bad_freed = NULL;
	lwipmem_drain();
}

/* Counted blocks, in use or kept, stay within the budget; small ones are
 * not counted; a refusal is reported once. */
static void test_budget(void **state)
{
	enum { SEG = 1540, BIG = 4000 };
	const size_t class_bytes = 16 + LWIPMEM_CLASS_SIZE;
	lwipmem_set_budget(10 * class_bytes);
	static void *p[10];
	for (int i = 0; i < 10; i++)
		assert_non_null(p[i] = lwipmem_alloc(SEG));
	assert_false(lwipmem_take_starved());
	assert_null(lwipmem_alloc(SEG));
	assert_null(lwipmem_alloc(BIG));
	void *small = lwipmem_alloc(LWIPMEM_SMALL); /* not counted */
	assert_non_null(small);
	struct lwipmem_stats st;
	lwipmem_get_stats(&st);
	assert_int_equal(st.held, 10 * class_bytes);
	assert_int_equal(st.refused, 2);
	assert_true(lwipmem_take_starved());
	assert_false(lwipmem_take_starved());
	/* Near the budget, freed blocks go back rather than on the list. */
	lwipmem_free(p[0]);
	lwipmem_free(p[1]);
	lwipmem_free(p[2]);
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, 0);
	assert_int_equal(st.held, 7 * class_bytes);
	/* Below three quarters of it they are kept, and count, and make
	 * room for a block of another size. */
	lwipmem_free(p[3]);
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, 1);
	assert_int_equal(st.held, 7 * class_bytes);
	void *big = lwipmem_alloc(4 * class_bytes - 16);
	assert_non_null(big);
	lwipmem_get_stats(&st);
	assert_int_equal(st.kept, 0);
	assert_int_equal(st.held, 10 * class_bytes);
	lwipmem_free(big);
	lwipmem_free(small);
	for (int i = 4; i < 10; i++)
		lwipmem_free(p[i]);
	lwipmem_drain();
	lwipmem_get_stats(&st);
	assert_int_equal(st.held, 0);
	/* No budget: nothing refused. */
	lwipmem_set_budget(0);
	void *q = lwipmem_alloc(1 << 20);
	assert_non_null(q);
	lwipmem_free(q);
	assert_false(lwipmem_take_starved());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_reused), cmocka_unit_test(test_other_sizes), cmocka_unit_test(test_zeroed),
		cmocka_unit_test(test_bounded),	     cmocka_unit_test(test_double_free), cmocka_unit_test(test_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
