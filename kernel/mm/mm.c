/*
 * The kernel's memory: the physical page allocator over the boot memory
 * map, and the heap on top of it, exported to applications as malloc.
 */
#include "kernel/mm/mm.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/mm/heap.h"
#include "kernel/panic.h"
#include "kernel/mm/pmm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"

#define LOW_MEMORY (1ull << 20)
#define BOOT_MAPPED (1ull << 32)

extern const char __kernel_start[], __kernel_end[];

static struct pmm pmm;
static struct heap heap;
static struct memmap map __attribute__((section(".bss.nozero"))); /* copied whole at init */

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Where the bitmap goes: the first RAM above the first MiB, below the end
 * of the boot mapping, clear of the kernel image. */
static uint64_t place_bitmap(size_t bytes)
{
	uint64_t kstart = (uintptr_t)__kernel_start, kend = (uintptr_t)__kernel_end;
	for (unsigned i = 0; i < map.count; i++) {
		const struct memmap_region *r = &map.region[i];
		if (r->type != MEMMAP_RAM)
			continue;
		uint64_t start = align_up(r->base > LOW_MEMORY ? r->base : LOW_MEMORY, PAGE_SIZE);
		uint64_t end = r->base + r->length;
		if (end > BOOT_MAPPED)
			end = BOOT_MAPPED;
		if (start < kend && kstart < start + bytes)
			start = align_up(kend, PAGE_SIZE);
		if (start < end && end - start >= bytes)
			return start;
	}
	return 0;
}

void mm_init(const struct boot_info *bi)
{
	map = bi->memmap;
	size_t bytes = pmm_bitmap_bytes(&map);
	uint64_t at = place_bitmap(bytes);
	if (at == 0)
		panic("memory: no room below 4 GiB for the page bitmap (%zu bytes)", bytes);
	pmm_init(&pmm, &map, (uint64_t *)(uintptr_t)at);
	if (pmm_reserve(&pmm, 0, LOW_MEMORY) || pmm_reserve(&pmm, at, bytes) ||
	    pmm_reserve(&pmm, (uintptr_t)__kernel_start, (uintptr_t)__kernel_end - (uintptr_t)__kernel_start))
		panic("memory: too many reserved ranges");
}

/* Reclaimers may sleep (a balloon tells its host before it gives pages
 * back): an interrupt handler's allocation does without them, and so does
 * one made with interrupts masked, where a sleep would never be woken.
 * Only an allocation that failed asks which of these it is. */
uint64_t mm_alloc_pages_aligned(uint64_t npages, uint64_t align_pages, uint64_t limit)
{
	uint64_t pa = pmm_try_alloc(&pmm, npages, align_pages, limit);
	if (pa != 0 || trap_depth || !irq_enabled())
		return pa;
	return pmm_alloc(&pmm, npages, align_pages, limit);
}

uint64_t mm_alloc_pages_below(uint64_t npages, uint64_t limit) { return mm_alloc_pages_aligned(npages, 1, limit); }

uint64_t mm_alloc_pages(uint64_t npages) { return mm_alloc_pages_aligned(npages, 1, 0); }

uint64_t mm_try_alloc_page(void) { return pmm_try_alloc(&pmm, 1, 1, 0); }

int mm_register_reclaimer(const struct pmm_reclaimer *r) { return pmm_register_reclaimer(&pmm, r); }

int mm_claim_pages(uint64_t phys, uint64_t npages) { return pmm_claim(&pmm, phys, npages); }

void mm_free_pages(uint64_t phys, uint64_t npages)
{
	if (pmm_free(&pmm, phys, npages) != 0)
		panic("memory: free of %lu pages at 0x%lx that are not allocated", npages, phys);
}

bool mm_overlaps_ram(uint64_t base, uint64_t len)
{
	uint64_t end = base + len < base ? UINT64_MAX : base + len;
	for (unsigned i = 0; i < map.count; i++) {
		const struct memmap_region *r = &map.region[i];
		if (r->type == MEMMAP_RAM && base < r->base + r->length && r->base < end)
			return true;
	}
	return false;
}

uint64_t mm_free_bytes(void) { return pmm.free_pages * PAGE_SIZE; }
uint64_t mm_ram_bytes(void) { return pmm.ram_pages * PAGE_SIZE; }

/* --- the heap ------------------------------------------------------------ */

static void *heap_get(size_t size, bool must)
{
	uint64_t npages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t pa = must ? mm_alloc_pages(npages) : pmm_try_alloc(&pmm, npages, 1, 0);
	return pa ? (void *)(uintptr_t)pa : NULL;
}

static void heap_put(void *p, size_t size) { mm_free_pages((uintptr_t)p, (size + PAGE_SIZE - 1) / PAGE_SIZE); }

__attribute__((noreturn)) static void heap_fatal(const char *what, const void *p) { panic("%s (pointer %p)", what, p); }

void mm_heap_init(void) { heap_init(&heap, heap_get, heap_put, heap_fatal); }

/* The heap has no lock: threads are cooperative, and interrupt handlers,
 * the only other code that could run in the middle of it, must not use
 * it. */
static void not_in_interrupt(const char *fn)
{
	if (trap_depth)
		panic("%s called from an interrupt handler", fn);
}

void *malloc(size_t n)
{
	not_in_interrupt("malloc");
	return heap_alloc(&heap, n);
}

void free(void *p)
{
	not_in_interrupt("free");
	heap_free(&heap, p);
}

void *calloc(size_t n, size_t size)
{
	not_in_interrupt("calloc");
	return heap_calloc(&heap, n, size);
}

void *realloc(void *p, size_t n)
{
	not_in_interrupt("realloc");
	return heap_realloc(&heap, p, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	not_in_interrupt("aligned_alloc");
	return heap_memalign(&heap, align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	void *p = aligned_alloc(align, n);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

void mm_stats(struct mm_stats *info)
{
	info->ram_bytes = mm_ram_bytes();
	info->free_bytes = mm_free_bytes();
	info->ram_top = memmap_ram_end(&map);
	info->heap_bytes = heap.arena_bytes;
	info->heap_used = heap.used_bytes;
	info->lent_bytes = pmm_lent_pages(&pmm) * PAGE_SIZE;
	info->heap_allocs = heap.nallocs;
}
