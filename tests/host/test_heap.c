/*
 * The kernel heap (kernel/mm/heap.c) over a page source made of glibc's
 * aligned_alloc: every arena the heap takes is tracked, so a test can
 * tell whether large arenas go back and whether get and put balance, and
 * the source can be made to run dry.
 *
 * The heap's fatal callback records what it was told and jumps back into
 * the test, so that each kind of misuse the heap promises to catch (a
 * double free, a pointer it did not hand out, a header overwritten) is
 * checked to be caught. After such a test the heap is abandoned and its
 * arenas are handed back to glibc by the teardown.
 *
 * A random stress then runs 200,000 operations, each block filled with a
 * known pattern that is checked before the block is freed or resized.
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

#include "kernel/mm/heap.h"

#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define ARENA_DEFAULT (256 * KiB) /* kernel/mm/heap.c's usual arena */

/* --- the page source --------------------------------------------------------- */

#define MAX_ARENAS 4096

static struct {
	void *p;
	size_t size;
} arenas[MAX_ARENAS];
static unsigned narenas;
static size_t source_bytes;   /* handed out and not yet given back */
static size_t source_budget;  /* get fails past this */
static size_t source_run_max; /* the longest run of pages it has (fragmented memory) */
static unsigned long ngets, nputs, nrefused, nmust;

static void *source_get(size_t size, bool must)
{
	if (size % 4096 != 0)
		fail_msg("get(%zu): not a whole number of pages", size);
	if (must)
		nmust++;
	if (size > source_run_max) {
		nrefused++;
		return NULL;
	}
	if (source_bytes > source_budget || size > source_budget - source_bytes || narenas == MAX_ARENAS) {
		nrefused++;
		return NULL;
	}
	void *p = aligned_alloc(4096, size);
	if (p == NULL) {
		nrefused++;
		return NULL;
	}
	/* Pages from the source are not clean. */
	memset(p, 0xdb, size < 64 * KiB ? size : 64 * KiB);
	arenas[narenas].p = p;
	arenas[narenas].size = size;
	narenas++;
	source_bytes += size;
	ngets++;
	return p;
}

static void source_put(void *p, size_t size)
{
	for (unsigned i = 0; i < narenas; i++) {
		if (arenas[i].p == p) {
			if (arenas[i].size != size)
				fail_msg("put(%p, %zu) of an arena of %zu bytes", p, size, arenas[i].size);
			free(p);
			source_bytes -= size;
			arenas[i] = arenas[--narenas];
			nputs++;
			return;
		}
	}
	fail_msg("put(%p, %zu) of memory the source did not give", p, size);
}

/* Arenas handed out and not returned that are larger than the usual. */
static unsigned big_arenas_out(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < narenas; i++)
		n += arenas[i].size > ARENA_DEFAULT;
	return n;
}

/* --- fatal errors -------------------------------------------------------------- */

static jmp_buf fatal_jmp;
static bool fatal_armed;
static const char *fatal_what;
static const void *fatal_ptr;

static void on_fatal(const char *what, const void *ptr)
{
	fatal_what = what;
	fatal_ptr = ptr;
	if (!fatal_armed)
		fail_msg("unexpected heap fatal error: %s (%p)", what, ptr);
	fatal_armed = false;
	longjmp(fatal_jmp, 1);
}

/* Runs stmt, which must end in the heap's fatal callback. */
#define EXPECT_FATAL(stmt)                                                                                             \
	do {                                                                                                           \
		fatal_what = NULL;                                                                                     \
		fatal_armed = true;                                                                                    \
		if (setjmp(fatal_jmp) == 0) {                                                                          \
			stmt;                                                                                          \
			fatal_armed = false;                                                                           \
			fail_msg("line %d: no fatal error from %s", __LINE__, #stmt);                                  \
		}                                                                                                      \
		assert_non_null(fatal_what);                                                                           \
	} while (0)

/* --- fixtures ------------------------------------------------------------------ */

static struct heap heap;

static int heap_setup(void **state)
{
	narenas = 0;
	source_bytes = 0;
	source_budget = SIZE_MAX;
	source_run_max = SIZE_MAX;
	ngets = nputs = nrefused = nmust = 0;
	fatal_armed = false;
	heap_init(&heap, source_get, source_put, on_fatal);
	return 0;
}

/* Whatever the test left, the heap included, goes back to glibc. */
static int heap_teardown(void **state)
{
	for (unsigned i = 0; i < narenas; i++)
		free(arenas[i].p);
	narenas = 0;
	source_bytes = 0;
	return 0;
}

/* Everything given back: nothing in use, every large arena returned, the
 * heap's arena count agreeing with the source's. */
static void check_all_returned(void)
{
	heap_check(&heap);
	assert_int_equal(heap.used_bytes, 0);
	assert_int_equal(heap.nallocs, 0);
	assert_int_equal(big_arenas_out(), 0);
	assert_int_equal(heap.arena_bytes, source_bytes);
}

static void fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 7);
}

