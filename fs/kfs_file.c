/*
 * A regular file's bytes: leaves of its tree are data blocks, written to
 * the disk at once (to a fresh block, or in place when the block is
 * already fresh) with their checksum put in the parent pointer, so only
 * the small pointer blocks wait in the cache for the commit. Contiguous
 * whole blocks are read and written in requests of up to 1 MiB.
 *
 * The bytes of the last block past the file's size are always zero, so
 * a file that grows shows zeros there without reading anything.
 *
 * Data blocks pass through the file-data cache (fs/kfs_dcache.h): a block
 * read from the disk is checked, then cached; a block written is cached
 * as written, once the disk took it, and forgotten when its write fails.
 * Freeing a block (kfs_free) forgets it too, so an overwrite's copy, a
 * truncation and an unlink leave nothing stale behind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/kfs.h"

#define KFS_MAX_FILE_SIZE (UINT64_C(1) << 60)

long kfs_file_read(struct kfs *k, const struct kfs_inode *ip, uint64_t off, void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;

	if (off >= ip->size)
		return 0;
	if (len > ip->size - off)
		len = (size_t)(ip->size - off);
	while (done < len) {
		uint64_t pos = off + done, idx = pos / KFS_BLOCK_SIZE;
		uint32_t boff = pos % KFS_BLOCK_SIZE;
		size_t n = KFS_BLOCK_SIZE - boff;
		struct kfs_ptr leaf;
		if (n > len - done)
			n = len - done;
		int rc = kfs_tree_lookup(k, &ip->tree, idx, &leaf);
		if (rc)
			return done ? (long)done : rc;
		if (!leaf.block) {
			memset(out + done, 0, n);
			done += n;
			continue;
		}
		/* Nothing between the lookup and the copy may allocate: a
		 * reclaim could take the page. */
		const uint8_t *hit = kfs_dcache_find(&k->dcache, &leaf);
		if (hit) {
			memcpy(out + done, hit + boff, n);
			done += n;
			continue;
		}
		if (n < KFS_BLOCK_SIZE) {
			rc = kfs_read_verified(k, &leaf, k->scratch);
			if (rc)
				return done ? (long)done : rc;
			kfs_dcache_put(&k->dcache, leaf.block, leaf.crc, k->scratch);
			memcpy(out + done, k->scratch + boff, n);
			done += n;
			continue;
		}
		/* Whole blocks: as many as lie one after the other on the
		 * disk and are not cached, in one request, then each checked
		 * and cached. */
		struct kfs_ptr *run = k->read_run;
		uint32_t count = 1;
		run[0] = leaf;
		while (count < FS_DISK_MAX_REQUEST && len - done >= (size_t)(count + 1) * KFS_BLOCK_SIZE) {
			struct kfs_ptr next;
			if (kfs_tree_lookup(k, &ip->tree, idx + count, &next) || next.block != leaf.block + count ||
			    kfs_dcache_has(&k->dcache, &next))
				break;
			run[count++] = next;
		}
		rc = kfs_disk_read(k, leaf.block, count, out + done);
		for (uint32_t i = 0; !rc && i < count; i++)
			if (kfs_block_crc(run[i].block, out + done + (size_t)i * KFS_BLOCK_SIZE) != run[i].crc)
				rc = -EIO;
		if (rc)
			return done ? (long)done : rc;
		for (uint32_t i = 0; i < count; i++)
			kfs_dcache_put(&k->dcache, run[i].block, run[i].crc, out + done + (size_t)i * KFS_BLOCK_SIZE);
		done += (size_t)count * KFS_BLOCK_SIZE;
	}
	return (long)done;
}

/* Where leaf slot's new contents go: in place when its block is fresh
 * (no commit knows it), else a new block (and the old one is freed). */
static int data_target(struct kfs *k, struct kfs_inode *ip, struct kfs_ptr *slot, uint64_t *block)
{
	if (slot->block && slot->block < k->nblocks && kfs_bit(k->fresh, slot->block)) {
		*block = slot->block;
		return 0;
	}
	/* Growth never eats into the reserve that lets removals work; a
	 * truncation (which zeroes its last block's tail) may. */
	uint64_t keep = k->commit_reserve + kfs_op_blocks(k) + (k->shrinking ? 0 : kfs_delete_reserve(k));
	if (k->free_blocks < keep)
		return -ENOSPC;
	int rc = kfs_alloc(k, false, block);
	if (rc)
		return rc;
	if (slot->block)
		kfs_free(k, slot->block);
	else
		ip->blocks++;
	return 0;
}

