/*
 * KeelFS's commits, mount and mkfs.
 *
 * A commit (fs/FORMAT.md, "The commit"): the allocation bitmap's changed
 * blocks are copied like any metadata, until copying them changes no
 * further bitmap block; every dirty block gets its checksum, children
 * before parents, into the pointer that names it; they are written in
 * order of block number, in runs of up to 1 MiB; a flush; the new
 * superblock, generation one higher, into the slot its generation
 * names (the other slot keeps the previous commit); a flush. A crash
 * before the second flush completes leaves the previous superblock the
 * newest valid one, and nothing it reaches was written since.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/crc32c.h"
#include "fs/keelfs.h"
#include "fs/kfs.h"

static int commit_walk(struct kfs *k, struct kfs_ptr *p, unsigned h, enum kfs_kind kind, size_t *seen)
{
	if (!p->block)
		return 0;
	struct kfs_cblock *cb = kfs_cache_peek(k, p->block);
	if (!cb || !cb->dirty)
		return 0; /* a clean block's subtree is clean */
	if (h > 0) {
		struct kfs_ptr *ptrs = (struct kfs_ptr *)cb->data;
		for (unsigned i = 0; i < KFS_PTRS_PER_BLOCK; i++) {
			int rc = commit_walk(k, &ptrs[i], h - 1, kind, seen);
			if (rc)
				return rc;
		}
	} else if (kind == KFS_KIND_INODES) {
		struct kfs_inode *in = (struct kfs_inode *)cb->data;
		for (unsigned i = 0; i < KFS_INODES_PER_BLOCK; i++) {
			if (!in[i].ino)
				continue;
			enum kfs_kind sub = (in[i].mode & KFS_S_IFMT) == KFS_S_IFDIR ? KFS_KIND_DIR : KFS_KIND_DATA;
			int rc = commit_walk(k, &in[i].tree.root, in[i].tree.height, sub, seen);
			if (rc)
				return rc;
		}
	}
	p->crc = kfs_block_crc(p->block, cb->data);
	(*seen)++;
	return 0;
}

static int cmp_block(const void *a, const void *b)
{
	uint64_t x = (*(struct kfs_cblock *const *)a)->block, y = (*(struct kfs_cblock *const *)b)->block;
	return x < y ? -1 : x > y;
}

/* Writes every dirty block, sorted, contiguous ones together. */
static int write_dirty(struct kfs *k)
{
	size_t n = k->dirty.count, i = 0;
	struct kfs_cblock **all = malloc((n ? n : 1) * sizeof(*all));
	uint8_t *stage = malloc((size_t)FS_DISK_MAX_REQUEST * KFS_BLOCK_SIZE);
	int rc = 0;

	if (!all || !stage) {
		rc = -ENOMEM;
		goto out;
	}
	for (struct kfs_cblock *cb = k->dirty.head.next; cb != &k->dirty.head; cb = cb->next)
		all[i++] = cb;
	qsort(all, n, sizeof(*all), cmp_block);
	for (i = 0; i < n && !rc;) {
		size_t run = 1;
		while (i + run < n && run < FS_DISK_MAX_REQUEST && all[i + run]->block == all[i]->block + run)
			run++;
		for (size_t j = 0; j < run; j++)
			memcpy(stage + j * KFS_BLOCK_SIZE, all[i + j]->data, KFS_BLOCK_SIZE);
		rc = kfs_disk_write(k, all[i]->block, (uint32_t)run, stage);
		i += run;
	}
out:
	free(all);
	free(stage);
	return rc;
}

static void super_seal(struct kfs_super *sb, uint64_t slot)
{
	sb->crc = crc32c(crc32c(0, &slot, sizeof(slot)), sb, offsetof(struct kfs_super, crc));
}

