/*
 * The table of device nodes, "/" and "/dev" at its head, and the
 * questions devfs asks of it.
 */
#include "sys/devnode.h"

#include <errno.h>
#include <string.h>

/* The root's inode number on Linux's usual filesystems; the rest follow. */
#define ROOT_INO 2
/* st_dev of the root ("/", 8:1 like a first disk) and of devtmpfs (0:5). */
#define ROOT_DEV_MAJOR 8
#define ROOT_DEV_MINOR 1
#define DEVFS_DEV_MINOR 5

#define DEV 1 /* the index of "/dev" */
#define CHR(n, maj, min, d)                                                                                            \
	{                                                                                                              \
		n, DEV, DEVNODE_CHAR, maj, min, d, -1, NULL                                                            \
	}
#define LNK(n, fd, t)                                                                                                  \
	{                                                                                                              \
		n, DEV, DEVNODE_LINK, 0, 0, DEV_NONE, fd, t                                                            \
	}

const struct devnode devnode_table[] = {
	{ "/", 0, DEVNODE_DIR, 0, 0, DEV_NONE, -1, NULL },
	{ "dev", 0, DEVNODE_DIR, 0, 0, DEV_NONE, -1, NULL },
	CHR("null", 1, 3, DEV_NULL),
	CHR("zero", 1, 5, DEV_ZERO),
	CHR("full", 1, 7, DEV_FULL),
	CHR("random", 1, 8, DEV_RANDOM),
	CHR("urandom", 1, 9, DEV_RANDOM),
	CHR("tty", 5, 0, DEV_TTY),
	CHR("console", 5, 1, DEV_TTY),
	LNK("stdin", 0, "/proc/self/fd/0"),
	LNK("stdout", 1, "/proc/self/fd/1"),
	LNK("stderr", 2, "/proc/self/fd/2"),
};
const unsigned devnode_count = sizeof(devnode_table) / sizeof(devnode_table[0]);

static unsigned index_of(const struct devnode *n) { return (unsigned)(n - devnode_table); }

uint64_t devnode_ino(const struct devnode *n) { return ROOT_INO + index_of(n); }

const struct devnode *devnode_by_ino(uint64_t ino)
{
	return ino >= ROOT_INO && ino - ROOT_INO < devnode_count ? &devnode_table[ino - ROOT_INO] : NULL;
}

const struct devnode *devnode_child(const struct devnode *dir, const char *name, size_t len)
{
	for (unsigned i = 1; i < devnode_count; i++) {
		const struct devnode *c = &devnode_table[i];
		if (&devnode_table[c->parent] == dir && strlen(c->name) == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

void devnode_stat(const struct devnode *n, int64_t boot_sec, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = devnode_ino(n);
	st->st_blksize = 4096;
	st->st_atime_sec = st->st_mtime_sec = st->st_ctime_sec = boot_sec;
	switch (n->kind) {
	case DEVNODE_DIR:
		st->st_dev = linux_makedev(n == devnode_table ? ROOT_DEV_MAJOR : 0,
					   n == devnode_table ? ROOT_DEV_MINOR : DEVFS_DEV_MINOR);
		st->st_mode = LINUX_S_IFDIR | 0755;
		st->st_nlink = 2;
		for (unsigned i = 1; i < devnode_count; i++)
			if (&devnode_table[devnode_table[i].parent] == n && devnode_table[i].kind == DEVNODE_DIR)
				st->st_nlink++;
		st->st_size = 4096;
		st->st_blocks = 8;
		break;
	case DEVNODE_CHAR:
		st->st_dev = linux_makedev(0, DEVFS_DEV_MINOR);
		st->st_mode = LINUX_S_IFCHR | 0666;
		st->st_nlink = 1;
		st->st_rdev = linux_makedev(n->major, n->minor);
		break;
	case DEVNODE_LINK:
		st->st_dev = linux_makedev(0, DEVFS_DEV_MINOR);
		st->st_mode = LINUX_S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (int64_t)strlen(n->target);
		break;
	}
}