static void check_fill_at(int line, const void *p, size_t n, unsigned seed)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed + i * 7))
			fail_msg("line %d: byte %zu of %p changed", line, i, p);
}
#define CHECK_FILL(p, n, seed) check_fill_at(__LINE__, p, n, seed)

static bool aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

/* --- allocation ------------------------------------------------------------------ */

static void alignment_and_sizes(void **state)
{
	static void *p[3000];
	size_t n = 0;
	for (size_t size = 0; size <= 2048; size++)
		p[n++] = heap_alloc(&heap, size);
	for (size_t size = 2049; size < 300 * KiB; size = size * 5 / 4 + 3)
		p[n++] = heap_alloc(&heap, size);
	assert_int_equal(heap.nallocs, n);
	size_t want = 0;
	for (size_t i = 0; i < n; i++) {
		size_t size = i <= 2048 ? i : 0;
		assert_non_null(p[i]);
		if (!aligned(p[i], 16))
			fail_msg("allocation %zu at %p is not 16-byte aligned", i, p[i]);
		size_t usable = heap_usable_size(&heap, p[i]);
		assert_true(usable >= size);
		want += usable;
		/* All of it is the caller's. */
		memset(p[i], (int)i, usable);
	}
	assert_true(heap.used_bytes >= want);
	heap_check(&heap);
	for (size_t i = 0; i < n; i++) {
		size_t usable = heap_usable_size(&heap, p[i]);
		for (size_t k = 0; k < usable; k++)
			if (((unsigned char *)p[i])[k] != (unsigned char)i)
				fail_msg("allocation %zu: byte %zu was overwritten", i, k);
	}
	/* Freed in an order unlike the allocation's, to exercise merging on
	 * both sides. */
	for (size_t i = 0; i < n; i += 2)
		heap_free(&heap, p[i]);
	heap_check(&heap);
	for (size_t i = 1; i < n; i += 2)
		heap_free(&heap, p[i]);
	check_all_returned();
	heap_free(&heap, NULL);
}

