/*
 * What a filesystem offers the VFS: Keel's own on a disk (fs/keelfs*), a
 * RAM filesystem for /tmp, and any other. The VFS (fs/vfs.c) resolves
 * paths across mount points, keeps open files and serves the file system
 * calls of sys/; a filesystem only answers questions about inodes, named
 * by number within it, as FUSE's low-level interface does. The same
 * operations serve the host tool keelfs, built from the same sources.
 *
 * The VFS calls one filesystem's operations one at a time (it holds a
 * lock per mount), so a filesystem needs no locking of its own. Names
 * are byte strings with a length, never containing '/' or NUL, never "."
 * or "..", at most VFS_NAME_MAX bytes: the VFS checks them first.
 * Results are 0 (or a byte count) or a negative Linux errno.
 */
#ifndef KEEL_FS_VFS_H
#define KEEL_FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFS_NAME_MAX 255

/* Linux's file type bits of st_mode, and the directory entry types of
 * getdents64 (DT_). */
#define VFS_S_IFMT 0170000
#define VFS_S_IFDIR 0040000
#define VFS_S_IFREG 0100000
#define VFS_DT_DIR 4
#define VFS_DT_REG 8

struct vfs_attr {
	uint64_t ino;
	uint32_t mode; /* type and permission bits, as st_mode */
	uint32_t nlink;
	uint64_t size;			      /* bytes */
	uint64_t blocks;		      /* 512-byte units allocated (less than size for a sparse file) */
	int64_t atime_ns, mtime_ns, ctime_ns; /* since the epoch */
};

struct vfs_statfs {
	uint64_t magic; /* f_type */
	uint32_t block_size;
	uint64_t blocks, blocks_free;
	uint64_t files, files_free;
	uint32_t name_max;
};

struct vfs_fs;

/* readdir's callback: one entry; a non-zero return stops the listing
 * (the caller's buffer is full), and that entry is given again from
 * next_cookie's predecessor. */
typedef int (*vfs_dirent_fn)(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype,
			     uint64_t next_cookie);

struct vfs_fs_ops {
	/* The inode name stands for in directory dir: -ENOENT, -ENOTDIR. */
	int (*lookup)(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint64_t *ino);
	int (*getattr)(struct vfs_fs *fs, uint64_t ino, struct vfs_attr *attr);
	/* A new regular file or directory (mode says which, and its
	 * permissions) named name in dir: -EEXIST, -ENOSPC, -ENOTDIR. */
	int (*create)(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint32_t mode, uint64_t *ino);
	/* Removes a name of a file (-EISDIR for a directory); the inode
	 * lives on while it is held (hold/release). */
	int (*unlink)(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len);
	/* Removes an empty directory: -ENOTDIR, -ENOTEMPTY. */
	int (*rmdir)(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len);
	/* rename(2) within the filesystem, atomically: a target that exists
	 * is replaced (a directory only by a directory, and only when it is
	 * empty: -EISDIR, -ENOTDIR, -ENOTEMPTY); a directory moved into its
	 * own subtree is -EINVAL (the VFS checks that first). */
	int (*rename)(struct vfs_fs *fs, uint64_t olddir, const char *oldname, size_t oldlen, uint64_t newdir,
		      const char *newname, size_t newlen);
	/* Bytes at off: short at the end of the file, holes read as zeros. */
	long (*read)(struct vfs_fs *fs, uint64_t ino, uint64_t off, void *buf, size_t len);
	/* Bytes at off, extending the file: the count written (short only
	 * when the disk filled: -ENOSPC when nothing was), -EFBIG. */
	long (*write)(struct vfs_fs *fs, uint64_t ino, uint64_t off, const void *buf, size_t len);
	/* Sets the size; a larger size leaves a hole. */
	int (*truncate)(struct vfs_fs *fs, uint64_t ino, uint64_t size);
	/* Lists directory ino from cookie (0: the beginning; "." and ".."
	 * are the VFS's to add) until fn returns non-zero or the entries
	 * end; cookies are stable across changes to the directory. */
	int (*readdir)(struct vfs_fs *fs, uint64_t ino, uint64_t cookie, vfs_dirent_fn fn, void *arg);
	/* Makes ino's data (and, unless data_only, its metadata) and every
	 * operation that came before on it durable; a directory's fsync makes
	 * its entries durable. */
	int (*fsync)(struct vfs_fs *fs, uint64_t ino, bool data_only);
	/* Sets the times (a negative value keeps one). May be NULL. */
	int (*set_times)(struct vfs_fs *fs, uint64_t ino, int64_t atime_ns, int64_t mtime_ns);
	/* Sets the permission bits (07777 of mode; the type stays) and the
	 * change time. May be NULL: the filesystem keeps no modes. */
	int (*set_mode)(struct vfs_fs *fs, uint64_t ino, uint32_t mode);
	int (*statfs)(struct vfs_fs *fs, struct vfs_statfs *st);
	/* Forgets what is cached of bytes [off, off + len) of ino (len 0: to
	 * the end), as POSIX_FADV_DONTNEED asks; nothing pending is lost. May
	 * be NULL (nothing cached). */
	int (*drop_cache)(struct vfs_fs *fs, uint64_t ino, uint64_t off, uint64_t len);
	/* An open file holds its inode: an inode unlinked while held is
	 * freed at its last release. May be NULL. */
	void (*hold)(struct vfs_fs *fs, uint64_t ino);
	void (*release)(struct vfs_fs *fs, uint64_t ino);
	/* Writes back what is pending and frees the filesystem. */
	int (*unmount)(struct vfs_fs *fs);
};

struct vfs_fs {
	const struct vfs_fs_ops *ops;
	uint64_t root; /* the root directory's inode */
	bool read_only;
	void *priv; /* the filesystem's */
};

#endif
