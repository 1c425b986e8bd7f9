/*
 * Physical pages. A bitmap is small (32 KiB per GiB of address space) and
 * makes double frees detectable; searches and updates go a 64-bit word at
 * a time, so that setting up 6 GiB at boot is 24,000 stores, not 1.5
 * million, and single pages start from a hint instead of rescanning the
 * low, full part of memory.
 */
#include "kernel/mm/pmm.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static inline bool page_used(const struct pmm *p, uint64_t pfn) { return (p->bitmap[pfn / 64] >> (pfn % 64)) & 1; }

/* Bits set in v (the builtin would call libgcc without -mpopcnt). */
static unsigned popcount64(uint64_t v)
{
	v = v - ((v >> 1) & 0x5555555555555555ull);
	v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((v * 0x0101010101010101ull) >> 56);
}

/* The bits of word w that fall in [first, end). */
static uint64_t word_mask(uint64_t w, uint64_t first, uint64_t end)
{
	uint64_t lo = first > w * 64 ? first - w * 64 : 0;
	uint64_t hi = end < (w + 1) * 64 ? end - w * 64 : 64;
	uint64_t upto_hi = hi == 64 ? ~0ull : (1ull << hi) - 1;
	return upto_hi & ~((1ull << lo) - 1);
}

/* Sets (used = true) or clears pages [first, end); returns how many bits
 * actually changed. */
static uint64_t mark_range(struct pmm *p, uint64_t first, uint64_t end, bool used)
{
	uint64_t changed = 0;
	if (first >= end)
		return 0;
	for (uint64_t w = first / 64; w <= (end - 1) / 64; w++) {
		uint64_t m = word_mask(w, first, end);
		uint64_t before = p->bitmap[w];
		p->bitmap[w] = used ? before | m : before & ~m;
		changed += (uint64_t)popcount64((before ^ p->bitmap[w]) & m);
	}
	return changed;
}

/* Whether every page of [first, end) is set in the bitmap. */
static bool range_all_used(const struct pmm *p, uint64_t first, uint64_t end)
{
	for (uint64_t w = first / 64; first < end && w <= (end - 1) / 64; w++) {
		uint64_t m = word_mask(w, first, end);
		if ((p->bitmap[w] & m) != m)
			return false;
	}
	return true;
}

size_t pmm_bitmap_bytes(const struct memmap *map)
{
	uint64_t npages = memmap_ram_end(map) >> PAGE_SHIFT;
	return (size_t)((npages + 63) / 64 * 8);
}

void pmm_init(struct pmm *pmm, const struct memmap *map, uint64_t *bitmap)
{
	memset(pmm, 0, sizeof(*pmm));
	pmm->bitmap = bitmap;
	pmm->map = map;
	pmm->npages = memmap_ram_end(map) >> PAGE_SHIFT;
	pmm->next_hint = 1;
	memset(bitmap, 0xff, pmm_bitmap_bytes(map));

	for (unsigned i = 0; i < map->count; i++) {
		const struct memmap_region *r = &map->region[i];
		if (r->type != MEMMAP_RAM)
			continue;
		uint64_t first = r->base >> PAGE_SHIFT, end = (r->base + r->length) >> PAGE_SHIFT;
		pmm->free_pages += mark_range(pmm, first, end, false);
		pmm->ram_pages += end - first;
	}
	/* Page 0 doubles as the allocator's failure value. */
	pmm_reserve(pmm, 0, PAGE_SIZE);
}

int pmm_reserve(struct pmm *pmm, uint64_t base, uint64_t length)
{
	if (length == 0 || pmm->npages == 0)
		return 0;
	uint64_t first = base >> PAGE_SHIFT;
	/* Rounded up from the last byte, as base + length + PAGE_SIZE - 1
	 * can wrap where base + length does not. */
	uint64_t end = base + length < base ? pmm->npages : ((base + length - 1) >> PAGE_SHIFT) + 1;
	if (end > pmm->npages)
		end = pmm->npages;
	if (first >= end)
		return 0;
	pmm->free_pages -= mark_range(pmm, first, end, true);
	if (pmm->nreserved == PMM_MAX_RESERVED)
		return -ENOSPC;
	pmm->reserved_base[pmm->nreserved] = first;
	pmm->reserved_end[pmm->nreserved] = end;
	pmm->nreserved++;
	return 0;
}

/* The first free page at or after pfn, or npages when there is none. */
static uint64_t next_free(const struct pmm *pmm, uint64_t pfn)
{
	while (pfn < pmm->npages) {
		uint64_t word = pmm->bitmap[pfn / 64] >> (pfn % 64);
		if (word != (~0ull >> (pfn % 64))) {
			/* A zero bit is in this word, at or after pfn. */
			pfn += (uint64_t)__builtin_ctzll(~word);
			return pfn < pmm->npages ? pfn : pmm->npages;
		}
		pfn = (pfn | 63) + 1;
	}
	return pmm->npages;
}

/* The first used page in [pfn, end), or end. */
static uint64_t next_used(const struct pmm *pmm, uint64_t pfn, uint64_t end)
{
	while (pfn < end) {
		uint64_t word = pmm->bitmap[pfn / 64] >> (pfn % 64);
		if (word != 0) {
			pfn += (uint64_t)__builtin_ctzll(word);
			return pfn < end ? pfn : end;
		}
		pfn = (pfn | 63) + 1;
	}
	return end;
}