static void zero_sizes(void **state)
{
	void *a = heap_alloc(&heap, 0), *b = heap_alloc(&heap, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_true(aligned(a, 16) && aligned(b, 16));
	void *c = heap_calloc(&heap, 0, 100), *d = heap_calloc(&heap, 100, 0), *e = heap_calloc(&heap, 0, 0);
	assert_non_null(c);
	assert_non_null(d);
	assert_non_null(e);
	void *f = heap_memalign(&heap, 64, 0);
	assert_non_null(f);
	assert_true(aligned(f, 64));
	assert_int_equal(heap.nallocs, 6);
	heap_free(&heap, a);
	heap_free(&heap, b);
	heap_free(&heap, c);
	heap_free(&heap, d);
	heap_free(&heap, e);
	heap_free(&heap, f);
	check_all_returned();
}

static void calloc_zeroes_and_overflows(void **state)
{
	/* Dirty memory first, so that zeroes are calloc's doing. */
	void *dirty = heap_alloc(&heap, 4000);
	memset(dirty, 0xff, 4000);
	heap_free(&heap, dirty);
	unsigned char *z = heap_calloc(&heap, 1000, 4);
	assert_non_null(z);
	for (size_t i = 0; i < 4000; i++)
		assert_int_equal(z[i], 0);
	heap_free(&heap, z);

	/* Big enough for an arena of its own. */
	z = heap_calloc(&heap, 3, 100 * KiB);
	assert_non_null(z);
	for (size_t i = 0; i < 300 * KiB; i++)
		if (z[i] != 0)
			fail_msg("byte %zu of a large calloc is not zero", i);
	heap_free(&heap, z);

	unsigned long gets_before = ngets;
	assert_null(heap_calloc(&heap, SIZE_MAX, 2));
	assert_null(heap_calloc(&heap, 2, SIZE_MAX));
	assert_null(heap_calloc(&heap, SIZE_MAX / 2 + 1, 2));
	assert_null(heap_calloc(&heap, (size_t)1 << 32, (size_t)1 << 32));
	assert_null(heap_calloc(&heap, SIZE_MAX, SIZE_MAX));
	assert_null(heap_calloc(&heap, 3, SIZE_MAX / 3 + 1));
	/* Overflow is refused before any memory is asked for. */
	assert_int_equal(ngets, gets_before);
	assert_int_equal(heap.nallocs, 0);
	check_all_returned();
}

static void impossible_sizes(void **state)
{
	void *keep = heap_alloc(&heap, 100);
	fill(keep, 100, 1);
	assert_null(heap_alloc(&heap, SIZE_MAX));
	assert_null(heap_alloc(&heap, SIZE_MAX - 15));
	assert_null(heap_alloc(&heap, SIZE_MAX / 2 + 1));
	/* Not refused by size, but the source has nothing that big. */
	source_budget = 64 * MiB;
	assert_null(heap_alloc(&heap, SIZE_MAX / 2));
	assert_null(heap_alloc(&heap, 1ull << 40));
	assert_null(heap_memalign(&heap, 4096, 1ull << 40));
	assert_null(heap_memalign(&heap, (size_t)1 << 62, 16));
	assert_null(heap_memalign(&heap, (size_t)1 << 63, 16));
	assert_null(heap_memalign(&heap, (size_t)1 << 62, SIZE_MAX / 2));
	assert_int_equal(heap.nallocs, 1);
	CHECK_FILL(keep, 100, 1);
	heap_check(&heap);
	heap_free(&heap, keep);
	check_all_returned();
}

static void memalign(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 100, 4096, 5000, 70000, 300 * KiB };
	void *p[20 * 9];
	unsigned n = 0;
	for (size_t align = 32; align <= 65536; align *= 2) {
		for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			void *q = heap_memalign(&heap, align, sizes[s]);
			assert_non_null(q);
			if (!aligned(q, align))
				fail_msg("memalign(%zu, %zu) gave %p", align, sizes[s], q);
			assert_true(heap_usable_size(&heap, q) >= sizes[s]);
			fill(q, sizes[s], (unsigned)n);
			p[n++] = q;
		}
		heap_check(&heap);
	}
	/* Larger than the source's own alignment. */
	for (size_t align = 128 * KiB; align <= 2 * MiB; align *= 4) {
		void *q = heap_memalign(&heap, align, 1000);
		assert_non_null(q);
		assert_true(aligned(q, align));
		fill(q, 1000, (unsigned)n);
		p[n++] = q;
	}
	heap_check(&heap);
	unsigned k = 0;
	for (size_t align = 32; align <= 65536; align *= 2)
		for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++, k++)
			CHECK_FILL(p[k], sizes[s], k);
	for (; k < n; k++)
		CHECK_FILL(p[k], 1000, k);
	for (unsigned i = 0; i < n; i++)
		heap_free(&heap, p[(i * 7) % n]);
	check_all_returned();

	/* Small alignments are the heap's own. */
	for (size_t align = 1; align <= 16; align *= 2) {
		void *q = heap_memalign(&heap, align, 24);
		assert_non_null(q);
		assert_true(aligned(q, 16));
		heap_free(&heap, q);
	}
	/* Not powers of two. */
	static const size_t bad[] = { 0, 3, 24, 48, 100, 65535, SIZE_MAX };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(heap_memalign(&heap, bad[i], 16));
	check_all_returned();
}

/* --- realloc ------------------------------------------------------------------- */

