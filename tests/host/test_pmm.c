/*
 * The physical page allocator (kernel/mm/pmm.c) on small made-up memory maps.
 * Physical addresses are only numbers here: the allocator dereferences
 * nothing but its bitmap, which is a heap buffer of exactly
 * pmm_bitmap_bytes, so AddressSanitizer catches a stray bit.
 *
 * Hand-written cases cover each rule of the interface; a random stress
 * then runs thousands of allocations and frees against a shadow model of
 * one byte a page.
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

#include "kernel/mm/memmap.h"
#include "kernel/mm/pmm.h"

#define KiB UINT64_C(1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define PG ((uint64_t)PAGE_SIZE)

/* --- fixtures -------------------------------------------------------------- */

struct region {
	uint64_t base, length;
	uint32_t type;
};

struct fixture {
	struct memmap map;
	struct pmm pmm;
	uint64_t *bitmap;
	size_t bytes;
};

/* Bitmaps not yet freed, so that a test that fails half way leaks none. */
static uint64_t *live_bitmaps[8];

static int free_live_bitmaps(void **state)
{
	for (unsigned i = 0; i < sizeof(live_bitmaps) / sizeof(live_bitmaps[0]); i++) {
		free(live_bitmaps[i]);
		live_bitmaps[i] = NULL;
	}
	return 0;
}

static void fixture_init(struct fixture *f, const struct region *r, unsigned n)
{
	memset(f, 0, sizeof(*f));
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(memmap_add(&f->map, r[i].base, r[i].length, r[i].type), 0);
	memmap_normalize(&f->map);
	f->bytes = pmm_bitmap_bytes(&f->map);
	assert_int_equal(f->bytes % 8, 0);
	f->bitmap = malloc(f->bytes ? f->bytes : 1);
	assert_non_null(f->bitmap);
	unsigned slot = 0;
	while (slot < sizeof(live_bitmaps) / sizeof(live_bitmaps[0]) && live_bitmaps[slot] != NULL)
		slot++;
	assert_true(slot < sizeof(live_bitmaps) / sizeof(live_bitmaps[0]));
	live_bitmaps[slot] = f->bitmap;
	/* Whatever was in the buffer before must not matter. */
	memset(f->bitmap, 0x3c, f->bytes);
	pmm_init(&f->pmm, &f->map, f->bitmap);
}

static void fixture_fini(struct fixture *f)
{
	for (unsigned i = 0; i < sizeof(live_bitmaps) / sizeof(live_bitmaps[0]); i++)
		if (live_bitmaps[i] == f->bitmap)
			live_bitmaps[i] = NULL;
	free(f->bitmap);
	f->bitmap = NULL;
}

#define FIXTURE(f, ...)                                                                                                \
	fixture_init(f, (const struct region[]){ __VA_ARGS__ },                                                        \
		     (unsigned)(sizeof((const struct region[]){ __VA_ARGS__ }) / sizeof(struct region)))

/* The usual PC layout: low memory up to the EBDA, the BIOS hole, RAM to
 * 16 MiB, a hole up to 4 GiB with a reserved piece near the top, and
 * 8 MiB above 4 GiB. */
#define PC_MAP                                                                                                         \
	{ 0, 0x9fc00, MEMMAP_RAM }, { 0x9fc00, 0x60400, MEMMAP_RESERVED }, { MiB, 15 * MiB, MEMMAP_RAM },              \
	    { 0xfeffc000, 0x4000, MEMMAP_RESERVED },                                                                   \
	{                                                                                                              \
		4 * GiB, 8 * MiB, MEMMAP_RAM                                                                           \
	}
#define PC_LOW_PAGES UINT64_C(0x9f)	     /* pages 0 .. 0x9e */
#define PC_MID_PAGES (15 * MiB / PG)	     /* 3840 */
#define PC_HIGH_PAGES (8 * MiB / PG)	     /* 2048 */
#define PC_NPAGES ((4 * GiB + 8 * MiB) / PG) /* the bitmap's reach */

static bool bit(const struct fixture *f, uint64_t pfn) { return (f->bitmap[pfn / 64] >> (pfn % 64)) & 1; }

static uint64_t count_clear(const struct fixture *f)
{
	uint64_t n = 0;
	for (uint64_t pfn = 0; pfn < f->pmm.npages; pfn++)
		n += !bit(f, pfn);
	return n;
}

static bool is_ram_page(const struct fixture *f, uint64_t pfn)
{
	for (unsigned i = 0; i < f->map.count; i++) {
		const struct memmap_region *r = &f->map.region[i];
		if (r->type == MEMMAP_RAM && r->base / PG <= pfn && pfn < (r->base + r->length) / PG)
			return true;
	}
	return false;
}

/* Free pages are counted right, are all RAM, and page 0 is never one;
 * bits past the last page stay set. */
static void check_consistent(const struct fixture *f)
{
	assert_int_equal(count_clear(f), f->pmm.free_pages);
	for (uint64_t pfn = 0; pfn < f->pmm.npages; pfn++)
		if (!bit(f, pfn) && !is_ram_page(f, pfn))
			fail_msg("page %#" PRIx64 " is free but not RAM", pfn);
	if (f->pmm.npages)
		assert_true(bit(f, 0));
	for (uint64_t pfn = f->pmm.npages; pfn < f->bytes * 8; pfn++)
		assert_true(bit(f, pfn));
}

