/*
 * The disks' nodes under /dev: their inode numbers and stat (sys/devblk.h).
 */
#include "sys/devblk.h"

#include <string.h>

/* Above every inode number of the table (sys/devnode.c counts from 2). */
#define DEVBLK_INO_BIT (UINT64_C(1) << 62)
#define DEVFS_DEV_MINOR 5 /* devtmpfs's st_dev, 0:5, as sys/devnode.c */

uint64_t devblk_ino(const char *name, size_t len)
{
	if (len == 0 || len > DEVBLK_NAME_MAX)
		return 0;
	uint64_t ino = DEVBLK_INO_BIT;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
		ino |= (uint64_t)c << (8 * i);
	}
	return ino;
}

bool devblk_name(uint64_t ino, char name[DEVBLK_NAME_MAX + 1])
{
	if ((ino & ~(DEVBLK_INO_BIT | ((UINT64_C(1) << (8 * DEVBLK_NAME_MAX)) - 1))) != 0 || !(ino & DEVBLK_INO_BIT))
		return false;
	size_t len = 0;
	while (len < DEVBLK_NAME_MAX && (ino >> (8 * len)) & 0xff) {
		name[len] = (char)((ino >> (8 * len)) & 0xff);
		len++;
	}
	name[len] = '\0';
	/* Only what devblk_ino makes: no byte after the first zero. */
	return len > 0 && (ino & ~DEVBLK_INO_BIT) >> (8 * len) == 0 && devblk_ino(name, len) == ino;
}

/* The disk's index in Linux's naming: "a" 0 ... "z" 25, "aa" 26; -1 when
 * the letters are not a disk's. */
static long letters_index(const char *s)
{
	long idx = 0;
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < 'a' || *s > 'z')
			return -1;
		idx = idx * 26 + (*s - 'a' + 1);
	}
	return idx - 1;
}

void devblk_stat(const char *name, int64_t boot_sec, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	unsigned major = 259, minor = 0; /* blkext: a disk Linux numbers on the fly */
	long idx = letters_index(name + (strlen(name) >= 2 ? 2 : 0));
	if (idx >= 0 && idx < 16 && strncmp(name, "sd", 2) == 0)
		major = 8, minor = (unsigned)idx * 16;
	else if (idx >= 0 && idx < 64 && strncmp(name, "vd", 2) == 0)
		major = 254, minor = (unsigned)idx * 16;
	st->st_ino = devblk_ino(name, strlen(name));
	st->st_dev = linux_makedev(0, DEVFS_DEV_MINOR);
	st->st_mode = LINUX_S_IFBLK | 0660;
	st->st_nlink = 1;
	st->st_rdev = linux_makedev(major, minor);
	st->st_blksize = 4096;
	st->st_atime_sec = st->st_mtime_sec = st->st_ctime_sec = boot_sec;
}