static void realloc_cases(void **state)
{
	/* NULL is an allocation. */
	char *p = heap_realloc(&heap, NULL, 100);
	assert_non_null(p);
	fill(p, 100, 3);

	/* Growing keeps the contents, wherever the block ends up. */
	for (size_t n = 100; n < 200 * KiB; n = n * 3 / 2) {
		size_t m = n * 3 / 2;
		p = heap_realloc(&heap, p, m);
		assert_non_null(p);
		CHECK_FILL(p, n, 3);
		fill(p, m, 3);
	}
	/* Shrinking keeps the prefix and the address. */
	size_t n = heap_usable_size(&heap, p);
	while (n > 16) {
		n /= 3;
		char *q = heap_realloc(&heap, p, n);
		assert_ptr_equal(q, p);
		CHECK_FILL(p, n, 3);
		assert_true(heap_usable_size(&heap, p) >= n);
	}
	heap_check(&heap);

	/* Zero frees. */
	unsigned long before = heap.nallocs;
	assert_null(heap_realloc(&heap, p, 0));
	assert_int_equal(heap.nallocs, before - 1);
	check_all_returned();
}

static void realloc_in_place(void **state)
{
	char *a = heap_alloc(&heap, 100);
	char *b = heap_alloc(&heap, 100);
	char *c = heap_alloc(&heap, 100);
	assert_true(a < b && b < c); /* carved in order from one arena */
	fill(a, 100, 9);
	fill(c, 100, 10);
	heap_free(&heap, b);
	/* Into the free neighbour. */
	char *a2 = heap_realloc(&heap, a, 200);
	assert_ptr_equal(a2, a);
	CHECK_FILL(a, 100, 9);
	fill(a, 200, 9);
	CHECK_FILL(c, 100, 10);
	heap_check(&heap);
	/* Past it, the block moves. */
	char *a3 = heap_realloc(&heap, a, 1000);
	assert_non_null(a3);
	assert_ptr_not_equal(a3, a);
	CHECK_FILL(a3, 200, 9);
	CHECK_FILL(c, 100, 10);
	/* The space it left is used again. */
	char *d = heap_alloc(&heap, 150);
	assert_ptr_equal(d, a);
	/* Shrinking by less than a chunk changes nothing. */
	size_t usable = heap_usable_size(&heap, c);
	assert_ptr_equal(heap_realloc(&heap, c, usable - 8), c);
	assert_int_equal(heap_usable_size(&heap, c), usable);
	CHECK_FILL(c, 100, 10);
	heap_free(&heap, a3);
	heap_free(&heap, c);
	heap_free(&heap, d);
	check_all_returned();
}

static void realloc_failures(void **state)
{
	char *p = heap_alloc(&heap, 1000);
	fill(p, 1000, 5);
	/* Sizes nothing could hold: NULL, the block untouched. */
	assert_null(heap_realloc(&heap, p, SIZE_MAX));
	assert_null(heap_realloc(&heap, p, SIZE_MAX / 2 + 1));
	source_budget = source_bytes;
	assert_null(heap_realloc(&heap, p, 10 * MiB));
	assert_null(heap_realloc(&heap, NULL, 10 * MiB));
	CHECK_FILL(p, 1000, 5);
	assert_int_equal(heap.nallocs, 1);
	heap_check(&heap);
	/* Within the arena it still works. */
	p = heap_realloc(&heap, p, 5000);
	assert_non_null(p);
	CHECK_FILL(p, 1000, 5);
	heap_free(&heap, p);
	check_all_returned();
}

/* --- large blocks and the page source ------------------------------------------ */

