/*
 * libFuzzer target: KeelFS's mount, path lookups, reads, fsck and a few
 * changes on damaged images. Whatever the image holds, each must return
 * an error or a result, never fault, hang or leak.
 *
 * Input: one byte of flags (0x01: recompute every checksum the image's
 * trees lead to, so that damage gets past them into the structures;
 * 0x02: also mount read-write and change things), then records of
 * [block (mod 64)] [length, 16 bits little-endian] [bytes] that make a
 * 64-block image (the rest of each block zero). tests/fuzz/mkcorpus.sh
 * turns images from keelfs mkfs into such records.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fs/crc32c.h"
#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "fs/kfs.h"
#include "tools/keelfs/hostdisk.h"

#define NB 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t image[NB][KFS_BLOCK_SIZE];
static uint8_t visited[NB];

static void fix_tree(struct kfs_ptr *p, unsigned h, bool inodes, unsigned depth)
{
	if (p->block < KFS_SUPER_SLOTS || p->block >= NB || depth > 20)
		return;
	uint8_t *blk = image[p->block];
	if (!visited[p->block]) {
		visited[p->block] = 1;
		if (h > 0 && h <= KFS_MAX_HEIGHT) {
			struct kfs_ptr *ptrs = (struct kfs_ptr *)blk;
			for (unsigned i = 0; i < KFS_PTRS_PER_BLOCK; i++)
				fix_tree(&ptrs[i], h - 1, inodes, depth + 1);
		} else if (h == 0 && inodes) {
			struct kfs_inode *in = (struct kfs_inode *)blk;
			for (unsigned i = 0; i < KFS_INODES_PER_BLOCK; i++)
				if (in[i].ino)
					fix_tree(&in[i].tree.root, in[i].tree.height, false, depth + 1);
		}
	}
	p->crc = kfs_block_crc(p->block, blk);
}

static void fix_checksums(void)
{
	for (uint64_t slot = 0; slot < KFS_SUPER_SLOTS; slot++) {
		struct kfs_super *sb = (struct kfs_super *)image[slot];
		memset(visited, 0, sizeof(visited));
		fix_tree(&sb->inodes.root, sb->inodes.height, true, 0);
		fix_tree(&sb->bitmap.root, sb->bitmap.height, false, 0);
		sb->crc = crc32c(crc32c(0, &slot, sizeof(slot)), sb, offsetof(struct kfs_super, crc));
	}
}

static int count_cb(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct {
		uint64_t inos[16];
		unsigned n;
	} *l = arg;
	if (l->n == 16)
		return 1;
	l->inos[l->n++] = ino;
	return 0;
}

/* Walks what the mount shows: listings, attributes, reads. */
static void explore(struct vfs_fs *fs, uint64_t dir, unsigned depth)
{
	struct {
		uint64_t inos[16];
		unsigned n;
	} l = { .n = 0 };
	static uint8_t buf[8192];

	if (depth > 3 || fs->ops->readdir(fs, dir, 0, count_cb, &l))
		return;
	for (unsigned i = 0; i < l.n; i++) {
		struct vfs_attr a;
		if (fs->ops->getattr(fs, l.inos[i], &a))
			continue;
		if ((a.mode & VFS_S_IFMT) == VFS_S_IFDIR) {
			explore(fs, l.inos[i], depth + 1);
			continue;
		}
		fs->ops->read(fs, l.inos[i], 0, buf, sizeof(buf));
		fs->ops->read(fs, l.inos[i], a.size > 100 ? a.size - 100 : 0, buf, sizeof(buf));
	}
	uint64_t ino;
	fs->ops->lookup(fs, dir, "a", 1, &ino);
	fs->ops->lookup(fs, dir, "missing", 7, &ino);
}

static void change(struct vfs_fs *fs)
{
	static uint8_t buf[10000];
	uint64_t ino, d;
	memset(buf, 0x3c, sizeof(buf));
	if (!fs->ops->create(fs, fs->root, "fz", 2, VFS_S_IFREG | 0644, &ino)) {
		fs->ops->write(fs, ino, 5000, buf, sizeof(buf));
		fs->ops->truncate(fs, ino, 7000);
		fs->ops->rename(fs, fs->root, "fz", 2, fs->root, "a", 1);
	}
	if (!fs->ops->create(fs, fs->root, "dd", 2, VFS_S_IFDIR | 0755, &d))
		fs->ops->rmdir(fs, fs->root, "dd", 2);
	fs->ops->unlink(fs, fs->root, "a", 1);
	keelfs_sync(fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs_disk disk;
	struct vfs_fs *fs;

	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	memset(image, 0, sizeof(image));
	for (size_t at = 1; at + 3 <= size;) {
		unsigned block = data[at] % NB;
		size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
		at += 3;
		if (len > size - at)
			len = size - at;
		if (len > KFS_BLOCK_SIZE)
			len = KFS_BLOCK_SIZE;
		memcpy(image[block], data + at, len);
		at += len;
	}
	if (flags & 1)
		fix_checksums();
	if (ramdisk_open(&disk, NB))
		return 0;
	for (unsigned b = 0; b < NB; b++)
		disk.ops->write(&disk, b, 1, image[b]);
	keelfs_fsck(&disk, NULL, NULL);
	if (!keelfs_mount(&disk, true, &fs)) {
		explore(fs, fs->root, 0);
		fs->ops->unmount(fs);
	}
	if ((flags & 2) && !keelfs_mount(&disk, false, &fs)) {
		change(fs);
		explore(fs, fs->root, 0);
		fs->ops->unmount(fs);
		keelfs_fsck(&disk, NULL, NULL);
	}
	ramdisk_close(&disk);
	return 0;
}
