/*
 * A KeelFS on a fresh disk for the host tests (kfs_env.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "tests/host/kfs_env.h"
#include "tools/keelfs/hostdisk.h"

int fsck_problems(struct fs_disk *disk) { return (int)keelfs_fsck(disk, NULL, NULL); }

void remount(struct env *e)
{
	assert_int_equal(e->fs->ops->unmount(e->fs), 0);
	assert_int_equal(fsck_problems(&e->disk), 0);
	assert_int_equal(keelfs_mount(&e->disk, false, &e->fs), 0);
}

struct env *env_new(uint64_t blocks, bool file)
{
	struct env *e = calloc(1, sizeof(*e));
	/* Every filesystem of the tests caches file data, as the kernel's
	 * does, unless a test chose another source. */
	if (!kfs_data_pages)
		kfs_data_pages = &host_data_pages;
	e->file = file;
	if (file) {
		snprintf(e->path, sizeof(e->path), "/tmp/keelfs-test-%d.img", getpid());
		unlink(e->path);
		assert_int_equal(filedisk_open(&e->disk, e->path, true, blocks * KFS_BLOCK_SIZE, false), 0);
	} else {
		assert_int_equal(ramdisk_open(&e->disk, blocks), 0);
	}
	assert_int_equal(keelfs_mkfs(&e->disk), 0);
	assert_int_equal(keelfs_mount(&e->disk, false, &e->fs), 0);
	return e;
}

void env_free(struct env *e)
{
	if (e->fs) {
		assert_int_equal(e->fs->ops->unmount(e->fs), 0);
		assert_int_equal(fsck_problems(&e->disk), 0);
	}
	if (e->file) {
		filedisk_close(&e->disk);
		unlink(e->path);
	} else {
		ramdisk_close(&e->disk);
	}
	free(e);
}