static void large_blocks_go_back(void **state)
{
	/* A usual arena stays once made. */
	void *s = heap_alloc(&heap, 1000);
	assert_int_equal(ngets, 1);
	assert_int_equal(source_bytes, ARENA_DEFAULT);
	heap_free(&heap, s);
	assert_int_equal(nputs, 0);
	assert_int_equal(heap.arena_bytes, ARENA_DEFAULT);

	/* A large block ngets an arena of its own, returned when it is freed. */
	static const size_t sizes[] = { 256 * KiB, 300 * KiB, MiB, 5 * MiB + 3 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned long g = ngets, p = nputs;
		void *big = heap_alloc(&heap, sizes[i]);
		assert_non_null(big);
		assert_int_equal(ngets, g + 1);
		assert_int_equal(big_arenas_out(), 1);
		fill(big, sizes[i], i);
		CHECK_FILL(big, sizes[i], i);
		heap_free(&heap, big);
		assert_int_equal(nputs, p + 1);
		assert_int_equal(big_arenas_out(), 0);
		assert_int_equal(source_bytes, ARENA_DEFAULT);
	}

	/* Several at once, freed in another order; small blocks carved out
	 * of a large arena's tail keep it until they go too. */
	void *b[6];
	for (int i = 0; i < 6; i++)
		b[i] = heap_alloc(&heap, 400 * KiB + (size_t)i * 4096);
	void *tail = heap_alloc(&heap, 2000);
	assert_int_equal(big_arenas_out(), 6);
	for (int i = 5; i >= 0; i -= 2)
		heap_free(&heap, b[i]);
	for (int i = 0; i < 6; i += 2)
		heap_free(&heap, b[i]);
	assert_true(big_arenas_out() <= 1);
	heap_free(&heap, tail);
	check_all_returned();

	/* Large blocks by realloc, calloc and memalign go back too. */
	void *r = heap_alloc(&heap, 100);
	r = heap_realloc(&heap, r, 700 * KiB);
	r = heap_realloc(&heap, r, 900 * KiB);
	void *c = heap_calloc(&heap, 1, 600 * KiB);
	void *m = heap_memalign(&heap, 65536, 500 * KiB);
	assert_true(r && c && m);
	assert_true(big_arenas_out() >= 3);
	heap_free(&heap, r);
	heap_free(&heap, c);
	heap_free(&heap, m);
	check_all_returned();
	assert_int_equal(ngets - nputs, narenas);
}

/* Memory in runs shorter than the usual arena (a cache's pages, given
 * back one at a time): small requests get arenas of just their pages,
 * and those go back to the source once empty. */
static void fragmented_source(void **state)
{
	source_run_max = 8 * KiB;
	void *a = heap_alloc(&heap, 100);
	assert_non_null(a);
	assert_int_equal(nmust, 1);
	assert_int_equal(heap.arena_bytes, 4 * KiB);
	void *b = heap_alloc(&heap, 6000);
	assert_non_null(b);
	assert_int_equal(heap.arena_bytes, 12 * KiB);
	assert_null(heap_alloc(&heap, 20000));
	fill(a, 100, 1);
	fill(b, 6000, 2);
	heap_check(&heap);
	CHECK_FILL(a, 100, 1);
	heap_free(&heap, a);
	heap_free(&heap, b);
	heap_check(&heap);
	assert_int_equal(heap.arena_bytes, 0);
	assert_int_equal(source_bytes, 0);
	/* With a usual arena to be had, it comes without the source's work,
	 * and stays once empty. */
	source_run_max = SIZE_MAX;
	unsigned long must_before = nmust;
	a = heap_alloc(&heap, 100);
	assert_non_null(a);
	assert_int_equal(nmust, must_before);
	assert_int_equal(heap.arena_bytes, ARENA_DEFAULT);
	heap_free(&heap, a);
	assert_int_equal(heap.arena_bytes, ARENA_DEFAULT);
	heap_check(&heap);
}