/* The state pmm_free must leave alone when it refuses. */
struct snapshot {
	struct pmm pmm;
	uint64_t *bits;
	size_t bytes;
};

static void take_snapshot(struct snapshot *s, const struct fixture *f)
{
	s->pmm = f->pmm;
	s->bytes = f->bytes;
	s->bits = malloc(f->bytes ? f->bytes : 1);
	assert_non_null(s->bits);
	memcpy(s->bits, f->bitmap, f->bytes);
}

static void check_unchanged(struct snapshot *s, const struct fixture *f)
{
	assert_int_equal(f->pmm.free_pages, s->pmm.free_pages);
	assert_int_equal(f->pmm.next_hint, s->pmm.next_hint);
	assert_int_equal(f->pmm.nreserved, s->pmm.nreserved);
	assert_memory_equal(f->bitmap, s->bits, s->bytes);
	free(s->bits);
	s->bits = NULL;
}

/* Frees that must be refused, leaving everything as it was. */
static void refuse_free_at(int line, struct fixture *f, uint64_t phys, uint64_t npages)
{
	struct snapshot s;
	take_snapshot(&s, f);
	int ret = pmm_free(&f->pmm, phys, npages);
	if (ret != -EINVAL)
		fail_msg("line %d: pmm_free(%#" PRIx64 ", %" PRIu64 ") returned %d, want -EINVAL", line, phys, npages,
			 ret);
	check_unchanged(&s, f);
}
#define REFUSE_FREE(f, phys, n) refuse_free_at(__LINE__, f, phys, n)

/* --- set-up ---------------------------------------------------------------- */

static void init_counts(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	assert_int_equal(f.pmm.npages, PC_NPAGES);
	assert_int_equal(f.bytes, (PC_NPAGES + 63) / 64 * 8);
	assert_int_equal(f.pmm.ram_pages, PC_LOW_PAGES + PC_MID_PAGES + PC_HIGH_PAGES);
	/* Page 0 is RAM but reserved as the failure value. */
	assert_int_equal(f.pmm.free_pages, f.pmm.ram_pages - 1);
	assert_true(bit(&f, 0));
	assert_false(bit(&f, 1));
	assert_false(bit(&f, 0x9e));
	assert_true(bit(&f, 0x9f)); /* the partial page at the EBDA */
	assert_true(bit(&f, 0xff)); /* BIOS */
	assert_false(bit(&f, 0x100));
	assert_false(bit(&f, 16 * MiB / PG - 1));
	assert_true(bit(&f, 16 * MiB / PG)); /* the hole */
	assert_true(bit(&f, 4 * GiB / PG - 1));
	assert_false(bit(&f, 4 * GiB / PG));
	assert_false(bit(&f, PC_NPAGES - 1));
	check_consistent(&f);
	fixture_fini(&f);

	/* A bitmap whose page count is not a multiple of 64. */
	FIXTURE(&f, { 0, 70 * PG, MEMMAP_RAM });
	assert_int_equal(f.pmm.npages, 70);
	assert_int_equal(f.bytes, 16);
	assert_int_equal(f.pmm.free_pages, 69);
	check_consistent(&f);
	fixture_fini(&f);

	/* Page 0 not RAM: nothing to take off the count. */
	FIXTURE(&f, { 0, PG, MEMMAP_RESERVED }, { PG, 9 * PG, MEMMAP_RAM });
	assert_int_equal(f.pmm.free_pages, 9);
	assert_int_equal(f.pmm.ram_pages, 9);
	check_consistent(&f);
	fixture_fini(&f);
}

static void no_ram(void **state)
{
	struct fixture f;
	FIXTURE(&f, { 0, MiB, MEMMAP_RESERVED });
	assert_int_equal(f.bytes, 0);
	assert_int_equal(f.pmm.npages, 0);
	assert_int_equal(f.pmm.free_pages, 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	pmm_reserve(&f.pmm, 0, MiB);
	REFUSE_FREE(&f, 0, 1);
	REFUSE_FREE(&f, PG, 1);
	fixture_fini(&f);

	fixture_init(&f, NULL, 0);
	assert_int_equal(f.bytes, 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	fixture_fini(&f);
}

/* --- allocation -------------------------------------------------------------- */

static void page_zero_is_never_handed_out(void **state)
{
	struct fixture f;
	FIXTURE(&f, { 0, 2 * PG, MEMMAP_RAM });
	assert_int_equal(f.pmm.free_pages, 1);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), PG);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	assert_int_equal(f.pmm.free_pages, 0);
	REFUSE_FREE(&f, 0, 1);
	REFUSE_FREE(&f, 0, 2);
	assert_int_equal(pmm_free(&f.pmm, PG, 1), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), PG);
	fixture_fini(&f);

	/* Page 0 fits every alignment, but is not free. */
	FIXTURE(&f, { 0, 64 * PG, MEMMAP_RAM });
	for (uint64_t align = 1; align <= 64; align *= 2) {
		uint64_t p = pmm_alloc(&f.pmm, 1, align, 0);
		if (align <= 32) {
			assert_int_equal(p, align * PG);
			assert_int_equal(pmm_free(&f.pmm, p, 1), 0);
		} else {
			assert_int_equal(p, 0); /* only page 0 is 64-aligned */
		}
	}
	/* Every page but 0, one by one. */
	for (uint64_t i = 1; i < 64; i++)
		assert_int_not_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	check_consistent(&f);
	fixture_fini(&f);
}

