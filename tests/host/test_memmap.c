/*
 * The memory map (kernel/mm/memmap.c) and the two boot protocol parsers
 * (kernel/bootinfo.c).
 *
 * The map is tested on hand-made loader maps with holes, overlaps,
 * repeats, disorder, regions above 4 GiB and at the top of the address
 * space, then on random maps checked address by address against a brute
 * force reading of the original regions.
 *
 * The parsers read a fake physical memory: one MiB of heap standing for
 * physical addresses [0, 1 MiB), so that AddressSanitizer sees any read
 * past what the reader handed out, and the reader refuses everything
 * else. hvm_start_info and multiboot2 structures are built in it by hand,
 * well formed and then broken in each way the parsers must refuse.
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

#include "boot/boot.h"
#include "kernel/bootinfo.h"
#include "kernel/mm/memmap.h"

#define KiB UINT64_C(1024)
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define PAGE UINT64_C(4096)

/* --- checking a map ---------------------------------------------------------- */

struct want_region {
	uint64_t base, end;
	uint32_t type;
};

static void print_map(const struct memmap *m)
{
	for (unsigned i = 0; i < m->count; i++)
		print_message("  [%#" PRIx64 ", %#" PRIx64 ") type %u\n", m->region[i].base,
			      m->region[i].base + m->region[i].length, m->region[i].type);
}

static void check_map_at(int line, const struct memmap *m, const struct want_region *w, unsigned n)
{
	bool ok = m->count == n;
	for (unsigned i = 0; ok && i < n; i++)
		ok = m->region[i].base == w[i].base && m->region[i].length == w[i].end - w[i].base &&
		     m->region[i].type == w[i].type;
	if (!ok) {
		print_message("line %d: the map is:\n", line);
		print_map(m);
		print_message("but should be:\n");
		for (unsigned i = 0; i < n; i++)
			print_message("  [%#" PRIx64 ", %#" PRIx64 ") type %u\n", w[i].base, w[i].end, w[i].type);
		fail_msg("line %d: wrong map", line);
	}
}

#define REGIONS(...) ((const struct want_region[]){ __VA_ARGS__ })
#define NREGIONS(...) (unsigned)(sizeof(REGIONS(__VA_ARGS__)) / sizeof(struct want_region))
#define CHECK_MAP(m, ...) check_map_at(__LINE__, m, REGIONS(__VA_ARGS__), NREGIONS(__VA_ARGS__))
#define CHECK_EMPTY(m) check_map_at(__LINE__, m, NULL, 0)

static void add(struct memmap *m, uint64_t base, uint64_t length, uint32_t type)
{
	assert_int_equal(memmap_add(m, base, length, type), 0);
}

/* --- memmap_add ------------------------------------------------------------ */

static void add_drops_empty_and_clips(void **state)
{
	struct memmap m = { .count = 0 };

	add(&m, 0x1000, 0, MEMMAP_RAM);
	add(&m, 0, 0, MEMMAP_RESERVED);
	assert_int_equal(m.count, 0);

	add(&m, 0x1000, 0x2000, MEMMAP_RAM);
	assert_int_equal(m.count, 1);
	assert_int_equal(m.region[0].base, 0x1000);
	assert_int_equal(m.region[0].length, 0x2000);
	assert_int_equal(m.region[0].type, MEMMAP_RAM);

	/* Past 2^64: cut at the top, which a 64-bit end can express only
	 * as UINT64_MAX (exclusive). */
	add(&m, UINT64_MAX - 0xfff, 0x2000, MEMMAP_RESERVED);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.region[1].base + m.region[1].length, UINT64_MAX);
	add(&m, 0x100000, UINT64_MAX, MEMMAP_RAM);
	assert_int_equal(m.region[2].base + m.region[2].length, UINT64_MAX);
	assert_true(m.region[2].length > 0);
	add(&m, UINT64_MAX, UINT64_MAX, MEMMAP_RAM);
	add(&m, UINT64_MAX, 1, MEMMAP_RAM);
	assert_int_equal(m.count, 3); /* nothing addressable left in those */
	/* Exactly up to UINT64_MAX does not wrap. */
	add(&m, UINT64_MAX - 10, 10, MEMMAP_NVS);
	assert_int_equal(m.count, 4);
	assert_int_equal(m.region[3].length, 10);
}

static void add_until_full(void **state)
{
	struct memmap m = { .count = 0 };
	for (unsigned i = 0; i < MEMMAP_MAX; i++)
		assert_int_equal(memmap_add(&m, i * 2 * PAGE, PAGE, MEMMAP_RAM), 0);
	assert_int_equal(m.count, MEMMAP_MAX);
	assert_int_equal(memmap_add(&m, 1ull << 40, PAGE, MEMMAP_RAM), -1);
	assert_int_equal(m.count, MEMMAP_MAX);
	/* An empty region is dropped before the map's room is looked at. */
	assert_int_equal(memmap_add(&m, 1ull << 40, 0, MEMMAP_RAM), 0);
	assert_int_equal(m.region[MEMMAP_MAX - 1].base, (MEMMAP_MAX - 1) * 2 * PAGE);
}

/* --- memmap_normalize by hand ------------------------------------------------ */

static void normalize_empty(void **state)
{
	struct memmap m = { .count = 0 };
	memmap_normalize(&m);
	CHECK_EMPTY(&m);
	assert_int_equal(memmap_ram_end(&m), 0);
	assert_int_equal(memmap_total(&m, MEMMAP_RAM), 0);
}

static void normalize_sorts(void **state)
{
	struct memmap m = { .count = 0 };
	add(&m, 4 * GiB, 2 * GiB, MEMMAP_RAM);
	add(&m, 0x100000, 0x7f00000, MEMMAP_RAM);
	add(&m, 0xf0000, 0x10000, MEMMAP_RESERVED);
	add(&m, 0, 0x9f000, MEMMAP_RAM);
	add(&m, 0xfeffc000, 0x4000, MEMMAP_RESERVED);
	memmap_normalize(&m);
	CHECK_MAP(&m, { 0, 0x9f000, MEMMAP_RAM }, { 0xf0000, 0x100000, MEMMAP_RESERVED },
		  { 0x100000, 0x8000000, MEMMAP_RAM }, { 0xfeffc000, 0xff000000, MEMMAP_RESERVED },
		  { 4 * GiB, 6 * GiB, MEMMAP_RAM });
	assert_int_equal(memmap_ram_end(&m), 6 * GiB);
	assert_int_equal(memmap_total(&m, MEMMAP_RAM), 0x9f000 + 0x7f00000 + 2 * GiB);
	assert_int_equal(memmap_total(&m, MEMMAP_RESERVED), 0x10000 + 0x4000);
	assert_int_equal(memmap_total(&m, MEMMAP_ACPI), 0);
}

static void normalize_reserved_wins_over_ram(void **state)
{
	/* In the middle, at the start, at the end and over all of it; in
	 * either order of report. */
	for (int order = 0; order < 2; order++) {
		struct memmap m = { .count = 0 };
		if (order == 0)
			add(&m, 0, 16 * PAGE, MEMMAP_RAM);
		add(&m, 4 * PAGE, 2 * PAGE, MEMMAP_RESERVED);
		add(&m, 0, PAGE, MEMMAP_ACPI);
		add(&m, 15 * PAGE, 3 * PAGE, MEMMAP_NVS);
		if (order == 1)
			add(&m, 0, 16 * PAGE, MEMMAP_RAM);
		memmap_normalize(&m);
		CHECK_MAP(&m, { 0, PAGE, MEMMAP_ACPI }, { PAGE, 4 * PAGE, MEMMAP_RAM },
			  { 4 * PAGE, 6 * PAGE, MEMMAP_RESERVED }, { 6 * PAGE, 15 * PAGE, MEMMAP_RAM },
			  { 15 * PAGE, 18 * PAGE, MEMMAP_NVS });
		assert_int_equal(memmap_total(&m, MEMMAP_RAM), 12 * PAGE);
		assert_int_equal(memmap_ram_end(&m), 15 * PAGE);
	}

	struct memmap m = { .count = 0 };
	add(&m, 0x100000, 0x100000, MEMMAP_RAM);
	add(&m, 0x80000, 0x200000, MEMMAP_UNUSABLE);
	memmap_normalize(&m);
	CHECK_MAP(&m, { 0x80000, 0x280000, MEMMAP_UNUSABLE });
	assert_int_equal(memmap_ram_end(&m), 0);
}