static int commit_locked(struct kfs *k)
{
	size_t nl = k->nleaves, seen = 0;
	uint8_t *copied = calloc(nl, 1);
	struct kfs_cblock *cb;
	int rc = 0;

	if (!copied)
		return -ENOMEM;
	/* Copying a bitmap block allocates, which changes bitmap blocks:
	 * repeat until every changed one has been copied once. */
	for (bool again = true; again && !rc;) {
		again = false;
		for (uint64_t i = 0; i < nl && !rc; i++) {
			if (k->leaf_dirty[i] && !copied[i]) {
				copied[i] = 1;
				again = true;
				rc = kfs_tree_meta_leaf(k, &k->sb.bitmap, i, true, NULL, &cb);
			}
		}
	}
	for (uint64_t i = 0; i < nl && !rc; i++) {
		if (!copied[i])
			continue;
		rc = kfs_tree_meta_leaf(k, &k->sb.bitmap, i, true, NULL, &cb);
		if (!rc)
			memcpy(cb->data, (uint8_t *)k->used + i * KFS_BLOCK_SIZE, KFS_BLOCK_SIZE);
	}
	free(copied);
	if (rc)
		return rc;
	k->sb.used_blocks = k->nblocks - k->free_blocks - k->pinned_count;

	rc = commit_walk(k, &k->sb.inodes.root, k->sb.inodes.height, KFS_KIND_INODES, &seen);
	if (!rc)
		rc = commit_walk(k, &k->sb.bitmap.root, k->sb.bitmap.height, KFS_KIND_BITMAP, &seen);
	if (!rc && seen != k->dirty.count)
		rc = -EIO; /* a dirty block no tree reaches: a broken invariant */
	if (!rc)
		rc = write_dirty(k);
	if (!rc && k->disk->ops->flush(k->disk))
		rc = -EIO;
	if (rc)
		return rc;

	uint8_t *blk = k->scratch;
	k->sb.generation++;
	k->sb.commit_time_ns = kfs_now(k);
	uint64_t slot = k->sb.generation % KFS_SUPER_SLOTS;
	super_seal(&k->sb, slot);
	memset(blk, 0, KFS_BLOCK_SIZE);
	memcpy(blk, &k->sb, sizeof(k->sb));
	if (k->disk->ops->write(k->disk, slot, 1, blk) || k->disk->ops->flush(k->disk))
		return -EIO;

	/* Committed: what was fresh is now the commit's, what was pinned is
	 * free. */
	size_t words = (size_t)nl * KFS_BLOCK_SIZE / 8;
	memset(k->fresh, 0, words * 8);
	memset(k->pinned, 0, words * 8);
	memset(k->leaf_dirty, 0, nl);
	k->free_blocks += k->pinned_count;
	k->pinned_count = 0;
	kfs_cache_all_clean(k);
	k->pending = false;
	k->last_commit_ns = kfs_now(k);
	return 0;
}

int kfs_commit(struct kfs *k)
{
	if (k->broken)
		return -EIO;
	if (k->read_only || !k->pending)
		return 0;
	int rc = commit_locked(k);
	if (rc)
		k->broken = true; /* memory and disk disagree now: only the last commit stands */
	return rc;
}

/* After each change: commits when much is waiting or the last commit is
 * old, so that a crash loses little that was never fsynced. */
int kfs_op_done(struct kfs *k, int rc)
{
	/* A block that failed its checksum (or the disk failing) in the
	 * middle of an operation may leave it half done in memory: nothing
	 * more is committed, so the disk keeps the last whole state. */
	if (rc == -EIO && k->changes != k->op_changes)
		k->broken = true;
	if (k->broken || k->read_only)
		return rc;
	int64_t now = kfs_now(k);
	if (k->dirty.count > KFS_DIRTY_MAX || (now && now - k->last_commit_ns > (int64_t)KEELFS_COMMIT_NS)) {
		int crc = kfs_commit(k);
		if (crc && rc >= 0)
			return crc;
	}
	return rc;
}

void kfs_destroy(struct kfs *k)
{
	if (!k)
		return;
	kfs_cache_destroy(k);
	kfs_dcache_destroy(&k->dcache);
	free(k->used);
	free(k->fresh);
	free(k->pinned);
	free(k->leaf_dirty);
	free(k->holds);
	free(k->scratch);
	free(k->read_run);
	free(k);
}

