/*
 * The physical page allocator: a bitmap over every page from address 0
 * to the end of RAM, one bit a page, set when the page is not free.
 */
#ifndef KEEL_PMM_H
#define KEEL_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/memmap.h"

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12

/* The reserved ranges are the kernel's own (page 0, low memory, the
 * bitmap, the image: mm.c), recorded before there is a heap; no input
 * adds to them. */
#define PMM_MAX_RESERVED 32

/*
 * Holders of pages lent out of the allocator that may give them back: a
 * memory balloon holds pages its host asked for, and when an allocation
 * would fail, the allocator asks each holder for pages before failing.
 * The kernel owns the registry; a driver registers with it (kernel/
 * includes no driver).
 */
struct pmm_reclaimer {
	const char *name;
	/* Gives back (pmm_free) at least npages pages when it can; returns
	 * how many it gave back, 0 when it has none it may give. May sleep;
	 * must not allocate pages with reclaim (pmm_try_alloc is fine), and
	 * is called only from thread context. NULL: it lends but never gives
	 * back on demand. */
	uint64_t (*reclaim)(void *ctx, uint64_t npages);
	/* How many pages it holds now, for the memory statistics. */
	uint64_t (*held)(void *ctx);
	void *ctx;
};
#define PMM_MAX_RECLAIMERS 4

struct pmm {
	uint64_t *bitmap;
	const struct memmap *map; /* to refuse frees of pages that are not RAM */
	uint64_t reserved_base[PMM_MAX_RESERVED], reserved_end[PMM_MAX_RESERVED];
	unsigned nreserved;
	uint64_t npages; /* pages the bitmap covers: [0, npages << 12) */
	uint64_t free_pages;
	uint64_t ram_pages; /* pages of RAM in the map, free or not */
	uint64_t next_hint; /* where a search for one page starts */
	const struct pmm_reclaimer *reclaimer[PMM_MAX_RECLAIMERS];
	unsigned nreclaimers;
};

/* The bitmap's size for a normalised map, in bytes (a multiple of 8). */
size_t pmm_bitmap_bytes(const struct memmap *map);

/* Takes the bitmap's storage (pmm_bitmap_bytes of it) and frees every
 * whole page of RAM in the map. The caller then reserves what is in use. */
void pmm_init(struct pmm *pmm, const struct memmap *map, uint64_t *bitmap);

/* Marks [base, base + length) as not free (rounded out to pages) for good:
 * pmm_free refuses pages in it. Ranges outside RAM are ignored. Returns 0,
 * or -ENOSPC when PMM_MAX_RESERVED ranges are recorded already (the pages
 * are still marked, but a wrong free of them would not be refused). */
int pmm_reserve(struct pmm *pmm, uint64_t base, uint64_t length);

/* Allocates npages contiguous pages aligned to align_pages (a power of
 * two), all below limit (0 for no limit). Returns the physical address,
 * or 0 when no such run is free: page 0 is never handed out. When none
 * is, the reclaimers are asked for pages, in order of registration, and
 * the search runs again after each that gave some, until one succeeds or
 * none gives any more (so the retries end: each gives back pages it
 * held, and what it holds is finite). */
uint64_t pmm_alloc(struct pmm *pmm, uint64_t npages, uint64_t align_pages, uint64_t limit);

/* As pmm_alloc without asking the reclaimers: for them, and for anything
 * that should fail rather than take pages back from a balloon. */
uint64_t pmm_try_alloc(struct pmm *pmm, uint64_t npages, uint64_t align_pages, uint64_t limit);

/* Adds r (which must outlive the allocator) to the registry. Returns 0,
 * -EINVAL when it is registered already, or -ENOSPC when
 * PMM_MAX_RECLAIMERS are. */
int pmm_register_reclaimer(struct pmm *pmm, const struct pmm_reclaimer *r);

/* Pages the reclaimers hold, summed over the registry. */
uint64_t pmm_lent_pages(const struct pmm *pmm);

/* Frees pages from pmm_alloc. Returns 0, or -EINVAL when a page is not RAM,
 * is reserved, or is already free (a double free); then nothing changes. */
int pmm_free(struct pmm *pmm, uint64_t phys, uint64_t npages);

/* Allocates exactly [phys, phys + npages pages), for growing an area in
 * place. Returns 0, -EBUSY when a page is in use, or -EINVAL when the
 * range is not all RAM. */
int pmm_claim(struct pmm *pmm, uint64_t phys, uint64_t npages);

#endif
