/*
 * KeelFS on the host when things go wrong: blocks damaged behind its
 * back read as -EIO and are found by fsck, damaged images are refused
 * by mount with a clear message (or the previous commit is used), files
 * unlinked while open survive until released or a crash, and a disk that
 * fails its writes leaves the last commit whole.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "tests/host/kfs_env.h"
#include "tests/host/kfs_util.h"
#include "tools/keelfs/hostdisk.h"

/* A block that changed behind the filesystem's back (a torn or lost
 * write) reads as -EIO, and fsck names it. */
static void test_damage_detected(void **state)
{
	struct env *e = env_new(256, false);
	struct vfs_fs *fs = e->fs;
	uint8_t data[3 * KFS_BLOCK_SIZE], back[3 * KFS_BLOCK_SIZE];
	uint64_t ino;
	struct vfs_attr at;

	memset(data, 0x77, sizeof(data));
	assert_int_equal(fs->ops->create(fs, fs->root, "victim", 6, VFS_S_IFREG, &ino), 0);
	assert_int_equal(fs->ops->write(fs, ino, 0, data, sizeof(data)), sizeof(data));
	assert_int_equal(fs->ops->unmount(fs), 0);
	e->fs = NULL;
	/* Find the file's second data block: the block holding 0x77s. */
	uint64_t hit = 0;
	int seen = 0;
	for (uint64_t b = 2; b < 256 && !hit; b++) {
		uint8_t *p = ramdisk_block(&e->disk, b);
		if (p && p[0] == 0x77 && p[4095] == 0x77 && ++seen == 2)
			hit = b;
	}
	assert_true(hit);
	ramdisk_block(&e->disk, hit)[100] ^= 1;
	assert_int_equal(fsck_problems(&e->disk), 1);
	assert_int_equal(keelfs_mount(&e->disk, false, &fs), 0);
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(fs->ops->read(fs, ino, KFS_BLOCK_SIZE, back, 10), -EIO);
	assert_int_equal(fs->ops->read(fs, ino, 0, back, sizeof(back)), KFS_BLOCK_SIZE);
	assert_int_equal(fs->ops->read(fs, ino, 2 * KFS_BLOCK_SIZE, back, 10), 10);
	/* Rewriting the block whole heals the file. */
	assert_int_equal(fs->ops->write(fs, ino, KFS_BLOCK_SIZE, data, KFS_BLOCK_SIZE), KFS_BLOCK_SIZE);
	assert_int_equal(fs->ops->read(fs, ino, 0, back, sizeof(back)), sizeof(back));
	e->fs = fs;
	env_free(e);
}

static void test_mount_refuses(void **state)
{
	struct fs_disk disk;
	struct vfs_fs *fs;

	assert_int_equal(ramdisk_open(&disk, 256), 0);
	assert_int_equal(keelfs_mount(&disk, false, &fs), -EINVAL);
	assert_non_null(strstr(disk.error, "no KeelFS superblock"));
	assert_int_equal(keelfs_mkfs(&disk), 0);
	/* Damage the live superblock: the mount falls back to none (mkfs
	 * wrote one), and says both are damaged. */
	ramdisk_block(&disk, 1)[40] ^= 0x10;
	assert_int_equal(keelfs_mount(&disk, false, &fs), -EUCLEAN);
	assert_non_null(strstr(disk.error, "damaged"));
	ramdisk_block(&disk, 1)[40] ^= 0x10;
	assert_int_equal(keelfs_mount(&disk, false, &fs), 0);
	assert_int_equal(fs->ops->unmount(fs), 0);
	/* Each later commit leaves the previous one in the other slot: with
	 * the newest damaged, the one before mounts. */
	assert_int_equal(keelfs_mount(&disk, false, &fs), 0);
	assert_int_equal(kfs_put(fs, "/one", "1", 1), 0);
	assert_int_equal(keelfs_sync(fs), 0);
	assert_int_equal(kfs_put(fs, "/two", "2", 1), 0);
	assert_int_equal(fs->ops->unmount(fs), 0);
	ramdisk_block(&disk, 1)[8] ^= 1; /* generation 3 */
	assert_int_equal(keelfs_mount(&disk, true, &fs), 0);
	uint64_t ino;
	assert_int_equal(kfs_path(fs, "/one", &ino), 0);
	assert_int_equal(kfs_path(fs, "/two", &ino), -ENOENT);
	assert_int_equal(kfs_put(fs, "/three", "3", 1), -EROFS);
	assert_int_equal(fs->ops->unmount(fs), 0);
	ramdisk_close(&disk);
	/* Too small, and blocks of another size. */
	assert_int_equal(ramdisk_open(&disk, 8), 0);
	assert_int_equal(keelfs_mkfs(&disk), -EINVAL);
	disk.block_size = 512;
	assert_int_equal(keelfs_mount(&disk, false, &fs), -EINVAL);
	ramdisk_close(&disk);
}

/* An inode unlinked while held lives until released; after a crash
 * with it still held, the next mount frees it. */