static void normalize_higher_type_wins(void **state)
{
	struct memmap m = { .count = 0 };
	add(&m, 0, 10 * PAGE, MEMMAP_RESERVED);
	add(&m, 2 * PAGE, 6 * PAGE, MEMMAP_ACPI);
	add(&m, 4 * PAGE, 2 * PAGE, MEMMAP_NVS);
	add(&m, 5 * PAGE, 10 * PAGE, MEMMAP_RAM);
	add(&m, 9 * PAGE, PAGE, MEMMAP_PMEM);
	memmap_normalize(&m);
	CHECK_MAP(&m, { 0, 2 * PAGE, MEMMAP_RESERVED }, { 2 * PAGE, 4 * PAGE, MEMMAP_ACPI },
		  { 4 * PAGE, 6 * PAGE, MEMMAP_NVS }, { 6 * PAGE, 8 * PAGE, MEMMAP_ACPI },
		  { 8 * PAGE, 9 * PAGE, MEMMAP_RESERVED }, { 9 * PAGE, 10 * PAGE, MEMMAP_PMEM },
		  { 10 * PAGE, 15 * PAGE, MEMMAP_RAM });
}

/* A type the E820 interface does not define (0 here) must not let RAM it
 * overlaps be handed out, whichever of the two the loader reported first. */
static void normalize_unknown_type_is_not_ram(void **state)
{
	for (int order = 0; order < 2; order++) {
		struct memmap m = { .count = 0 };
		if (order == 0)
			add(&m, 0, 16 * PAGE, MEMMAP_RAM);
		add(&m, 4 * PAGE, 4 * PAGE, 0);
		add(&m, 12 * PAGE, 8 * PAGE, 0);
		if (order == 1)
			add(&m, 0, 16 * PAGE, MEMMAP_RAM);
		memmap_normalize(&m);
		for (unsigned i = 0; i < m.count; i++) {
			const struct memmap_region *r = &m.region[i];
			if (r->type == MEMMAP_RAM && r->base < 8 * PAGE && 4 * PAGE < r->base + r->length) {
				print_map(&m);
				fail_msg("order %d: RAM over a region of type 0", order);
			}
			if (r->type == MEMMAP_RAM && r->base < 20 * PAGE && 12 * PAGE < r->base + r->length) {
				print_map(&m);
				fail_msg("order %d: RAM over a region of type 0", order);
			}
		}
		assert_int_equal(memmap_total(&m, MEMMAP_RAM), 8 * PAGE);
		assert_int_equal(memmap_ram_end(&m), 12 * PAGE);
	}
	/* Unknown types above the known ones behave as reserved too. */
	struct memmap m = { .count = 0 };
	add(&m, 0, 4 * PAGE, 12);
	add(&m, 0, 8 * PAGE, MEMMAP_RAM);
	memmap_normalize(&m);
	CHECK_MAP(&m, { 0, 4 * PAGE, 12 }, { 4 * PAGE, 8 * PAGE, MEMMAP_RAM });
}

static void normalize_duplicates_and_merges(void **state)
{
	struct memmap m = { .count = 0 };
	add(&m, 0x100000, 0x100000, MEMMAP_RAM);
	add(&m, 0x100000, 0x100000, MEMMAP_RAM);
	add(&m, 0x180000, 0x100000, MEMMAP_RAM);
	add(&m, 0x280000, 0x80000, MEMMAP_RAM); /* adjacent */
	add(&m, 0x400000, 0x1000, MEMMAP_RAM);	/* after a hole */
	add(&m, 0x401000, 0x1000, MEMMAP_RESERVED);
	add(&m, 0x402000, 0x1000, MEMMAP_RESERVED);
	add(&m, 0x402000, 0x1000, MEMMAP_RESERVED);
	memmap_normalize(&m);
	CHECK_MAP(&m, { 0x100000, 0x300000, MEMMAP_RAM }, { 0x400000, 0x401000, MEMMAP_RAM },
		  { 0x401000, 0x403000, MEMMAP_RESERVED });
	/* Counted once, though reported twice. */
	assert_int_equal(memmap_total(&m, MEMMAP_RAM), 0x201000);
	assert_int_equal(memmap_total(&m, MEMMAP_RESERVED), 0x2000);

	/* Many small adjacent regions in a shuffled order become one. */
	struct memmap n = { .count = 0 };
	for (unsigned i = 0; i < 100; i++)
		add(&n, (uint64_t)((i * 37) % 100) * PAGE, PAGE, MEMMAP_RAM);
	memmap_normalize(&n);
	CHECK_MAP(&n, { 0, 100 * PAGE, MEMMAP_RAM });
}

static void normalize_ram_shrinks_to_pages(void **state)
{
	struct memmap m = { .count = 0 };
	add(&m, 0x1001, 0x4ffe, MEMMAP_RAM);  /* [0x1001, 0x5fff) */
	add(&m, 0x10000, 0xfff, MEMMAP_RAM);  /* less than a page */
	add(&m, 0x20800, 0x1000, MEMMAP_RAM); /* a page, but not a whole one */
	add(&m, 0x30123, 0x456, MEMMAP_ACPI); /* not RAM: kept as it is */
	add(&m, 0x40000, 0x1800, MEMMAP_RAM); /* RAM up to a reserved piece */
	add(&m, 0x41800, 0x800, MEMMAP_RESERVED);
	add(&m, 0x50000, 0x800, MEMMAP_RAM);	 /* two halves of one page... */
	add(&m, 0x50800, 0x800, MEMMAP_RAM);	 /* ...merge first, then fit */
	add(&m, 0x60000, 0x3000, MEMMAP_RAM);	 /* cut into pieces smaller */
	add(&m, 0x60800, 0x10, MEMMAP_RESERVED); /* than pages by reserved */
	add(&m, 0x61800, 0x10, MEMMAP_RESERVED); /* specks */
	memmap_normalize(&m);
	CHECK_MAP(&m, { 0x2000, 0x5000, MEMMAP_RAM }, { 0x30123, 0x30579, MEMMAP_ACPI },
		  { 0x40000, 0x41000, MEMMAP_RAM }, { 0x41800, 0x42000, MEMMAP_RESERVED },
		  { 0x50000, 0x51000, MEMMAP_RAM }, { 0x60800, 0x60810, MEMMAP_RESERVED },
		  { 0x61800, 0x61810, MEMMAP_RESERVED }, { 0x62000, 0x63000, MEMMAP_RAM });
	for (unsigned i = 0; i < m.count; i++)
		if (m.region[i].type == MEMMAP_RAM)
			assert_true(m.region[i].base % PAGE == 0 && m.region[i].length % PAGE == 0);
}