static void single_pages(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	uint64_t total = f.pmm.free_pages;
	uint8_t *seen = calloc(PC_NPAGES, 1);
	assert_non_null(seen);
	for (uint64_t i = 0; i < total; i++) {
		uint64_t p = pmm_alloc(&f.pmm, 1, 1, 0);
		assert_int_not_equal(p, 0);
		assert_int_equal(p % PG, 0);
		assert_true(is_ram_page(&f, p / PG));
		assert_false(seen[p / PG]);
		seen[p / PG] = 1;
		assert_int_equal(f.pmm.free_pages, total - i - 1);
	}
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	assert_int_equal(f.pmm.free_pages, 0);
	check_consistent(&f);

	/* All back, in a scattered order. */
	for (uint64_t i = 0, pfn = 0; i < PC_NPAGES; i++, pfn = (pfn + 7919) % PC_NPAGES)
		if (seen[pfn])
			assert_int_equal(pmm_free(&f.pmm, pfn * PG, 1), 0);
	assert_int_equal(f.pmm.free_pages, total);
	check_consistent(&f);
	free(seen);
	fixture_fini(&f);
}

static void runs(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	uint64_t free0 = f.pmm.free_pages;

	uint64_t p = pmm_alloc(&f.pmm, 100, 1, 0);
	assert_int_equal(p, PG); /* first fit, low memory */
	for (uint64_t i = 0; i < 100; i++)
		assert_true(bit(&f, p / PG + i));
	assert_int_equal(f.pmm.free_pages, free0 - 100);

	/* Too big for what is left of low memory: goes above 1 MiB, not
	 * across the hole. */
	uint64_t q = pmm_alloc(&f.pmm, 100, 1, 0);
	assert_int_equal(q, MiB);

	/* Bigger than any RAM region: refused, though enough pages are free. */
	assert_true(f.pmm.free_pages > PC_MID_PAGES + 1);
	assert_int_equal(pmm_alloc(&f.pmm, PC_MID_PAGES + 1, 1, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, f.pmm.free_pages + 1, 1, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, UINT64_MAX, 1, 0), 0);
	assert_int_equal(f.pmm.free_pages, free0 - 200);

	/* The rest of the middle region in one run, then all of the top. */
	uint64_t r = pmm_alloc(&f.pmm, PC_MID_PAGES - 100, 1, 0);
	assert_int_equal(r, MiB + 100 * PG);
	uint64_t s = pmm_alloc(&f.pmm, PC_HIGH_PAGES, 1, 0);
	assert_int_equal(s, 4 * GiB);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 16 * MiB), PG + 100 * PG);
	check_consistent(&f);

	/* A run is freed whole or in parts. */
	assert_int_equal(pmm_free(&f.pmm, s, PC_HIGH_PAGES), 0);
	assert_int_equal(pmm_free(&f.pmm, r, 10), 0);
	assert_int_equal(pmm_free(&f.pmm, r + 20 * PG, PC_MID_PAGES - 120), 0);
	assert_int_equal(pmm_free(&f.pmm, r + 10 * PG, 10), 0);
	/* Two neighbouring runs freed as one. */
	assert_int_equal(pmm_free(&f.pmm, p, 100), 0);
	assert_int_equal(pmm_free(&f.pmm, q, 1), 0);
	assert_int_equal(pmm_free(&f.pmm, q + PG, 99), 0);
	check_consistent(&f);
	fixture_fini(&f);
}

static void alignment(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	for (uint64_t align = 1; align <= 512; align *= 2) {
		for (uint64_t n = 1; n <= 5; n += 2) {
			uint64_t p = pmm_alloc(&f.pmm, n, align, 0);
			assert_int_not_equal(p, 0);
			if (p % (align * PG) != 0)
				fail_msg("%" PRIu64 " pages aligned to %" PRIu64 ": got %#" PRIx64, n, align, p);
			for (uint64_t i = 0; i < n; i++)
				assert_true(is_ram_page(&f, p / PG + i));
		}
	}
	check_consistent(&f);

	/* 2 MiB alignment: page 0 is reserved, so the first is at 2 MiB. */
	fixture_fini(&f);
	FIXTURE(&f, PC_MAP);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 512, 0), 2 * MiB);
	assert_int_equal(pmm_alloc(&f.pmm, 512, 512, 0), 4 * MiB);
	/* 4 GiB alignment: only 4 GiB itself. */
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1u << 20, 0), 4 * GiB);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1u << 20, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, UINT64_C(1) << 40, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, UINT64_C(1) << 63, 0), 0);

	/* Not powers of two, and zero sizes: refused, nothing changed. */
	uint64_t before = f.pmm.free_pages;
	assert_int_equal(pmm_alloc(&f.pmm, 1, 0, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 3, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 6, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 513, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, UINT64_MAX, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 0, 1, 0), 0);
	assert_int_equal(f.pmm.free_pages, before);
	check_consistent(&f);
	fixture_fini(&f);
}