static void out_of_memory(void **state)
{
	/* A source that has nothing at all. */
	source_budget = 0;
	assert_null(heap_alloc(&heap, 1));
	assert_null(heap_alloc(&heap, 0));
	assert_null(heap_calloc(&heap, 10, 10));
	assert_null(heap_memalign(&heap, 256, 10));
	assert_null(heap_realloc(&heap, NULL, 10));
	assert_null(heap.arenas);
	assert_int_equal(heap.arena_bytes, 0);
	assert_int_equal(heap.nallocs, 0);
	heap_check(&heap);

	/* One MiB of source: fill it, fail, free, fill it again. */
	source_budget = MiB;
	static void *p[MiB / 64];
	size_t n = 0;
	while ((p[n] = heap_alloc(&heap, 1000 + n % 3000)) != NULL) {
		fill(p[n], 1000, (unsigned)n);
		n++;
	}
	assert_true(n > 100);
	assert_true(source_bytes <= MiB);
	assert_true(nrefused > 0);
	heap_check(&heap);
	/* Smaller requests may still fit in what is left. */
	size_t extra = n;
	while (extra < sizeof(p) / sizeof(p[0]) && (p[extra] = heap_alloc(&heap, 16)) != NULL)
		extra++;
	assert_null(heap_alloc(&heap, 16));
	assert_null(heap_memalign(&heap, 4096, 16));
	assert_null(heap_alloc(&heap, MiB));
	heap_check(&heap);
	for (size_t i = 0; i < n; i++)
		CHECK_FILL(p[i], 1000, (unsigned)i);
	for (size_t i = 0; i < extra; i++)
		heap_free(&heap, p[i]);
	check_all_returned();
	void *again = heap_alloc(&heap, 200 * KiB);
	assert_non_null(again);
	heap_free(&heap, again);
	check_all_returned();
}

/* --- misuse ---------------------------------------------------------------------- */

static void double_free(void **state)
{
	void *a = heap_alloc(&heap, 64), *b = heap_alloc(&heap, 64), *c = heap_alloc(&heap, 64);
	heap_free(&heap, b);
	EXPECT_FATAL(heap_free(&heap, b));
	assert_ptr_equal(fatal_ptr, b);
	/* Merged with a free neighbour before the second free. */
	heap_free(&heap, a);
	EXPECT_FATAL(heap_free(&heap, a));
	EXPECT_FATAL(heap_free(&heap, b));
	heap_free(&heap, c);
	EXPECT_FATAL(heap_free(&heap, c));
	/* Other uses of a freed pointer. */
	EXPECT_FATAL(heap_realloc(&heap, a, 10));
	EXPECT_FATAL(heap_usable_size(&heap, a));
	/* None of that broke anything. */
	check_all_returned();
}

static void free_of_foreign_pointers(void **state)
{
	char *a = heap_alloc(&heap, 256);
	memset(a, 0, 256);
	/* Inside a block, on and off the 16-byte grid. */
	EXPECT_FATAL(heap_free(&heap, a + 16));
	EXPECT_FATAL(heap_free(&heap, a + 64));
	EXPECT_FATAL(heap_free(&heap, a + 8));
	EXPECT_FATAL(heap_free(&heap, a + 1));
	/* Memory the heap never had, clean and dirty. */
	static _Alignas(16) unsigned char outside[256];
	EXPECT_FATAL(heap_free(&heap, outside + 64));
	memset(outside, 0xff, sizeof(outside));
	EXPECT_FATAL(heap_free(&heap, outside + 64));
	EXPECT_FATAL(heap_realloc(&heap, outside + 64, 10));
	EXPECT_FATAL(heap_usable_size(&heap, outside + 64));
	/* A chunk-sized fake header that is not signed. */
	uint64_t fake[4] __attribute__((aligned(16))) = { 64 | 1 | 2, 0, 0, 0 };
	EXPECT_FATAL(heap_free(&heap, &fake[2]));
	/* The heap is as it was. */
	heap_check(&heap);
	heap_free(&heap, a);
	check_all_returned();
}

/* An overflow from one block into the next block's header is caught at the
 * next free of either, and by heap_check. */
static void overflow_into_header(void **state)
{
	char *a = heap_alloc(&heap, 64);
	char *b = heap_alloc(&heap, 64);
	size_t usable = heap_usable_size(&heap, a);
	assert_true(b >= a + usable);
	memset(a, 'x', usable + 16);
	EXPECT_FATAL(heap_check(&heap));
	EXPECT_FATAL(heap_free(&heap, b));
	EXPECT_FATAL(heap_usable_size(&heap, b));
	/* The heap is abandoned: free(a) would now change state before
	 * noticing, which a fatal error need not undo. */
}

static void overflow_into_free_header(void **state)
{
	char *a = heap_alloc(&heap, 64);
	char *b = heap_alloc(&heap, 64);
	char *c = heap_alloc(&heap, 64);
	(void)c;
	heap_free(&heap, b);
	size_t usable = heap_usable_size(&heap, a);
	/* One byte of the size word is enough. */
	a[usable] ^= 0x10;
	EXPECT_FATAL(heap_check(&heap));
	EXPECT_FATAL(heap_free(&heap, a));
}

