/*
 * Keel's one address space: physical memory mapped at its own address,
 * each part of the image with its own permissions, device memory mapped
 * uncached on request, and holes (page zero, guard pages) left unmapped.
 */
#ifndef KEEL_PAGING_H
#define KEEL_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/memmap.h"

enum map_flags {
	MAP_NONE = 0, /* not present */
	MAP_READ = 1,
	MAP_WRITE = 2,	  /* implies read */
	MAP_EXEC = 4,	  /* without it, no-execute (when the CPU has NX) */
	MAP_UNCACHED = 8, /* device memory: PCD | PWT */
};

/* Builds the final tables: RAM read-write no-execute, the image with its
 * per-section permissions, the first 64 KiB and the boot stack's guard page
 * unmapped; then switches to them. Page-table pages come from the page
 * allocator. */
void paging_init(const struct memmap *map);

/* Maps [phys, phys + len) at the same virtual address with flags
 * (rounded out to pages), replacing what was there. Returns 0 or -ENOMEM. */
int paging_map(uint64_t phys, uint64_t len, unsigned flags);

/* Maps device registers uncached, read-write, no-execute, and returns a
 * pointer to them; NULL when page tables cannot be allocated, or when the
 * range overlaps RAM (a firmware table or BAR that says so is wrong). */
volatile void *mmio_map(uint64_t phys, uint64_t len);

/* Whether a virtual address is mapped (for backtraces and reports). */
bool paging_is_mapped(uint64_t va);

/* Whether the CPU enforces no-execute. */
extern bool paging_nx;

#endif
