/*
 * KeelFS's blocks: their checksums, the bounded cache of metadata
 * blocks, the allocator over the in-memory bitmaps, and the trees of
 * pointer blocks every file, directory, the inode table and the bitmap
 * are made of. Copy-on-write happens here (kfs_cow): whoever wants to
 * change a block asks for it through its parent's pointer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/crc32c.h"
#include "fs/kfs.h"

uint32_t kfs_block_crc(uint64_t block, const void *data)
{
	uint8_t seed[8];

	for (int i = 0; i < 8; i++)
		seed[i] = (uint8_t)(block >> (8 * i));
	return crc32c(crc32c(0, seed, sizeof(seed)), data, KFS_BLOCK_SIZE);
}

int kfs_disk_read(struct kfs *k, uint64_t block, uint32_t count, void *buf)
{
	if (block >= k->nblocks || count > k->nblocks - block)
		return -EIO;
	return k->disk->ops->read(k->disk, block, count, buf) ? -EIO : 0;
}

int kfs_disk_write(struct kfs *k, uint64_t block, uint32_t count, const void *buf)
{
	if (block < KFS_SUPER_SLOTS || block >= k->nblocks || count > k->nblocks - block)
		return -EIO;
	return k->disk->ops->write(k->disk, block, count, buf) ? -EIO : 0;
}

/* Reads the block p names and checks it against p's checksum: a torn or
 * lost write reads as -EIO, never as data. */
int kfs_read_verified(struct kfs *k, const struct kfs_ptr *p, void *buf)
{
	if (p->block < KFS_SUPER_SLOTS || p->block >= k->nblocks)
		return -EIO;
	int rc = kfs_disk_read(k, p->block, 1, buf);
	if (rc)
		return rc;
	return kfs_block_crc(p->block, buf) == p->crc ? 0 : -EIO;
}

/* --- the cache ------------------------------------------------------------------------- */

unsigned long kfs_cache_blocks_all;

static void list_init(struct kfs_list *l)
{
	l->head.next = l->head.prev = &l->head;
	l->count = 0;
}

static void list_del(struct kfs_list *l, struct kfs_cblock *cb)
{
	cb->prev->next = cb->next;
	cb->next->prev = cb->prev;
	l->count--;
}

static void list_push(struct kfs_list *l, struct kfs_cblock *cb)
{
	cb->next = l->head.next;
	cb->prev = &l->head;
	l->head.next->prev = cb;
	l->head.next = cb;
	l->count++;
}