static void normalize_top_of_address_space(void **state)
{
	struct memmap m = { .count = 0 };
	/* Wraps past 2^64: cut at UINT64_MAX, then the last, partial, page
	 * of RAM goes. */
	add(&m, UINT64_MAX - 2 * PAGE + 1, 4 * PAGE, MEMMAP_RAM);
	add(&m, 4 * GiB, 0x1000, MEMMAP_RAM);
	memmap_normalize(&m);
	CHECK_MAP(&m, { 4 * GiB, 4 * GiB + PAGE, MEMMAP_RAM },
		  { UINT64_MAX - 2 * PAGE + 1, UINT64_MAX - PAGE + 1, MEMMAP_RAM });
	assert_int_equal(memmap_ram_end(&m), UINT64_MAX - PAGE + 1);

	/* Rounding this RAM's base up to a page would wrap: it goes. */
	struct memmap n = { .count = 0 };
	add(&n, UINT64_MAX - 100, 50, MEMMAP_RAM);
	add(&n, UINT64_MAX - 40, 1000, MEMMAP_RESERVED);
	memmap_normalize(&n);
	CHECK_MAP(&n, { UINT64_MAX - 40, UINT64_MAX, MEMMAP_RESERVED });

	/* All of the address space reported as RAM, bar what is reserved. */
	struct memmap all = { .count = 0 };
	add(&all, 0, UINT64_MAX, MEMMAP_RAM);
	add(&all, 0xa0000, 0x60000, MEMMAP_RESERVED);
	memmap_normalize(&all);
	CHECK_MAP(&all, { 0, 0xa0000, MEMMAP_RAM }, { 0xa0000, 0x100000, MEMMAP_RESERVED },
		  { 0x100000, UINT64_MAX - PAGE + 1, MEMMAP_RAM });
}

/* Normalising a normalised map changes nothing. */
static void normalize_is_idempotent(void **state)
{
	struct memmap m = { .count = 0 };
	add(&m, 0x1234, 0x100000, MEMMAP_RAM);
	add(&m, 0x8000, 0x3000, MEMMAP_ACPI);
	add(&m, 0x9000, 0x3000, MEMMAP_NVS);
	add(&m, 5 * GiB, GiB, MEMMAP_RAM);
	add(&m, 4 * GiB, GiB, MEMMAP_RAM);
	memmap_normalize(&m);
	struct memmap again = m;
	memmap_normalize(&again);
	assert_int_equal(again.count, m.count);
	assert_memory_equal(again.region, m.region, m.count * sizeof(m.region[0]));
}

/*
 * A map whose elementary pieces outnumber MEMMAP_MAX after the overlaps
 * are resolved: one RAM region cut by 127 reserved specks makes 255. The
 * map cannot hold them all, so the top of it is lost, and said so; what is
 * kept must still be right, and no RAM may appear where there was none.
 */
static void normalize_more_pieces_than_room(void **state)
{
	struct memmap m = { .count = 0 };
	add(&m, 0, 1 * GiB, MEMMAP_RAM);
	for (unsigned i = 0; i < MEMMAP_MAX - 1; i++)
		add(&m, (2 * i + 1) * 16 * PAGE, PAGE, MEMMAP_RESERVED);
	assert_false(memmap_normalize(&m));
	assert_int_equal(m.count, MEMMAP_MAX);
	for (unsigned i = 0; i < m.count; i++) {
		const struct memmap_region *r = &m.region[i];
		if (i % 2 == 0) {
			assert_int_equal(r->type, MEMMAP_RAM);
			assert_int_equal(r->base, i == 0 ? 0 : (i - 1) * 16 * PAGE + PAGE);
			assert_int_equal(r->base + r->length, (i + 1) * 16 * PAGE);
		} else {
			assert_int_equal(r->type, MEMMAP_RESERVED);
			assert_int_equal(r->base, i * 16 * PAGE);
			assert_int_equal(r->length, PAGE);
		}
	}
	print_message("255 pieces normalised into %u regions; RAM kept: %" PRIu64 " of %" PRIu64 " pages\n", m.count,
		      memmap_total(&m, MEMMAP_RAM) / PAGE, (1 * GiB - (MEMMAP_MAX - 1) * PAGE) / PAGE);
}

static void type_names(void **state)
{
	assert_string_equal(memmap_type_name(MEMMAP_RAM), "usable");
	assert_string_equal(memmap_type_name(MEMMAP_RESERVED), "reserved");
	assert_string_equal(memmap_type_name(MEMMAP_ACPI), "ACPI data");
	assert_string_equal(memmap_type_name(MEMMAP_NVS), "ACPI NVS");
	assert_string_equal(memmap_type_name(MEMMAP_UNUSABLE), "unusable");
	assert_string_equal(memmap_type_name(MEMMAP_DISABLED), "disabled");
	assert_string_equal(memmap_type_name(MEMMAP_PMEM), "persistent");
	assert_string_equal(memmap_type_name(0), "unknown");
	assert_string_equal(memmap_type_name(8), "unknown");
	assert_string_equal(memmap_type_name(UINT32_MAX), "unknown");
}

/* --- memmap_normalize against brute force ------------------------------------ */

/* The original regions as the loader meant them, an end past 2^64 cut
 * to UINT64_MAX as memmap_add documents. */
struct truth {
	unsigned n;
	uint64_t base[MEMMAP_MAX], end[MEMMAP_MAX];
	uint32_t type[MEMMAP_MAX];
	unsigned nb;
	uint64_t bound[2 * MEMMAP_MAX]; /* sorted */
};

static int strength(uint32_t type) { return type == MEMMAP_RAM ? 0 : 1 + (int)type; }

/* The strongest type covering x, or -1 for none: by looking at every
 * original region. */
static int64_t truth_at(const struct truth *t, uint64_t x)
{
	int64_t best = -1;
	for (unsigned i = 0; i < t->n; i++)
		if (t->base[i] <= x && x < t->end[i] && (best < 0 || strength(t->type[i]) > strength((uint32_t)best)))
			best = t->type[i];
	return best;
}

/* Whether every byte of the page at p is RAM in the original map: the
 * answer changes only at region boundaries, so those inside it and its
 * first and last bytes are all there is to look at. */
static bool truth_page_is_ram(const struct truth *t, uint64_t p)
{
	uint64_t last = p + PAGE - 1;
	if (truth_at(t, p) != MEMMAP_RAM || truth_at(t, last) != MEMMAP_RAM)
		return false;
	for (unsigned i = 0; i < t->nb; i++)
		if (t->bound[i] > p && t->bound[i] <= last && truth_at(t, t->bound[i]) != MEMMAP_RAM)
			return false;
	return true;
}

