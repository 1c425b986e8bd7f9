/*
 * KeelFS's file-data cache: the contents of regular files' data blocks,
 * each checked against its pointer's checksum once, when it is read from
 * the disk (or written by the filesystem itself), then served from memory.
 *
 * An entry is named by its block number and the checksum it was checked
 * against, so it answers only for the pointer that names exactly that
 * block with exactly that checksum: a block rewritten in place (a fresh
 * block, kfs.h) carries a new checksum and no longer matches. Every write
 * of a data block still updates its entry, and every block freed (an
 * overwrite's copy-on-write, truncate, unlink) drops its entry, so the
 * checksum is a second line of defence, not the first.
 *
 * The cache is bounded (a number of blocks fixed at mount, from the page
 * source), evicts the least recently used entry, and gives pages back on
 * demand (kfs_dcache_reclaim): the kernel registers that with the page
 * allocator's reclaimers. Pages come from a page source that never
 * reclaims itself (so growing the cache never shrinks a balloon), and
 * the entries' bookkeeping is one array allocated at mount, so neither a
 * lookup, an insertion nor a reclaim touches the heap.
 */
#ifndef KEEL_FS_KFS_DCACHE_H
#define KEEL_FS_KFS_DCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/keelfs_format.h"

/* Where cached blocks live: the kernel's page allocator (fs/kfs_dcache_kernel.c),
 * or the host's heap (tools/keelfs/hostdisk.c). */
struct kfs_page_source {
	/* One 4096-byte page, or NULL when none is free. Must not ask the
	 * reclaimers for memory (it may run inside them). */
	void *(*alloc)(void);
	void (*free)(void *page);
	/* How many blocks a cache made now may hold (0: no cache). */
	uint64_t (*bound)(void);
};

/* The source the next mounts use (NULL: they cache no file data). */
extern const struct kfs_page_source *kfs_data_pages;

struct kfs_dslot {
	uint64_t block;
	uint8_t *data;
	uint32_t crc;
	uint32_t hnext;	     /* the next slot of its hash chain; 0 ends it */
	uint32_t prev, next; /* the LRU list (slot 0 is its head), or the free list */
};

struct kfs_dcache {
	const struct kfs_page_source *src;
	struct kfs_dslot *slot; /* max + 1 of them: slot 0 is the list head */
	uint32_t *hash;
	uint32_t hash_mask;
	uint32_t max, count;
	uint32_t free_slots; /* a list through next: slots holding no block */
	uint64_t hits, misses, evictions;
	struct kfs_dcache *next_cache; /* every cache, for the reclaimer */
};

/* Blocks every cache holds now (each a page from its source), for the
 * memory report. */
extern unsigned long kfs_dcache_blocks_all;

/* Sets up c with the bound src gives now; with no source or a bound of 0
 * the cache holds nothing and every call below does nothing. 0 or
 * -ENOMEM. */
int kfs_dcache_init(struct kfs_dcache *c, const struct kfs_page_source *src);
/* Gives every page back. */
void kfs_dcache_destroy(struct kfs_dcache *c);

/* The cached contents of the block p names, when they were checked
 * against p's checksum; NULL otherwise. A hit becomes the most recently
 * used. The pointer is valid until the next call that may allocate or
 * sleep (a reclaim may run there). */
const uint8_t *kfs_dcache_find(struct kfs_dcache *c, const struct kfs_ptr *p);
/* Whether p's block is cached as p names it, without counting a use. */
bool kfs_dcache_has(const struct kfs_dcache *c, const struct kfs_ptr *p);
/* Records data (4096 bytes, whose checksum is crc) as block's contents:
 * replaces what was cached for block, or takes a page (the least recently
 * used entry's when the cache is full or no page is free). */
void kfs_dcache_put(struct kfs_dcache *c, uint64_t block, uint32_t crc, const void *data);
/* Forgets block (freed, or its write failed). */
void kfs_dcache_drop(struct kfs_dcache *c, uint64_t block);
/* Gives back up to n pages of c, least recently used first: how many. */
uint64_t kfs_dcache_shrink(struct kfs_dcache *c, uint64_t n);

/* Gives back at least n pages, when the caches hold them, from every
 * cache in turn: how many. For the page allocator's reclaimer. */
uint64_t kfs_dcache_reclaim(uint64_t n);

/* The bound the kernel gives a cache: the option kfs.cache=MIB read by
 * kfs_dcache_parse_mib (0 turns the cache off), or else half the memory
 * free when the filesystem is mounted. Half, not all, as a page cache
 * would take: allocations with interrupts off or in a trap never reclaim,
 * so what they need stays free. */
#define KFS_DCACHE_FREE_SHARE 2u
int kfs_dcache_parse_mib(const char *s, uint64_t *blocks);
uint64_t kfs_dcache_default_bound(uint64_t free_bytes);

#endif