static void test_orphans(void **state)
{
	struct env *e = env_new(256, false);
	struct vfs_fs *fs = e->fs;
	uint64_t ino, ino2;
	char buf[8];

	assert_int_equal(kfs_put(fs, "/held", "data", 4), 0);
	assert_int_equal(kfs_path(fs, "/held", &ino), 0);
	fs->ops->hold(fs, ino);
	assert_int_equal(fs->ops->unlink(fs, fs->root, "held", 4), 0);
	assert_int_equal(fs->ops->read(fs, ino, 0, buf, 8), 4);
	assert_int_equal(kfs_path(fs, "/held", &ino2), -ENOENT);
	fs->ops->release(fs, ino);
	assert_int_equal(fs->ops->read(fs, ino, 0, buf, 8), -ENOENT);

	assert_int_equal(kfs_put(fs, "/held2", "data", 4), 0);
	assert_int_equal(kfs_path(fs, "/held2", &ino), 0);
	fs->ops->hold(fs, ino);
	assert_int_equal(fs->ops->unlink(fs, fs->root, "held2", 5), 0);
	assert_int_equal(keelfs_sync(fs), 0);
	/* A crash: the disk as it is now, mounted elsewhere. */
	struct fs_disk copy;
	uint8_t blk[KFS_BLOCK_SIZE];
	assert_int_equal(ramdisk_open(&copy, e->disk.block_count), 0);
	for (uint64_t b = 0; b < e->disk.block_count; b++) {
		assert_int_equal(e->disk.ops->read(&e->disk, b, 1, blk), 0);
		assert_int_equal(copy.ops->write(&copy, b, 1, blk), 0);
	}
	assert_int_equal(fsck_problems(&copy), 0);
	struct vfs_fs *again;
	assert_int_equal(keelfs_mount(&copy, false, &again), 0);
	assert_int_equal(again->ops->read(again, ino, 0, buf, 8), -ENOENT);
	assert_int_equal(again->ops->unmount(again), 0);
	assert_int_equal(fsck_problems(&copy), 0);
	ramdisk_close(&copy);
	/* The first mount still reads it until its release. */
	assert_int_equal(fs->ops->read(fs, ino, 0, buf, 8), 4);
	fs->ops->release(fs, ino);
	assert_int_equal(fs->ops->read(fs, ino, 0, buf, 8), -ENOENT);
	env_free(e);
}

static void test_write_errors_broken(void **state)
{
	struct env *e = env_new(256, false);
	struct vfs_fs *fs = e->fs;
	assert_int_equal(kfs_put(fs, "/a", "1", 1), 0);
	ramdisk_stats(&e->disk)->fail_writes = true;
	assert_int_equal(keelfs_sync(fs), -EIO);
	assert_int_equal(kfs_put(fs, "/b", "1", 1), -EIO);
	ramdisk_stats(&e->disk)->fail_writes = false;
	assert_int_equal(fs->ops->unmount(fs), -EIO);
	e->fs = NULL;
	assert_int_equal(fsck_problems(&e->disk), 0);
	env_free(e);
}

/* An operation that meets a damaged block after it began changing
 * things fails with -EIO and the mount stops committing: the disk keeps
 * its last whole state rather than half an operation. */
static void test_eio_midway_stops_commits(void **state)
{
	struct env *e = env_new(256, false);
	struct vfs_fs *fs = e->fs;
	uint8_t data[KFS_BLOCK_SIZE];
	uint64_t ino;

	memset(data, 0x66, sizeof(data));
	assert_int_equal(kfs_put(fs, "/keep", "kept", 4), 0);
	assert_int_equal(fs->ops->create(fs, fs->root, "f", 1, VFS_S_IFREG, &ino), 0);
	assert_int_equal(fs->ops->write(fs, ino, 0, data, sizeof(data)), sizeof(data));
	assert_int_equal(keelfs_sync(fs), 0);
	/* The block just written is in the file-data cache, checked: a new
	 * mount starts without it, so the damage below is read. */
	remount(e);
	fs = e->fs;
	uint64_t hit = 0;
	for (uint64_t b = 2; b < 256 && !hit; b++) {
		uint8_t *p = ramdisk_block(&e->disk, b);
		if (p && p[0] == 0x66 && p[4095] == 0x66)
			hit = b;
	}
	assert_true(hit);
	ramdisk_block(&e->disk, hit)[7] ^= 4;
	/* A write of part of the block reads it first, after copying the
	 * file's inode: -EIO, and nothing more is written. */
	assert_int_equal(fs->ops->write(fs, ino, 10, "x", 1), -EIO);
	assert_int_equal(kfs_put(fs, "/later", "1", 1), -EIO);
	assert_int_equal(keelfs_sync(fs), -EIO);
	assert_int_equal(fs->ops->unmount(fs), -EIO);
	e->fs = NULL;
	assert_int_equal(fsck_problems(&e->disk), 1); /* the damaged block, nothing else */
	assert_int_equal(keelfs_mount(&e->disk, false, &e->fs), 0);
	uint8_t *back;
	size_t len;
	assert_int_equal(kfs_get(e->fs, "/keep", &back, &len), 0);
	free(back);
	assert_int_equal(kfs_path(e->fs, "/later", &ino), -ENOENT);
	assert_int_equal(e->fs->ops->unlink(e->fs, e->fs->root, "f", 1), 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damage_detected),
		cmocka_unit_test(test_mount_refuses),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_write_errors_broken),
		cmocka_unit_test(test_eio_midway_stops_commits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
