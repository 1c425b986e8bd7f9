/*
 * KeelFS on a disk at the root (sys/fsdisk.c). It comes with the block
 * drivers (Makefile: CLASS_disk): an image without one has no disk it
 * could mount, and sys/fsroot.c finds this function absent.
 */
#ifndef KEEL_SYS_FSDISK_H
#define KEEL_SYS_FSDISK_H

struct vfs_fs;

/* KeelFS on the disk named (root=vda), or on the first disk when name
 * is NULL; "ro" on the command line mounts it read-only. Returns the
 * filesystem, or NULL when there is no disk or it cannot be mounted
 * (and why, in the log): the caller puts a root in memory instead. */
struct vfs_fs *fs_disk_root(const char *name);

#endif
