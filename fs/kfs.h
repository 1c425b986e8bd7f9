/*
 * KeelFS's internals, shared by its files: the mount's state, the block
 * cache, the allocator and the trees (fs/kfs_block.c), inodes and
 * directories (fs/kfs_dir.c), file data (fs/kfs_file.c), commits and
 * mounting (fs/kfs_mount.c), the VFS's operations (fs/kfs_ops.c) and
 * fsck (fs/kfs_fsck.c).
 *
 * The rule every change follows: a block that the last commit can reach
 * is never written; it is copied to a fresh block first (copy-on-write),
 * and the copy's parent pointer is changed instead, up to the tree's
 * root. Fresh metadata blocks stay in the cache, dirty, until the next
 * commit writes them; fresh data blocks are written at once. A block
 * the last commit reaches and the next one will not is pinned: it is not
 * handed out again before that next commit is durable.
 */
#ifndef KEEL_FS_KFS_H
#define KEEL_FS_KFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/disk.h"
#include "fs/kfs_dcache.h"
#include "fs/keelfs_format.h"
#include "fs/vfs.h"

/* The leaves of a tree: what kind of block they are. */
enum kfs_kind {
	KFS_KIND_DATA,	 /* a regular file's data: written at once, cached apart (fs/kfs_dcache.h) */
	KFS_KIND_DIR,	 /* directory blocks */
	KFS_KIND_INODES, /* the inode table's blocks */
	KFS_KIND_BITMAP, /* the allocation bitmap's blocks */
};

struct kfs_cblock {
	uint64_t block;
	uint8_t *data;
	bool dirty;
	struct kfs_cblock *hnext;	/* hash chain */
	struct kfs_cblock *prev, *next; /* the clean LRU list or the dirty list */
};

struct kfs_list {
	struct kfs_cblock head;
	size_t count;
};

struct kfs_hold {
	uint64_t ino;
	unsigned count;
};

struct kfs {
	struct vfs_fs vfs;
	struct fs_disk *disk;
	bool read_only;
	bool broken;	     /* a commit failed: the disk holds the last one only */
	struct kfs_super sb; /* the next commit's superblock */
	uint64_t nblocks;

	/* A bit per block: reachable from the next commit (used), allocated
	 * since the last commit (fresh: may be rewritten in place), freed
	 * since the last commit but reachable from it (pinned). */
	uint64_t *used, *fresh, *pinned;
	uint8_t *leaf_dirty; /* per bitmap block: changed since the last commit */
	uint64_t nleaves;
	uint64_t free_blocks; /* neither used nor pinned */
	uint64_t pinned_count;
	uint64_t alloc_cursor;
	uint64_t commit_reserve; /* blocks only a commit may take */

	struct kfs_cblock **hash;
	size_t hash_size;
	struct kfs_list clean, dirty;
	size_t clean_max;
	unsigned long cache_evicted_for_memory; /* clean blocks let go when memory ran out */
	struct kfs_dcache dcache;		/* file data */

	struct kfs_hold *holds;
	size_t nholds, holds_cap;

	bool pending; /* changes since the last commit */
	/* Blocks changed, allocated or freed: counted, so that an operation
	 * that fails with -EIO after changing something is known. */
	uint64_t changes, op_changes;
	bool shrinking; /* a truncation is rewriting its last block: it may use the removal reserve */
	int64_t last_commit_ns;
	uint8_t *scratch;	  /* a block's worth */
	struct kfs_ptr *read_run; /* FS_DISK_MAX_REQUEST pointers, for reads of runs */
};

#define KFS_DIRTY_MAX 4096u /* dirty blocks that force a commit after an operation */

static inline struct kfs *kfs_of(struct vfs_fs *fs) { return fs->priv; }
static inline bool kfs_bit(const uint64_t *map, uint64_t b) { return map[b >> 6] >> (b & 63) & 1; }
/* The most blocks one metadata operation allocates: copies of the paths
 * to two inodes (the table may grow a level), and of a directory's path
 * with a new block. A rename needs twice as many. */
static inline uint64_t kfs_op_blocks(const struct kfs *k)
{
	return 2 * (k->sb.inodes.height + 2u) + KFS_MAX_HEIGHT + 2u;
}

/* Blocks that removals may use and creations may not, so that a full
 * disk can always be emptied: an operation's worth and a little more. */
static inline uint64_t kfs_delete_reserve(const struct kfs *k)
{
	uint64_t extra = k->nblocks / 64;
	return kfs_op_blocks(k) + (extra < 16 ? extra : 16);
}

static inline int64_t kfs_now(struct kfs *k) { return k->disk->ops->now_ns ? k->disk->ops->now_ns(k->disk) : 0; }

