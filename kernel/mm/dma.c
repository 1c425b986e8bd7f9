/*
 * Page-granular DMA memory from the physical page allocator. All RAM is
 * mapped at its own address (arch/x86_64/paging.c), so a page's virtual
 * address is its physical one; this file is the one place that knows it.
 */
#include "kernel/mm/dma.h"

#include <string.h>

#include "kernel/mm/mm.h"

static uint64_t pages_for(size_t bytes) { return ((uint64_t)bytes + DMA_PAGE_SIZE - 1) / DMA_PAGE_SIZE; }

void *dma_alloc_pages(size_t bytes, uint64_t *phys)
{
	uint64_t n = pages_for(bytes);
	if (n == 0)
		return NULL;
	uint64_t pa = mm_alloc_pages(n);
	if (pa == 0)
		return NULL;
	void *p = (void *)(uintptr_t)pa;
	memset(p, 0, n * DMA_PAGE_SIZE);
	*phys = pa;
	return p;
}

uint64_t dma_phys(const void *p) { return (uint64_t)(uintptr_t)p; }

/* Keel has one address space in which all RAM is mapped at its own
 * address (arch/x86_64/paging.h): any range of it a caller can use is
 * contiguous. This is where that changes if the mapping ever does. */
bool dma_contiguous(const void *p, size_t len)
{
	(void)p;
	(void)len;
	return true;
}

void dma_free_pages(void *p, size_t bytes)
{
	if (p)
		mm_free_pages((uintptr_t)p, pages_for(bytes));
}