static void limits(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);

	/* Below 1 MiB: exactly the low pages but page 0. */
	uint64_t n = 0, p;
	while ((p = pmm_alloc(&f.pmm, 1, 1, MiB)) != 0) {
		assert_true(p + PG <= MiB);
		n++;
	}
	assert_int_equal(n, PC_LOW_PAGES - 1);

	/* Below 4 GiB: the middle region, then nothing, though the top is free. */
	while ((p = pmm_alloc(&f.pmm, 8, 1, 4 * GiB)) != 0) {
		assert_true(p + 8 * PG <= 4 * GiB);
		n += 8;
	}
	assert_int_equal(n, PC_LOW_PAGES - 1 + PC_MID_PAGES);
	assert_int_equal(f.pmm.free_pages, PC_HIGH_PAGES);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 4 * GiB), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 4 * GiB + PG - 1), 0);
	/* The limit is on the end of the run, not its start. */
	assert_int_equal(pmm_alloc(&f.pmm, 2, 1, 4 * GiB + PG), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 4 * GiB + PG), 4 * GiB);
	/* A limit past the end of RAM is no limit. */
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, UINT64_MAX), 4 * GiB + PG);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 4 * GiB + 2 * PG);
	check_consistent(&f);
	fixture_fini(&f);

	/* Limits that are not page multiples round down. */
	FIXTURE(&f, PC_MAP);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, PG), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 2 * PG - 1), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 4, 1, 0x5800), PG);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0x5800), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0x6000), 5 * PG);
	/* Limit and alignment together. */
	assert_int_equal(pmm_alloc(&f.pmm, 1, 8, 0x8000), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 8, 0x9000), 8 * PG);
	check_consistent(&f);
	fixture_fini(&f);
}

static void exhaustion(void **state)
{
	struct fixture f;
	FIXTURE(&f, { 0, 20 * PG, MEMMAP_RAM }, { 40 * PG, 10 * PG, MEMMAP_RAM });
	assert_int_equal(f.pmm.free_pages, 29);
	assert_int_equal(pmm_alloc(&f.pmm, 19, 1, 0), PG);
	assert_int_equal(pmm_alloc(&f.pmm, 11, 1, 0), 0); /* 10 free, in one piece */
	assert_int_equal(pmm_alloc(&f.pmm, 10, 1, 0), 40 * PG);
	assert_int_equal(f.pmm.free_pages, 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	check_consistent(&f);

	/* Freeing one page makes exactly that page available again. */
	assert_int_equal(pmm_free(&f.pmm, 45 * PG, 1), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 2, 1, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 2, 0), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 40 * PG), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 45 * PG);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
	check_consistent(&f);
	fixture_fini(&f);
}

static void free_and_reuse(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	struct snapshot s;
	take_snapshot(&s, &f);

	uint64_t a = pmm_alloc(&f.pmm, 37, 4, 0);
	uint64_t b = pmm_alloc(&f.pmm, 1, 1, 0);
	uint64_t c = pmm_alloc(&f.pmm, 300, 1, 16 * MiB);
	assert_true(a && b && c);
	assert_int_equal(pmm_free(&f.pmm, b, 1), 0);
	assert_int_equal(pmm_free(&f.pmm, a, 37), 0);
	assert_int_equal(pmm_free(&f.pmm, c, 300), 0);
	/* Back to where it started, bit for bit (the hint aside). */
	assert_int_equal(f.pmm.free_pages, s.pmm.free_pages);
	assert_memory_equal(f.bitmap, s.bits, f.bytes);
	free(s.bits);

	/* The same requests get the same answers. */
	assert_int_equal(pmm_alloc(&f.pmm, 37, 4, 0), a);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), b);
	assert_int_equal(pmm_alloc(&f.pmm, 300, 1, 16 * MiB), c);

	/* A page freed below the search hint is found again. */
	uint64_t pages[10];
	for (int i = 0; i < 10; i++)
		pages[i] = pmm_alloc(&f.pmm, 1, 1, 0);
	assert_int_equal(pmm_free(&f.pmm, pages[2], 1), 0);
	assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), pages[2]);
	check_consistent(&f);
	fixture_fini(&f);
}

/* Claiming exact pages: only free RAM, all or nothing. */
static void claim(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	uint64_t a = pmm_alloc(&f.pmm, 4, 1, 0);
	assert_true(a != 0);
	uint64_t free_before = f.pmm.free_pages;
	/* The pages after a run are free: the run grows in place. */
	assert_int_equal(pmm_claim(&f.pmm, a + 4 * PG, 3), 0);
	assert_int_equal(f.pmm.free_pages, free_before - 3);
	/* Any page in use refuses the whole claim, and changes nothing. */
	assert_int_equal(pmm_claim(&f.pmm, a + 6 * PG, 2), -EBUSY);
	assert_int_equal(f.pmm.free_pages, free_before - 3);
	assert_int_equal(pmm_claim(&f.pmm, a, 1), -EBUSY);
	/* Not page-aligned, page zero, empty, or beyond RAM. */
	assert_int_equal(pmm_claim(&f.pmm, a + 7 * PG + 1, 1), -EINVAL);
	assert_int_equal(pmm_claim(&f.pmm, 0, 1), -EINVAL);
	assert_int_equal(pmm_claim(&f.pmm, a + 7 * PG, 0), -EINVAL);
	assert_int_equal(pmm_claim(&f.pmm, f.pmm.npages * PG, 1), -EINVAL);
	/* Claimed pages free like allocated ones. */
	assert_int_equal(pmm_free(&f.pmm, a, 7), 0);
	assert_int_equal(f.pmm.free_pages, free_before + 4);
	check_consistent(&f);
	fixture_fini(&f);
}

