/*
 * Linux's struct stat on x86-64 and the mode bits, for every kind of
 * open object to describe itself (struct file_ops, stat). No generated
 * headers, so the pure parts and their host tests can use it.
 */
#ifndef KEEL_SYS_KSTAT_H
#define KEEL_SYS_KSTAT_H

#include <stdint.h>

#define LINUX_S_IFMT 0170000
#define LINUX_S_IFIFO 0010000
#define LINUX_S_IFCHR 0020000
#define LINUX_S_IFDIR 0040000
#define LINUX_S_IFBLK 0060000
#define LINUX_S_IFREG 0100000
#define LINUX_S_IFLNK 0120000
#define LINUX_S_IFSOCK 0140000

/* Linux's dev_t as the application sees it (glibc's and musl's makedev). */
static inline uint64_t linux_makedev(unsigned major, unsigned minor)
{
	return ((uint64_t)(major & 0xfff) << 8) | (minor & 0xff) | ((uint64_t)(major & ~0xfffu) << 32) |
	       ((uint64_t)(minor & ~0xffu) << 12);
}

struct linux_stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	int64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "Linux's struct stat on x86-64");

/* An object of a pseudo filesystem (device 0:minor: pipefs, sockfs, the
 * anonymous inodes): obj's address is its inode number, unique while it
 * lives. */
static inline void linux_stat_pseudo(struct linux_stat *st, unsigned minor, const void *obj, uint32_t mode)
{
	*st = (struct linux_stat){ .st_dev = linux_makedev(0, minor),
				   .st_ino = (uint64_t)(uintptr_t)obj >> 4,
				   .st_nlink = 1,
				   .st_mode = mode,
				   .st_blksize = 4096 };
}

#endif