static int64_t map_at(const struct memmap *m, uint64_t x)
{
	for (unsigned i = 0; i < m->count; i++)
		if (m->region[i].base <= x && x - m->region[i].base < m->region[i].length)
			return m->region[i].type;
	return -1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t random_type(void)
{
	/* RAM half of the time, as in real maps; a few unknown types. */
	if (below(2))
		return MEMMAP_RAM;
	return below(16) == 0 ? (uint32_t)below(2) * 9 : (uint32_t)(2 + below(6));
}

static void random_region(uint64_t *base, uint64_t *length)
{
	uint64_t r = below(100);
	uint64_t unaligned = below(3) == 0 ? below(PAGE) : 0;
	if (r < 70) { /* a crowded low area, so that regions overlap */
		*base = below(48) * (PAGE / 2) + unaligned;
		*length = below(20) * (PAGE / 2) + (below(3) == 0 ? below(PAGE) : 0);
	} else if (r < 85) { /* above 4 GiB */
		*base = 4 * GiB + below(16) * PAGE + unaligned;
		*length = below(2) ? 2 * GiB : below(8) * PAGE + unaligned;
	} else if (r < 95) { /* the top of the address space, maybe past it */
		*base = UINT64_MAX - below(8) * PAGE - below(PAGE);
		*length = below(12) * PAGE + below(PAGE);
	} else { /* over most of everything */
		*base = below(4) * PAGE + unaligned;
		*length = UINT64_MAX - below(3) * PAGE;
	}
}

static void check_normalized_against_truth(const struct memmap *m, const struct truth *t, uint64_t *samples,
					   unsigned nsamples, int iter)
{
	/* Sorted, disjoint, not empty; RAM in whole pages; nothing that
	 * should have merged left apart. */
	for (unsigned i = 0; i < m->count; i++) {
		const struct memmap_region *r = &m->region[i];
		if (r->length == 0 || r->base + r->length < r->base)
			fail_msg("iteration %d: region %u is empty or wraps", iter, i);
		if (r->type == MEMMAP_RAM && (r->base % PAGE != 0 || r->length % PAGE != 0))
			fail_msg("iteration %d: RAM region %u is not in whole pages", iter, i);
		if (i > 0) {
			const struct memmap_region *q = &m->region[i - 1];
			if (q->base + q->length > r->base)
				fail_msg("iteration %d: regions %u and %u overlap or are out of order", iter, i - 1, i);
			if (q->base + q->length == r->base && q->type == r->type)
				fail_msg("iteration %d: regions %u and %u should have merged", iter, i - 1, i);
		}
	}
	for (unsigned s = 0; s < nsamples; s++) {
		uint64_t x = samples[s];
		int64_t want = truth_at(t, x);
		if (want == MEMMAP_RAM && !truth_page_is_ram(t, x & ~(PAGE - 1)))
			want = -1;
		int64_t got = map_at(m, x);
		if (got != want) {
			print_map(m);
			fail_msg("iteration %d: address %#" PRIx64 " is type %" PRId64 ", want %" PRId64, iter, x, got,
				 want);
		}
	}
}

static void normalize_random(void **state)
{
	rng_state = seed_from_env("normalize_random", 0x6b65656c6d6d6170ull);
	static struct truth t;
	static uint64_t samples[2 * MEMMAP_MAX * 10 + 200];
	uint64_t checked = 0;

	for (int iter = 0; iter < 10000; iter++) {
		struct memmap m = { .count = 0 };
		/* At most half of MEMMAP_MAX, so the resolved pieces (at most
		 * twice the regions) always fit. */
		unsigned n = 1 + (unsigned)below(MEMMAP_MAX / 2);
		t.n = 0;
		for (unsigned i = 0; i < n; i++) {
			uint64_t base, length;
			random_region(&base, &length);
			if (below(10) == 0 && t.n > 0) { /* the same region twice */
				base = t.base[t.n - 1];
				length = t.end[t.n - 1] - base;
			}
			uint32_t type = random_type();
			assert_int_equal(memmap_add(&m, base, length, type), 0);
			uint64_t end = base + length < base ? UINT64_MAX : base + length;
			if (end == base)
				continue;
			t.base[t.n] = base;
			t.end[t.n] = end;
			t.type[t.n] = type;
			t.n++;
		}
		assert_int_equal(m.count, t.n);

		t.nb = 0;
		for (unsigned i = 0; i < t.n; i++) {
			t.bound[t.nb++] = t.base[i];
			t.bound[t.nb++] = t.end[i];
		}
		qsort(t.bound, t.nb, sizeof(t.bound[0]), cmp_u64);

		/* Every boundary and its neighbours, the pages around it, and
		 * a few addresses anywhere. */
		unsigned ns = 0;
		for (unsigned i = 0; i < t.nb; i++) {
			uint64_t b = t.bound[i], p = b & ~(PAGE - 1);
			uint64_t around[] = {
				b - 1,		b, b + 1, p, p - 1, p + PAGE, p + PAGE - 1, p - PAGE, b + below(PAGE),
				b - below(PAGE)
			};
			for (unsigned k = 0; k < sizeof(around) / sizeof(around[0]); k++)
				samples[ns++] = around[k];
		}
		for (unsigned i = 0; i < 200; i++)
			samples[ns++] = below(4) == 0 ? rng() : below(32 * PAGE);

		memmap_normalize(&m);
		check_normalized_against_truth(&m, &t, samples, ns, iter);
		checked += ns;

		/* The totals agree with the regions, and the RAM end with the
		 * last RAM region. */
		uint64_t ram_end = 0, ram = 0;
		for (unsigned i = 0; i < m.count; i++)
			if (m.region[i].type == MEMMAP_RAM) {
				ram += m.region[i].length;
				ram_end = m.region[i].base + m.region[i].length;
			}
		assert_int_equal(memmap_total(&m, MEMMAP_RAM), ram);
		assert_int_equal(memmap_ram_end(&m), ram_end);

		struct memmap again = m;
		memmap_normalize(&again);
		assert_int_equal(again.count, m.count);
		assert_memory_equal(again.region, m.region, m.count * sizeof(m.region[0]));
	}
	print_message("normalize_random: %" PRIu64 " addresses checked\n", checked);
}

/* --- fake physical memory ---------------------------------------------------- */

#define PHYS_SIZE (1024 * 1024)
static uint8_t *phys;

static const void *phys_read(uint64_t addr, size_t len)
{
	if (addr > PHYS_SIZE || len > PHYS_SIZE - addr)
		return NULL;
	return phys + addr;
}

static int phys_setup(void **state)
{
	phys = calloc(1, PHYS_SIZE);
	return phys ? 0 : -1;
}

static int phys_teardown(void **state)
{
	free(phys);
	phys = NULL;
	return 0;
}

static void poke(uint64_t addr, const void *src, size_t len)
{
	assert_true(addr <= PHYS_SIZE && len <= PHYS_SIZE - addr);
	memcpy(phys + addr, src, len);
}

static void poke32(uint64_t addr, uint32_t v) { poke(addr, &v, sizeof(v)); }

/* A boot_info full of garbage, so that a parser that forgets to clear a
 * field is caught. */
static void dirty(struct boot_info *bi) { memset(bi, 0xa5, sizeof(*bi)); }

/* --- PVH ------------------------------------------------------------------ */

#define SI_AT 0x1000
#define MAP_AT 0x2000
#define CMDLINE_AT 0x8000

static void put_start_info(uint64_t at, uint32_t version, uint64_t cmdline, uint64_t map, uint32_t entries)
{
	struct hvm_start_info si = {
		.magic = PVH_START_MAGIC,
		.version = version,
		.cmdline_paddr = cmdline,
		.rsdp_paddr = 0xf5a40,
		.memmap_paddr = map,
		.memmap_entries = entries,
	};
	poke(at, &si, sizeof(si));
}

static void put_pvh_entries(uint64_t at, const struct hvm_memmap_table_entry *e, unsigned n)
{
	poke(at, e, n * sizeof(*e));
}

/* The map QEMU gives a 6 GiB guest, shuffled, with a repeat, an overlap and
 * an unaligned end. */
static const struct hvm_memmap_table_entry qemu_map[] = {
	{ 0x100000000, 0x80000000, MEMMAP_RAM, 0 },
	{ 0x100000, 0x7fee0000 - 0x100000, MEMMAP_RAM, 0 },
	{ 0, 0x9fc00, MEMMAP_RAM, 0 },
	{ 0x9fc00, 0x400, MEMMAP_RESERVED, 0 },
	{ 0xf0000, 0x10000, MEMMAP_RESERVED, 0 },
	{ 0x7fee0000, 0x20000, MEMMAP_ACPI, 0 },
	{ 0x7fee0000, 0x20000, MEMMAP_ACPI, 0 },
	{ 0xfeffc000, 0x4000, MEMMAP_RESERVED, 0 },
	{ 0x7fec0000, 0x30000, MEMMAP_NVS, 0 },
	{ 0x180000000, 0, MEMMAP_RAM, 0 },
};

static void pvh_good(void **state)
{
	const char cmdline[] = "console=ttyS0 -- hello 'big world'";
	put_start_info(SI_AT, 1, CMDLINE_AT, MAP_AT, sizeof(qemu_map) / sizeof(qemu_map[0]));
	put_pvh_entries(MAP_AT, qemu_map, sizeof(qemu_map) / sizeof(qemu_map[0]));
	poke(CMDLINE_AT, cmdline, sizeof(cmdline));

	struct boot_info bi;
	const char *msg = NULL;
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_int_equal(bi.protocol, BOOT_PROTOCOL_PVH);
	assert_string_equal(bi.loader, "PVH");
	assert_string_equal(bi.cmdline, cmdline);
	assert_false(bi.cmdline_truncated);
	assert_false(bi.memmap_truncated);
	assert_int_equal(bi.rsdp_phys, 0xf5a40);
	assert_int_equal(bi.rsdp_copy_len, 0);
	CHECK_MAP(&bi.memmap, { 0, 0x9f000, MEMMAP_RAM }, { 0x9fc00, 0xa0000, MEMMAP_RESERVED },
		  { 0xf0000, 0x100000, MEMMAP_RESERVED }, { 0x100000, 0x7fec0000, MEMMAP_RAM },
		  { 0x7fec0000, 0x7fef0000, MEMMAP_NVS }, { 0x7fef0000, 0x7ff00000, MEMMAP_ACPI },
		  { 0xfeffc000, 0xff000000, MEMMAP_RESERVED }, { 4 * GiB, 6 * GiB, MEMMAP_RAM });
}

static void pvh_version0_has_no_map(void **state)
{
	/* The version 1 fields are filled in, but a version 0 structure
	 * does not have them: they must not be read. */
	put_start_info(SI_AT, 0, CMDLINE_AT, MAP_AT, 3);
	put_pvh_entries(MAP_AT, qemu_map, 3);
	poke(CMDLINE_AT, "quiet", 6);
	struct boot_info bi;
	const char *msg = NULL;
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -ENODATA);
	assert_non_null(msg);
	assert_string_equal(bi.cmdline, "quiet");

	/* At the very end of memory, only its 40 bytes are readable. */
	put_start_info(PHYS_SIZE - 56, 0, 0, 0, 0);
	memmove(phys + PHYS_SIZE - 40, phys + PHYS_SIZE - 56, 40);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, PHYS_SIZE - 40, phys_read, &msg), -ENODATA);
	assert_non_null(msg);
	/* As version 1 it needs 56 bytes there. */
	poke32(PHYS_SIZE - 40 + 4, 1);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, PHYS_SIZE - 40, phys_read, &msg), -EFAULT);
	assert_non_null(msg);
}

