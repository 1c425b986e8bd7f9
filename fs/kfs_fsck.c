/*
 * keelfs_fsck: reads everything the newest commit reaches, checks every
 * block against its pointer's checksum, every tree, inode and directory
 * entry, and compares the blocks reached with the allocation bitmap and
 * the links found with the inodes' counts. It changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/keelfs.h"
#include "fs/kfs.h"

struct fsck_inode {
	uint64_t ino; /* 0: an empty slot */
	uint32_t refs, subdirs;
	bool orphan;
};

struct fsck {
	struct kfs *k;
	keelfs_report_fn report;
	void *arg;
	long problems;
	uint64_t *reached; /* a bit per block */
	/* The live inodes, by number (open addressing): how many directory
	 * entries name each, and how many of a directory's are directories. */
	struct fsck_inode *inodes;
	uint64_t slots, ninodes;
	uint64_t max_ino;
	uint64_t entries_seen; /* in the directory being checked */
	bool dry;	       /* the first pass, which only learns which inodes live */
};

static struct fsck_inode *inode_slot(struct fsck *f, uint64_t ino)
{
	uint64_t i = (ino * UINT64_C(0x9e3779b97f4a7c15)) & (f->slots - 1);
	while (f->inodes[i].ino && f->inodes[i].ino != ino)
		i = (i + 1) & (f->slots - 1);
	return &f->inodes[i];
}

/* The live inode ino, or NULL. */
static struct fsck_inode *inode_find(struct fsck *f, uint64_t ino)
{
	if (!f->inodes || !ino)
		return NULL;
	struct fsck_inode *fi = inode_slot(f, ino);
	return fi->ino ? fi : NULL;
}

static void problem(struct fsck *f, const char *fmt, ...) __attribute__((__format__(__printf__, 2, 3)));
static void problem(struct fsck *f, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (f->dry)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->problems++;
	if (f->report)
		f->report(f->arg, msg);
}

/* Marks block b as reached by what; false when it cannot be (out of
 * range, or reached before: two owners). */
static bool reach(struct fsck *f, uint64_t b, const char *what, uint64_t owner)
{
	if (b < KFS_SUPER_SLOTS || b >= f->k->nblocks) {
		problem(f, "%s %llu points to block %llu, outside the filesystem", what, (unsigned long long)owner,
			(unsigned long long)b);
		return false;
	}
	if (kfs_bit(f->reached, b)) {
		if (f->dry)
			return false;
		problem(f, "block %llu is used twice (again by %s %llu)", (unsigned long long)b, what,
			(unsigned long long)owner);
		return false;
	}
	f->reached[b >> 6] |= UINT64_C(1) << (b & 63);
	return true;
}

typedef void (*leaf_fn)(struct fsck *f, uint64_t owner, uint64_t idx, const uint8_t *blk);

/* Walks a tree: every block reached, read and checked; fn sees each leaf. */
static uint64_t walk(struct fsck *f, const struct kfs_ptr *p, unsigned h, uint64_t base, const char *what,
		     uint64_t owner, uint64_t max_leaves, leaf_fn fn)
{
	uint64_t count = 0;

	if (!p->block)
		return 0;
	if (!reach(f, p->block, what, owner))
		return 0;
	count = 1;
	/* A pointer block past the end may be left empty by a write that
	 * failed for space; a leaf there is a problem. */
	if (h == 0 && base >= max_leaves)
		problem(f, "%s %llu has a block at leaf %llu, past its end", what, (unsigned long long)owner,
			(unsigned long long)base);
	uint8_t *blk = malloc(KFS_BLOCK_SIZE);
	if (!blk) {
		problem(f, "out of memory");
		return count;
	}
	if (kfs_read_verified(f->k, p, blk)) {
		problem(f, "%s %llu: block %llu fails its checksum (a torn or lost write)", what,
			(unsigned long long)owner, (unsigned long long)p->block);
	} else if (h > 0) {
		const struct kfs_ptr *ptrs = (const struct kfs_ptr *)blk;
		uint64_t span = kfs_leaf_capacity(h - 1);
		for (unsigned i = 0; i < KFS_PTRS_PER_BLOCK; i++)
			count += walk(f, &ptrs[i], h - 1, base + i * span, what, owner, max_leaves, fn);
	} else if (fn) {
		fn(f, owner, base, blk);
	}
	free(blk);
	return count;
}

