/*
 * The file tree an application starts with: a root filesystem at "/",
 * a RAM filesystem at /tmp, the device nodes at /dev and the generated
 * files at /etc (kernel/genfile.h), mounted at boot before the
 * application runs, and unmounted (written back) when it exits.
 *
 * The root is KeelFS (fs/keelfs.h) on the disk named on the command line
 * (root=vda; "ro" mounts it read-only), or on the first disk when none
 * is named, or a RAM filesystem when there is no disk or root=ram. A disk
 * that was named and cannot be mounted (no KeelFS on it, a damaged
 * image, a failing device) leaves the root in memory, with a warning
 * that says why: the application runs, and nothing it writes reaches the
 * disk it did not get.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/blkdisk.h"
#include "fs/genfs.h"
#include "fs/keelfs.h"
#include "fs/ramfs.h"
#include "kernel/blkdev.h"
#include "kernel/console.h"
#include "kernel/genfile.h"
#include "kernel/init.h"
#include "kernel/mm/mm.h"
#include "kernel/wallclock.h"
#include "sys/fsfile.h"

static const char *root_option;
static bool root_read_only;

static void set_root(const char *value) { root_option = value; }
KERNEL_OPTION("root=", set_root);
static void set_ro(const char *value) { root_read_only = true; }
KERNEL_OPTION("ro", set_ro);

static struct fs_disk root_disk;

static int first_disk(struct blkdev *bd, void *arg)
{
	*(struct blkdev **)arg = bd;
	return 1;
}

/* KeelFS on the root disk, or NULL (and why, in the log). */
static struct vfs_fs *disk_root(void)
{
	struct blkdev *bd = NULL;
	if (root_option)
		bd = blkdev_find(root_option);
	else
		blkdev_foreach(first_disk, &bd);
	if (bd == NULL) {
		if (root_option)
			kwarn("fs: root=%s: no such disk; the root is in memory\n", root_option);
		return NULL;
	}
	const char *name = bd->reg.name;
	int r = blkdisk_init(&root_disk, bd);
	struct vfs_fs *fs = NULL;
	if (r == 0)
		r = keelfs_mount(&root_disk, root_read_only || bd->read_only, &fs);
	if (r == -EINVAL && !root_option) {
		/* A first disk that was not asked for and holds no KeelFS is
		 * the application's own business (a raw disk). */
		kinfo("fs: %s holds no KeelFS; the root is in memory\n", name);
		return NULL;
	}
	if (r) {
		kwarn("fs: cannot mount %s at /: %d%s%s; the root is in memory\n", name, r,
		      root_disk.error[0] ? ", " : "", root_disk.error);
		return NULL;
	}
	kinfo("fs: KeelFS on %s at /%s\n", name, fs->read_only ? ", read-only" : "");
	return fs;
}

static int64_t now_ns(void) { return (int64_t)wallclock_ns(); }

/* The localhost lines every Linux machine has; the network stack
 * replaces the file with its own. */
static size_t default_hosts(char *buf, size_t cap)
{
	return (size_t)snprintf(buf, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
}

/* A mount point shows in its parent's listing when the parent can hold
 * the directory; one that cannot (a read-only disk) still works. */
static void mount_at(const char *path, struct vfs_fs *fs)
{
	int r = vfs_mkdir("/", path, 0755);
	if (r && r != -EEXIST && r != -EROFS)
		kwarn("fs: cannot make %s: %d\n", path, r);
	if ((r = vfs_mount(path, fs, NULL)))
		kwarn("fs: cannot mount %s: %d\n", path, r);
}

static void fs_root_init(void)
{
	genfile_register("/etc/hosts", default_hosts, true);
	/* Like Linux's tmpfs, each RAM filesystem may fill half the memory. */
	uint64_t half = mm_free_bytes() / 2;
	struct vfs_fs *root = NULL, *tmp, *etc;
	if (!root_option || strcmp(root_option, "ram") != 0)
		root = disk_root();
	if (root == NULL && ramfs_create(half, now_ns, &root)) {
		kwarn("fs: no root filesystem\n");
		return;
	}
	if (vfs_mount("/", root, NULL)) {
		kwarn("fs: no root filesystem\n");
		return;
	}
	if (ramfs_create(half, now_ns, &tmp) == 0)
		mount_at("/tmp", tmp);
	mount_at("/dev", &devfs);
	if (genfs_create("/etc", now_ns(), &etc) == 0)
		mount_at("/etc", etc);
}
INIT_CALL(INIT_LATE, fs_root_init);

void fs_shutdown(void)
{
	int r = vfs_unmount_all();
	if (r)
		kwarn("fs: writing back at exit failed: %d\n", r);
}