static void overflow_into_fence(void **state)
{
	/* A block that ends right at the arena's fence: 300 KiB of arena,
	 * less its header (32), the chunk's (16) and the fence (16), and
	 * less 32 bytes that are too few to split off. */
	void *big = heap_alloc(&heap, 300 * KiB - 96);
	size_t usable = heap_usable_size(&heap, big);
	assert_int_equal(usable, 300 * KiB - 64);
	((char *)big)[usable + 8] ^= 1; /* the fence's check word */
	EXPECT_FATAL(heap_check(&heap));
	EXPECT_FATAL(heap_free(&heap, big));
}

static void underflow_into_own_header(void **state)
{
	char *a = heap_alloc(&heap, 64);
	a[-3] ^= 0x40;
	EXPECT_FATAL(heap_free(&heap, a));
	assert_ptr_equal(fatal_ptr, a);
}

/* --- random stress ---------------------------------------------------------------- */

/* Blocks are filled from a long random pattern at an offset of their own,
 * so that a check is one memcmp and two blocks never look alike. */
#define PATTERN_BYTES (2 * MiB + 4096)
static unsigned char *pattern;

struct block {
	unsigned char *p;
	size_t n;
	unsigned off; /* into pattern */
};

static size_t random_size(void)
{
	size_t r = below(1000);
	if (r < 550)
		return below(257);
	if (r < 850)
		return below(4097);
	if (r < 997)
		return below(70001);
	return 256 * KiB + below(2 * MiB - 256 * KiB); /* huge */
}

static void block_set(struct block *b, void *p, size_t n)
{
	b->p = p;
	b->n = n;
	b->off = (unsigned)below(4096);
	memcpy(b->p, pattern + b->off, n);
}

static void block_check(int op, const struct block *b, size_t n)
{
	if (memcmp(b->p, pattern + b->off, n) != 0)
		fail_msg("op %d: block %p of %zu bytes was changed", op, (void *)b->p, b->n);
}

static int by_address(const void *x, const void *y)
{
	const struct block *a = x, *b = y;
	return a->p < b->p ? -1 : a->p > b->p;
}

/* Live blocks never overlap, and each has the room it asked for. */
static void check_disjoint(struct block *live, size_t n)
{
	static struct block sorted[4096];
	memcpy(sorted, live, n * sizeof(*live));
	qsort(sorted, n, sizeof(*sorted), by_address);
	for (size_t i = 0; i < n; i++) {
		size_t usable = heap_usable_size(&heap, sorted[i].p);
		assert_true(usable >= sorted[i].n);
		if (i + 1 < n && sorted[i].p + usable > sorted[i + 1].p)
			fail_msg("blocks %p (+%zu) and %p overlap", (void *)sorted[i].p, usable,
				 (void *)sorted[i + 1].p);
	}
}