static void double_and_bad_frees(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);

	uint64_t p = pmm_alloc(&f.pmm, 1, 1, 0);
	assert_int_equal(pmm_free(&f.pmm, p, 1), 0);
	REFUSE_FREE(&f, p, 1);

	/* Part of a run freed already: the whole run is refused. */
	uint64_t r = pmm_alloc(&f.pmm, 4, 1, 0);
	assert_int_equal(pmm_free(&f.pmm, r + PG, 1), 0);
	REFUSE_FREE(&f, r, 4);
	REFUSE_FREE(&f, r, 2);
	REFUSE_FREE(&f, r + PG, 3);
	assert_int_equal(pmm_free(&f.pmm, r, 1), 0);
	assert_int_equal(pmm_free(&f.pmm, r + 2 * PG, 2), 0);
	REFUSE_FREE(&f, r, 4);

	/* Pages that were never allocated. */
	REFUSE_FREE(&f, 5 * MiB, 1);
	REFUSE_FREE(&f, 4 * GiB, 16);

	/* Malformed: not page aligned, no pages, past the bitmap, wrapping. */
	uint64_t q = pmm_alloc(&f.pmm, 2, 1, 0);
	REFUSE_FREE(&f, q + 1, 1);
	REFUSE_FREE(&f, q + PG / 2, 1);
	REFUSE_FREE(&f, q, 0);
	REFUSE_FREE(&f, q, UINT64_MAX);
	REFUSE_FREE(&f, q, UINT64_MAX / PG);
	REFUSE_FREE(&f, PC_NPAGES * PG, 1);
	REFUSE_FREE(&f, (PC_NPAGES - 1) * PG, 2);
	REFUSE_FREE(&f, UINT64_MAX & ~(PG - 1), 1);
	REFUSE_FREE(&f, UINT64_C(1) << 63, 1);

	/* Not RAM: page 0, the EBDA and BIOS area, the hole below 4 GiB;
	 * all of them are "in use" in the bitmap. */
	REFUSE_FREE(&f, 0, 1);
	REFUSE_FREE(&f, 0x9f000, 1);
	REFUSE_FREE(&f, 0xf0000, 1);
	REFUSE_FREE(&f, 16 * MiB, 1);
	REFUSE_FREE(&f, 0xfeffc000, 1);
	REFUSE_FREE(&f, 4 * GiB - PG, 1);

	/* Runs that start in RAM and end outside it. */
	while (pmm_alloc(&f.pmm, 1, 1, 0) != 0)
		;
	REFUSE_FREE(&f, 0x9e000, 2);
	REFUSE_FREE(&f, 16 * MiB - PG, 2);
	REFUSE_FREE(&f, 4 * GiB - PG, 2);
	REFUSE_FREE(&f, 4 * GiB + 8 * MiB - PG, 2);
	/* Spanning RAM, hole and RAM. */
	REFUSE_FREE(&f, 0x9e000, (MiB - 0x9e000) / PG + 1);
	assert_int_equal(pmm_free(&f.pmm, 0x9e000, 1), 0);
	assert_int_equal(pmm_free(&f.pmm, MiB, 1), 0);
	check_consistent(&f);
	fixture_fini(&f);
}

/* --- reservations -------------------------------------------------------------- */

static void reserve(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	uint64_t free0 = f.pmm.free_pages;

	pmm_reserve(&f.pmm, 2 * MiB, MiB);
	assert_int_equal(f.pmm.free_pages, free0 - 256);
	pmm_reserve(&f.pmm, 2 * MiB, MiB); /* again: no change */
	assert_int_equal(f.pmm.free_pages, free0 - 256);
	pmm_reserve(&f.pmm, 2 * MiB + MiB / 2, MiB); /* half new */
	assert_int_equal(f.pmm.free_pages, free0 - 384);

	/* Rounded out to whole pages. */
	pmm_reserve(&f.pmm, 0x500001, 1);
	assert_int_equal(f.pmm.free_pages, free0 - 385);
	assert_true(bit(&f, 0x500));
	pmm_reserve(&f.pmm, 0x500fff, 2); /* 0x500 and 0x501 */
	assert_int_equal(f.pmm.free_pages, free0 - 386);
	assert_true(bit(&f, 0x501));
	assert_false(bit(&f, 0x502));

	/* Outside RAM, empty, past the bitmap: nothing changes. */
	pmm_reserve(&f.pmm, 0xa0000, 0x60000);
	pmm_reserve(&f.pmm, 32 * MiB, 64 * MiB);
	pmm_reserve(&f.pmm, 3 * MiB, 0);
	pmm_reserve(&f.pmm, 8 * GiB, GiB);
	pmm_reserve(&f.pmm, UINT64_MAX - PG, PG);
	assert_int_equal(f.pmm.free_pages, free0 - 386);

	/* Across the end of the bitmap: cut there. */
	pmm_reserve(&f.pmm, 4 * GiB + 8 * MiB - PG, 16 * MiB);
	assert_int_equal(f.pmm.free_pages, free0 - 387);

	/* Reserved pages are never allocated, and never freed. */
	uint64_t p;
	while ((p = pmm_alloc(&f.pmm, 1, 1, 0)) != 0) {
		assert_false(p >= 2 * MiB && p < 3 * MiB + MiB / 2);
		assert_false(p == 0x500000 || p == 0x501000);
		assert_false(p == 4 * GiB + 8 * MiB - PG);
	}
	REFUSE_FREE(&f, 2 * MiB, 1);
	REFUSE_FREE(&f, 3 * MiB, 128);
	REFUSE_FREE(&f, 0x4ff000, 2);
	REFUSE_FREE(&f, 0x501000, 1);
	REFUSE_FREE(&f, 4 * GiB + 8 * MiB - PG, 1);
	check_consistent(&f);
	fixture_fini(&f);
}