static void pvh_refused(void **state)
{
	struct boot_info bi;
	const char *msg;

	/* Not reachable at all. */
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, PHYS_SIZE, phys_read, &msg), -EFAULT);
	assert_non_null(msg);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, UINT64_MAX - 8, phys_read, &msg), -EFAULT);
	assert_non_null(msg);

	/* Bad magic. */
	put_start_info(SI_AT, 1, 0, MAP_AT, 1);
	put_pvh_entries(MAP_AT, qemu_map, 1);
	poke32(SI_AT, PVH_START_MAGIC ^ 1);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EINVAL);
	assert_non_null(msg);
	poke32(SI_AT, MB2_BOOTLOADER_MAGIC);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EINVAL);

	/* A map too long to be real, without reading it. */
	put_start_info(SI_AT, 1, 0, MAP_AT, 1025);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EINVAL);
	assert_non_null(msg);
	put_start_info(SI_AT, 1, 0, MAP_AT, UINT32_MAX);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EINVAL);

	/* The map out of reach, wholly or in part. */
	put_start_info(SI_AT, 1, 0, 2 * PHYS_SIZE, 4);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EFAULT);
	assert_non_null(msg);
	put_start_info(SI_AT, 1, 0, PHYS_SIZE - 3 * sizeof(struct hvm_memmap_table_entry), 4);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EFAULT);
	put_start_info(SI_AT, 1, 0, UINT64_MAX - 47, 4);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -EFAULT);

	/* An empty map, and a map of nothing but empty regions. */
	put_start_info(SI_AT, 1, 0, MAP_AT, 0);
	msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -ENODATA);
	assert_non_null(msg);
	const struct hvm_memmap_table_entry empties[] = { { 0x1000, 0, 1, 0 }, { 0x100000, 0, 1, 0 } };
	put_pvh_entries(MAP_AT, empties, 2);
	put_start_info(SI_AT, 1, 0, MAP_AT, 2);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -ENODATA);
}

/* Xen's start_info.h: "a 0 value in any of the address fields should be
 * treated as not present". A map said to be at 0 is no map, even when
 * what lies at address 0 looks like one. */
static void pvh_map_at_zero_is_absent(void **state)
{
	const struct hvm_memmap_table_entry bogus[] = { { 0, 0x80000000, MEMMAP_RAM, 0 } };
	put_pvh_entries(0, bogus, 1);
	put_start_info(SI_AT, 1, 0, 0, 1);
	struct boot_info bi;
	const char *msg = NULL;
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), -ENODATA);
	assert_non_null(msg);
}

static void pvh_long_maps(void **state)
{
	/* More regions than the map holds: kept up to MEMMAP_MAX, and said. */
	enum { N = 200 };
	struct hvm_memmap_table_entry e[N];
	for (unsigned i = 0; i < N; i++)
		e[i] = (struct hvm_memmap_table_entry){ (uint64_t)i * 2 * MiB, MiB, MEMMAP_RAM, 0 };
	put_pvh_entries(MAP_AT, e, N);
	put_start_info(SI_AT, 1, 0, MAP_AT, N);
	struct boot_info bi;
	const char *msg = NULL;
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_true(bi.memmap_truncated);
	assert_int_equal(bi.memmap.count, MEMMAP_MAX);
	assert_int_equal(bi.memmap.region[MEMMAP_MAX - 1].base, (MEMMAP_MAX - 1) * 2 * MiB);

	/* The longest map accepted, every entry read. */
	static struct hvm_memmap_table_entry big[1024];
	for (unsigned i = 0; i < 1024; i++)
		big[i] = (struct hvm_memmap_table_entry){ 0x100000, (i + 1) * PAGE, MEMMAP_RAM, 0 };
	put_pvh_entries(PHYS_SIZE - sizeof(big), big, 1024);
	put_start_info(SI_AT, 1, 0, PHYS_SIZE - sizeof(big), 1024);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_true(bi.memmap_truncated);
	CHECK_MAP(&bi.memmap, { 0x100000, 0x100000 + MEMMAP_MAX * PAGE, MEMMAP_RAM });

	/* Exactly MEMMAP_MAX is not truncated. */
	put_start_info(SI_AT, 1, 0, PHYS_SIZE - sizeof(big), MEMMAP_MAX);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_false(bi.memmap_truncated);
}