struct write_run {
	uint64_t first;
	uint32_t count;
	const uint8_t *src;
	struct kfs_ptr *slots[FS_DISK_MAX_REQUEST];
};

static int run_flush(struct kfs *k, struct write_run *r)
{
	if (!r->count)
		return 0;
	int rc = kfs_disk_write(k, r->first, r->count, r->src);
	for (uint32_t i = 0; i < r->count; i++) {
		const uint8_t *data = r->src + (size_t)i * KFS_BLOCK_SIZE;
		if (rc) {
			kfs_dcache_drop(&k->dcache, r->first + i);
			continue;
		}
		r->slots[i]->block = r->first + i;
		r->slots[i]->crc = kfs_block_crc(r->first + i, data);
		kfs_dcache_put(&k->dcache, r->first + i, r->slots[i]->crc, data);
	}
	r->count = 0;
	return rc;
}

/* Writes one whole block of new contents for leaf idx. Whole blocks
 * that land one after the other join run r and go out together. */
static int put_block(struct kfs *k, struct kfs_inode *ip, uint64_t idx, const uint8_t *data, struct write_run *r)
{
	struct kfs_ptr *slot;
	uint64_t b;
	int rc = 0;
	/* Growing the tree moves its root into a new pointer block: a run
	 * that holds the root's address as a slot is written first. */
	if (r && idx >= kfs_leaf_capacity(ip->tree.height))
		rc = run_flush(k, r);
	if (rc)
		return rc;
	rc = kfs_tree_slot(k, &ip->tree, idx, false, &ip->blocks, &slot);
	if (rc)
		return rc;
	rc = data_target(k, ip, slot, &b);
	if (rc)
		return rc;
	/* Until the run is written, the slot names the new block with no
	 * valid checksum; a failure below leaves it so, and the file reads
	 * -EIO there: the write was not acknowledged. */
	slot->block = b;
	slot->crc = 0;
	if (r && r->count && r->count < FS_DISK_MAX_REQUEST && b == r->first + r->count &&
	    data == r->src + (size_t)r->count * KFS_BLOCK_SIZE) {
		r->slots[r->count++] = slot;
		return 0;
	}
	if (r) {
		rc = run_flush(k, r);
		if (rc)
			return rc;
		r->first = b;
		r->count = 1;
		r->src = data;
		r->slots[0] = slot;
		return 0;
	}
	rc = kfs_disk_write(k, b, 1, data);
	if (rc) {
		kfs_dcache_drop(&k->dcache, b);
		return rc;
	}
	slot->crc = kfs_block_crc(b, data);
	kfs_dcache_put(&k->dcache, b, slot->crc, data);
	return 0;
}

/* Changes bytes [boff, boff + n) of leaf idx: read, merge, write. */
static int patch_block(struct kfs *k, struct kfs_inode *ip, uint64_t idx, uint32_t boff, const void *src, size_t n,
		       bool zero)
{
	struct kfs_ptr leaf;
	int rc = kfs_tree_lookup(k, &ip->tree, idx, &leaf);
	if (rc)
		return rc;
	const uint8_t *hit = leaf.block ? kfs_dcache_find(&k->dcache, &leaf) : NULL;
	if (hit) {
		memcpy(k->scratch, hit, KFS_BLOCK_SIZE);
	} else if (leaf.block) {
		rc = kfs_read_verified(k, &leaf, k->scratch);
		if (rc)
			return rc;
	} else {
		if (zero)
			return 0; /* a hole is zeros already */
		memset(k->scratch, 0, KFS_BLOCK_SIZE);
	}
	if (zero)
		memset(k->scratch + boff, 0, n);
	else
		memcpy(k->scratch + boff, src, n);
	return put_block(k, ip, idx, k->scratch, NULL);
}