/* Reserving pages already handed out: they stay in use, and pmm_free
 * then refuses them. */
static void reserve_allocated(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	uint64_t p = pmm_alloc(&f.pmm, 4, 1, 0);
	uint64_t before = f.pmm.free_pages;
	pmm_reserve(&f.pmm, p + PG, PG);
	assert_int_equal(f.pmm.free_pages, before);
	REFUSE_FREE(&f, p, 4);
	REFUSE_FREE(&f, p + PG, 1);
	assert_int_equal(pmm_free(&f.pmm, p, 1), 0);
	assert_int_equal(pmm_free(&f.pmm, p + 2 * PG, 2), 0);
	check_consistent(&f);
	fixture_fini(&f);
}

/* Reservations that run to the top of the address space. */
static void reserve_to_the_top(void **state)
{
	struct fixture f;
	static const uint64_t lengths[] = { UINT64_MAX, UINT64_MAX - 100, UINT64_MAX - 5 * PG - 10,
					    UINT64_MAX - 5 * PG };
	for (unsigned i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		FIXTURE(&f, PC_MAP);
		pmm_reserve(&f.pmm, 5 * PG, lengths[i]);
		if (f.pmm.free_pages != 4)
			fail_msg("reserve(5 pages, %#" PRIx64 "): %" PRIu64 " pages free, want 4 (pages 1 to 4)",
				 lengths[i], f.pmm.free_pages);
		check_consistent(&f);
		fixture_fini(&f);

		FIXTURE(&f, PC_MAP);
		pmm_reserve(&f.pmm, 0, lengths[i]);
		if (f.pmm.free_pages != 0)
			fail_msg("reserve(0, %#" PRIx64 "): %" PRIu64 " pages free, want 0", lengths[i],
				 f.pmm.free_pages);
		assert_int_equal(pmm_alloc(&f.pmm, 1, 1, 0), 0);
		fixture_fini(&f);
	}
}

/* The table of reserved ranges holds PMM_MAX_RESERVED of them, the one for
 * page 0 included: each is protected from pmm_free. */
static void many_reservations(void **state)
{
	struct fixture f;
	FIXTURE(&f, PC_MAP);
	assert_int_equal(f.pmm.nreserved, 1);
	for (unsigned i = 1; i < PMM_MAX_RESERVED; i++)
		assert_int_equal(pmm_reserve(&f.pmm, MiB + i * 4 * PG, PG), 0);
	assert_int_equal(f.pmm.nreserved, PMM_MAX_RESERVED);
	/* One more is refused (its pages are still taken). */
	uint64_t free_before = f.pmm.free_pages;
	assert_int_equal(pmm_reserve(&f.pmm, 3 * MiB, PG), -ENOSPC);
	assert_int_equal(f.pmm.free_pages, free_before - 1);
	assert_int_equal(pmm_free(&f.pmm, 3 * MiB, 1), 0);
	/* With every other page in use, only the reservations refuse. */
	while (pmm_alloc(&f.pmm, 1, 1, 0) != 0)
		;
	for (unsigned i = 1; i < PMM_MAX_RESERVED; i++) {
		REFUSE_FREE(&f, MiB + i * 4 * PG, 1);
		REFUSE_FREE(&f, MiB + i * 4 * PG - PG, 2);
		REFUSE_FREE(&f, MiB + i * 4 * PG - PG, 3);
		assert_int_equal(pmm_free(&f.pmm, MiB + i * 4 * PG - PG, 1), 0);
		assert_int_equal(pmm_free(&f.pmm, MiB + i * 4 * PG + PG, 1), 0);
	}
	check_consistent(&f);
	fixture_fini(&f);
}

/* --- random stress against a model ------------------------------------------- */

enum { M_NOT_RAM, M_FREE, M_ALLOCATED, M_RESERVED };

struct model {
	uint8_t *page; /* one of the above, per page */
	uint64_t free;
	struct run {
		uint64_t first, n;
	} * runs;
	size_t nruns, cap;
};

static void model_init(struct model *m, const struct fixture *f)
{
	m->page = calloc(f->pmm.npages ? f->pmm.npages : 1, 1);
	assert_non_null(m->page);
	m->free = 0;
	for (uint64_t pfn = 1; pfn < f->pmm.npages; pfn++)
		if (is_ram_page(f, pfn)) {
			m->page[pfn] = M_FREE;
			m->free++;
		}
	if (f->pmm.npages)
		m->page[0] = is_ram_page(f, 0) ? M_RESERVED : M_NOT_RAM;
	m->cap = 1024;
	m->nruns = 0;
	m->runs = malloc(m->cap * sizeof(*m->runs));
	assert_non_null(m->runs);
}

static void model_fini(struct model *m)
{
	free(m->page);
	free(m->runs);
}

