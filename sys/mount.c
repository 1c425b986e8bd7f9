/*
 * mount(2) and umount2(2): a filesystem mounted on an existing directory
 * while the application runs, such as KeelFS on a disk that was
 * hot-plugged, and unmounted (written back, released) when done.
 *
 * Sources and types: "keelfs" on a disk named "/dev/NAME" or "NAME"
 * (sys/fsdisk.c, in images with a block driver), and "tmpfs" or "ramfs"
 * for a RAM filesystem (the source is ignored). MS_RDONLY mounts
 * read-only; remounts, bind and move mounts are refused with EINVAL, as
 * are umount2's MNT_DETACH and MNT_EXPIRE: a mount goes only when
 * nothing is open on it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fs/mount.h"
#include "fs/ramfs.h"
#include "kernel/mm/mm.h"
#include "kernel/sync.h"
#include "kernel/wallclock.h"
#include "sys/fsdisk.h"
#include "sys/fspath.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define MS_RDONLY 1
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192
/* Flags that change what kind of mount is made, none of them done. */
#define MS_UNSUPPORTED (MS_REMOUNT | MS_BIND | MS_MOVE | (1 << 17) /* MS_REC */)

#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8

#define FSTYPE_MAX 64

/* The disk code comes with the block drivers (Makefile: CLASS_disk): an
 * image without one knows no disk to mount. */
extern __typeof__(fs_disk_mount) fs_disk_mount __attribute__((weak));
extern __typeof__(fs_disk_release) fs_disk_release __attribute__((weak));

/* The mounts made here that hold a disk, for umount2 to give it back. */
struct disk_mount {
	struct vfs_mount *mnt;
	void *disk;
	struct disk_mount *next;
};
static struct disk_mount *disk_mounts;
/* One mount or unmount at a time: the disk table follows the VFS's. */
static struct mutex mount_lock = MUTEX_INIT;

static int64_t now_ns(void) { return (int64_t)wallclock_ns(); }

/* The disk's name in source: "/dev/sdb" or "sdb". */
static long disk_name(const char *source, const char **name)
{
	if (strncmp(source, "/dev/", 5) == 0)
		source += 5;
	if (source[0] == '\0' || strchr(source, '/'))
		return -ENOENT; /* no other path names a disk */
	*name = source;
	return 0;
}

/* The filesystem source and fstype ask for, and the disk it holds. */
static long make_fs(const char *source, const char *fstype, bool read_only, struct vfs_fs **fs, void **disk)
{
	*disk = NULL;
	if (strcmp(fstype, "tmpfs") == 0 || strcmp(fstype, "ramfs") == 0) {
		/* Like Linux's tmpfs, it may fill half the memory. */
		long r = ramfs_create(mm_free_bytes() / 2, now_ns, fs);
		if (r == 0 && read_only)
			(*fs)->read_only = true;
		return r;
	}
	if (strcmp(fstype, "keelfs") != 0 || !fs_disk_mount)
		return -ENODEV;
	const char *name;
	if (source == NULL)
		return -EINVAL;
	long r = disk_name(source, &name);
	return r ? r : fs_disk_mount(name, read_only, fs, disk);
}

static long do_mount(const char *usource, const char *utarget, const char *ufstype, unsigned long flags)
{
	char fstype[FSTYPE_MAX], *source = NULL;
	long r = ufstype ? user_string_copy(fstype, ufstype, sizeof(fstype)) : -EFAULT;
	if (r == -ENAMETOOLONG)
		r = -ENODEV; /* longer than any type there is */
	if (r < 0)
		return r;
	if (usource) {
		if ((source = malloc(VFS_PATH_MAX)) == NULL)
			return -ENOMEM;
		if ((r = user_string_copy(source, usource, VFS_PATH_MAX)) < 0) {
			free(source);
			return r;
		}
	}
	struct upath u;
	struct vfs_path *p = NULL;
	r = upath_resolve(AT_FDCWD, utarget, false, &u, &p);
	if (r == 0 && !p->is_dir)
		r = -ENOTDIR;
	if (r == 0 && (flags & MS_UNSUPPORTED))
		r = -EINVAL;
	if (r == 0) {
		mutex_lock(&mount_lock);
		struct vfs_fs *fs;
		void *disk;
		struct disk_mount *dm = NULL;
		r = make_fs(source, fstype, flags & MS_RDONLY, &fs, &disk);
		if (r == 0) {
			if (disk && (dm = malloc(sizeof(*dm))) == NULL)
				r = -ENOMEM;
			else
				r = vfs_mount(p->canon, fs, dm ? &dm->mnt : NULL);
			if (r == 0 && dm) {
				dm->disk = disk;
				dm->next = disk_mounts;
				disk_mounts = dm;
			} else if (r) {
				/* Made and not mounted: nothing was written. */
				fs->ops->unmount(fs);
				if (disk)
					fs_disk_release(disk);
				free(dm);
			}
		}
		mutex_unlock(&mount_lock);
	}
	upath_put(&u);
	free(p);
	free(source);
	return r;
}

static long sys_mount(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_mount((const char *)a0, (const char *)a1, (const char *)a2, (unsigned long)a3);
}
SYSCALL(SYS_mount, sys_mount);

static long do_umount(const char *utarget, int flags)
{
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	/* A lazy unmount would leave open files on a filesystem that is
	 * gone; an expiry mark has no use without automounts. */
	if (flags & (MNT_DETACH | MNT_EXPIRE))
		return -EINVAL;
	struct upath u;
	long r = upath_get(AT_FDCWD, utarget, false, &u);
	if (r == 0) {
		mutex_lock(&mount_lock);
		struct vfs_mount *gone = NULL;
		r = vfs_unmount(upath_base(&u), u.path, &gone);
		/* The mount is gone even when writing back failed (a disk
		 * unplugged): its disk is given back all the same, and the
		 * error says that what was pending was lost. */
		for (struct disk_mount **link = &disk_mounts; gone && *link; link = &(*link)->next)
			if ((*link)->mnt == gone) {
				struct disk_mount *dm = *link;
				*link = dm->next;
				fs_disk_release(dm->disk);
				free(dm);
				break;
			}
		mutex_unlock(&mount_lock);
	}
	upath_put(&u);
	return r;
}

static long sys_umount2(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_umount((const char *)a0, (int)a1);
}
SYSCALL(SYS_umount2, sys_umount2);