static void check_dir_block(struct fsck *f, uint64_t dir, uint64_t idx, const uint8_t *blk)
{
	uint32_t rec;
	for (uint32_t off = 0; off < KFS_BLOCK_SIZE; off += rec) {
		if (!kfs_dirent_valid(blk, off, &rec)) {
			problem(f, "directory %llu: block %llu has a damaged entry at %u", (unsigned long long)dir,
				(unsigned long long)idx, off);
			return;
		}
		const struct kfs_dirent *de = (const struct kfs_dirent *)(blk + off);
		if (!de->ino)
			continue;
		if (memchr(blk + off + KFS_DIRENT_HEADER, '/', de->name_len) ||
		    memchr(blk + off + KFS_DIRENT_HEADER, 0, de->name_len))
			problem(f, "directory %llu: a name holds '/' or NUL", (unsigned long long)dir);
		struct fsck_inode *target = inode_find(f, de->ino);
		if (!target) {
			problem(f, "directory %llu: entry '%.*s' names inode %llu, which is free",
				(unsigned long long)dir, de->name_len, (const char *)blk + off + KFS_DIRENT_HEADER,
				(unsigned long long)de->ino);
			continue;
		}
		target->refs++;
		if (de->type == VFS_DT_DIR)
			inode_find(f, dir)->subdirs++;
		f->entries_seen++;
	}
}

static void check_inode(struct fsck *f, uint64_t ino, const struct kfs_inode *in)
{
	bool dir = (in->mode & KFS_S_IFMT) == KFS_S_IFDIR;
	if (!dir && (in->mode & KFS_S_IFMT) != KFS_S_IFREG) {
		problem(f, "inode %llu has an unknown type (mode %o)", (unsigned long long)ino, in->mode);
		return;
	}
	if (in->tree.height > KFS_MAX_HEIGHT) {
		problem(f, "inode %llu: its tree is %u levels high", (unsigned long long)ino, in->tree.height);
		return;
	}
	uint64_t leaves = (in->size + KFS_BLOCK_SIZE - 1) / KFS_BLOCK_SIZE;
	if (dir && in->size % KFS_BLOCK_SIZE)
		problem(f, "directory %llu: its size %llu is not whole blocks", (unsigned long long)ino,
			(unsigned long long)in->size);
	f->entries_seen = 0;
	uint64_t n = walk(f, &in->tree.root, in->tree.height, 0, dir ? "directory" : "file", ino, leaves,
			  dir ? check_dir_block : NULL);
	if (n != in->blocks)
		problem(f, "inode %llu counts %llu blocks, its tree has %llu", (unsigned long long)ino,
			(unsigned long long)in->blocks, (unsigned long long)n);
	if (dir && f->entries_seen != in->entries)
		problem(f, "directory %llu counts %llu entries, holds %llu", (unsigned long long)ino,
			(unsigned long long)in->entries, (unsigned long long)f->entries_seen);
}

static void mark_inodes(struct fsck *f, uint64_t owner, uint64_t idx, const uint8_t *blk)
{
	const struct kfs_inode *in = (const struct kfs_inode *)blk;
	for (unsigned i = 0; i < KFS_INODES_PER_BLOCK; i++) {
		uint64_t ino = idx * KFS_INODES_PER_BLOCK + i;
		if (!in[i].ino)
			continue;
		if (in[i].ino != ino || ino >= f->max_ino)
			continue;
		if (!f->inodes) {
			f->ninodes++; /* counting, before the table is made */
			continue;
		}
		inode_slot(f, ino)->ino = ino;
	}
}

/* Inodes are checked in a second pass, once every live one is known
 * (a directory entry may name an inode of a later table block). */
static void check_inodes(struct fsck *f, uint64_t owner, uint64_t idx, const uint8_t *blk)
{
	const struct kfs_inode *in = (const struct kfs_inode *)blk;
	for (unsigned i = 0; i < KFS_INODES_PER_BLOCK; i++) {
		uint64_t ino = idx * KFS_INODES_PER_BLOCK + i;
		if (!in[i].ino)
			continue;
		if (in[i].ino != ino || ino >= f->max_ino)
			problem(f, "inode slot %llu holds inode %llu", (unsigned long long)ino,
				(unsigned long long)in[i].ino);
		else if (inode_find(f, ino))
			check_inode(f, ino, &in[i]);
	}
}

