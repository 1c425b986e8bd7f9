/*
 * The VFS over KeelFS on a RAM disk, as the kernel mounts it at the root:
 * the checks of the operations by name against the disk filesystem's own
 * answers, writes of every shape read back, and a remount that finds
 * what was written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/keelfs.h"
#include "fs/mount.h"
#include "tests/host/sched_host.h"
#include "tools/keelfs/hostdisk.h"

static struct fs_disk disk;
static struct vfs_path P;

static void mount_root(void)
{
	struct vfs_fs *fs;
	assert_int_equal(keelfs_mount(&disk, false, &fs), 0);
	assert_int_equal(vfs_mount("/", fs, NULL), 0);
}

static int setup(void **state)
{
	assert_true(host_reset(0));
	assert_int_equal(ramdisk_open(&disk, 4096), 0);
	assert_int_equal(keelfs_mkfs(&disk), 0);
	mount_root();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(vfs_unmount_all(), 0);
	ramdisk_close(&disk);
	return 0;
}

/* One write of any length into a new file, at offset 0 and across a
 * block boundary, reads back whole. A write of one whole block and a
 * partial one used to leave the whole block's pointer unchecked (-EIO),
 * because the tree grew under the pending run of whole blocks. */
static void writes_of_every_shape(void **state)
{
	static uint8_t data[3 * 4096 + 17], back[sizeof(data)];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	static const size_t lens[] = { 1, 4095, 4096, 4097, 5000, 8191, 8192, 8193, sizeof(data) };
	static const uint64_t offs[] = { 0, 1, 4095, 4096, 10000 };
	for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
		for (unsigned l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			assert_int_equal(vfs_open("/", "/f", VFS_O_CREAT | 2, 0644, &P), 0);
			assert_int_equal(vfs_write(P.node, offs[o], data, lens[l]), (long)lens[l]);
			memset(back, 0xee, sizeof(back));
			assert_int_equal(vfs_read(P.node, offs[o], back, lens[l]), (long)lens[l]);
			assert_memory_equal(back, data, lens[l]);
			assert_int_equal(vfs_unlink("/", "/f"), 0);
		}
	}
}

static void names_and_remount(void **state)
{
	assert_int_equal(vfs_mkdir("/", "/d", 0755), 0);
	assert_int_equal(vfs_mkdir("/", "/d", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir("/", "/d/e", 0755), 0);
	assert_int_equal(vfs_open("/", "/d/e/f", VFS_O_CREAT | 2, 0600, &P), 0);
	assert_int_equal(vfs_write(P.node, 0, "kept", 4), 4);
	assert_int_equal(vfs_rmdir("/", "/d"), -ENOTEMPTY);
	assert_int_equal(vfs_unlink("/", "/d"), -EISDIR);
	assert_int_equal(vfs_rename("/", "/d", "/", "/d/e/x", false), -EINVAL);
	assert_int_equal(vfs_rename("/", "/d/e/f", "/", "/d/g", false), 0);
	assert_int_equal(vfs_open("/", "/d/g", VFS_O_CREAT | VFS_O_EXCL | 1, 0600, &P), -EEXIST);
	assert_int_equal(vfs_open("/", "/d/g/", 0, 0, &P), -ENOTDIR);
	assert_int_equal(vfs_resolve("/", "/d/g", &P), 0);
	assert_int_equal(vfs_fsync(P.node, false), 0);
	/* What the filesystem had goes to the disk at unmount. */
	assert_int_equal(vfs_unmount_all(), 0);
	mount_root();
	assert_int_equal(vfs_resolve("/", "/d/g", &P), 0);
	char buf[8];
	assert_int_equal(vfs_read(P.node, 0, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "kept", 4);
	assert_int_equal(vfs_resolve("/", "/d/e/f", &P), -ENOENT);
	struct vfs_statfs st;
	assert_int_equal(vfs_statfs(P.parent, &st), 0);
	assert_int_equal(st.magic, KEELFS_MAGIC);
}

/* A second KeelFS mounted on a directory of the first and unmounted
 * alone, as umount2 does: what was written is committed by the unmount
 * (the disk then mounts again with it, and checks clean), and the root
 * goes on. */
static void unmount_one_commits(void **state)
{
	struct fs_disk second;
	struct vfs_fs *fs;
	assert_int_equal(ramdisk_open(&second, 1024), 0);
	assert_int_equal(keelfs_mkfs(&second), 0);
	assert_int_equal(keelfs_mount(&second, false, &fs), 0);
	assert_int_equal(vfs_mkdir("/", "/mnt", 0755), 0);
	assert_int_equal(vfs_mount("/mnt", fs, NULL), 0);
	assert_int_equal(vfs_open("/", "/mnt/f", VFS_O_CREAT | 2, 0644, &P), 0);
	assert_int_equal(vfs_write(P.node, 0, "second", 6), 6);
	vfs_hold(P.node);
	assert_int_equal(vfs_unmount("/", "/mnt", NULL), -EBUSY);
	vfs_release(P.node);
	assert_int_equal(vfs_unmount("/", "/mnt", NULL), 0);
	assert_int_equal(vfs_resolve("/", "/mnt/f", &P), -ENOENT);
	assert_int_equal(keelfs_fsck(&second, NULL, NULL), 0);

	assert_int_equal(keelfs_mount(&second, true, &fs), 0);
	assert_int_equal(vfs_mount("/mnt", fs, NULL), 0);
	char back[8] = { 0 };
	assert_int_equal(vfs_open("/", "/mnt/f", 0, 0, &P), 0);
	assert_int_equal(vfs_read(P.node, 0, back, sizeof(back)), 6);
	assert_string_equal(back, "second");
	assert_int_equal(vfs_open("/", "/mnt/g", VFS_O_CREAT | 2, 0644, &P), -EROFS);
	assert_int_equal(vfs_unmount("/", "/mnt", NULL), 0);
	ramdisk_close(&second);
	/* The root is untouched. */
	assert_int_equal(vfs_mkdir("/", "/after", 0755), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_of_every_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(names_and_remount, setup, teardown),
		cmocka_unit_test_setup_teardown(unmount_one_commits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
