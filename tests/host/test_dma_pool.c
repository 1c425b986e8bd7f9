/*
 * The DMA buffer pools (kernel/mm/dma_pool.c) over a host page source:
 * pages from glibc's aligned_alloc, each given a "physical" address that
 * differs from its virtual one (so a pool that confused them is caught),
 * a budget of pages to run the source dry, and a record of every
 * allocation so that frees are checked against it and leaks show.
 *
 * panic() records its message and jumps back into the test, so that each
 * misuse the pool promises to catch (a double free, a pointer into a
 * buffer's middle, a stranger) is checked to be caught.
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

#include "kernel/mm/dma.h"

#define PAGE DMA_PAGE_SIZE
#define PHYS_OFFSET UINT64_C(0x100000000000) /* physical = virtual + this */

/* --- the page source ------------------------------------------------------------ */

#define MAX_RUNS 4096
static struct {
	void *p;
	size_t bytes;
} runs[MAX_RUNS];
static unsigned nruns;
static size_t pages_out, page_budget;
static unsigned long refused;

void *dma_alloc_pages(size_t bytes, uint64_t *phys)
{
	size_t pages = (bytes + PAGE - 1) / PAGE;
	if (pages == 0 || pages_out + pages > page_budget || nruns == MAX_RUNS) {
		refused++;
		return NULL;
	}
	void *p = aligned_alloc(PAGE, pages * PAGE);
	assert_non_null(p);
	memset(p, 0, pages * PAGE);
	runs[nruns].p = p;
	runs[nruns].bytes = bytes;
	nruns++;
	pages_out += pages;
	*phys = (uint64_t)(uintptr_t)p + PHYS_OFFSET;
	return p;
}

void dma_free_pages(void *p, size_t bytes)
{
	for (unsigned i = 0; i < nruns; i++) {
		if (runs[i].p != p)
			continue;
		if (runs[i].bytes != bytes)
			fail_msg("dma_free_pages(%p, %zu): allocated with %zu bytes", p, bytes, runs[i].bytes);
		pages_out -= (bytes + PAGE - 1) / PAGE;
		runs[i] = runs[--nruns];
		free(p);
		return;
	}
	fail_msg("dma_free_pages(%p): not allocated", p);
}

/* --- panic ------------------------------------------------------------------------ */

static jmp_buf panic_jmp;
static bool panic_armed;
static char panic_msg[256];

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (!panic_armed)
		fail_msg("unexpected panic at %s:%d: %s", file, line, panic_msg);
	panic_armed = false;
	longjmp(panic_jmp, 1);
}

/* Runs stmt, which must panic with a message containing what. */
#define EXPECT_PANIC(stmt, what)                                                                                       \
	do {                                                                                                           \
		panic_msg[0] = '\0';                                                                                   \
		panic_armed = true;                                                                                    \
		if (setjmp(panic_jmp) == 0) {                                                                          \
			stmt;                                                                                          \
			panic_armed = false;                                                                           \
			fail_msg("%s did not panic", #stmt);                                                           \
		}                                                                                                      \
		if (strstr(panic_msg, what) == NULL)                                                                   \
			fail_msg("panic '%s' lacks '%s'", panic_msg, what);                                            \
	} while (0)

static int setup(void **state)
{
	nruns = 0;
	pages_out = 0;
	page_budget = 1u << 20;
	refused = 0;
	return 0;
}

static int teardown(void **state)
{
	if (nruns != 0 || pages_out != 0) {
		print_error("%u page runs (%zu pages) left allocated\n", nruns, pages_out);
		return -1;
	}
	return 0;
}

static struct dma_pool_stats stats(const struct dma_pool *p)
{
	struct dma_pool_stats st;
	dma_pool_get_stats(p, &st);
	return st;
}

/* --- the checks every layout must pass ------------------------------------------------ */

struct buf {
	uint8_t *p;
	uint64_t phys;
};

static int by_addr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct buf *)a)->p, y = (uintptr_t)((const struct buf *)b)->p;
	return x < y ? -1 : x > y;
}