static uint64_t find_run(const struct pmm *pmm, uint64_t from, uint64_t npages, uint64_t align, uint64_t end)
{
	uint64_t pfn = from;
	for (;;) {
		pfn = next_free(pmm, pfn);
		pfn = (pfn + align - 1) & ~(align - 1);
		if (pfn >= end || npages > end - pfn)
			return 0;
		uint64_t used = next_used(pmm, pfn, pfn + npages);
		if (used == pfn + npages)
			return pfn;
		pfn = used + 1;
	}
}

uint64_t pmm_try_alloc(struct pmm *pmm, uint64_t npages, uint64_t align_pages, uint64_t limit)
{
	if (npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)) != 0)
		return 0;
	if (npages > pmm->free_pages)
		return 0;
	uint64_t end = pmm->npages;
	if (limit != 0 && (limit >> PAGE_SHIFT) < end)
		end = limit >> PAGE_SHIFT;

	uint64_t pfn = 0;
	bool single = npages == 1 && align_pages == 1;
	if (single && pmm->next_hint < end)
		pfn = find_run(pmm, pmm->next_hint, 1, 1, end);
	if (pfn == 0)
		pfn = find_run(pmm, 1, npages, align_pages, end);
	if (pfn == 0)
		return 0;

	pmm->free_pages -= mark_range(pmm, pfn, pfn + npages, true);
	if (single)
		pmm->next_hint = pfn + 1;
	return pfn << PAGE_SHIFT;
}

uint64_t pmm_alloc(struct pmm *pmm, uint64_t npages, uint64_t align_pages, uint64_t limit)
{
	uint64_t pa = pmm_try_alloc(pmm, npages, align_pages, limit);
	if (pa != 0 || npages == 0 || align_pages == 0 || (align_pages & (align_pages - 1)) != 0)
		return pa;
	/* A reclaimer may give back pages that are not contiguous, or not
	 * below limit: the search runs again after each one that gave, and
	 * the next is asked only when the run is still missing. */
	for (unsigned i = 0; i < pmm->nreclaimers; i++) {
		const struct pmm_reclaimer *r = pmm->reclaimer[i];
		if (r->reclaim == NULL)
			continue;
		while (r->reclaim(r->ctx, npages) != 0) {
			pa = pmm_try_alloc(pmm, npages, align_pages, limit);
			if (pa != 0)
				return pa;
		}
	}
	return 0;
}

int pmm_register_reclaimer(struct pmm *pmm, const struct pmm_reclaimer *r)
{
	for (unsigned i = 0; i < pmm->nreclaimers; i++)
		if (pmm->reclaimer[i] == r)
			return -EINVAL;
	if (pmm->nreclaimers == PMM_MAX_RECLAIMERS)
		return -ENOSPC;
	pmm->reclaimer[pmm->nreclaimers++] = r;
	return 0;
}

uint64_t pmm_lent_pages(const struct pmm *pmm)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < pmm->nreclaimers; i++)
		if (pmm->reclaimer[i]->held != NULL)
			n += pmm->reclaimer[i]->held(pmm->reclaimer[i]->ctx);
	return n;
}

static bool range_is_ram(const struct pmm *pmm, uint64_t first, uint64_t end)
{
	for (unsigned i = 0; i < pmm->map->count; i++) {
		const struct memmap_region *r = &pmm->map->region[i];
		if (r->type == MEMMAP_RAM && (r->base >> PAGE_SHIFT) <= first &&
		    end <= ((r->base + r->length) >> PAGE_SHIFT))
			return true;
	}
	return false;
}

int pmm_free(struct pmm *pmm, uint64_t phys, uint64_t npages)
{
	uint64_t first = phys >> PAGE_SHIFT;
	if ((phys & (PAGE_SIZE - 1)) != 0 || npages == 0 || first >= pmm->npages || npages > pmm->npages - first)
		return -EINVAL;
	uint64_t end = first + npages;
	if (!range_is_ram(pmm, first, end) || !range_all_used(pmm, first, end))
		return -EINVAL;
	for (unsigned i = 0; i < pmm->nreserved; i++)
		if (first < pmm->reserved_end[i] && pmm->reserved_base[i] < end)
			return -EINVAL;
	pmm->free_pages += mark_range(pmm, first, end, false);
	if (first < pmm->next_hint)
		pmm->next_hint = first;
	return 0;
}

int pmm_claim(struct pmm *pmm, uint64_t phys, uint64_t npages)
{
	uint64_t first = phys >> PAGE_SHIFT;
	if ((phys & (PAGE_SIZE - 1)) != 0 || npages == 0 || first == 0 || first >= pmm->npages ||
	    npages > pmm->npages - first)
		return -EINVAL;
	uint64_t end = first + npages;
	if (!range_is_ram(pmm, first, end))
		return -EINVAL;
	for (uint64_t pfn = first; pfn < end; pfn++)
		if (page_used(pmm, pfn))
			return -EBUSY;
	pmm->free_pages -= mark_range(pmm, first, end, true);
	return 0;
}