static void pvh_cmdlines(void **state)
{
	static char text[3 * BOOTINFO_CMDLINE_MAX];
	struct boot_info bi;
	const char *msg = NULL;
	put_pvh_entries(MAP_AT, qemu_map, 3);

	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);

	/* The longest that fits, across page boundaries, from an odd start. */
	uint64_t at = 0x10000 - 123;
	poke(at, text, BOOTINFO_CMDLINE_MAX - 1);
	phys[at + BOOTINFO_CMDLINE_MAX - 1] = '\0';
	put_start_info(SI_AT, 1, at, MAP_AT, 3);
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_int_equal(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
	assert_memory_equal(bi.cmdline, text, BOOTINFO_CMDLINE_MAX - 1);
	assert_false(bi.cmdline_truncated);

	/* One more byte is too long; far more is too. */
	for (unsigned len = BOOTINFO_CMDLINE_MAX; len <= sizeof(text) - 1; len += BOOTINFO_CMDLINE_MAX + 1) {
		poke(at, text, len);
		phys[at + len] = '\0';
		dirty(&bi);
		assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
		assert_true(bi.cmdline_truncated);
		assert_int_equal(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
		assert_memory_equal(bi.cmdline, text, BOOTINFO_CMDLINE_MAX - 1);
	}

	/* Empty, absent (address 0) and out of reach: no command line. */
	phys[at] = '\0';
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_string_equal(bi.cmdline, "");
	assert_false(bi.cmdline_truncated);
	put_start_info(SI_AT, 1, 0, MAP_AT, 3);
	phys[0] = 'x';
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_string_equal(bi.cmdline, "");
	put_start_info(SI_AT, 1, 5 * PHYS_SIZE, MAP_AT, 3);
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_string_equal(bi.cmdline, "");
	assert_false(bi.cmdline_truncated);

	/* Not terminated before the end of reachable memory: what there is
	 * is copied, and nothing beyond the end is read. */
	memset(phys + PHYS_SIZE - 100, 'z', 100);
	put_start_info(SI_AT, 1, PHYS_SIZE - 100, MAP_AT, 3);
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_int_equal(strlen(bi.cmdline), 100);
	assert_int_equal(bi.cmdline[99], 'z');
	assert_true(bi.cmdline_truncated); /* it may have gone on */
	/* The same over several pages, and longer than the copy. */
	memset(phys + PHYS_SIZE - 3 * PAGE - 5, 'y', 3 * PAGE + 5);
	put_start_info(SI_AT, 1, PHYS_SIZE - 3 * PAGE - 5, MAP_AT, 3);
	dirty(&bi);
	assert_int_equal(bootinfo_parse_pvh(&bi, SI_AT, phys_read, &msg), 0);
	assert_int_equal(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
	assert_true(bi.cmdline_truncated);
}

/* --- multiboot2 ------------------------------------------------------------ */

#define MBI_AT 0x20000

/* Builds an information structure in fake physical memory, tag by tag. */
struct mb2_builder {
	uint64_t at;
	uint32_t off;
};

static struct mb2_builder mb2_begin(uint64_t at)
{
	/* Stale bytes from an earlier structure must not matter. */
	memset(phys + at, 0x5c, 64 * KiB < PHYS_SIZE - at ? 64 * KiB : PHYS_SIZE - at);
	return (struct mb2_builder){ at, sizeof(struct mb2_info_header) };
}

static void mb2_raw_tag(struct mb2_builder *b, uint32_t type, uint32_t size, const void *data, size_t len)
{
	struct mb2_tag t = { type, size };
	poke(b->at + b->off, &t, sizeof(t));
	if (len)
		poke(b->at + b->off + sizeof(t), data, len);
	uint32_t padded = (uint32_t)((sizeof(t) + len + 7) & ~(size_t)7);
	memset(phys + b->at + b->off + sizeof(t) + len, 0, padded - sizeof(t) - len);
	b->off += padded;
}

static void mb2_tag(struct mb2_builder *b, uint32_t type, const void *data, size_t len)
{
	mb2_raw_tag(b, type, (uint32_t)(sizeof(struct mb2_tag) + len), data, len);
}

static void mb2_string(struct mb2_builder *b, uint32_t type, const char *s) { mb2_tag(b, type, s, strlen(s) + 1); }

struct mb2_region {
	uint64_t base, length;
	uint32_t type;
};

/* An mmap tag with entries of entry_size bytes, the bytes past the known
 * fields filled with junk a later version might put there. */
static void mb2_mmap(struct mb2_builder *b, uint32_t entry_size, const struct mb2_region *r, unsigned n)
{
	uint8_t buf[8 + 256 * 64];
	assert_true(n <= 256 && entry_size <= 64);
	struct {
		uint32_t entry_size, entry_version;
	} head = { entry_size, 0 };
	memcpy(buf, &head, sizeof(head));
	for (unsigned i = 0; i < n; i++) {
		uint8_t *e = buf + 8 + i * entry_size;
		memset(e, 0xee, entry_size);
		struct mb2_mmap_entry me = { r[i].base, r[i].length, r[i].type, 0 };
		memcpy(e, &me, entry_size < sizeof(me) ? entry_size : sizeof(me));
	}
	mb2_tag(b, MB2_TAG_MMAP, buf, 8 + (size_t)n * entry_size);
}

static uint32_t mb2_end(struct mb2_builder *b)
{
	mb2_raw_tag(b, MB2_TAG_END, 8, NULL, 0);
	struct mb2_info_header h = { b->off, 0 };
	poke(b->at, &h, sizeof(h));
	return b->off;
}

/* Writes total_size without an end tag. */
static void mb2_finish_without_end(struct mb2_builder *b)
{
	struct mb2_info_header h = { b->off, 0 };
	poke(b->at, &h, sizeof(h));
}

static const struct mb2_region grub_map[] = {
	{ 0x100000, 0x7ee0000, MEMMAP_RAM },	 { 0, 0x9fc00, MEMMAP_RAM },
	{ 0x9fc00, 0x400, MEMMAP_RESERVED },	 { 0xf0000, 0x10000, MEMMAP_RESERVED },
	{ 0x7fe0000, 0x20000, MEMMAP_RESERVED }, { 0xfffc0000, 0x40000, MEMMAP_RESERVED },
	{ 0x100000000, 0x80000000, MEMMAP_RAM }, { 0x7fe0000, 0x10000, MEMMAP_RAM }, /* overlaps the reserved */
};
#define GRUB_MAP_N (unsigned)(sizeof(grub_map) / sizeof(grub_map[0]))

static void check_grub_map(int line, const struct memmap *m)
{
	check_map_at(line, m,
		     REGIONS({ 0, 0x9f000, MEMMAP_RAM }, { 0x9fc00, 0xa0000, MEMMAP_RESERVED },
			     { 0xf0000, 0x100000, MEMMAP_RESERVED }, { 0x100000, 0x7fe0000, MEMMAP_RAM },
			     { 0x7fe0000, 0x8000000, MEMMAP_RESERVED }, { 0xfffc0000, 0x100000000, MEMMAP_RESERVED },
			     { 4 * GiB, 6 * GiB, MEMMAP_RAM }),
		     7);
}

static const uint8_t rsdp_v1[20] = "RSD PTR \x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c";
static const uint8_t rsdp_v2[36] = "RSD PTR \x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c"
				   "\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b";

static int parse_mb2(struct boot_info *bi, uint64_t at, const char **msg)
{
	dirty(bi);
	*msg = NULL;
	int ret = bootinfo_parse_multiboot2(bi, at, phys_read, msg);
	if (ret != 0 && *msg == NULL)
		fail_msg("an error (%d) without a message", ret);
	return ret;
}

static void mb2_good(void **state)
{
	struct mb2_builder b = mb2_begin(MBI_AT);
	mb2_tag(&b, 21, "\x00\x00\x10\x00", 4); /* load base address: not ours */
	mb2_string(&b, MB2_TAG_CMDLINE, "quiet -- a \"b c\"");
	mb2_string(&b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	mb2_mmap(&b, 24, grub_map, GRUB_MAP_N);
	mb2_tag(&b, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	mb2_tag(&b, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	mb2_end(&b);

	struct boot_info bi;
	const char *msg;
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_int_equal(bi.protocol, BOOT_PROTOCOL_MULTIBOOT2);
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_string_equal(bi.cmdline, "quiet -- a \"b c\"");
	assert_false(bi.cmdline_truncated);
	assert_false(bi.memmap_truncated);
	assert_int_equal(bi.rsdp_phys, 0);
	assert_int_equal(bi.rsdp_copy_len, 36);
	assert_memory_equal(bi.rsdp_copy, rsdp_v2, 36);
	check_grub_map(__LINE__, &bi.memmap);
}

static void mb2_minimal(void **state)
{
	/* Only a map: the loader name stays the protocol's, no command
	 * line, no RSDP. At the very end of memory. */
	struct mb2_builder b = mb2_begin(0);
	mb2_mmap(&b, 24, grub_map, 2);
	uint32_t total = mb2_end(&b);
	memmove(phys + PHYS_SIZE - total, phys, total);

	struct boot_info bi;
	const char *msg;
	assert_int_equal(parse_mb2(&bi, PHYS_SIZE - total, &msg), 0);
	assert_string_equal(bi.loader, "multiboot2");
	assert_string_equal(bi.cmdline, "");
	assert_false(bi.cmdline_truncated);
	assert_int_equal(bi.rsdp_copy_len, 0);
	CHECK_MAP(&bi.memmap, { 0, 0x9f000, MEMMAP_RAM }, { 0x100000, 0x7fe0000, MEMMAP_RAM });
}

static void mb2_larger_entries(void **state)
{
	for (uint32_t es = 24; es <= 64; es += 8) {
		struct mb2_builder b = mb2_begin(MBI_AT);
		mb2_mmap(&b, es, grub_map, GRUB_MAP_N);
		mb2_end(&b);
		struct boot_info bi;
		const char *msg;
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
		check_grub_map(__LINE__, &bi.memmap);
	}

	/* A tag whose size is not a whole number of entries: the partial
	 * one at the end is not read. */
	struct mb2_builder b = mb2_begin(MBI_AT);
	uint8_t buf[8 + 2 * 32 + 20];
	struct {
		uint32_t entry_size, entry_version;
	} head = { 32, 0 };
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &head, 8);
	struct mb2_mmap_entry e0 = { 0x100000, 0x100000, MEMMAP_RAM, 0 }, e1 = { 0x300000, 0x1000, MEMMAP_RAM, 0 },
			      e2 = { 0x500000, 0x1000, MEMMAP_RAM, 0 };
	memcpy(buf + 8, &e0, sizeof(e0));
	memcpy(buf + 8 + 32, &e1, sizeof(e1));
	memcpy(buf + 8 + 64, &e2, 20);
	mb2_tag(&b, MB2_TAG_MMAP, buf, sizeof(buf));
	mb2_end(&b);
	struct boot_info bi;
	const char *msg;
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	CHECK_MAP(&bi.memmap, { 0x100000, 0x200000, MEMMAP_RAM }, { 0x300000, 0x301000, MEMMAP_RAM });
}

/* Entry sizes the parser cannot step by: the tag is skipped, so with no
 * other map there is none. */
static void mb2_bad_entry_sizes(void **state)
{
	static const uint32_t bad[] = { 0, 8, 16, 20, 28, 30, 33 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mb2_builder b = mb2_begin(MBI_AT);
		mb2_mmap(&b, bad[i], grub_map, 3);
		mb2_end(&b);
		struct boot_info bi;
		const char *msg;
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -ENODATA);
		assert_int_equal(bi.memmap.count, 0);
	}

	/* An mmap tag too short for its own header is skipped; a good one
	 * after it is used. */
	struct mb2_builder b = mb2_begin(MBI_AT);
	mb2_tag(&b, MB2_TAG_MMAP, "\x18\x00\x00\x00", 4);
	mb2_tag(&b, MB2_TAG_MMAP, NULL, 0);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	struct boot_info bi;
	const char *msg;
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	CHECK_MAP(&bi.memmap, { 0x100000, 0x7fe0000, MEMMAP_RAM });

	/* An mmap tag with a header and no entries. */
	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 0);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -ENODATA);
}

static void mb2_two_maps_and_long_maps(void **state)
{
	/* Two mmap tags: their regions together, overlaps resolved. */
	struct mb2_builder b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 4);
	mb2_mmap(&b, 32, grub_map + 4, GRUB_MAP_N - 4);
	mb2_end(&b);
	struct boot_info bi;
	const char *msg;
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	check_grub_map(__LINE__, &bi.memmap);

	/* More regions than the map holds. */
	static struct mb2_region many[200];
	for (unsigned i = 0; i < 200; i++)
		many[i] = (struct mb2_region){ (uint64_t)i * 2 * MiB, MiB, i % 2 ? MEMMAP_RAM : MEMMAP_ACPI };
	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, many, 200);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_true(bi.memmap_truncated);
	assert_int_equal(bi.memmap.count, MEMMAP_MAX);

	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, many, MEMMAP_MAX);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_false(bi.memmap_truncated);
}

