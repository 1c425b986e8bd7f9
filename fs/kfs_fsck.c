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

/* Inode numbers fsck can follow: beyond, it reports the table too big. */
#define FSCK_MAX_INODES (UINT64_C(1) << 26)

struct fsck {
	struct kfs *k;
	keelfs_report_fn report;
	void *arg;
	long problems;
	uint64_t *reached; /* a bit per block */
	uint32_t *refs;	   /* directory entries naming each inode */
	uint32_t *subdirs; /* each directory's entries that are directories */
	uint8_t *live;	   /* each inode's record is in use */
	uint64_t max_ino;
	uint64_t entries_seen; /* in the directory being checked */
	bool dry;	       /* the first pass, which only learns which inodes live */
};

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
	if (f->dry)
		return b >= KFS_SUPER_SLOTS && b < f->k->nblocks;
	if (b < KFS_SUPER_SLOTS || b >= f->k->nblocks) {
		problem(f, "%s %llu points to block %llu, outside the filesystem", what, (unsigned long long)owner,
			(unsigned long long)b);
		return false;
	}
	if (kfs_bit(f->reached, b)) {
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
	if (base >= max_leaves)
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
		if (de->ino >= f->max_ino || !f->live[de->ino]) {
			problem(f, "directory %llu: entry '%.*s' names inode %llu, which is free",
				(unsigned long long)dir, de->name_len, (const char *)blk + off + KFS_DIRENT_HEADER,
				(unsigned long long)de->ino);
			continue;
		}
		f->refs[de->ino]++;
		f->subdirs[dir] += de->type == VFS_DT_DIR;
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
		if (in[i].ino == ino && ino < f->max_ino)
			f->live[ino] = 1;
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
		else if (f->live[ino])
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
		if (steps > k->sb.inode_count || o >= f->max_ino || !f->live[o] || kfs_inode_read(k, o, &in) ||
		    in.nlink) {
			problem(f, "the orphan list is damaged at inode %llu", (unsigned long long)o);
			break;
		}
		f->refs[o] = UINT32_MAX; /* accounted for */
		o = in.orphan_next;
	}
	for (uint64_t ino = 1; ino < f->max_ino; ino++) {
		struct kfs_inode in;
		if (!f->live[ino])
			continue;
		live++;
		if (kfs_inode_read(k, ino, &in))
			continue;
		bool dir = (in.mode & KFS_S_IFMT) == KFS_S_IFDIR;
		if (f->refs[ino] == UINT32_MAX)
			continue;
		uint32_t want = ino == KFS_ROOT_INO ? 0 : 1;
		if (f->refs[ino] != want)
			problem(f, "inode %llu is named by %u entries, not %u%s", (unsigned long long)ino, f->refs[ino],
				want, f->refs[ino] ? "" : " (lost)");
		uint64_t nlink = dir ? 2 + (uint64_t)f->subdirs[ino] : 1;
		if (in.nlink != nlink)
			problem(f, "inode %llu has %u links, not %llu", (unsigned long long)ino, in.nlink,
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
	if (f.max_ino > FSCK_MAX_INODES) {
		problem(&f, "the inode table is too big to check (%llu inodes)", (unsigned long long)f.max_ino);
		kfs_destroy(k);
		return f.problems;
	}
	f.reached = calloc((k->nblocks + 63) / 64, 8);
	f.refs = calloc(f.max_ino, sizeof(*f.refs));
	f.subdirs = calloc(f.max_ino, sizeof(*f.subdirs));
	f.live = calloc(f.max_ino, 1);
	if (!f.reached || !f.refs || !f.subdirs || !f.live) {
		rc = -ENOMEM;
		goto out;
	}
	f.reached[0] |= 3; /* the superblocks */
	uint64_t itable = (f.max_ino + KFS_INODES_PER_BLOCK - 1) / KFS_INODES_PER_BLOCK;
	f.dry = true;
	walk(&f, &k->sb.inodes.root, k->sb.inodes.height, 0, "the inode table", 0, itable, mark_inodes);
	f.dry = false;
	walk(&f, &k->sb.bitmap.root, k->sb.bitmap.height, 0, "the bitmap", 0, k->nleaves, NULL);
	walk(&f, &k->sb.inodes.root, k->sb.inodes.height, 0, "the inode table", 0, itable, check_inodes);
	if (!f.live[KFS_ROOT_INO])
		problem(&f, "the root directory is missing");
	check_links(&f);
	check_bitmap(&f);
	rc = 0;
out:
	free(f.reached);
	free(f.refs);
	free(f.subdirs);
	free(f.live);
	kfs_destroy(k);
	return rc ? rc : f.problems;
}