/* fs/kfs_block.c: checksums, the cache, the allocator, the trees. */
uint32_t kfs_block_crc(uint64_t block, const void *data);
int kfs_disk_read(struct kfs *k, uint64_t block, uint32_t count, void *buf);
int kfs_disk_write(struct kfs *k, uint64_t block, uint32_t count, const void *buf);
int kfs_read_verified(struct kfs *k, const struct kfs_ptr *p, void *buf);
int kfs_cache_get(struct kfs *k, const struct kfs_ptr *p, struct kfs_cblock **out);
struct kfs_cblock *kfs_cache_peek(struct kfs *k, uint64_t block);
void kfs_cache_drop(struct kfs *k, uint64_t block);
void kfs_cache_all_clean(struct kfs *k);
/* The clean blocks never let go for memory or for the bound: the most
 * recently used, which callers may be holding. */
#define KFS_CACHE_KEEP 16u
int kfs_cache_init(struct kfs *k, size_t clean_max);
/* Blocks every KeelFS's cache holds right now, each a block of data and
 * its struct kfs_cblock on the heap: the memory report shows it (the
 * cache is bounded, so a soak tells its filling from a leak). */
extern unsigned long kfs_cache_blocks_all;
void kfs_cache_destroy(struct kfs *k);
int kfs_alloc(struct kfs *k, bool for_commit, uint64_t *block);
void kfs_free(struct kfs *k, uint64_t block);
void kfs_mark_used(struct kfs *k, uint64_t block);
int kfs_reserve(struct kfs *k, uint64_t need, bool removal);
int kfs_tree_lookup(struct kfs *k, const struct kfs_tree *t, uint64_t idx, struct kfs_ptr *leaf);
int kfs_tree_slot(struct kfs *k, struct kfs_tree *t, uint64_t idx, bool for_commit, uint64_t *nblocks,
		  struct kfs_ptr **slot);
int kfs_tree_meta_leaf(struct kfs *k, struct kfs_tree *t, uint64_t idx, bool for_commit, uint64_t *nblocks,
		       struct kfs_cblock **out);
int kfs_tree_truncate(struct kfs *k, struct kfs_tree *t, uint64_t keep, uint64_t *nblocks);

/* fs/kfs_dir.c: inodes and directory entries. */
int kfs_inode_read(struct kfs *k, uint64_t ino, struct kfs_inode *out);
bool kfs_inode_sane(const struct kfs *k, const struct kfs_inode *in);
/* The most inodes the table can hold: a bound on any walk of them. */
static inline uint64_t kfs_max_inodes(const struct kfs *k) { return k->nblocks * KFS_INODES_PER_BLOCK; }
int kfs_inode_write(struct kfs *k, uint64_t ino, struct kfs_inode **ip);
int kfs_inode_new(struct kfs *k, uint32_t mode, uint64_t *ino, struct kfs_inode **ip);
int kfs_inode_free(struct kfs *k, uint64_t ino);
int kfs_dir_find(struct kfs *k, const struct kfs_inode *dir, const char *name, size_t len, uint64_t *ino,
		 uint8_t *type);
int kfs_dir_add(struct kfs *k, uint64_t dir, const char *name, size_t len, uint64_t ino, uint8_t type);
int kfs_dir_remove(struct kfs *k, uint64_t dir, const char *name, size_t len);
int kfs_dir_set(struct kfs *k, uint64_t dir, const char *name, size_t len, uint64_t ino, uint8_t type);
bool kfs_dirent_valid(const uint8_t *blk, uint32_t off, uint32_t *rec_len);
int kfs_dir_list(struct kfs *k, const struct kfs_inode *dir, uint64_t cookie, vfs_dirent_fn fn, void *arg);

/* fs/kfs_file.c: a regular file's bytes. */
long kfs_file_read(struct kfs *k, const struct kfs_inode *ip, uint64_t off, void *buf, size_t len);
long kfs_file_write(struct kfs *k, uint64_t ino, uint64_t off, const void *buf, size_t len);
int kfs_file_truncate(struct kfs *k, uint64_t ino, uint64_t size);
int kfs_file_drop_cache(struct kfs *k, const struct kfs_inode *ip, uint64_t off, uint64_t len);

/* fs/kfs_mount.c: commits. */
int kfs_commit(struct kfs *k);
int kfs_op_done(struct kfs *k, int rc);
void kfs_destroy(struct kfs *k);
int kfs_load(struct fs_disk *disk, bool read_only, struct kfs **out);
uint64_t kfs_leaf_capacity(unsigned height);

#endif
