/*
 * Memory that devices read and write: rings, descriptor tables, packet
 * and request buffers. Two allocators:
 *
 *  - pages: physically contiguous, page aligned, zeroed, for rings and
 *    other large structures;
 *  - pools: many buffers of one fixed size carved from such pages with a
 *    free list kept outside the buffers (a device can scribble on a free
 *    buffer without corrupting the pool), for the thousands of small
 *    buffers a network driver keeps posted.
 *
 * Every buffer comes with its physical address, which is what a device is
 * given. Today all RAM is identity mapped, so the two are equal, but
 * callers must not rely on it.
 *
 * Neither allocator has a lock: threads are cooperative, and interrupt
 * handlers must not allocate or free (as with the heap).
 */
#ifndef KEEL_MM_DMA_H
#define KEEL_MM_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMA_PAGE_SIZE 4096u

/* bytes rounded up to whole pages, zeroed, physically contiguous; *phys
 * gets the physical address. Returns NULL when out of memory. */
void *dma_alloc_pages(size_t bytes, uint64_t *phys);
/* Frees what dma_alloc_pages returned, with the same byte count. */
void dma_free_pages(void *p, size_t bytes);

/* The physical address of memory the kernel allocated (the heap, a stack,
 * DMA pages), for a device to be given. Memory is physically contiguous
 * within what one allocation returned. */
uint64_t dma_phys(const void *p);
/* Whether [p, p + len), memory a caller may read and write, is one
 * physically contiguous range, so that a device may be given it whole
 * from dma_phys(p) on, without a bounce buffer. */
bool dma_contiguous(const void *p, size_t len);

/* --- pools of fixed-size buffers --- */

/* Each buffer lies within one page: for devices (and descriptor formats)
 * that cannot take a buffer across a page boundary. Requires size <= a
 * page. Without it, buffers are packed back to back; each is still
 * physically contiguous, since the pages of a chunk are. */
#define DMA_POOL_NO_PAGE_CROSS 1u

struct dma_pool_stats {
	size_t buf_size;	   /* what a caller may use of each buffer */
	size_t stride;		   /* from one buffer to the next: size rounded up to align */
	unsigned long in_use;	   /* buffers handed out */
	unsigned long free;	   /* buffers ready in chunks held */
	unsigned long chunks;	   /* chunks of pages held */
	unsigned long pages;	   /* pages held */
	unsigned long allocs;	   /* successful allocations since creation */
	unsigned long failures;	   /* allocations that found no memory */
	unsigned long peak_in_use; /* the most buffers handed out at once */
};

struct dma_pool;

/* A pool of buffers of size bytes, each aligned to align (a power of two,
 * at most a page; 0 means 8), flags DMA_POOL_*. name is kept (not copied)
 * for reports. Returns NULL on bad arguments or without memory. */
struct dma_pool *dma_pool_create(const char *name, size_t size, size_t align, unsigned flags);

/* A buffer (not zeroed) and, in *phys, its physical address; NULL when no
 * memory is left for another chunk. */
void *dma_pool_alloc(struct dma_pool *pool, uint64_t *phys);

/* Gives buf back. A pointer that is not a buffer handed out by this pool
 * (a double free, a pointer into the middle of a buffer, another pool's)
 * is a bug in Keel and panics. */
void dma_pool_free(struct dma_pool *pool, void *buf);

/* The physical address of a buffer of the pool (for a driver that kept
 * only the pointer); panics as dma_pool_free does on a stranger. */
uint64_t dma_pool_phys(const struct dma_pool *pool, const void *buf);

/* Frees the pool and its pages. Returns 0, or -EBUSY (nothing freed)
 * while buffers are still handed out. */
int dma_pool_destroy(struct dma_pool *pool);

void dma_pool_get_stats(const struct dma_pool *pool, struct dma_pool_stats *st);

#endif
