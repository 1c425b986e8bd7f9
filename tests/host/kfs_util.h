/*
 * Helpers of the KeelFS host tests: paths over the inode operations,
 * whole files, and a digest of a whole tree to compare filesystems.
 */
#ifndef KEEL_TESTS_HOST_KFS_UTIL_H
#define KEEL_TESTS_HOST_KFS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"

/* The inode at path ("/a/b"), or a negative errno. */
int kfs_path(struct vfs_fs *fs, const char *path, uint64_t *ino);
/* Splits path into its parent's inode and last name. */
int kfs_parent(struct vfs_fs *fs, const char *path, uint64_t *dir, const char **name);
int kfs_mkdir_p(struct vfs_fs *fs, const char *path);
int kfs_put(struct vfs_fs *fs, const char *path, const void *data, size_t len);
/* The file's contents in a malloc'd buffer. */
int kfs_get(struct vfs_fs *fs, const char *path, uint8_t **data, size_t *len);
/* A digest of everything under directory ino: names, types, sizes and
 * contents, in name order; -EIO and friends when something fails. */
int kfs_digest(struct vfs_fs *fs, uint64_t ino, uint64_t *digest);

#endif
