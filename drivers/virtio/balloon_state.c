/*
 * The balloon's bookkeeping (balloon_state.h). The held pages are a list
 * of page numbers in blocks of 4 KiB each, allocated as the balloon
 * grows: the list costs 1/1024 of what it holds, where an array sized for
 * all of RAM would cost 1/1024 of RAM whether the balloon is used or not.
 * Deflating gives back the pages taken first: the allocator hands single
 * pages out in address order, so each batch given back lies just above
 * the one before, and an allocation larger than a batch (or the rest of
 * the run a previous one left) finds them joined in one run. Given back
 * last-taken first, each batch would lie below the one before, and every
 * allocation of a little more than a batch would strand the rest of the
 * run it took from: half the memory deflated for nothing.
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

/* The list is a ring over nblocks * BALLOON_BLOCK_PFNS places: taken
 * pages join at the tail, deflated ones leave from the head. */
static uint32_t ring_size(const struct balloon *b) { return b->nblocks * BALLOON_BLOCK_PFNS; }
static uint32_t place(const struct balloon *b, uint32_t k)
{
	return (uint32_t)(((uint64_t)b->head + k) % ring_size(b));
}
static uint32_t *slot(struct balloon *b, uint32_t pos)
{
	return &b->block[pos / BALLOON_BLOCK_PFNS][pos % BALLOON_BLOCK_PFNS];
}

static void block_put(struct balloon *b, uint32_t blk)
{
	b->mem.block_free(b->mem.ctx, b->block[blk]);
	b->block[blk] = NULL;
}

/* A block no longer in use goes to the spares (linked through its first
 * bytes): a deflate may run inside an allocation (reclaim), where the
 * allocator must not be entered again; balloon_trim frees them later. */
static void block_spare(struct balloon *b, uint32_t blk)
{
	uint32_t *block = b->block[blk];
	memcpy(block, &b->spare, sizeof(b->spare));
	b->spare = block;
	b->block[blk] = NULL;
}

void balloon_trim(struct balloon *b)
{
	while (b->spare) {
		uint32_t *block = b->spare;
		memcpy(&b->spare, block, sizeof(b->spare));
		b->mem.block_free(b->mem.ctx, block);
	}
}

/* Drops the first n pages of the list, giving each back when give; a
 * block is spared when the head leaves it and the tail is not in it. */
static void pop_front(struct balloon *b, uint32_t n, bool give)
{
	for (uint32_t k = 0; k < n; k++) {
		uint32_t pos = b->head;
		if (give)
			b->mem.give_page(b->mem.ctx, (uint64_t)*slot(b, pos) << VIRTIO_BALLOON_PFN_SHIFT);
		b->head = place(b, 1);
		b->held--;
		uint32_t blk = pos / BALLOON_BLOCK_PFNS;
		if (b->held == 0) {
			block_spare(b, blk);
			b->head = 0;
		} else if (b->head / BALLOON_BLOCK_PFNS != blk && place(b, b->held - 1) / BALLOON_BLOCK_PFNS != blk) {
			block_spare(b, blk);
		}
	}
}

void balloon_release(struct balloon *b)
{
	if (b->block == NULL)
		return;
	pop_front(b, b->held, true);
	balloon_trim(b);
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
		uint32_t pos = place(b, b->held), blk = pos / BALLOON_BLOCK_PFNS;
		bool fresh = b->block[blk] == NULL;
		if (fresh) {
			if (b->spare) {
				b->block[blk] = b->spare;
				memcpy(&b->spare, b->spare, sizeof(b->spare));
			} else {
				b->block[blk] = b->mem.block_alloc(b->mem.ctx);
			}
			if (b->block[blk] == NULL)
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
			if (fresh)
				block_put(b, blk);
			break;
		}
		uint32_t pfn = (uint32_t)(phys >> VIRTIO_BALLOON_PFN_SHIFT);
		*slot(b, pos) = pfn;
		b->held++;
		b->pfn[n++] = pfn;
	}
	return n;
}

/* The first n pages of the list into the batch. */
static void deflate(struct balloon *b, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		b->pfn[k] = *slot(b, place(b, k));
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
		pop_front(b, b->nbatch, true);
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
