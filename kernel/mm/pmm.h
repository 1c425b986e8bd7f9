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

struct pmm {
	uint64_t *bitmap;
	const struct memmap *map; /* to refuse frees of pages that are not RAM */
	uint64_t reserved_base[PMM_MAX_RESERVED], reserved_end[PMM_MAX_RESERVED];
	unsigned nreserved;
	uint64_t npages; /* pages the bitmap covers: [0, npages << 12) */
	uint64_t free_pages;
	uint64_t ram_pages; /* pages of RAM in the map, free or not */
	uint64_t next_hint; /* where a search for one page starts */
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
 * or 0 when no such run is free: page 0 is never handed out. */
uint64_t pmm_alloc(struct pmm *pmm, uint64_t npages, uint64_t align_pages, uint64_t limit);

/* Frees pages from pmm_alloc. Returns 0, or -EINVAL when a page is not RAM,
 * is reserved, or is already free (a double free); then nothing changes. */
int pmm_free(struct pmm *pmm, uint64_t phys, uint64_t npages);

/* Allocates exactly [phys, phys + npages pages), for growing an area in
 * place. Returns 0, -EBUSY when a page is in use, or -EINVAL when the
 * range is not all RAM. */
int pmm_claim(struct pmm *pmm, uint64_t phys, uint64_t npages);

#endif
