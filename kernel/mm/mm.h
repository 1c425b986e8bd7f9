/*
 * Memory for the rest of the kernel: pages from the physical allocator
 * and the heap behind malloc, set up from the boot memory map.
 */
#ifndef KEEL_MM_H
#define KEEL_MM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/bootinfo.h"
#include "kernel/mm/pmm.h"

/* Sets up the page allocator from the loader's map, keeping the first
 * MiB, the kernel image and the allocator's own bitmap out of it. */
void mm_init(const struct boot_info *bi);

/* The heap; after paging_init, when all RAM is mapped. */
void mm_heap_init(void);

/* Physical pages, mapped at their own address. Return 0 when out of
 * memory. The _below variant keeps every page under limit; aligned
 * takes an alignment in pages (a power of two). */
uint64_t mm_alloc_pages(uint64_t npages);
uint64_t mm_alloc_pages_below(uint64_t npages, uint64_t limit);
uint64_t mm_alloc_pages_aligned(uint64_t npages, uint64_t align_pages, uint64_t limit);
/* One page, never taken back from a reclaimer (for the reclaimers
 * themselves: a balloon growing must not shrink itself). 0 when none. */
uint64_t mm_try_alloc_page(void);
/* Adds a holder of lent pages to the page allocator's registry
 * (kernel/mm/pmm.h: struct pmm_reclaimer). */
int mm_register_reclaimer(const struct pmm_reclaimer *r);
/* The given pages, when all are free RAM: 0, -EBUSY or -EINVAL. */
int mm_claim_pages(uint64_t phys, uint64_t npages);
/* Panics when the pages were not allocated (a double free). */
void mm_free_pages(uint64_t phys, uint64_t npages);

/* Whether [base, base + len) overlaps RAM in the boot memory map. */
bool mm_overlaps_ram(uint64_t base, uint64_t len);

uint64_t mm_free_bytes(void);
uint64_t mm_ram_bytes(void);

/* What memory holds, for reports (include/keel.h: keel_meminfo). */
struct mm_stats {
	uint64_t ram_bytes;   /* RAM in the loader's memory map */
	uint64_t free_bytes;  /* pages not in use */
	uint64_t ram_top;     /* one past the highest RAM address */
	uint64_t heap_bytes;  /* bytes the heap holds from the page allocator */
	uint64_t heap_used;   /* bytes of it in allocated chunks */
	uint64_t heap_allocs; /* chunks allocated */
	uint64_t lent_bytes;  /* held by reclaimers (a balloon): in use, not Keel's */
};
void mm_stats(struct mm_stats *s);

#endif