/* The in-memory state for a filesystem of nblocks blocks. */
static struct kfs *kfs_new(struct fs_disk *disk, uint64_t nblocks)
{
	struct kfs *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->disk = disk;
	k->nblocks = nblocks;
	k->nleaves = (nblocks + KFS_BITS_PER_BLOCK - 1) / KFS_BITS_PER_BLOCK;
	size_t bytes = (size_t)k->nleaves * KFS_BLOCK_SIZE;
	k->used = calloc(1, bytes);
	k->fresh = calloc(1, bytes);
	k->pinned = calloc(1, bytes);
	k->leaf_dirty = calloc(k->nleaves, 1);
	k->scratch = malloc(KFS_BLOCK_SIZE);
	k->read_run = malloc(FS_DISK_MAX_REQUEST * sizeof(*k->read_run));
	/* The bitmap's blocks and pointer blocks, copied at most once each
	 * per commit, plus room for its tree to grow. */
	k->commit_reserve = k->nleaves + k->nleaves / (KFS_PTRS_PER_BLOCK - 1) + KFS_MAX_HEIGHT + 2;
	if (!k->used || !k->fresh || !k->pinned || !k->leaf_dirty || !k->scratch || !k->read_run ||
	    kfs_cache_init(k, 2048) || kfs_dcache_init(&k->dcache, kfs_data_pages)) {
		kfs_destroy(k);
		return NULL;
	}
	return k;
}

static int disk_fail(struct fs_disk *disk, int rc, const char *why, uint64_t n)
{
	snprintf(disk->error, sizeof(disk->error), why, (unsigned long long)n);
	return rc;
}

int keelfs_mkfs(struct fs_disk *disk)
{
	disk->error[0] = 0;
	if (disk->block_size != KFS_BLOCK_SIZE)
		return disk_fail(disk, -EINVAL, "blocks of %llu bytes: KeelFS needs 4096", disk->block_size);
	if (disk->block_count < KFS_MIN_BLOCKS)
		return disk_fail(disk, -EINVAL, "%llu blocks: KeelFS needs at least 16 (64 KiB)", disk->block_count);
	struct kfs *k = kfs_new(disk, disk->block_count);
	if (!k)
		return disk_fail(disk, -ENOMEM, "out of memory for %llu blocks", disk->block_count);
	/* Both superblocks go first, so that no older filesystem's survives
	 * beside the new one. */
	memset(k->scratch, 0, KFS_BLOCK_SIZE);
	if (disk->ops->write(disk, 0, 1, k->scratch) || disk->ops->write(disk, 1, 1, k->scratch) ||
	    disk->ops->flush(disk)) {
		kfs_destroy(k);
		return disk_fail(disk, -EIO, "cannot write the superblocks (block %llu)", 0);
	}
	kfs_mark_used(k, 0);
	kfs_mark_used(k, 1);
	k->free_blocks = k->nblocks - 2;
	memset(k->leaf_dirty, 1, k->nleaves);
	k->sb.magic = KFS_MAGIC;
	k->sb.version = KFS_VERSION;
	k->sb.block_size = KFS_BLOCK_SIZE;
	k->sb.block_count = k->nblocks;
	k->sb.next_ino = KFS_ROOT_INO;
	k->sb.root_ino = KFS_ROOT_INO;
	int64_t now = kfs_now(k);
	uint32_t u[4] = { crc32c(0, &now, 8), crc32c(1, &now, 8), crc32c(2, &k->nblocks, 8), crc32c(3, &k, sizeof(k)) };
	memcpy(k->sb.uuid, u, sizeof(u));
	uint64_t ino;
	struct kfs_inode *ip;
	int rc = kfs_inode_new(k, KFS_S_IFDIR | 0755, &ino, &ip);
	k->pending = true;
	if (!rc)
		rc = kfs_commit(k);
	kfs_destroy(k);
	if (rc)
		return disk_fail(disk, rc, "cannot write the new filesystem (error %llu)", (uint64_t)-rc);
	return 0;
}

/* Reads and checks superblock slot: 0 and *sb when it is whole. */
static int super_read(struct fs_disk *disk, uint64_t slot, uint8_t *blk, struct kfs_super *sb, bool *magic)
{
	if (disk->ops->read(disk, slot, 1, blk))
		return -EIO;
	memcpy(sb, blk, sizeof(*sb));
	*magic = sb->magic == KFS_MAGIC;
	struct kfs_super check = *sb;
	super_seal(&check, slot);
	if (!*magic || check.crc != sb->crc || sb->version != KFS_VERSION || sb->block_size != KFS_BLOCK_SIZE)
		return -EUCLEAN;
	if (sb->generation % KFS_SUPER_SLOTS != slot || sb->block_count < KFS_MIN_BLOCKS ||
	    sb->block_count > disk->block_count || sb->inodes.height > KFS_MAX_HEIGHT ||
	    sb->bitmap.height > KFS_MAX_HEIGHT || sb->root_ino != KFS_ROOT_INO || sb->next_ino <= KFS_ROOT_INO)
		return -EUCLEAN;
	return 0;
}