/* n buffers of size bytes: aligned (virtual and physical), the physical
 * address the page source gave for that place, no two overlapping,
 * within one page when the pool promises it. */
static void check_layout(struct buf *b, size_t n, size_t size, size_t align, bool no_cross)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t v = (uintptr_t)b[i].p;
		assert_int_equal(v % align, 0);
		assert_int_equal(b[i].phys % align, 0);
		assert_int_equal(b[i].phys, (uint64_t)v + PHYS_OFFSET);
		if (no_cross)
			assert_int_equal(v / PAGE, (v + size - 1) / PAGE);
	}
	struct buf *sorted = malloc(n * sizeof(*sorted));
	memcpy(sorted, b, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_addr);
	for (size_t i = 1; i < n; i++)
		assert_true((uintptr_t)sorted[i - 1].p + size <= (uintptr_t)sorted[i].p);
	free(sorted);
}

/* --- tests ------------------------------------------------------------------------- */

static void test_create_refuses_bad_arguments(void **state)
{
	assert_null(dma_pool_create("t", 0, 8, 0));
	assert_null(dma_pool_create("t", 64, 3, 0));	    /* not a power of two */
	assert_null(dma_pool_create("t", 64, 2 * PAGE, 0)); /* beyond a page */
	assert_null(dma_pool_create("t", PAGE + 1, 8, DMA_POOL_NO_PAGE_CROSS));
	struct dma_pool *p = dma_pool_create("t", PAGE, PAGE, DMA_POOL_NO_PAGE_CROSS);
	assert_non_null(p);
	assert_int_equal(dma_pool_destroy(p), 0);
}

/* Thousands of network-sized buffers: laid out right, filled without one
 * spoiling another, and packed (two per page, not one). */
static void test_many_buffers_no_page_cross(void **state)
{
	const size_t n = 4000, size = 1526, align = 64;
	struct dma_pool *p = dma_pool_create("rx", size, align, DMA_POOL_NO_PAGE_CROSS);
	assert_non_null(p);
	struct buf *b = calloc(n, sizeof(*b));
	for (size_t i = 0; i < n; i++) {
		b[i].p = dma_pool_alloc(p, &b[i].phys);
		assert_non_null(b[i].p);
		memset(b[i].p, (int)(i & 0xff), size);
		assert_int_equal(dma_pool_phys(p, b[i].p), b[i].phys);
	}
	check_layout(b, n, size, align, true);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < size; k++)
			if (b[i].p[k] != (uint8_t)(i & 0xff))
				fail_msg("buffer %zu byte %zu overwritten", i, k);
	struct dma_pool_stats st = stats(p);
	assert_int_equal(st.in_use, n);
	assert_int_equal(st.stride, 1536);
	assert_int_equal(st.peak_in_use, n);
	/* Two buffers of 1536 fit a page: n / 2 pages, and the last
	 * chunk's spare room. */
	assert_true(st.pages >= n / 2 && st.pages <= n / 2 + 16);
	assert_int_equal(st.pages, pages_out);
	for (size_t i = 0; i < n; i++)
		dma_pool_free(p, b[i].p);
	assert_int_equal(stats(p).in_use, 0);
	assert_int_equal(dma_pool_destroy(p), 0);
	free(b);
}

/* Packed buffers may run across a page boundary: none of a page is lost
 * to a tail, and each is still physically contiguous (in one chunk). */