static void model_add_run(struct model *m, uint64_t first, uint64_t n)
{
	if (n == 0)
		return;
	if (m->nruns == m->cap) {
		m->cap *= 2;
		m->runs = realloc(m->runs, m->cap * sizeof(*m->runs));
		assert_non_null(m->runs);
	}
	m->runs[m->nruns++] = (struct run){ first, n };
}

/* Whether a free run of n pages aligned to align ends at or below end
 * (a page number): looked for page by page in the model. */
static bool model_fits(const struct model *m, const struct fixture *f, uint64_t n, uint64_t align, uint64_t end)
{
	for (unsigned i = 0; i < f->map.count; i++) {
		const struct memmap_region *r = &f->map.region[i];
		if (r->type != MEMMAP_RAM)
			continue;
		uint64_t lo = r->base / PG, hi = (r->base + r->length) / PG;
		if (hi > end)
			hi = end;
		uint64_t start = (lo + align - 1) / align * align;
		while (start < hi && n <= hi - start) {
			uint64_t k = 0;
			while (k < n && m->page[start + k] == M_FREE)
				k++;
			if (k == n)
				return true;
			/* Skip past the page that was not free. */
			start = (start + k + 1 + align - 1) / align * align;
		}
	}
	return false;
}

static void model_check_bitmap(const struct model *m, const struct fixture *f)
{
	for (uint64_t pfn = 0; pfn < f->pmm.npages; pfn++)
		if (bit(f, pfn) != (m->page[pfn] != M_FREE))
			fail_msg("page %#" PRIx64 ": bitmap %d, model %d", pfn, bit(f, pfn), m->page[pfn]);
	assert_int_equal(f->pmm.free_pages, m->free);
}

/* What pmm_free should say, from the model alone. */
static int model_free_result(const struct model *m, const struct fixture *f, uint64_t phys, uint64_t n)
{
	if (phys % PG || n == 0 || phys / PG >= f->pmm.npages || n > f->pmm.npages - phys / PG)
		return -EINVAL;
	for (uint64_t k = 0; k < n; k++)
		if (m->page[phys / PG + k] != M_ALLOCATED)
			return -EINVAL;
	return 0;
}

static uint64_t random_limit(const struct fixture *f)
{
	switch (below(8)) {
	case 0: return MiB;
	case 1: return 16 * MiB;
	case 2: return 4 * GiB;
	case 3: return below(f->pmm.npages + 2) * PG;
	case 4: return below((f->pmm.npages + 2) * PG); /* not page aligned */
	default: return 0;
	}
}

struct stress_stats {
	unsigned long allocs, failed, frees, refused, reserves;
};

