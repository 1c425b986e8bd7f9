/*
 * Pools of fixed-size DMA buffers (kernel/mm/dma.h).
 *
 * A pool grows by chunks: a few physically contiguous pages from
 * dma_alloc_pages, cut into buffers of one stride (the size rounded up to
 * the alignment). With DMA_POOL_NO_PAGE_CROSS each page holds a whole
 * number of buffers and the tail of each page that cannot hold another
 * is left over; otherwise buffers are packed back to back across the
 * chunk. Either way no buffer costs a page of its own.
 *
 * The free list lives outside the buffers, in the chunk's header from the
 * heap: one link per buffer, which also marks a buffer handed out, so a
 * double free or a stranger pointer is caught instead of corrupting the
 * list. A chunk whose buffers all came back is returned to the page
 * allocator when the pool keeps at least another chunk's worth of free
 * buffers elsewhere, so a pool that breathes around one size does not
 * allocate and free pages at every turn.
 */
#include "kernel/mm/dma.h"

#include <errno.h>
#include <stdlib.h>

#include "kernel/panic.h"

#define LINK_END 0xfffffffeu
#define LINK_IN_USE 0xffffffffu

/* A chunk aims at this many buffers, within these bounds in pages. */
#define CHUNK_TARGET_BUFS 32u
#define CHUNK_MAX_PAGES 16u

struct dma_chunk {
	struct dma_chunk *next;
	uint8_t *virt;
	uint64_t phys;
	size_t bytes;
	uint32_t nbufs, nfree;
	uint32_t free_head;
	uint32_t link[]; /* per buffer: the next free one, LINK_END, or LINK_IN_USE */
};

struct dma_pool {
	const char *name;
	size_t size, stride;
	unsigned flags;
	uint32_t per_page; /* DMA_POOL_NO_PAGE_CROSS: buffers in each page */
	size_t chunk_bytes;
	uint32_t chunk_bufs;
	struct dma_chunk *chunks;
	struct dma_pool_stats st;
};

static size_t round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

struct dma_pool *dma_pool_create(const char *name, size_t size, size_t align, unsigned flags)
{
	if (align == 0)
		align = 8;
	if (size == 0 || (align & (align - 1)) != 0 || align > DMA_PAGE_SIZE || size > (1u << 30))
		return NULL;
	if ((flags & DMA_POOL_NO_PAGE_CROSS) && size > DMA_PAGE_SIZE)
		return NULL;
	struct dma_pool *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->name = name;
	p->size = size;
	p->stride = round_up(size, align);
	p->flags = flags;
	size_t pages = (p->stride * CHUNK_TARGET_BUFS + DMA_PAGE_SIZE - 1) / DMA_PAGE_SIZE;
	if (pages > CHUNK_MAX_PAGES)
		pages = CHUNK_MAX_PAGES;
	size_t at_least = (p->stride + DMA_PAGE_SIZE - 1) / DMA_PAGE_SIZE;
	if (pages < at_least)
		pages = at_least;
	p->chunk_bytes = pages * DMA_PAGE_SIZE;
	if (flags & DMA_POOL_NO_PAGE_CROSS) {
		p->per_page = (uint32_t)(DMA_PAGE_SIZE / p->stride);
		p->chunk_bufs = (uint32_t)pages * p->per_page;
	} else {
		p->chunk_bufs = (uint32_t)(p->chunk_bytes / p->stride);
	}
	p->st.buf_size = size;
	p->st.stride = p->stride;
	return p;
}

static size_t buf_offset(const struct dma_pool *p, uint32_t i)
{
	if (p->flags & DMA_POOL_NO_PAGE_CROSS)
		return (size_t)(i / p->per_page) * DMA_PAGE_SIZE + (size_t)(i % p->per_page) * p->stride;
	return (size_t)i * p->stride;
}

/* The buffer at offset off of a chunk, or -1 when off is not the start of
 * one. */
static long buf_index(const struct dma_pool *p, const struct dma_chunk *c, size_t off)
{
	size_t i;
	if (p->flags & DMA_POOL_NO_PAGE_CROSS) {
		size_t in_page = off % DMA_PAGE_SIZE;
		if (in_page % p->stride != 0 || in_page / p->stride >= p->per_page)
			return -1;
		i = off / DMA_PAGE_SIZE * p->per_page + in_page / p->stride;
	} else {
		if (off % p->stride != 0)
			return -1;
		i = off / p->stride;
	}
	return i < c->nbufs ? (long)i : -1;
}