static void check_links(struct fsck *f)
{
	struct kfs *k = f->k;
	uint64_t live = 0;

	/* Orphans: unlinked inodes still open at the commit. */
	uint64_t steps = 0;
	for (uint64_t o = k->sb.orphan_head; o; steps++) {
		struct kfs_inode in;
		struct fsck_inode *fi = inode_find(f, o);
		if (steps > kfs_max_inodes(k) || !fi || fi->orphan || kfs_inode_read(k, o, &in) || in.nlink) {
			problem(f, "the orphan list is damaged at inode %llu", (unsigned long long)o);
			break;
		}
		fi->orphan = true;
		o = in.orphan_next;
	}
	for (uint64_t i = 0; i < f->slots; i++) {
		struct fsck_inode *fi = &f->inodes[i];
		struct kfs_inode in;
		if (!fi->ino)
			continue;
		live++;
		if (kfs_inode_read(k, fi->ino, &in) || fi->orphan)
			continue;
		bool dir = (in.mode & KFS_S_IFMT) == KFS_S_IFDIR;
		uint32_t want = fi->ino == KFS_ROOT_INO ? 0 : 1;
		if (fi->refs != want)
			problem(f, "inode %llu is named by %u entries, not %u%s", (unsigned long long)fi->ino, fi->refs,
				want, fi->refs ? "" : " (lost)");
		uint64_t nlink = dir ? 2 + (uint64_t)fi->subdirs : 1;
		if (in.nlink != nlink)
			problem(f, "inode %llu has %u links, not %llu", (unsigned long long)fi->ino, in.nlink,
				(unsigned long long)nlink);
	}
	if (live != k->sb.inode_count)
		problem(f, "the superblock counts %llu inodes, the table holds %llu",
			(unsigned long long)k->sb.inode_count, (unsigned long long)live);
}

static void check_bitmap(struct fsck *f)
{
	struct kfs *k = f->k;
	for (uint64_t b = KFS_SUPER_SLOTS; b < k->nblocks; b++) {
		bool used = kfs_bit(k->used, b), reached = kfs_bit(f->reached, b);
		if (used && !reached)
			problem(f, "block %llu is marked used but nothing points to it (leaked)",
				(unsigned long long)b);
		else if (!used && reached)
			problem(f, "block %llu is in use but marked free", (unsigned long long)b);
	}
}

long keelfs_fsck(struct fs_disk *disk, keelfs_report_fn report, void *arg)
{
	struct fsck f = { .report = report, .arg = arg };
	int rc = kfs_load(disk, true, &f.k);
	if (rc)
		return rc;
	struct kfs *k = f.k;
	f.max_ino = k->sb.next_ino;
	uint64_t words = (k->nblocks + 63) / 64;
	f.reached = calloc(words, 8);
	if (!f.reached) {
		rc = -ENOMEM;
		goto out;
	}
	uint64_t itable = k->sb.next_ino / KFS_INODES_PER_BLOCK + 1;
	/* First the live inodes: counted, then put in a table of twice as
	 * many slots (the walks only learn, reporting nothing). */
	f.dry = true;
	walk(&f, &k->sb.inodes.root, k->sb.inodes.height, 0, "the inode table", 0, itable, mark_inodes);
	for (f.slots = 16; f.slots < 2 * f.ninodes; f.slots *= 2)
		;
	f.inodes = calloc(f.slots, sizeof(*f.inodes));
	if (!f.inodes) {
		rc = -ENOMEM;
		goto out;
	}
	memset(f.reached, 0, words * 8);
	walk(&f, &k->sb.inodes.root, k->sb.inodes.height, 0, "the inode table", 0, itable, mark_inodes);
	f.dry = false;
	memset(f.reached, 0, words * 8);
	f.reached[0] |= 3; /* the superblocks */
	walk(&f, &k->sb.bitmap.root, k->sb.bitmap.height, 0, "the bitmap", 0, k->nleaves, NULL);
	walk(&f, &k->sb.inodes.root, k->sb.inodes.height, 0, "the inode table", 0, itable, check_inodes);
	if (!inode_find(&f, KFS_ROOT_INO))
		problem(&f, "the root directory is missing");
	check_links(&f);
	check_bitmap(&f);
	rc = 0;
out:
	free(f.reached);
	free(f.inodes);
	kfs_destroy(k);
	return rc ? rc : f.problems;
}
