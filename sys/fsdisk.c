/*
 * The root filesystem on a disk: KeelFS on the disk named on the
 * command line (root=vda; "ro" mounts it read-only), or on the first
 * disk when none is named. A disk that was named and cannot be mounted
 * (no KeelFS on it, a damaged image, a failing device) leaves the root
 * in memory, with a warning that says why: the application runs, and
 * nothing it writes reaches the disk it did not get.
 *
 * Only images with a block driver hold this file (Makefile: CLASS_disk),
 * and with it KeelFS and its disk: sys/fsroot.c calls it when present.
 */
#include "sys/fsdisk.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "fs/blkdisk.h"
#include "fs/keelfs.h"
#include "fs/vfs.h"
#include "kernel/blkdev.h"
#include "kernel/console.h"
#include "kernel/option.h"
#include "kernel/sync.h"

static bool root_read_only;

static void set_ro(const char *value) { root_read_only = true; }
KERNEL_OPTION("ro", set_ro);

static struct fs_disk root_disk;
static struct blkdev *root_bd; /* the disk under the root, if any */

/* A disk mounted by mount(2). The table lets a second mount of the same
 * disk be refused: two filesystems writing one disk would destroy it. */
struct mounted_disk {
	struct fs_disk disk;
	struct blkdev *bd;
	struct mounted_disk *next;
};
static struct mounted_disk *mounted;
static struct mutex mounted_lock = MUTEX_INIT;

static int first_disk(struct blkdev *bd, void *arg)
{
	*(struct blkdev **)arg = bd;
	return 1;
}

struct vfs_fs *fs_disk_root(const char *name)
{
	struct blkdev *bd = NULL;
	if (name)
		bd = blkdev_find(name);
	else
		blkdev_foreach(first_disk, &bd);
	if (bd == NULL) {
		if (name)
			kwarn("fs: root=%s: no such disk; the root is in memory\n", name);
		return NULL;
	}
	const char *disk = bd->reg.name;
	int r = blkdisk_init(&root_disk, bd);
	struct vfs_fs *fs = NULL;
	if (r == 0) {
		r = keelfs_mount(&root_disk, root_read_only || bd->read_only, &fs);
		/* A disk not mounted gives back its bounce buffer. */
		if (r)
			blkdisk_fini(&root_disk);
	}
	if (r == -EINVAL && !name) {
		/* A first disk that was not asked for and holds no KeelFS is
		 * the application's own business (a raw disk). */
		kinfo("fs: %s holds no KeelFS; the root is in memory\n", disk);
		return NULL;
	}
	if (r) {
		kwarn("fs: cannot mount %s at /: %d%s%s; the root is in memory\n", disk, r,
		      root_disk.error[0] ? ", " : "", root_disk.error);
		return NULL;
	}
	kinfo("fs: KeelFS on %s at /%s\n", disk, fs->read_only ? ", read-only" : "");
	root_bd = bd;
	return fs;
}

int fs_disk_mount(const char *name, bool read_only, struct vfs_fs **fs, void **handle)
{
	struct blkdev *bd = blkdev_find(name);
	if (bd == NULL)
		return -ENOENT;
	if (bd->read_only && !read_only)
		return -EACCES; /* as Linux answers; mount(8) then retries read-only */
	mutex_lock(&mounted_lock);
	int r = bd == root_bd ? -EBUSY : 0;
	for (struct mounted_disk *d = mounted; d && r == 0; d = d->next)
		if (d->bd == bd)
			r = -EBUSY;
	struct mounted_disk *d = r ? NULL : calloc(1, sizeof(*d));
	if (r == 0 && d == NULL)
		r = -ENOMEM;
	if (r == 0 && (r = blkdisk_init(&d->disk, bd)) == 0) {
		r = keelfs_mount(&d->disk, read_only, fs);
		if (r) {
			kinfo("fs: cannot mount %s: %d%s%s\n", name, r, d->disk.error[0] ? ", " : "", d->disk.error);
			blkdisk_fini(&d->disk);
		}
	}
	if (r == 0) {
		d->bd = bd;
		d->next = mounted;
		mounted = d;
		*handle = d;
	} else {
		free(d);
	}
	mutex_unlock(&mounted_lock);
	return r;
}

void fs_disk_release(void *handle)
{
	struct mounted_disk *d = handle;
	mutex_lock(&mounted_lock);
	for (struct mounted_disk **link = &mounted; *link; link = &(*link)->next)
		if (*link == d) {
			*link = d->next;
			break;
		}
	mutex_unlock(&mounted_lock);
	blkdisk_fini(&d->disk);
	free(d);
}