static struct dma_chunk *chunk_new(struct dma_pool *p)
{
	struct dma_chunk *c = malloc(sizeof(*c) + p->chunk_bufs * sizeof(c->link[0]));
	if (c == NULL)
		return NULL;
	c->virt = dma_alloc_pages(p->chunk_bytes, &c->phys);
	if (c->virt == NULL) {
		free(c);
		return NULL;
	}
	c->bytes = p->chunk_bytes;
	c->nbufs = c->nfree = p->chunk_bufs;
	/* Handed out in address order, which keeps a fresh pool's buffers
	 * together. */
	for (uint32_t i = 0; i < c->nbufs; i++)
		c->link[i] = i + 1 < c->nbufs ? i + 1 : LINK_END;
	c->free_head = 0;
	c->next = p->chunks;
	p->chunks = c;
	p->st.chunks++;
	p->st.pages += c->bytes / DMA_PAGE_SIZE;
	p->st.free += c->nbufs;
	return c;
}

void *dma_pool_alloc(struct dma_pool *p, uint64_t *phys)
{
	struct dma_chunk *c = p->chunks;
	while (c && c->nfree == 0)
		c = c->next;
	if (c == NULL && (c = chunk_new(p)) == NULL) {
		p->st.failures++;
		return NULL;
	}
	uint32_t i = c->free_head;
	c->free_head = c->link[i];
	c->link[i] = LINK_IN_USE;
	c->nfree--;
	p->st.free--;
	p->st.in_use++;
	p->st.allocs++;
	if (p->st.in_use > p->st.peak_in_use)
		p->st.peak_in_use = p->st.in_use;
	size_t off = buf_offset(p, i);
	*phys = c->phys + off;
	return c->virt + off;
}

/* The chunk holding buf and its index there; panics on a stranger. */
static struct dma_chunk *find(const struct dma_pool *p, const void *buf, uint32_t *index)
{
	for (struct dma_chunk *c = p->chunks; c; c = c->next) {
		uintptr_t a = (uintptr_t)buf, lo = (uintptr_t)c->virt;
		if (a < lo || a >= lo + c->bytes)
			continue;
		long i = buf_index(p, c, a - lo);
		if (i < 0)
			panic("dma pool %s: %p is inside a chunk but not a buffer's start", p->name, buf);
		*index = (uint32_t)i;
		return c;
	}
	panic("dma pool %s: %p is not one of its buffers", p->name, buf);
}

uint64_t dma_pool_phys(const struct dma_pool *p, const void *buf)
{
	uint32_t i;
	const struct dma_chunk *c = find(p, buf, &i);
	return c->phys + buf_offset(p, i);
}

static void chunk_release(struct dma_pool *p, struct dma_chunk *c)
{
	p->st.chunks--;
	p->st.pages -= c->bytes / DMA_PAGE_SIZE;
	p->st.free -= c->nfree;
	dma_free_pages(c->virt, c->bytes);
	free(c);
}

void dma_pool_free(struct dma_pool *p, void *buf)
{
	if (buf == NULL)
		return;
	uint32_t i;
	struct dma_chunk *c = find(p, buf, &i);
	if (c->link[i] != LINK_IN_USE)
		panic("dma pool %s: %p freed twice", p->name, buf);
	c->link[i] = c->free_head;
	c->free_head = i;
	c->nfree++;
	p->st.free++;
	p->st.in_use--;
	if (c->nfree == c->nbufs && p->st.free - c->nfree >= p->chunk_bufs) {
		struct dma_chunk **link = &p->chunks;
		while (*link != c)
			link = &(*link)->next;
		*link = c->next;
		chunk_release(p, c);
	}
}

int dma_pool_destroy(struct dma_pool *p)
{
	if (p == NULL)
		return 0;
	if (p->st.in_use)
		return -EBUSY;
	while (p->chunks) {
		struct dma_chunk *c = p->chunks;
		p->chunks = c->next;
		chunk_release(p, c);
	}
	free(p);
	return 0;
}

void dma_pool_get_stats(const struct dma_pool *p, struct dma_pool_stats *st) { *st = p->st; }
