/*
 * The VFS as the system-call layer sees it (fs/vfs.c): the mount table,
 * path resolution across mount points, and the operations on names and
 * on inodes, each taking the mount's lock around the filesystem's call
 * (fs/vfs.h: one operation at a time per mount).
 *
 * There are no symbolic links, so a path's canonical form (absolute,
 * without ".", ".." or repeated slashes) names one directory for as long
 * as nothing is renamed: the working directory and an open directory
 * are kept as such a path, and relative paths resolve from the root over
 * base + "/" + path, which is what makes ".." cross mount points for free.
 *
 * Mounts are made at boot and by mount(2), and go by umount2(2): the
 * table changes under a lock and is read without one. A mount taken out
 * of the table is kept (retired, its filesystem gone) until
 * vfs_unmount_all, so a walk that was reading the list meanwhile never
 * follows freed memory. A mount covers a name in a directory of its
 * parent mount, whether or not the parent filesystem has it.
 */
#ifndef KEEL_FS_MOUNT_H
#define KEEL_FS_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/vfs.h"
#include "kernel/sync.h"

#define VFS_PATH_MAX 4096 /* Linux's PATH_MAX, the NUL included */

struct vfs_mount {
	struct vfs_fs *fs;
	struct vfs_mount *parent; /* NULL for the root */
	uint64_t parent_dir;	  /* the directory of parent holding the covered name */
	char name[VFS_NAME_MAX + 1];
	unsigned id; /* a small number for st_dev, unique per mount */
	struct mutex lock;
	unsigned users; /* inodes held (open files), under lock */
	struct vfs_mount *next;
	struct vfs_mount *retired_next;
};

/* An inode of a mount. */
struct vfs_node {
	struct vfs_mount *mnt;
	uint64_t ino;
};

/* Mounts fs at "/" (the first mount) or at an absolute path whose parent
 * directory exists: 0, -EBUSY (something is mounted there already),
 * -ENOENT, -ENOTDIR, -ENOMEM. */
int vfs_mount(const char *path, struct vfs_fs *fs, struct vfs_mount **out);
/* Unmounts the mount whose root path names: writes back and releases its
 * filesystem (the filesystem's error is returned, the mount is gone all
 * the same). -EINVAL: path is not a mount point, or is "/"; -EBUSY: a
 * file is open on it or a mount lies below it; the resolution's errors.
 * *gone (may be NULL) tells which mount went: it stays readable (see
 * above) though its filesystem was freed. */
int vfs_unmount(const char *base, const char *path, struct vfs_mount **gone);
/* Unmounts everything, children first, each filesystem writing back
 * what is pending: at the application's exit, and the host tests' clean
 * slate. Returns 0 or the first error a filesystem gave. */
int vfs_unmount_all(void);
/* The root mount, or NULL. */
struct vfs_mount *vfs_root(void);

/*
 * What resolving a path found. found: node is the inode the path names.
 * Otherwise, on -ENOENT, has_parent tells that only the last component
 * is missing from directory parent (what creating it needs). name is the
 * last component ("" for "/"), dir_wanted that the path ended in a slash
 * or in "." or "..", dots that the last component is "." (1) or ".." (2).
 * canon is the canonical path of what was found (or would be created).
 */
struct vfs_path {
	struct vfs_node node, parent;
	bool found, has_parent, is_dir, dir_wanted;
	int dots;
	char name[VFS_NAME_MAX + 1];
	size_t len;
	char canon[VFS_PATH_MAX];
};

/* Resolves path (absolute, or relative to the canonical directory path
 * base). Returns 0 (found), -ENOENT (p->has_parent says whether the
 * parent exists), -ENOTDIR, -ENAMETOOLONG, -ENOMEM or the filesystem's
 * error. */
int vfs_resolve(const char *base, const char *path, struct vfs_path *p);

/* Linux's open flags the VFS judges. */
#define VFS_O_ACCMODE 03
#define VFS_O_RDONLY 0
#define VFS_O_CREAT 0100
#define VFS_O_EXCL 0200
#define VFS_O_TRUNC 01000
#define VFS_O_DIRECTORY 0200000

/* open(2)'s lookup: creates (O_CREAT) and truncates (O_TRUNC) as asked,
 * and checks that flags fit what was found: -EEXIST, -EISDIR, -ENOTDIR,
 * -EROFS, -ENOENT, -ENOSPC, ... p describes what was opened. */
int vfs_open(const char *base, const char *path, int flags, uint32_t mode, struct vfs_path *p);
int vfs_mkdir(const char *base, const char *path, uint32_t mode);
int vfs_unlink(const char *base, const char *path);
int vfs_rmdir(const char *base, const char *path);
/* rename(2) and renameat2's RENAME_NOREPLACE (noreplace): -EXDEV across
 * mounts, -EINVAL into its own subtree, -EBUSY for a mount point. */
int vfs_rename(const char *obase, const char *opath, const char *nbase, const char *npath, bool noreplace);
int vfs_truncate_path(const char *base, const char *path, uint64_t size);

/* Operations on an inode, under its mount's lock. */
int vfs_getattr(struct vfs_node n, struct vfs_attr *a);
long vfs_read(struct vfs_node n, uint64_t off, void *buf, size_t len);
long vfs_write(struct vfs_node n, uint64_t off, const void *buf, size_t len);
/* O_APPEND's write: at the end of the file as it is under the mount's
 * lock, so appends never overwrite each other; *end is the offset after
 * what was written. */
long vfs_append(struct vfs_node n, const void *buf, size_t len, uint64_t *end);
int vfs_truncate(struct vfs_node n, uint64_t size);
int vfs_fsync(struct vfs_node n, bool data_only);
int vfs_statfs(struct vfs_node n, struct vfs_statfs *st);
int vfs_set_times(struct vfs_node n, int64_t atime_ns, int64_t mtime_ns);
/* chmod: the permission bits of mode (07777). -EROFS on a read-only
 * filesystem, -EPERM on one that keeps no modes. */
int vfs_set_mode(struct vfs_node n, uint32_t mode);
int vfs_drop_cache(struct vfs_node n, uint64_t off, uint64_t len);
int vfs_readdir(struct vfs_node n, uint64_t cookie, vfs_dirent_fn fn, void *arg);
/* An open file holds its inode (fs/vfs.h hold/release). */
void vfs_hold(struct vfs_node n);
void vfs_release(struct vfs_node n);

#endif