static void test_packed_buffers_use_every_byte(void **state)
{
	const size_t n = 1000, size = 300, align = 4;
	struct dma_pool *p = dma_pool_create("small", size, align, 0);
	struct buf *b = calloc(n, sizeof(*b));
	size_t crossing = 0;
	for (size_t i = 0; i < n; i++) {
		b[i].p = dma_pool_alloc(p, &b[i].phys);
		assert_non_null(b[i].p);
		uintptr_t v = (uintptr_t)b[i].p;
		crossing += v / PAGE != (v + size - 1) / PAGE;
	}
	check_layout(b, n, size, align, false);
	assert_true(crossing > 0);
	/* 300,000 bytes of buffers in 74 pages, and what is left of the
	 * last chunk (a chunk is 3 pages here, for 40 buffers). */
	assert_true(stats(p).pages <= (n * size + PAGE - 1) / PAGE + 3);
	for (size_t i = 0; i < n; i++)
		dma_pool_free(p, b[i].p);
	assert_int_equal(dma_pool_destroy(p), 0);
	free(b);
}

static void test_alignment_larger_than_size(void **state)
{
	struct dma_pool *p = dma_pool_create("aligned", 24, 256, DMA_POOL_NO_PAGE_CROSS);
	struct buf b[100];
	for (int i = 0; i < 100; i++)
		b[i].p = dma_pool_alloc(p, &b[i].phys);
	check_layout(b, 100, 24, 256, true);
	assert_int_equal(stats(p).stride, 256);
	for (int i = 0; i < 100; i++)
		dma_pool_free(p, b[i].p);
	assert_int_equal(dma_pool_destroy(p), 0);
}

/* A size that does not divide the page: the tail of each page stays
 * unused rather than hold a buffer that would cross into the next. */
static void test_page_tail_left_unused(void **state)
{
	struct dma_pool *p = dma_pool_create("odd", 1500, 4, DMA_POOL_NO_PAGE_CROSS);
	struct buf b[300];
	for (int i = 0; i < 300; i++)
		b[i].p = dma_pool_alloc(p, &b[i].phys);
	check_layout(b, 300, 1500, 4, true);
	/* Two per page: 150 pages at least. */
	assert_true(stats(p).pages >= 150);
	for (int i = 0; i < 300; i++)
		dma_pool_free(p, b[i].p);
	assert_int_equal(dma_pool_destroy(p), 0);
}

/* The page source runs dry: NULL, counted, and the pool still works with
 * what it has. */
static void test_exhaustion_returns_null(void **state)
{
	page_budget = 2;
	struct dma_pool *p = dma_pool_create("dry", 512, 8, DMA_POOL_NO_PAGE_CROSS);
	/* A chunk aims at 32 buffers: 4 pages of 8, more than the budget. */
	uint64_t phys;
	assert_null(dma_pool_alloc(p, &phys));
	assert_int_equal(stats(p).failures, 1);
	assert_int_equal(stats(p).in_use, 0);
	page_budget = 4;
	struct buf b[64];
	size_t got = 0;
	while (got < 64 && (b[got].p = dma_pool_alloc(p, &b[got].phys)) != NULL)
		got++;
	assert_int_equal(got, 32);
	assert_int_equal(stats(p).failures, 2);
	check_layout(b, got, 512, 8, true);
	/* One back, one out again: the same one. */
	uint8_t *again = b[7].p;
	dma_pool_free(p, b[7].p);
	b[7].p = dma_pool_alloc(p, &b[7].phys);
	assert_ptr_equal(b[7].p, again);
	assert_int_equal(dma_pool_destroy(p), -EBUSY);
	for (size_t i = 0; i < got; i++)
		dma_pool_free(p, b[i].p);
	assert_int_equal(dma_pool_destroy(p), 0);
}

/* Freed buffers are used again before any new page is taken; chunks that
 * empty go back to the page allocator, but one chunk's worth is kept. */