long kfs_file_write(struct kfs *k, uint64_t ino, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	struct kfs_inode *ip;
	size_t done = 0;
	int rc = 0;

	if (off >= KFS_MAX_FILE_SIZE || len > KFS_MAX_FILE_SIZE - off)
		return -EFBIG;
	if (!len)
		return 0;
	/* Room for the whole write if there is any (committing first to free
	 * the pinned blocks when that helps), else for a short one. */
	rc = kfs_reserve(k, len / KFS_BLOCK_SIZE + 2 + kfs_op_blocks(k), false);
	if (rc == -ENOSPC)
		rc = kfs_reserve(k, kfs_op_blocks(k), false);
	if (rc)
		return rc;
	rc = kfs_inode_write(k, ino, &ip);
	if (rc)
		return rc;
	struct write_run *r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->count = 0;
	while (done < len) {
		uint64_t pos = off + done, idx = pos / KFS_BLOCK_SIZE;
		uint32_t boff = pos % KFS_BLOCK_SIZE;
		size_t n = KFS_BLOCK_SIZE - boff;
		if (n > len - done)
			n = len - done;
		if (n == KFS_BLOCK_SIZE) {
			rc = put_block(k, ip, idx, in + done, r);
		} else {
			/* A partial block may grow the tree, which moves the
			 * slots the pending run points into: the run goes
			 * first. */
			rc = run_flush(k, r);
			if (!rc)
				rc = patch_block(k, ip, idx, boff, in + done, n, false);
		}
		if (rc)
			break;
		done += n;
	}
	int frc = run_flush(k, r);
	free(r);
	if (frc) {
		/* Blocks of the run that failed hold nothing good: they are
		 * counted as not written, and their pointers stay unchecked
		 * (-EIO to a reader) until rewritten. */
		return frc;
	}
	if (done) {
		if (off + done > ip->size)
			ip->size = off + done;
		ip->mtime_ns = ip->ctime_ns = kfs_now(k);
		k->pending = true;
		return (long)done;
	}
	return rc;
}

int kfs_file_truncate(struct kfs *k, uint64_t ino, uint64_t size)
{
	struct kfs_inode *ip;

	if (size >= KFS_MAX_FILE_SIZE)
		return -EFBIG;
	int rc = kfs_reserve(k, kfs_op_blocks(k), true);
	if (rc)
		return rc;
	rc = kfs_inode_write(k, ino, &ip);
	if (rc)
		return rc;
	if (size < ip->size) {
		/* The new last block's tail first: when that fails, nothing
		 * has changed yet. */
		if (size % KFS_BLOCK_SIZE) {
			uint32_t boff = size % KFS_BLOCK_SIZE;
			k->shrinking = true;
			rc = patch_block(k, ip, size / KFS_BLOCK_SIZE, boff, NULL, KFS_BLOCK_SIZE - boff, true);
			k->shrinking = false;
			if (rc)
				return rc;
		}
		rc = kfs_tree_truncate(k, &ip->tree, (size + KFS_BLOCK_SIZE - 1) / KFS_BLOCK_SIZE, &ip->blocks);
		if (rc)
			return rc;
	}
	ip->size = size;
	ip->mtime_ns = ip->ctime_ns = kfs_now(k);
	k->pending = true;
	return 0;
}

/* Forgets the cached blocks of bytes [off, off + len) (len 0: to the end
 * of the file), each found through the file's tree as a read would. Only
 * whole blocks are forgotten, as Linux's POSIX_FADV_DONTNEED drops whole
 * pages; nothing is written, since cached blocks are all on the disk. */
int kfs_file_drop_cache(struct kfs *k, const struct kfs_inode *ip, uint64_t off, uint64_t len)
{
	uint64_t end = ip->size;
	if (len && off < ip->size && len < ip->size - off)
		end = off + len;
	if (off >= end)
		return 0;
	uint64_t first = (off + KFS_BLOCK_SIZE - 1) / KFS_BLOCK_SIZE;
	/* The last block counts when the range reaches the end of the file:
	 * the bytes past the size are not the file's. */
	uint64_t last = end == ip->size ? (end + KFS_BLOCK_SIZE - 1) / KFS_BLOCK_SIZE : end / KFS_BLOCK_SIZE;
	if (!k->dcache.count)
		return 0;
	for (uint64_t idx = first; idx < last && k->dcache.count; idx++) {
		struct kfs_ptr leaf;
		int rc = kfs_tree_lookup(k, &ip->tree, idx, &leaf);
		if (rc)
			return rc;
		if (leaf.block)
			kfs_dcache_drop(&k->dcache, leaf.block);
	}
	return 0;
}
