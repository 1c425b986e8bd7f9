/*
 * KeelFS's file-data cache (fs/kfs_dcache.h): a hash of block numbers
 * over a fixed array of slots, a least-recently-used list through them,
 * and pages from a page source. Slots are numbered from 1; slot 0 is the
 * list's head, and 0 ends a hash chain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/kfs_dcache.h"

const struct kfs_page_source *kfs_data_pages;
unsigned long kfs_dcache_blocks_all;

/* Every live cache, for the reclaimer. Kernel threads are cooperative
 * and a reclaim runs inside an allocation, never in the middle of one of
 * the functions here (none of them allocates with reclaim). */
static struct kfs_dcache *all_caches;

/* The most blocks one cache holds: 4 GiB of data, and slot numbers that
 * fit in 32 bits. */
#define KFS_DCACHE_MAX_BLOCKS (UINT32_C(1) << 20)

static uint32_t hash_of(const struct kfs_dcache *c, uint64_t block)
{
	return (uint32_t)((block * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & c->hash_mask;
}

int kfs_dcache_init(struct kfs_dcache *c, const struct kfs_page_source *src)
{
	memset(c, 0, sizeof(*c));
	uint64_t max = src ? src->bound() : 0;
	if (max == 0)
		return 0;
	if (max > KFS_DCACHE_MAX_BLOCKS)
		max = KFS_DCACHE_MAX_BLOCKS;
	uint32_t buckets = 16;
	while (buckets < max)
		buckets <<= 1;
	c->slot = calloc(max + 1, sizeof(*c->slot));
	c->hash = calloc(buckets, sizeof(*c->hash));
	if (!c->slot || !c->hash) {
		free(c->slot);
		free(c->hash);
		c->slot = NULL;
		c->hash = NULL;
		return -ENOMEM;
	}
	c->src = src;
	c->max = (uint32_t)max;
	c->hash_mask = buckets - 1;
	c->slot[0].prev = c->slot[0].next = 0;
	for (uint32_t i = c->max; i >= 1; i--) {
		c->slot[i].next = c->free_slots;
		c->free_slots = i;
	}
	c->next_cache = all_caches;
	all_caches = c;
	return 0;
}

static void lru_unlink(struct kfs_dcache *c, uint32_t i)
{
	struct kfs_dslot *s = &c->slot[i];
	c->slot[s->prev].next = s->next;
	c->slot[s->next].prev = s->prev;
}

/* Makes slot i the most recently used (the head's next). */
static void lru_push(struct kfs_dcache *c, uint32_t i)
{
	struct kfs_dslot *s = &c->slot[i];
	s->prev = 0;
	s->next = c->slot[0].next;
	c->slot[s->next].prev = i;
	c->slot[0].next = i;
}

static uint32_t lookup(const struct kfs_dcache *c, uint64_t block)
{
	if (!c->max)
		return 0;
	for (uint32_t i = c->hash[hash_of(c, block)]; i; i = c->slot[i].hnext)
		if (c->slot[i].block == block)
			return i;
	return 0;
}

/* Takes slot i out of the hash and the list; its page stays with it. */
static void unhook(struct kfs_dcache *c, uint32_t i)
{
	uint32_t *pp = &c->hash[hash_of(c, c->slot[i].block)];
	while (*pp != i)
		pp = &c->slot[*pp].hnext;
	*pp = c->slot[i].hnext;
	lru_unlink(c, i);
	c->count--;
}

/* Forgets slot i and gives its page back. */
static void release(struct kfs_dcache *c, uint32_t i)
{
	unhook(c, i);
	c->src->free(c->slot[i].data);
	c->slot[i].data = NULL;
	c->slot[i].next = c->free_slots;
	c->free_slots = i;
	kfs_dcache_blocks_all--;
}

void kfs_dcache_destroy(struct kfs_dcache *c)
{
	if (!c->max)
		return;
	while (c->count)
		release(c, c->slot[0].prev);
	for (struct kfs_dcache **pp = &all_caches; *pp; pp = &(*pp)->next_cache)
		if (*pp == c) {
			*pp = c->next_cache;
			break;
		}
	free(c->slot);
	free(c->hash);
	memset(c, 0, sizeof(*c));
}

const uint8_t *kfs_dcache_find(struct kfs_dcache *c, const struct kfs_ptr *p)
{
	uint32_t i = lookup(c, p->block);
	if (i && c->slot[i].crc != p->crc) {
		/* Not what the pointer names any more: a stale entry that an
		 * invalidation missed would be caught here. */
		release(c, i);
		i = 0;
	}
	if (!i) {
		c->misses++;
		return NULL;
	}
	lru_unlink(c, i);
	lru_push(c, i);
	c->hits++;
	return c->slot[i].data;
}

bool kfs_dcache_has(const struct kfs_dcache *c, const struct kfs_ptr *p)
{
	uint32_t i = lookup(c, p->block);
	return i && c->slot[i].crc == p->crc;
}

void kfs_dcache_put(struct kfs_dcache *c, uint64_t block, uint32_t crc, const void *data)
{
	if (!c->max)
		return;
	uint32_t i = lookup(c, block);
	if (i) {
		lru_unlink(c, i);
	} else {
		uint8_t *page = c->count < c->max ? c->src->alloc() : NULL;
		if (page) {
			i = c->free_slots;
			c->free_slots = c->slot[i].next;
			c->slot[i].data = page;
			kfs_dcache_blocks_all++;
		} else if (c->count) {
			/* Full, or memory is short: the least recently used
			 * entry's page is reused. */
			i = c->slot[0].prev;
			unhook(c, i);
			c->evictions++;
		} else {
			return;
		}
		c->slot[i].block = block;
		uint32_t h = hash_of(c, block);
		c->slot[i].hnext = c->hash[h];
		c->hash[h] = i;
		c->count++;
	}
	memcpy(c->slot[i].data, data, KFS_BLOCK_SIZE);
	c->slot[i].crc = crc;
	lru_push(c, i);
}

void kfs_dcache_drop(struct kfs_dcache *c, uint64_t block)
{
	uint32_t i = lookup(c, block);
	if (i)
		release(c, i);
}

uint64_t kfs_dcache_shrink(struct kfs_dcache *c, uint64_t n)
{
	uint64_t given = 0;
	while (given < n && c->count) {
		release(c, c->slot[0].prev);
		c->evictions++;
		given++;
	}
	return given;
}

uint64_t kfs_dcache_reclaim(uint64_t n)
{
	uint64_t given = 0;
	for (struct kfs_dcache *c = all_caches; c && given < n; c = c->next_cache)
		given += kfs_dcache_shrink(c, n - given);
	return given;
}

/* A whole number of MiB, up to 1 TiB: nothing else. */
int kfs_dcache_parse_mib(const char *s, uint64_t *blocks)
{
	uint64_t mib = 0;
	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || mib > (UINT64_C(1) << 20))
			return -EINVAL;
		mib = mib * 10 + (uint64_t)(*s - '0');
	}
	if (mib > (UINT64_C(1) << 20))
		return -EINVAL;
	*blocks = mib * (1024 * 1024 / KFS_BLOCK_SIZE);
	return 0;
}

uint64_t kfs_dcache_default_bound(uint64_t free_bytes) { return free_bytes / KFS_DCACHE_FREE_SHARE / KFS_BLOCK_SIZE; }
