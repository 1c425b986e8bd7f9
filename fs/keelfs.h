/*
 * KeelFS: Keel's crash-safe, copy-on-write filesystem on a struct
 * fs_disk (fs/disk.h), served to the VFS through struct vfs_fs_ops
 * (fs/vfs.h). fs/FORMAT.md describes the format and why a crash at any
 * moment leaves the last commit whole.
 *
 * Operations gather in memory and reach the disk together at the next
 * commit: at fsync, at keelfs_sync, at unmount, after KEELFS_COMMIT_NS
 * since the last one, or when too much is waiting. A commit holds whole
 * operations only, so each survives a crash entirely or not at all.
 */
#ifndef KEEL_FS_KEELFS_H
#define KEEL_FS_KEELFS_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/disk.h"
#include "fs/vfs.h"

#define KEELFS_MAGIC 0x4b45454cu /* statfs's f_type: "KEEL" */
#define KEELFS_COMMIT_NS (5 * UINT64_C(1000000000))

/* Mounts the filesystem on disk (which must outlive it). Returns 0 and
 * the mount in *out, -EINVAL (not a KeelFS disk, or a block size it
 * does not take), -EIO (the disk failed), -EUCLEAN (the image is
 * corrupt) or -ENOMEM; disk->error then says why. A read-write mount
 * frees the inodes that were unlinked while open before a crash. */
int keelfs_mount(struct fs_disk *disk, bool read_only, struct vfs_fs **out);

/* Writes an empty filesystem (a root directory) over the whole disk.
 * Returns 0, -EINVAL (the disk is too small or its blocks are not 4096
 * bytes), -EIO or -ENOMEM. */
int keelfs_mkfs(struct fs_disk *disk);

/* Commits what is pending now (as fsync does). 0 or a negative errno. */
int keelfs_sync(struct vfs_fs *fs);

/* Checks a filesystem that is not mounted: every block's checksum, the
 * trees, the inodes, the directories and the allocation bitmap. Each
 * problem found is reported to report (may be NULL) in a sentence.
 * Returns the number of problems (0: clean) or, when the image cannot be
 * read at all, keelfs_mount's error. */
typedef void (*keelfs_report_fn)(void *arg, const char *msg);
long keelfs_fsck(struct fs_disk *disk, keelfs_report_fn report, void *arg);

#endif