static void test_reuse_and_release(void **state)
{
	struct dma_pool *p = dma_pool_create("reuse", 2048, 2048, DMA_POOL_NO_PAGE_CROSS);
	struct buf b[96]; /* three chunks of 16 pages, 32 buffers */
	for (int i = 0; i < 96; i++)
		b[i].p = dma_pool_alloc(p, &b[i].phys);
	assert_int_equal(stats(p).chunks, 3);
	size_t pages = pages_out;
	for (int i = 0; i < 96; i += 2)
		dma_pool_free(p, b[i].p);
	for (int i = 0; i < 96; i += 2)
		assert_non_null(b[i].p = dma_pool_alloc(p, &b[i].phys));
	assert_int_equal(pages_out, pages);
	check_layout(b, 96, 2048, 2048, true);
	for (int i = 0; i < 96; i++)
		dma_pool_free(p, b[i].p);
	struct dma_pool_stats st = stats(p);
	assert_int_equal(st.chunks, 1);
	assert_int_equal(st.free, 32);
	assert_int_equal(st.in_use, 0);
	assert_int_equal(st.pages, pages_out);
	assert_int_equal(dma_pool_destroy(p), 0);
}

static void test_misuse_panics(void **state)
{
	struct dma_pool *p = dma_pool_create("misuse", 1000, 8, DMA_POOL_NO_PAGE_CROSS);
	struct dma_pool *q = dma_pool_create("other", 1000, 8, DMA_POOL_NO_PAGE_CROSS);
	uint64_t phys;
	uint8_t *a = dma_pool_alloc(p, &phys);
	uint8_t *b = dma_pool_alloc(p, &phys);
	uint8_t *c = dma_pool_alloc(q, &phys);
	dma_pool_free(p, a);
	EXPECT_PANIC(dma_pool_free(p, a), "freed twice");
	EXPECT_PANIC(dma_pool_free(p, b + 8), "not a buffer's start");
	/* Past the last buffer of a page (4 of 1000 bytes): the tail. */
	uint8_t *page = (uint8_t *)((uintptr_t)b & ~(uintptr_t)(PAGE - 1));
	EXPECT_PANIC(dma_pool_free(p, page + 4000), "not a buffer's start");
	EXPECT_PANIC(dma_pool_free(p, c), "not one of its buffers");
	EXPECT_PANIC(dma_pool_phys(p, c), "not one of its buffers");
	uint8_t on_stack[16];
	EXPECT_PANIC(dma_pool_free(p, on_stack), "not one of its buffers");
	dma_pool_free(p, NULL);
	dma_pool_free(p, b);
	dma_pool_free(q, c);
	assert_int_equal(dma_pool_destroy(p), 0);
	assert_int_equal(dma_pool_destroy(q), 0);
}

/* Random allocations and frees against a model: every live buffer keeps
 * its pattern until freed, and the statistics agree with the model. */
static void test_random_stress(void **state)
{
	rng_state = seed_from_env("dma pool stress", 0x5eed);
	enum { SLOTS = 3000 };
	static struct buf live[SLOTS];
	static uint8_t tag[SLOTS];
	memset(live, 0, sizeof(live));
	struct dma_pool *p = dma_pool_create("stress", 200, 16, DMA_POOL_NO_PAGE_CROSS);
	unsigned long n = 0;
	for (int step = 0; step < 100000; step++) {
		unsigned s = rnd(SLOTS);
		if (live[s].p) {
			for (int k = 0; k < 200; k++)
				if (live[s].p[k] != tag[s])
					fail_msg("step %d: slot %u byte %d overwritten", step, s, k);
			dma_pool_free(p, live[s].p);
			live[s].p = NULL;
			n--;
		} else {
			live[s].p = dma_pool_alloc(p, &live[s].phys);
			assert_non_null(live[s].p);
			assert_int_equal(live[s].phys, (uint64_t)(uintptr_t)live[s].p + PHYS_OFFSET);
			tag[s] = (uint8_t)rng();
			memset(live[s].p, tag[s], 200);
			n++;
		}
		assert_int_equal(stats(p).in_use, n);
	}
	for (unsigned s = 0; s < SLOTS; s++)
		if (live[s].p)
			dma_pool_free(p, live[s].p);
	assert_int_equal(dma_pool_destroy(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_refuses_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_buffers_no_page_cross, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_buffers_use_every_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alignment_larger_than_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_tail_left_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_returns_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_and_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misuse_panics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_stress, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