static void stress_one(struct fixture *f, int ops, uint64_t max_run, unsigned max_reserves, struct stress_stats *st)
{
	struct model m;
	model_init(&m, f);
	model_check_bitmap(&m, f);
	unsigned reserves_left = max_reserves;

	for (int op = 0; op < ops; op++) {
		uint64_t r = below(100);
		if (r < 50) {
			/* Allocate. */
			uint64_t n = below(2) ? 1 : 1 + (below(8) ? below(16) : below(max_run));
			uint64_t align = below(2) ? 1 : UINT64_C(1) << below(10);
			uint64_t limit = random_limit(f);
			uint64_t end = f->pmm.npages;
			if (limit != 0 && limit / PG < end)
				end = limit / PG;
			uint64_t p = pmm_alloc(&f->pmm, n, align, limit);
			st->allocs++;
			if (p == 0) {
				st->failed++;
				if (model_fits(&m, f, n, align, end))
					fail_msg("op %d: %" PRIu64 " pages aligned %" PRIu64 " below %#" PRIx64
						 " refused, but a run is free",
						 op, n, align, limit);
			} else {
				uint64_t first = p / PG;
				if (p % (align * PG) != 0)
					fail_msg("op %d: %#" PRIx64 " not aligned to %" PRIu64 " pages", op, p, align);
				if (first + n > end)
					fail_msg("op %d: run at %#" PRIx64 " of %" PRIu64
						 " pages passes limit %#" PRIx64,
						 op, p, n, limit);
				for (uint64_t k = 0; k < n; k++) {
					if (m.page[first + k] != M_FREE)
						fail_msg("op %d: page %#" PRIx64 " handed out in state %d", op,
							 first + k, m.page[first + k]);
					m.page[first + k] = M_ALLOCATED;
				}
				m.free -= n;
				model_add_run(&m, first, n);
			}
		} else if (r < 90 && m.nruns > 0) {
			/* Free all or part of a run, then free it again. */
			size_t i = (size_t)below(m.nruns);
			struct run run = m.runs[i];
			m.runs[i] = m.runs[--m.nruns];
			uint64_t a = 0, b = run.n;
			if (below(4) == 0) {
				a = below(run.n);
				b = a + 1 + below(run.n - a);
			}
			uint64_t phys = (run.first + a) * PG;
			int want = model_free_result(&m, f, phys, b - a);
			int got = pmm_free(&f->pmm, phys, b - a);
			if (got != want)
				fail_msg("op %d: free of %" PRIu64 " pages at %#" PRIx64 " returned %d, want %d", op,
					 b - a, phys, got, want);
			if (got == 0) {
				st->frees++;
				for (uint64_t k = a; k < b; k++)
					m.page[run.first + k] = M_FREE;
				m.free += b - a;
				model_add_run(&m, run.first, a);
				model_add_run(&m, run.first + b, run.n - b);
				uint64_t before = f->pmm.free_pages;
				assert_int_equal(pmm_free(&f->pmm, phys, b - a), -EINVAL);
				assert_int_equal(f->pmm.free_pages, before);
				st->refused++;
			} else {
				/* Reserved after it was allocated: it stays
				 * in use for good, apart from the pages that
				 * are not reserved, which go back one by one. */
				for (uint64_t k = 0; k < run.n; k++)
					if (m.page[run.first + k] == M_ALLOCATED)
						model_add_run(&m, run.first + k, 1);
				st->refused++;
			}
		} else if (r < 98) {
			/* Free something at random; only what must be refused
			 * is tried, as the rest belongs to the runs above. */
			uint64_t phys = below(f->pmm.npages + 4) * PG + (below(8) == 0 ? below(PG) : 0);
			uint64_t n = below(8) == 0 ? below(UINT64_MAX) : below(6);
			if (model_free_result(&m, f, phys, n) == 0)
				continue;
			uint64_t before = f->pmm.free_pages;
			assert_int_equal(pmm_free(&f->pmm, phys, n), -EINVAL);
			assert_int_equal(f->pmm.free_pages, before);
			st->refused++;
		} else if (reserves_left > 0) {
			/* Reserve a range, free pages and allocated ones alike. */
			reserves_left--;
			uint64_t base = below(f->pmm.npages + 4) * PG + below(PG);
			uint64_t len = 1 + below(64 * PG);
			pmm_reserve(&f->pmm, base, len);
			st->reserves++;
			uint64_t first = base / PG, end = (base + len + PG - 1) / PG;
			for (uint64_t pfn = first; pfn < end && pfn < f->pmm.npages; pfn++) {
				if (m.page[pfn] == M_FREE)
					m.free--;
				if (m.page[pfn] == M_FREE || m.page[pfn] == M_ALLOCATED)
					m.page[pfn] = M_RESERVED;
			}
		}
		assert_int_equal(f->pmm.free_pages, m.free);
		if (op % 2000 == 0)
			model_check_bitmap(&m, f);
	}

	/* Everything back: only reserved pages stay in use. */
	while (m.nruns > 0) {
		struct run run = m.runs[--m.nruns];
		for (uint64_t k = 0; k < run.n; k++) {
			uint64_t pfn = run.first + k;
			int want = m.page[pfn] == M_ALLOCATED ? 0 : -EINVAL;
			assert_int_equal(pmm_free(&f->pmm, pfn * PG, 1), want);
			if (want == 0) {
				m.page[pfn] = M_FREE;
				m.free++;
			}
		}
	}
	model_check_bitmap(&m, f);
	uint64_t reserved = 0;
	for (uint64_t pfn = 0; pfn < f->pmm.npages; pfn++)
		reserved += m.page[pfn] == M_RESERVED;
	assert_int_equal(f->pmm.free_pages, f->pmm.ram_pages - reserved);
	check_consistent(f);
	model_fini(&m);
}

static void stress(void **state)
{
	rng_state = seed_from_env("stress", 0x6b65656c706d6dull);
	struct stress_stats st = { 0 };
	struct fixture f;

	/* The PC map. */
	FIXTURE(&f, PC_MAP);
	stress_one(&f, 30000, 600, 10, &st);
	fixture_fini(&f);

	/* A small map, so that it runs out often. */
	FIXTURE(&f, { 0, 100 * PG, MEMMAP_RAM }, { 130 * PG, 70 * PG, MEMMAP_RAM });
	stress_one(&f, 30000, 40, 4, &st);
	fixture_fini(&f);

	/* Random fragmented maps, some RAM above 4 GiB. */
	for (int k = 0; k < 6; k++) {
		struct region r[40];
		unsigned n = 0;
		uint64_t at = below(4) * PG;
		for (; n < 30; n++) {
			r[n].base = at + below(3) * 700;
			r[n].length = below(200) * PG + below(3) * 300;
			r[n].type = below(3) ? MEMMAP_RAM : (uint32_t)(2 + below(3));
			at = r[n].base + r[n].length + below(3) * PG;
		}
		r[n++] = (struct region){ 4 * GiB + below(64) * PG, below(2000) * PG, MEMMAP_RAM };
		r[n++] = (struct region){ below(at + 1), below(20) * PG, MEMMAP_RESERVED };
		fixture_init(&f, r, n);
		stress_one(&f, 10000, 300, 8, &st);
		fixture_fini(&f);
	}
	print_message("stress: %lu allocations (%lu refused), %lu frees, %lu frees refused, %lu reservations\n",
		      st.allocs, st.failed, st.frees, st.refused, st.reserves);
}

#define TEST(f) cmocka_unit_test_teardown(f, free_live_bitmaps)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(init_counts),
		TEST(no_ram),
		TEST(page_zero_is_never_handed_out),
		TEST(single_pages),
		TEST(runs),
		TEST(alignment),
		TEST(limits),
		TEST(exhaustion),
		TEST(free_and_reuse),
		TEST(claim),
		TEST(double_and_bad_frees),
		TEST(reserve),
		TEST(reserve_allocated),
		TEST(reserve_to_the_top),
		TEST(many_reservations),
		TEST(stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
