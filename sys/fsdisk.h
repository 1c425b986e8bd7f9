/*
 * KeelFS on a disk at the root (sys/fsdisk.c). It comes with the block
 * drivers (Makefile: CLASS_disk): an image without one has no disk it
 * could mount, and sys/fsroot.c finds this function absent.
 */
#ifndef KEEL_SYS_FSDISK_H
#define KEEL_SYS_FSDISK_H

#include <stdbool.h>

struct vfs_fs;

/* KeelFS on the disk named (root=vda), or on the first disk when name
 * is NULL; "ro" on the command line mounts it read-only. Returns the
 * filesystem, or NULL when there is no disk or it cannot be mounted
 * (and why, in the log): the caller puts a root in memory instead. */
struct vfs_fs *fs_disk_root(const char *name);

/* mount(2)'s KeelFS on the disk named (vda, sdb): 0 and the filesystem,
 * with *handle for fs_disk_release once it is unmounted; -ENOENT (no
 * such disk), -EBUSY (the disk is mounted already, at the root or
 * elsewhere), -EACCES (a read-write mount of a read-only disk), or
 * keelfs_mount's error (-EINVAL: no KeelFS on it, -EIO, -EUCLEAN). */
int fs_disk_mount(const char *name, bool read_only, struct vfs_fs **fs, void **handle);
/* Gives back the disk of a filesystem that was unmounted. */
void fs_disk_release(void *handle);

#endif
