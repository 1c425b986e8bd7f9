/*
 * The page allocator's reclaim hook (kernel/mm/pmm.c): when an allocation
 * would fail, the registered holders of lent pages are asked for them, the
 * search runs again after each one that gave some, and the retries end
 * when none gives any more. The holders here are made-up balloons that
 * took pages with pmm_try_alloc and give them back on demand.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/memmap.h"
#include "kernel/mm/pmm.h"

#define PG ((uint64_t)PAGE_SIZE)
#define MAX_HELD 64

struct env {
	struct memmap map;
	struct pmm pmm;
	uint64_t *bitmap;
};

/* 16 pages of RAM at 1 MiB: 15 usable after nothing else is reserved
 * (page 0 is below the RAM, so all 16). */
static void env_init(struct env *e)
{
	memset(e, 0, sizeof(*e));
	assert_int_equal(memmap_add(&e->map, 1u << 20, 16 * PG, MEMMAP_RAM), 0);
	memmap_normalize(&e->map);
	e->bitmap = malloc(pmm_bitmap_bytes(&e->map));
	assert_non_null(e->bitmap);
	pmm_init(&e->pmm, &e->map, e->bitmap);
	assert_int_equal(e->pmm.free_pages, 16);
}

/* A holder of pages: gives back `per_call` of them a call (the last taken
 * first), or none when refusing. */
struct holder {
	struct pmm *pmm;
	uint64_t page[MAX_HELD];
	unsigned n, per_call, calls;
	bool refuse;
	uint64_t asked; /* npages of the last call */
};

static uint64_t holder_reclaim(void *ctx, uint64_t npages)
{
	struct holder *h = ctx;
	h->calls++;
	h->asked = npages;
	if (h->refuse)
		return 0;
	unsigned given = 0;
	while (given < h->per_call && h->n > 0) {
		assert_int_equal(pmm_free(h->pmm, h->page[--h->n], 1), 0);
		given++;
	}
	return given;
}

static uint64_t holder_held(void *ctx) { return ((struct holder *)ctx)->n; }

static void holder_take(struct holder *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = pmm_try_alloc(h->pmm, 1, 1, 0);
		assert_int_not_equal(pa, 0);
		h->page[h->n++] = pa;
	}
}

static void test_alloc_takes_back_from_holder(void **state)
{
	struct env e;
	env_init(&e);
	struct holder h = { .pmm = &e.pmm, .per_call = 1 };
	struct pmm_reclaimer r = { "test", holder_reclaim, holder_held, &h };
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &r), 0);
	holder_take(&h, 16);
	assert_int_equal(e.pmm.free_pages, 0);
	assert_int_equal(pmm_lent_pages(&e.pmm), 16);
	/* try_alloc never asks. */
	assert_int_equal(pmm_try_alloc(&e.pmm, 1, 1, 0), 0);
	assert_int_equal(h.calls, 0);
	/* Two contiguous pages: the holder gives one a call, the last it
	 * took first, and the search runs after each. */
	uint64_t pa = pmm_alloc(&e.pmm, 2, 1, 0);
	assert_int_equal(pa, (1u << 20) + 14 * PG);
	assert_int_equal(h.calls, 2);
	assert_int_equal(h.asked, 2);
	assert_int_equal(h.n, 14);
	assert_int_equal(pmm_lent_pages(&e.pmm), 14);
	free(e.bitmap);
}

static void test_alloc_fails_when_nothing_given(void **state)
{
	struct env e;
	env_init(&e);
	struct holder h = { .pmm = &e.pmm, .per_call = 4 };
	struct pmm_reclaimer r = { "test", holder_reclaim, holder_held, &h };
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &r), 0);
	holder_take(&h, 16);
	h.refuse = true;
	assert_int_equal(pmm_alloc(&e.pmm, 1, 1, 0), 0);
	assert_int_equal(h.calls, 1);
	/* Given everything, a run larger than memory still fails, and the
	 * retries stop when the holder is empty. */
	h.refuse = false;
	h.calls = 0;
	assert_int_equal(pmm_alloc(&e.pmm, 17, 1, 0), 0);
	assert_int_equal(h.n, 0);
	assert_int_equal(h.calls, 5); /* 4 calls of 4 pages, one of none */
	assert_int_equal(e.pmm.free_pages, 16);
	free(e.bitmap);
}

static void test_second_reclaimer_asked_after_first(void **state)
{
	struct env e;
	env_init(&e);
	struct holder a = { .pmm = &e.pmm, .per_call = 8 }, b = { .pmm = &e.pmm, .per_call = 8 };
	struct pmm_reclaimer ra = { "a", holder_reclaim, holder_held, &a };
	struct pmm_reclaimer rb = { "b", holder_reclaim, holder_held, &b };
	struct pmm_reclaimer lender = { "lends only", NULL, holder_held, &b };
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &lender), 0);
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &ra), 0);
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &rb), 0);
	holder_take(&a, 4);
	holder_take(&b, 12);
	/* b's share is counted twice: it is registered twice (once as a
	 * lender that never gives back). */
	assert_int_equal(pmm_lent_pages(&e.pmm), 4 + 12 + 12);
	a.refuse = true;
	assert_int_not_equal(pmm_alloc(&e.pmm, 1, 1, 0), 0);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.n, 4);
	free(e.bitmap);
}

static void test_register_limits(void **state)
{
	struct env e;
	env_init(&e);
	struct holder h = { .pmm = &e.pmm };
	struct pmm_reclaimer r[PMM_MAX_RECLAIMERS + 1];
	for (unsigned i = 0; i <= PMM_MAX_RECLAIMERS; i++)
		r[i] = (struct pmm_reclaimer){ "r", holder_reclaim, holder_held, &h };
	for (unsigned i = 0; i < PMM_MAX_RECLAIMERS; i++)
		assert_int_equal(pmm_register_reclaimer(&e.pmm, &r[i]), 0);
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &r[0]), -EINVAL);
	assert_int_equal(pmm_register_reclaimer(&e.pmm, &r[PMM_MAX_RECLAIMERS]), -ENOSPC);
	/* Bad arguments fail without asking anyone. */
	assert_int_equal(pmm_alloc(&e.pmm, 0, 1, 0), 0);
	assert_int_equal(pmm_alloc(&e.pmm, 1, 3, 0), 0);
	assert_int_equal(h.calls, 0);
	free(e.bitmap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_takes_back_from_holder),
		cmocka_unit_test(test_alloc_fails_when_nothing_given),
		cmocka_unit_test(test_second_reclaimer_asked_after_first),
		cmocka_unit_test(test_register_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
