/*
 * The balloon's bookkeeping (balloon_state.h). The held pages are a list
 * of page numbers in blocks of one page each, allocated as the balloon
 * grows: the list costs 1/1024 of what it holds, where an array sized for
 * all of RAM would cost 1/1024 of RAM whether the balloon is used or not.
 * Deflating gives back the pages taken last, so that pages taken in a row
 * (the allocator hands single pages out in address order) come back as
 * runs that larger allocations can use.
 */
#include "drivers/virtio/balloon_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int balloon_init(struct balloon *b, const struct balloon_mem *mem, uint32_t max_pages, uint64_t floor_pages)
{
	memset(b, 0, sizeof(*b));
	b->mem = *mem;
	b->max_pages = max_pages;
	b->floor_pages = floor_pages;
	b->nblocks = (max_pages + BALLOON_BLOCK_PFNS - 1) / BALLOON_BLOCK_PFNS;
	b->block = calloc(b->nblocks ? b->nblocks : 1, sizeof(*b->block));
	return b->block ? 0 : -ENOMEM;
}

static uint32_t *slot(struct balloon *b, uint32_t i)
{
	return &b->block[i / BALLOON_BLOCK_PFNS][i % BALLOON_BLOCK_PFNS];
}

/* Drops the last n pages of the list, giving each back when give. */
static void pop_pages(struct balloon *b, uint32_t n, bool give)
{
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = --b->held;
		if (give)
			b->mem.give_page(b->mem.ctx, (uint64_t)*slot(b, i) << VIRTIO_BALLOON_PFN_SHIFT);
		if (i % BALLOON_BLOCK_PFNS == 0) {
			b->mem.block_free(b->mem.ctx, b->block[i / BALLOON_BLOCK_PFNS]);
			b->block[i / BALLOON_BLOCK_PFNS] = NULL;
		}
	}
}

void balloon_release(struct balloon *b)
{
	if (b->block == NULL)
		return;
	pop_pages(b, b->held, true);
	free(b->block);
	b->block = NULL;
}

bool balloon_set_target(struct balloon *b, uint32_t num_pages)
{
	if (num_pages > b->max_pages)
		num_pages = b->max_pages;
	if (num_pages == b->target)
		return false;
	b->target = num_pages;
	b->oom_paused = false;
	return true;
}

/* Takes up to want pages into the list and the batch; stops at the floor,
 * when the allocator has none, or when the list has no room. */
static uint32_t inflate(struct balloon *b, uint32_t want)
{
	uint32_t n = 0;
	while (n < want && b->held < b->max_pages && b->mem.free_pages(b->mem.ctx) > b->floor_pages) {
		uint32_t i = b->held;
		if (i % BALLOON_BLOCK_PFNS == 0) {
			b->block[i / BALLOON_BLOCK_PFNS] = b->mem.block_alloc(b->mem.ctx);
			if (b->block[i / BALLOON_BLOCK_PFNS] == NULL)
				break;
		}
		uint64_t phys = b->mem.take_page(b->mem.ctx);
		if (phys >> VIRTIO_BALLOON_PFN_SHIFT > UINT32_MAX) {
			/* Past what a 32-bit page number names (16 TiB):
			 * the device could not be told about it. */
			b->mem.give_page(b->mem.ctx, phys);
			phys = 0;
		}
		if (phys == 0) {
			if (i % BALLOON_BLOCK_PFNS == 0) {
				b->mem.block_free(b->mem.ctx, b->block[i / BALLOON_BLOCK_PFNS]);
				b->block[i / BALLOON_BLOCK_PFNS] = NULL;
			}
			break;
		}
		uint32_t pfn = (uint32_t)(phys >> VIRTIO_BALLOON_PFN_SHIFT);
		*slot(b, i) = pfn;
		b->held++;
		b->pfn[n++] = pfn;
	}
	return n;
}

/* The last n pages of the list into the batch. */
static void deflate(struct balloon *b, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		b->pfn[k] = *slot(b, b->held - n + k);
	b->nbatch = n;
	b->op = BALLOON_DEFLATE;
}

enum balloon_op balloon_next_batch(struct balloon *b)
{
	b->nbatch = 0;
	b->op = BALLOON_AT_TARGET;
	if (b->held > b->target) {
		uint32_t n = b->held - b->target;
		deflate(b, n < BALLOON_BATCH ? n : BALLOON_BATCH);
	} else if (b->held < b->target) {
		if (b->oom_paused)
			return BALLOON_HELD_BACK;
		uint32_t n = b->target - b->held;
		b->nbatch = inflate(b, n < BALLOON_BATCH ? n : BALLOON_BATCH);
		b->op = b->nbatch ? BALLOON_INFLATE : BALLOON_HELD_BACK;
	}
	return b->op;
}

enum balloon_op balloon_reclaim_batch(struct balloon *b)
{
	b->nbatch = 0;
	b->op = BALLOON_AT_TARGET;
	if (b->held == 0)
		return b->op;
	deflate(b, b->held < BALLOON_BATCH ? b->held : BALLOON_BATCH);
	b->oom_paused = true;
	return b->op;
}

void balloon_batch_done(struct balloon *b, bool ok)
{
	if (ok && b->op == BALLOON_DEFLATE)
		pop_pages(b, b->nbatch, true);
	b->op = BALLOON_AT_TARGET;
	b->nbatch = 0;
}

unsigned balloon_stats_fill(struct virtio_balloon_stat *out, const struct balloon_figures *f)
{
	/* Keel maps all its memory at boot and never pages: nothing is
	 * swapped, and no fault brings a page in. The heap's arena beyond
	 * its allocated chunks is memory malloc reuses without the page
	 * allocator: reported as caches, and counted as available. */
	const struct virtio_balloon_stat s[] = {
		{ VIRTIO_BALLOON_S_SWAP_IN, 0 },
		{ VIRTIO_BALLOON_S_SWAP_OUT, 0 },
		{ VIRTIO_BALLOON_S_MAJFLT, 0 },
		{ VIRTIO_BALLOON_S_MINFLT, 0 },
		{ VIRTIO_BALLOON_S_MEMFREE, f->free },
		{ VIRTIO_BALLOON_S_MEMTOT, f->total },
		{ VIRTIO_BALLOON_S_AVAIL, f->free + f->heap_free },
		{ VIRTIO_BALLOON_S_CACHES, f->heap_free },
	};
	unsigned n = sizeof(s) / sizeof(s[0]);
	memcpy(out, s, sizeof(s));
	return n;
}
