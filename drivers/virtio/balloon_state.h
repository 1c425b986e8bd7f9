/*
 * The balloon's bookkeeping, apart from the device so that host tests
 * drive it against a simulated one: which pages it holds, how far it is
 * from the device's target, the next batch to inflate or deflate, and the
 * statistics it reports. The driver (virtio_balloon.c) carries each batch
 * to the device and calls balloon_batch_done with the answer.
 */
#ifndef KEEL_BALLOON_STATE_H
#define KEEL_BALLOON_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio_balloon_wire.h"

/* Page numbers a request carries: 1 KiB of them, 1 MiB of memory, as
 * Linux does (VIRTIO_BALLOON_ARRAY_PFNS_MAX). */
#define BALLOON_BATCH 256u
/* Page numbers a block of the held list stores (one 4 KiB page). */
#define BALLOON_BLOCK_PFNS 1024u

/* The page allocator as the balloon sees it. */
struct balloon_mem {
	/* One page, never taken back from a balloon; 0 when none is free. */
	uint64_t (*take_page)(void *ctx);
	void (*give_page)(void *ctx, uint64_t phys);
	/* Pages free in the allocator now. */
	uint64_t (*free_pages)(void *ctx);
	/* Storage for BALLOON_BLOCK_PFNS page numbers, or NULL. Called while
	 * inflating, and block_free from balloon_trim: never inside a
	 * deflate, which may run inside an allocation. Not from the pages
	 * the balloon takes: a page of the list among them would split every
	 * run of 1024 pages the balloon gives back. */
	uint32_t *(*block_alloc)(void *ctx);
	void (*block_free)(void *ctx, uint32_t *block);
	void *ctx;
};

enum balloon_op {
	BALLOON_AT_TARGET, /* nothing to do */
	BALLOON_INFLATE,   /* batch: pages taken, to tell the device about */
	BALLOON_DEFLATE,   /* batch: pages to tell the device we take back */
	BALLOON_HELD_BACK, /* short of the target, and no page may be taken */
};

struct balloon {
	struct balloon_mem mem;
	uint32_t **block; /* the held list: page numbers in the order taken */
	uint32_t nblocks; /* entries of block[] (enough for max_pages) */
	uint32_t head;	  /* the list's first place (it is a ring) */
	uint32_t *spare;  /* blocks out of use, not yet freed (balloon_trim) */
	uint32_t held;	  /* pages in the list */
	uint32_t max_pages;
	uint64_t floor_pages; /* free pages inflation never goes below */
	uint32_t target;      /* the device's num_pages, at most max_pages */
	/* Set when pages were given back because an allocation would have
	 * failed: inflation then waits for the device's next target rather
	 * than take the same memory back at once (the host's wish stands,
	 * but the guest's need came first). */
	bool oom_paused;
	/* The batch with the device, if any. */
	enum balloon_op op;
	uint32_t pfn[BALLOON_BATCH];
	uint32_t nbatch;
};

/* Room for up to max_pages (the RAM's pages); floor_pages: see
 * virtio_balloon.c. Returns 0 or -ENOMEM. */
int balloon_init(struct balloon *b, const struct balloon_mem *mem, uint32_t max_pages, uint64_t floor_pages);
/* Gives every held page back and frees the list: only once the device
 * can no longer use them (reset). */
void balloon_release(struct balloon *b);

/* Frees the list blocks deflates left unused: from thread context, not
 * inside an allocation. */
void balloon_trim(struct balloon *b);

/* The device's num_pages, read from its configuration: larger than all
 * memory is cut to max_pages. A change lifts oom_paused. Returns whether
 * the target changed. */
bool balloon_set_target(struct balloon *b, uint32_t num_pages);

/* The next batch toward the target: fills b->pfn (inflate: pages taken,
 * already in the list; deflate: the first pages taken, still in it). Not
 * to be called while a batch is with the device. */
enum balloon_op balloon_next_batch(struct balloon *b);

/* A deflate of up to BALLOON_BATCH pages whatever the target, for an
 * allocation that would fail. BALLOON_AT_TARGET when none is held. */
enum balloon_op balloon_reclaim_batch(struct balloon *b);

/* The device took the batch (ok), or it did not answer in time or broke
 * (!ok): then its pages stay in the balloon for good, since the device
 * may still act on the request (a page the host discards later must not
 * be in use). A deflate done gives its pages back. */
void balloon_batch_done(struct balloon *b, bool ok);

/* What Keel knows about its memory, in bytes, for the statistics. */
struct balloon_figures {
	uint64_t total;	    /* RAM */
	uint64_t free;	    /* pages not in use */
	uint64_t heap_free; /* held by the heap, not in allocated chunks */
};

/* Fills out[] (VIRTIO_BALLOON_S_NR entries) and returns how many. */
unsigned balloon_stats_fill(struct virtio_balloon_stat *out, const struct balloon_figures *f);

#endif
