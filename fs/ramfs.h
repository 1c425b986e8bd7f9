/*
 * A filesystem in memory (fs/ramfs.c): /tmp, the root when there is no
 * disk, and the VFS's test filesystem. Files are sparse: only the pages
 * written hold memory, and a hole reads as zeros.
 */
#ifndef KEEL_FS_RAMFS_H
#define KEEL_FS_RAMFS_H

#include <stdint.h>

#include "fs/vfs.h"

#define RAMFS_MAGIC 0x01021994 /* Linux's TMPFS_MAGIC, for statfs */

/* A new empty filesystem that may hold up to max_bytes of file data;
 * now() gives the times in nanoseconds since the epoch. Returns 0 or
 * -ENOMEM. */
int ramfs_create(uint64_t max_bytes, int64_t (*now)(void), struct vfs_fs **out);

#endif