static void stress_run(int ops, size_t max_live, size_t budget, const char *name)
{
	static struct block live[4096];
	size_t nlive = 0;
	unsigned long failures = 0, big = 0;
	assert_true(max_live <= sizeof(live) / sizeof(live[0]));
	source_budget = budget;

	for (int op = 0; op < ops; op++) {
		size_t r = below(100);
		bool must_free = nlive == max_live;
		if (!must_free && (r < 45 || nlive == 0)) {
			/* malloc, calloc or memalign */
			size_t n = random_size();
			size_t kind = below(10);
			void *p;
			size_t align = 16;
			if (kind < 6) {
				p = heap_alloc(&heap, n);
			} else if (kind < 8) {
				size_t m = 1 + below(16);
				n = n / m;
				p = heap_calloc(&heap, m, n);
				n *= m;
				if (p)
					for (size_t i = 0; i < n; i += 1 + below(64))
						if (((unsigned char *)p)[i] != 0)
							fail_msg("op %d: calloc byte %zu not zero", op, i);
			} else {
				align = (size_t)32 << below(12); /* 32 .. 65536 */
				p = heap_memalign(&heap, align, n);
			}
			if (p == NULL) {
				if (budget == SIZE_MAX)
					fail_msg("op %d: allocation of %zu failed with an endless source", op, n);
				failures++;
			} else {
				if (!aligned(p, align))
					fail_msg("op %d: %p not aligned to %zu", op, p, align);
				big += n > 256 * KiB;
				block_set(&live[nlive++], p, n);
			}
		} else if (!must_free && r < 65) {
			/* realloc: grow, shrink, or to zero */
			size_t i = below(nlive);
			size_t n = below(20) == 0 ? 0 : below(2) ? random_size() : live[i].n / (1 + below(4));
			block_check(op, &live[i], live[i].n);
			void *q = heap_realloc(&heap, live[i].p, n);
			if (n == 0) {
				assert_null(q);
				live[i] = live[--nlive];
			} else if (q == NULL) {
				if (budget == SIZE_MAX)
					fail_msg("op %d: realloc to %zu failed with an endless source", op, n);
				failures++;
				block_check(op, &live[i], live[i].n); /* untouched */
			} else {
				live[i].p = q;
				size_t keep = n < live[i].n ? n : live[i].n;
				block_check(op, &live[i], keep);
				live[i].n = n;
				memcpy(live[i].p, pattern + live[i].off, n);
			}
		} else if (nlive > 0) {
			size_t i = below(nlive);
			block_check(op, &live[i], live[i].n);
			heap_free(&heap, live[i].p);
			live[i] = live[--nlive];
		}
		assert_int_equal(heap.nallocs, nlive);
		if (op % 2000 == 0) {
			heap_check(&heap);
			check_disjoint(live, nlive);
			size_t asked = 0;
			for (size_t i = 0; i < nlive; i++)
				asked += live[i].n;
			assert_true(heap.used_bytes >= asked);
			assert_int_equal(heap.arena_bytes, source_bytes);
		}
	}

	heap_check(&heap);
	check_disjoint(live, nlive);
	while (nlive > 0) {
		size_t i = below(nlive);
		block_check(ops, &live[i], live[i].n);
		heap_free(&heap, live[i].p);
		live[i] = live[--nlive];
	}
	check_all_returned();
	print_message("%s: %d operations, %lu large blocks, %lu refused; %lu arenas taken, %lu given back, %u kept "
		      "(%zu KiB)\n",
		      name, ops, big, failures, ngets, nputs, narenas, source_bytes / KiB);
}

static void stress(void **state)
{
	rng_state = seed_from_env("stress", 0x6b65656c68656170ull);
	pattern = malloc(PATTERN_BYTES);
	assert_non_null(pattern);
	for (size_t i = 0; i < PATTERN_BYTES; i++)
		pattern[i] = (unsigned char)rng();
	stress_run(200000, 2000, SIZE_MAX, "stress");
	free(pattern);
}

/* The same with a page source that runs dry now and then: failures must
 * leave every block and the heap as they were. */
static void stress_short_of_memory(void **state)
{
	rng_state = seed_from_env("stress_short_of_memory", 0x6b65656c68656170ull) ^ 1;
	pattern = malloc(PATTERN_BYTES);
	assert_non_null(pattern);
	for (size_t i = 0; i < PATTERN_BYTES; i++)
		pattern[i] = (unsigned char)rng();
	stress_run(50000, 600, 6 * MiB, "stress_short_of_memory");
	assert_true(nrefused > 0);
	free(pattern);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, heap_setup, heap_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(alignment_and_sizes),
		TEST(zero_sizes),
		TEST(calloc_zeroes_and_overflows),
		TEST(impossible_sizes),
		TEST(memalign),
		TEST(realloc_cases),
		TEST(realloc_in_place),
		TEST(realloc_failures),
		TEST(large_blocks_go_back),
		TEST(fragmented_source),
		TEST(out_of_memory),
		TEST(double_free),
		TEST(free_of_foreign_pointers),
		TEST(overflow_into_header),
		TEST(overflow_into_free_header),
		TEST(overflow_into_fence),
		TEST(underflow_into_own_header),
		TEST(stress),
		TEST(stress_short_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