static int load_bitmap(struct kfs *k)
{
	struct fs_disk *disk = k->disk;
	uint64_t used = 0;

	if (k->nleaves > kfs_leaf_capacity(k->sb.bitmap.height))
		return disk_fail(disk, -EUCLEAN, "the allocation bitmap's tree is too short (height %llu)",
				 k->sb.bitmap.height);
	for (uint64_t i = 0; i < k->nleaves; i++) {
		struct kfs_ptr leaf;
		uint8_t *dst = (uint8_t *)k->used + i * KFS_BLOCK_SIZE;
		int rc = kfs_tree_lookup(k, &k->sb.bitmap, i, &leaf);
		if (!rc && !leaf.block)
			return disk_fail(disk, -EUCLEAN, "the allocation bitmap's block %llu is missing", i);
		if (!rc)
			rc = kfs_read_verified(k, &leaf, dst);
		if (rc)
			return disk_fail(disk, -EUCLEAN, "the allocation bitmap's block %llu fails its checksum", i);
	}
	for (uint64_t b = 0; b < k->nleaves * KFS_BITS_PER_BLOCK; b++) {
		if (!kfs_bit(k->used, b))
			continue;
		if (b >= k->nblocks)
			return disk_fail(disk, -EUCLEAN, "the allocation bitmap marks block %llu past the end", b);
		used++;
	}
	if (!kfs_bit(k->used, 0) || !kfs_bit(k->used, 1) || used != k->sb.used_blocks)
		return disk_fail(disk, -EUCLEAN, "the allocation bitmap counts %llu blocks, not the superblock's",
				 used);
	k->free_blocks = k->nblocks - used;
	return 0;
}

int kfs_load(struct fs_disk *disk, bool read_only, struct kfs **out)
{
	struct kfs_super sb[2];
	bool magic[2];
	int rc[2];
	uint8_t *blk;

	disk->error[0] = 0;
	if (disk->block_size != KFS_BLOCK_SIZE)
		return disk_fail(disk, -EINVAL, "blocks of %llu bytes: KeelFS needs 4096", disk->block_size);
	if (disk->block_count < KFS_MIN_BLOCKS)
		return disk_fail(disk, -EINVAL, "%llu blocks: too small for KeelFS", disk->block_count);
	blk = malloc(KFS_BLOCK_SIZE);
	if (!blk)
		return -ENOMEM;
	for (unsigned s = 0; s < KFS_SUPER_SLOTS; s++)
		rc[s] = super_read(disk, s, blk, &sb[s], &magic[s]);
	free(blk);
	if (rc[0] && rc[1]) {
		if (rc[0] == -EIO || rc[1] == -EIO)
			return disk_fail(disk, -EIO, "the superblock (block %llu) cannot be read",
					 rc[0] == -EIO ? 0 : 1);
		if (!magic[0] && !magic[1])
			return disk_fail(disk, -EINVAL, "no KeelFS superblock in block 0 or %llu", 1);
		return disk_fail(disk, -EUCLEAN, "both superblocks are damaged (blocks 0 and %llu)", 1);
	}
	unsigned pick = rc[0] ? 1 : rc[1] ? 0 : sb[1].generation > sb[0].generation;
	struct kfs *k = kfs_new(disk, sb[pick].block_count);
	if (!k)
		return disk_fail(disk, -ENOMEM, "out of memory for %llu blocks", sb[pick].block_count);
	k->sb = sb[pick];
	k->read_only = read_only;
	int r = load_bitmap(k);
	if (!r) {
		struct kfs_inode root;
		r = kfs_inode_read(k, KFS_ROOT_INO, &root);
		if (r || (root.mode & KFS_S_IFMT) != KFS_S_IFDIR)
			r = disk_fail(disk, -EUCLEAN, "the root directory (inode %llu) is damaged", KFS_ROOT_INO);
	}
	if (r) {
		kfs_destroy(k);
		return r;
	}
	k->last_commit_ns = kfs_now(k);
	*out = k;
	return 0;
}