static void mb2_strings(void **state)
{
	static char text[2 * BOOTINFO_CMDLINE_MAX];
	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = (char)('A' + i % 26);
	struct boot_info bi;
	const char *msg;

	/* The longest command line that fits, and one byte more. */
	for (unsigned len = BOOTINFO_CMDLINE_MAX - 1; len <= BOOTINFO_CMDLINE_MAX + 1; len++) {
		struct mb2_builder b = mb2_begin(MBI_AT);
		char *s = strndup(text, len);
		mb2_string(&b, MB2_TAG_CMDLINE, s);
		free(s);
		mb2_mmap(&b, 24, grub_map, 1);
		mb2_end(&b);
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
		assert_int_equal(strlen(bi.cmdline), BOOTINFO_CMDLINE_MAX - 1);
		assert_memory_equal(bi.cmdline, text, BOOTINFO_CMDLINE_MAX - 1);
		assert_int_equal(bi.cmdline_truncated, len > BOOTINFO_CMDLINE_MAX - 1);
	}

	/* Not NUL-terminated inside its tag: only the tag's bytes are read
	 * (the padding after it is junk, not a terminator). */
	struct mb2_builder b = mb2_begin(MBI_AT);
	mb2_raw_tag(&b, MB2_TAG_CMDLINE, 8 + 5, "hello", 5);
	phys[b.at + b.off - 3] = 'X';
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_string_equal(bi.cmdline, "hello");
	assert_false(bi.cmdline_truncated);

	/* Empty tags. */
	b = mb2_begin(MBI_AT);
	mb2_tag(&b, MB2_TAG_CMDLINE, NULL, 0);
	mb2_tag(&b, MB2_TAG_LOADER_NAME, NULL, 0);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader, "");

	/* A loader name longer than its field is cut. */
	b = mb2_begin(MBI_AT);
	char name[200];
	memcpy(name, text, sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	mb2_string(&b, MB2_TAG_LOADER_NAME, name);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_int_equal(strlen(bi.loader), sizeof(bi.loader) - 1);
	assert_memory_equal(bi.loader, text, sizeof(bi.loader) - 1);
	assert_false(bi.cmdline_truncated);
}