static size_t hash_of(struct kfs *k, uint64_t block)
{
	return (size_t)((block * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (k->hash_size - 1);
}

int kfs_cache_init(struct kfs *k, size_t clean_max)
{
	k->hash_size = 4096;
	k->hash = calloc(k->hash_size, sizeof(*k->hash));
	if (!k->hash)
		return -ENOMEM;
	list_init(&k->clean);
	list_init(&k->dirty);
	k->clean_max = clean_max < KFS_CACHE_KEEP ? KFS_CACHE_KEEP : clean_max;
	return 0;
}

struct kfs_cblock *kfs_cache_peek(struct kfs *k, uint64_t block)
{
	for (struct kfs_cblock *cb = k->hash[hash_of(k, block)]; cb; cb = cb->hnext)
		if (cb->block == block)
			return cb;
	return NULL;
}

static void cache_remove(struct kfs *k, struct kfs_cblock *cb)
{
	struct kfs_cblock **pp = &k->hash[hash_of(k, cb->block)];
	while (*pp != cb)
		pp = &(*pp)->hnext;
	*pp = cb->hnext;
	list_del(cb->dirty ? &k->dirty : &k->clean, cb);
	free(cb->data);
	free(cb);
	kfs_cache_blocks_all--;
}

void kfs_cache_drop(struct kfs *k, uint64_t block)
{
	struct kfs_cblock *cb = kfs_cache_peek(k, block);
	if (cb)
		cache_remove(k, cb);
}

void kfs_cache_destroy(struct kfs *k)
{
	if (!k->hash)
		return;
	for (size_t i = 0; i < k->hash_size; i++)
		while (k->hash[i])
			cache_remove(k, k->hash[i]);
	free(k->hash);
	k->hash = NULL;
}

/* Memory for one more block. When there is none, the least recently used
 * clean blocks make room, down to the KFS_CACHE_KEEP most recent (a
 * caller may hold a few blocks at once): a small guest's cache gives its
 * memory back rather than fail a read. */
static struct kfs_cblock *cache_alloc(struct kfs *k)
{
	for (;;) {
		struct kfs_cblock *cb = calloc(1, sizeof(*cb));
		if (cb) {
			cb->data = malloc(KFS_BLOCK_SIZE);
			if (cb->data)
				return cb;
			free(cb);
		}
		if (k->clean.count <= KFS_CACHE_KEEP)
			return NULL;
		cache_remove(k, k->clean.head.prev);
		k->cache_evicted_for_memory++;
	}
}

static struct kfs_cblock *cache_insert(struct kfs *k, uint64_t block, bool dirty)
{
	struct kfs_cblock *cb = cache_alloc(k);
	if (!cb)
		return NULL;
	cb->block = block;
	cb->dirty = dirty;
	kfs_cache_blocks_all++;
	size_t h = hash_of(k, block);
	cb->hnext = k->hash[h];
	k->hash[h] = cb;
	list_push(dirty ? &k->dirty : &k->clean, cb);
	return cb;
}

/* The block p names, from the cache or the disk (checked). Only a clean
 * block is ever evicted, the least recently used, and only when one is
 * read in: a caller may hold a few blocks at once. */
int kfs_cache_get(struct kfs *k, const struct kfs_ptr *p, struct kfs_cblock **out)
{
	struct kfs_cblock *cb = kfs_cache_peek(k, p->block);
	if (cb) {
		if (!cb->dirty) {
			list_del(&k->clean, cb);
			list_push(&k->clean, cb);
		}
		*out = cb;
		return 0;
	}
	if (p->block < KFS_SUPER_SLOTS || p->block >= k->nblocks)
		return -EIO;
	if (k->clean.count >= k->clean_max)
		cache_remove(k, k->clean.head.prev);
	cb = cache_insert(k, p->block, false);
	if (!cb)
		return -ENOMEM;
	int rc = kfs_read_verified(k, p, cb->data);
	if (rc) {
		cache_remove(k, cb);
		return rc;
	}
	*out = cb;
	return 0;
}

void kfs_cache_all_clean(struct kfs *k)
{
	while (k->dirty.count) {
		struct kfs_cblock *cb = k->dirty.head.next;
		list_del(&k->dirty, cb);
		cb->dirty = false;
		list_push(&k->clean, cb);
	}
	while (k->clean.count > k->clean_max)
		cache_remove(k, k->clean.head.prev);
}

/* --- the allocator --------------------------------------------------------------------- */

static void bit_set(uint64_t *map, uint64_t b) { map[b >> 6] |= UINT64_C(1) << (b & 63); }
static void bit_clear(uint64_t *map, uint64_t b) { map[b >> 6] &= ~(UINT64_C(1) << (b & 63)); }

void kfs_mark_used(struct kfs *k, uint64_t block)
{
	bit_set(k->used, block);
	k->leaf_dirty[block / KFS_BITS_PER_BLOCK] = 1;
}

/* A free block, neither used by the next commit nor pinned by the last:
 * the first after the previous one handed out, so that a file written
 * in order lies in order. The last commit_reserve blocks are the
 * commit's (the bitmap's own copies). */
int kfs_alloc(struct kfs *k, bool for_commit, uint64_t *block)
{
	if (k->free_blocks == 0 || (!for_commit && k->free_blocks <= k->commit_reserve))
		return -ENOSPC;
	uint64_t words = (k->nblocks + 63) / 64;
	uint64_t w = (k->alloc_cursor % k->nblocks) / 64;
	for (uint64_t n = 0; n <= words; n++, w = (w + 1) % words) {
		uint64_t taken = k->used[w] | k->pinned[w];
		if (taken == UINT64_MAX)
			continue;
		for (unsigned bit = 0; bit < 64; bit++) {
			uint64_t b = w * 64 + bit;
			if (taken >> bit & 1 || b >= k->nblocks)
				continue;
			if (n == 0 && b < k->alloc_cursor % k->nblocks)
				continue;
			kfs_mark_used(k, b);
			k->changes++;
			bit_set(k->fresh, b);
			k->free_blocks--;
			k->alloc_cursor = b + 1;
			k->pending = true;
			*block = b;
			return 0;
		}
	}
	return -ENOSPC; /* the counters lie: cannot happen */
}

void kfs_free(struct kfs *k, uint64_t block)
{
	if (block < KFS_SUPER_SLOTS || block >= k->nblocks || !kfs_bit(k->used, block))
		return; /* a corrupt pointer: fsck reports it */
	bit_clear(k->used, block);
	k->changes++;
	k->leaf_dirty[block / KFS_BITS_PER_BLOCK] = 1;
	if (kfs_bit(k->fresh, block)) {
		bit_clear(k->fresh, block);
		k->free_blocks++;
	} else {
		bit_set(k->pinned, block);
		k->pinned_count++;
	}
	kfs_cache_drop(k, block);
	kfs_dcache_drop(&k->dcache, block);
	k->pending = true;
}

/* Makes sure an operation can allocate need blocks, committing first to
 * release the pinned ones when that helps. Removals may use a reserve
 * that creations may not, so a full disk can always be emptied. */
int kfs_reserve(struct kfs *k, uint64_t need, bool removal)
{
	for (int tries = 0; tries < 2; tries++) {
		uint64_t keep = k->commit_reserve + (removal ? 0 : kfs_delete_reserve(k));
		if (k->free_blocks >= keep + need)
			return 0;
		if (!k->pinned_count || tries)
			break;
		int rc = kfs_commit(k);
		if (rc)
			return rc;
	}
	return -ENOSPC;
}

/* --- trees ---------------------------------------------------------------------------- */

uint64_t kfs_leaf_capacity(unsigned height)
{
	return height < 8 ? UINT64_C(1) << (KFS_PTR_SHIFT * height) : UINT64_MAX;
}

static struct kfs_ptr *ptr_at(struct kfs_cblock *cb, unsigned i) { return (struct kfs_ptr *)cb->data + i; }

static unsigned digit(uint64_t idx, unsigned level) { return (idx >> (KFS_PTR_SHIFT * level)) & 0xff; }

/* The leaf pointer for leaf idx (a hole: block 0). */
int kfs_tree_lookup(struct kfs *k, const struct kfs_tree *t, uint64_t idx, struct kfs_ptr *leaf)
{
	struct kfs_ptr p = t->root;

	memset(leaf, 0, sizeof(*leaf));
	if (t->height > KFS_MAX_HEIGHT)
		return -EIO;
	if (idx >= kfs_leaf_capacity(t->height))
		return 0;
	for (unsigned h = t->height; h > 0 && p.block; h--) {
		struct kfs_cblock *cb;
		int rc = kfs_cache_get(k, &p, &cb);
		if (rc)
			return rc;
		p = *ptr_at(cb, digit(idx, h - 1));
	}
	*leaf = p;
	return 0;
}

static struct kfs_cblock *cache_new(struct kfs *k, uint64_t block)
{
	struct kfs_cblock *cb = cache_insert(k, block, true);
	if (cb)
		memset(cb->data, 0, KFS_BLOCK_SIZE);
	return cb;
}

static int alloc_meta(struct kfs *k, bool for_commit, uint64_t *nblocks, struct kfs_cblock **out)
{
	uint64_t b;
	int rc = kfs_alloc(k, for_commit, &b);
	if (rc)
		return rc;
	*out = cache_new(k, b);
	if (!*out) {
		kfs_free(k, b);
		return -ENOMEM;
	}
	if (nblocks)
		(*nblocks)++;
	return 0;
}

/* Makes the metadata block *p names writable: a fresh block as it is, a
 * hole as a new zeroed block, a committed one as a fresh copy (the old
 * one pinned). *p is updated; its checksum is the commit's to fill. */
static int kfs_cow(struct kfs *k, struct kfs_ptr *p, bool for_commit, uint64_t *nblocks, struct kfs_cblock **out)
{
	struct kfs_cblock *old, *cb;
	int rc;

	k->changes++;
	if (!p->block) {
		rc = alloc_meta(k, for_commit, nblocks, &cb);
		if (rc)
			return rc;
		p->block = cb->block;
		p->crc = 0;
		*out = cb;
		return 0;
	}
	if (p->block < k->nblocks && kfs_bit(k->fresh, p->block)) {
		cb = kfs_cache_peek(k, p->block);
		if (!cb || !cb->dirty)
			return -EIO; /* fresh metadata is always cached: a corrupt pointer */
		*out = cb;
		return 0;
	}
	rc = kfs_cache_get(k, p, &old);
	if (rc)
		return rc;
	rc = alloc_meta(k, for_commit, NULL, &cb);
	if (rc)
		return rc;
	memcpy(cb->data, old->data, KFS_BLOCK_SIZE);
	kfs_free(k, p->block);
	p->block = cb->block;
	p->crc = 0;
	*out = cb;
	return 0;
}

/* Makes the path to leaf idx writable, growing the tree when idx lies
 * beyond it, and gives the leaf's pointer, in a dirty block or the
 * root, for the caller to change. */
int kfs_tree_slot(struct kfs *k, struct kfs_tree *t, uint64_t idx, bool for_commit, uint64_t *nblocks,
		  struct kfs_ptr **slot)
{
	while (idx >= kfs_leaf_capacity(t->height)) {
		if (t->height >= KFS_MAX_HEIGHT)
			return -EFBIG;
		if (t->root.block) {
			struct kfs_cblock *cb;
			int rc = alloc_meta(k, for_commit, nblocks, &cb);
			if (rc)
				return rc;
			*ptr_at(cb, 0) = t->root;
			t->root.block = cb->block;
			t->root.crc = 0;
		}
		t->height++;
	}
	struct kfs_ptr *p = &t->root;
	for (unsigned h = t->height; h > 0; h--) {
		struct kfs_cblock *cb;
		int rc = kfs_cow(k, p, for_commit, nblocks, &cb);
		if (rc)
			return rc;
		p = ptr_at(cb, digit(idx, h - 1));
	}
	*slot = p;
	return 0;
}

/* The metadata leaf idx, writable (a new zeroed block for a hole). */
int kfs_tree_meta_leaf(struct kfs *k, struct kfs_tree *t, uint64_t idx, bool for_commit, uint64_t *nblocks,
		       struct kfs_cblock **out)
{
	struct kfs_ptr *slot;
	int rc = kfs_tree_slot(k, t, idx, for_commit, nblocks, &slot);
	if (rc)
		return rc;
	return kfs_cow(k, slot, for_commit, nblocks, out);
}

/* Frees a whole subtree. A pointer block that cannot be read loses its
 * children (fsck reports them as leaked); the rest is still freed. */
static int free_subtree(struct kfs *k, struct kfs_ptr p, unsigned h, uint64_t *nblocks)
{
	int rc = 0;

	/* A block that is not in use was freed already: a damaged tree that
	 * names a block twice is freed once, and not walked again. */
	if (!p.block || p.block >= k->nblocks || !kfs_bit(k->used, p.block))
		return 0;
	if (h > 0) {
		struct kfs_cblock *cb;
		struct kfs_ptr *copy = malloc(KFS_BLOCK_SIZE);
		if (!copy)
			return -ENOMEM;
		rc = kfs_cache_get(k, &p, &cb);
		if (!rc) {
			memcpy(copy, cb->data, KFS_BLOCK_SIZE);
			for (unsigned i = 0; i < KFS_PTRS_PER_BLOCK; i++) {
				int r = free_subtree(k, copy[i], h - 1, nblocks);
				rc = rc ? rc : r;
			}
		}
		free(copy);
	}
	kfs_free(k, p.block);
	if (nblocks && *nblocks)
		(*nblocks)--;
	return rc;
}

static int truncate_subtree(struct kfs *k, struct kfs_ptr *p, unsigned h, uint64_t base, uint64_t keep,
			    uint64_t *nblocks)
{
	if (!p->block)
		return 0;
	if (keep <= base) {
		int rc = free_subtree(k, *p, h, nblocks);
		memset(p, 0, sizeof(*p));
		return rc;
	}
	if (h == 0 || keep >= base + kfs_leaf_capacity(h))
		return 0;
	struct kfs_cblock *cb;
	int rc = kfs_cow(k, p, false, nblocks, &cb);
	if (rc)
		return rc;
	uint64_t span = kfs_leaf_capacity(h - 1);
	for (unsigned i = 0; i < KFS_PTRS_PER_BLOCK; i++) {
		uint64_t child = base + i * span;
		if (keep < child + span) {
			rc = truncate_subtree(k, ptr_at(cb, i), h - 1, child, keep, nblocks);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Frees every leaf from keep on, and the pointer blocks left empty. */
int kfs_tree_truncate(struct kfs *k, struct kfs_tree *t, uint64_t keep, uint64_t *nblocks)
{
	int rc = truncate_subtree(k, &t->root, t->height, 0, keep, nblocks);
	if (!t->root.block)
		t->height = 0;
	return rc;
}