static void mb2_acpi_copies(void **state)
{
	struct boot_info bi;
	const char *msg;
	uint8_t long_rsdp[48];
	for (unsigned i = 0; i < sizeof(long_rsdp); i++)
		long_rsdp[i] = (uint8_t)(0x80 + i);

	struct {
		uint32_t first, second;
		const uint8_t *data1, *data2;
		size_t len1, len2;
		const uint8_t *want;
		size_t want_len;
	} cases[] = {
		{ MB2_TAG_ACPI_OLD, 0, rsdp_v1, NULL, 20, 0, rsdp_v1, 20 },
		{ MB2_TAG_ACPI_NEW, 0, rsdp_v2, NULL, 36, 0, rsdp_v2, 36 },
		{ MB2_TAG_ACPI_OLD, MB2_TAG_ACPI_NEW, rsdp_v1, rsdp_v2, 20, 36, rsdp_v2, 36 },
		{ MB2_TAG_ACPI_NEW, MB2_TAG_ACPI_OLD, rsdp_v2, rsdp_v1, 36, 20, rsdp_v2, 36 },
		{ MB2_TAG_ACPI_NEW, 0, long_rsdp, NULL, 48, 0, long_rsdp, 36 },
		{ MB2_TAG_ACPI_OLD, 0, rsdp_v1, NULL, 0, 0, rsdp_v1, 0 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mb2_builder b = mb2_begin(MBI_AT);
		mb2_tag(&b, cases[i].first, cases[i].data1, cases[i].len1);
		if (cases[i].second)
			mb2_tag(&b, cases[i].second, cases[i].data2, cases[i].len2);
		mb2_mmap(&b, 24, grub_map, 1);
		mb2_end(&b);
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
		assert_int_equal(bi.rsdp_copy_len, cases[i].want_len);
		assert_memory_equal(bi.rsdp_copy, cases[i].want, cases[i].want_len);
	}
}

static void mb2_refused(void **state)
{
	struct boot_info bi;
	const char *msg;
	struct mb2_builder b;

	/* Not 8-byte aligned. */
	b = mb2_begin(MBI_AT + 4);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT + 4, &msg), -EINVAL);

	/* Out of reach, wholly or in part. */
	assert_int_equal(parse_mb2(&bi, PHYS_SIZE, &msg), -EFAULT);
	assert_int_equal(parse_mb2(&bi, UINT64_MAX & ~7ull, &msg), -EFAULT);
	b = mb2_begin(PHYS_SIZE - 64);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, PHYS_SIZE - 64, &msg), 0);
	poke32(PHYS_SIZE - 64, 64 + 8);
	assert_int_equal(parse_mb2(&bi, PHYS_SIZE - 64, &msg), -EFAULT);

	/* Sizes no loader would give. */
	static const uint32_t sizes[] = { 0, 8, 15, (1u << 20) + 8, UINT32_MAX };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		b = mb2_begin(MBI_AT);
		mb2_mmap(&b, 24, grub_map, 1);
		mb2_end(&b);
		poke32(MBI_AT, sizes[i]);
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);
	}

	/* Tags smaller than a tag header (0 would loop forever). */
	static const uint32_t small[] = { 0, 1, 4, 7 };
	for (unsigned i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		b = mb2_begin(MBI_AT);
		mb2_mmap(&b, 24, grub_map, 1);
		mb2_raw_tag(&b, 99, small[i], NULL, 0);
		mb2_end(&b);
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);
	}

	/* A tag that runs past total_size, by one byte and by a lot. */
	static const uint32_t over[] = { 1, 4096, UINT32_MAX - 64 };
	for (unsigned i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
		b = mb2_begin(MBI_AT);
		mb2_mmap(&b, 24, grub_map, 1);
		uint32_t at = b.off;
		mb2_end(&b);
		uint32_t total = b.off;
		poke32(MBI_AT + at + 4, total - at + over[i]);
		assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);
	}
	/* The end tag itself running past it. */
	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_end(&b);
	poke32(MBI_AT + b.off - 4, 16);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);

	/* No end tag: the tags fill total_size exactly, or leave less than
	 * a tag header after them. */
	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_finish_without_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);
	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_finish_without_end(&b);
	poke32(MBI_AT, b.off + 4);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);
	/* An end tag beyond total_size does not count. */
	b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 1);
	uint32_t before_end = b.off;
	mb2_end(&b);
	poke32(MBI_AT, before_end);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -EINVAL);

	/* Well formed but with no map. */
	b = mb2_begin(MBI_AT);
	mb2_string(&b, MB2_TAG_CMDLINE, "x");
	mb2_end(&b);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -ENODATA);
	b = mb2_begin(MBI_AT);
	mb2_end(&b);
	assert_int_equal(b.off, 16);
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), -ENODATA);
}

/* What follows the end tag is not read, even when it would be refused. */
static void mb2_after_end(void **state)
{
	struct mb2_builder b = mb2_begin(MBI_AT);
	mb2_mmap(&b, 24, grub_map, 1);
	mb2_raw_tag(&b, MB2_TAG_END, 8, NULL, 0);
	mb2_raw_tag(&b, MB2_TAG_CMDLINE, 3, NULL, 0); /* bad size */
	mb2_string(&b, MB2_TAG_CMDLINE, "after");
	mb2_finish_without_end(&b);
	struct boot_info bi;
	const char *msg;
	assert_int_equal(parse_mb2(&bi, MBI_AT, &msg), 0);
	assert_string_equal(bi.cmdline, "");
}

/* Random corruption of a good structure: the parser may accept or refuse
 * it, but must never read outside it (AddressSanitizer watches the edges
 * of fake memory, and the structure is put at its very end). */
static void mb2_random_corruption(void **state)
{
	rng_state = seed_from_env("mb2_random_corruption", 0x6b65656c6d6d6170ull);
	uint8_t good[2048];
	struct mb2_builder b = mb2_begin(0);
	mb2_string(&b, MB2_TAG_CMDLINE, "console=ttyS0 quiet");
	mb2_string(&b, MB2_TAG_LOADER_NAME, "GRUB");
	mb2_mmap(&b, 24, grub_map, GRUB_MAP_N);
	mb2_mmap(&b, 40, grub_map, 3);
	mb2_tag(&b, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	uint32_t total = mb2_end(&b);
	assert_true(total <= sizeof(good));
	memcpy(good, phys, total);
	uint64_t at = PHYS_SIZE - total;

	unsigned accepted = 0;
	for (int iter = 0; iter < 20000; iter++) {
		memcpy(phys + at, good, total);
		unsigned flips = 1 + (unsigned)below(4);
		for (unsigned k = 0; k < flips; k++) {
			uint32_t off = (uint32_t)below(total);
			if (below(2)) /* a size or type field: small values */
				poke32(at + (off & ~3u), (uint32_t)below(64) * (below(2) ? 1 : 8));
			else
				phys[at + off] ^= (uint8_t)(1u << below(8));
		}
		struct boot_info bi;
		const char *msg = NULL;
		int ret = bootinfo_parse_multiboot2(&bi, at, phys_read, &msg);
		if (ret == 0) {
			accepted++;
			assert_true(strlen(bi.cmdline) < sizeof(bi.cmdline));
			assert_true(strlen(bi.loader) < sizeof(bi.loader));
			assert_true(bi.memmap.count <= MEMMAP_MAX);
			assert_true(bi.rsdp_copy_len <= ACPI_RSDP_COPY_MAX);
		} else {
			assert_true(ret == -EINVAL || ret == -EFAULT || ret == -ENODATA);
			assert_non_null(msg);
		}
	}
	print_message("mb2_random_corruption: %u of 20000 accepted\n", accepted);
}

#define PHYS_TEST(f) cmocka_unit_test_setup_teardown(f, phys_setup, phys_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_drops_empty_and_clips),
		cmocka_unit_test(add_until_full),
		cmocka_unit_test(normalize_empty),
		cmocka_unit_test(normalize_sorts),
		cmocka_unit_test(normalize_reserved_wins_over_ram),
		cmocka_unit_test(normalize_higher_type_wins),
		cmocka_unit_test(normalize_unknown_type_is_not_ram),
		cmocka_unit_test(normalize_duplicates_and_merges),
		cmocka_unit_test(normalize_ram_shrinks_to_pages),
		cmocka_unit_test(normalize_top_of_address_space),
		cmocka_unit_test(normalize_is_idempotent),
		cmocka_unit_test(normalize_more_pieces_than_room),
		cmocka_unit_test(type_names),
		cmocka_unit_test(normalize_random),
		PHYS_TEST(pvh_good),
		PHYS_TEST(pvh_version0_has_no_map),
		PHYS_TEST(pvh_refused),
		PHYS_TEST(pvh_map_at_zero_is_absent),
		PHYS_TEST(pvh_long_maps),
		PHYS_TEST(pvh_cmdlines),
		PHYS_TEST(mb2_good),
		PHYS_TEST(mb2_minimal),
		PHYS_TEST(mb2_larger_entries),
		PHYS_TEST(mb2_bad_entry_sizes),
		PHYS_TEST(mb2_two_maps_and_long_maps),
		PHYS_TEST(mb2_strings),
		PHYS_TEST(mb2_acpi_copies),
		PHYS_TEST(mb2_refused),
		PHYS_TEST(mb2_after_end),
		PHYS_TEST(mb2_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
