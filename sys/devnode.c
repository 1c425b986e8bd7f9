/*
 * The table of names and the walk over it. The walk goes component by
 * component, as Linux's does, so "/dev/null/.." is -ENOTDIR and "/.."
 * is "/" without any string rewriting.
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

static const struct devnode *child(const struct devnode *dir, const char *name, size_t len)
{
	for (unsigned i = 1; i < devnode_count; i++) {
		const struct devnode *c = &devnode_table[i];
		if (&devnode_table[c->parent] == dir && strlen(c->name) == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

int devnode_walk(const char *path, const struct devnode **node, const struct devnode **parent)
{
	const struct devnode *cur = &devnode_table[0]; /* absolute or relative: the cwd is "/" */
	*node = NULL;
	*parent = NULL;
	if (path[0] == '\0')
		return -ENOENT;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > LINUX_NAME_MAX)
			return -ENAMETOOLONG;
		if (cur->kind != DEVNODE_DIR)
			return -ENOTDIR;
		if (len == 1 && p[0] == '.') {
			/* stays */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			cur = &devnode_table[cur->parent];
		} else {
			const struct devnode *c = child(cur, p, len);
			if (c == NULL) {
				/* Missing as the last component: O_CREAT's case. */
				bool last = true;
				for (const char *q = p + len; *q; q++)
					if (*q != '/')
						last = false;
				if (last)
					*parent = cur;
				return -ENOENT;
			}
			cur = c;
		}
		p += len;
	}
	/* A trailing slash (or "/." after a name) asks for a directory. */
	size_t n = strlen(path);
	if (cur->kind != DEVNODE_DIR && (path[n - 1] == '/' || (n >= 2 && path[n - 1] == '.' && path[n - 2] == '/')))
		return -ENOTDIR;
	*node = cur;
	return 0;
}

int devnode_open_check(const struct devnode *n, int flags)
{
	if ((flags & (DEVNODE_O_CREAT | DEVNODE_O_EXCL)) == (DEVNODE_O_CREAT | DEVNODE_O_EXCL))
		return -EEXIST;
	if (n->kind == DEVNODE_DIR) {
		if ((flags & DEVNODE_O_ACCMODE) != DEVNODE_O_RDONLY || (flags & DEVNODE_O_CREAT))
			return -EISDIR;
		return 0;
	}
	if (flags & DEVNODE_O_DIRECTORY)
		return -ENOTDIR;
	return 0;
}

int devnode_missing_error(const struct devnode *parent, int flags)
{
	/* Linux on a read-only root: creating in a directory that exists is
	 * -EROFS; everything else that is missing is -ENOENT. */
	return parent && (flags & DEVNODE_O_CREAT) ? -EROFS : -ENOENT;
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

/* Linux's struct linux_dirent64 header: the name follows, NUL-ended,
 * and the record is padded to 8 bytes. */
struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __attribute__((packed));
#define DT_CHR 2
#define DT_DIR 4
#define DT_LNK 10

long devnode_getdents(const struct devnode *dir, uint64_t *pos, void *buf, size_t len)
{
	size_t used = 0;
	for (;;) {
		/* Entry *pos: ".", "..", then the children in table order. */
		const struct devnode *e = NULL;
		const char *name = NULL;
		uint64_t k = *pos, next = *pos + 1;
		if (k == 0) {
			e = dir, name = ".";
		} else if (k == 1) {
			e = &devnode_table[dir->parent], name = "..";
		} else {
			for (uint64_t i = k - 1; i < devnode_count; i++) {
				if (i > 0 && &devnode_table[devnode_table[i].parent] == dir) {
					e = &devnode_table[i];
					name = e->name;
					next = i + 2;
					break;
				}
			}
		}
		if (e == NULL)
			return (long)used;
		size_t reclen = (sizeof(struct dirent64_head) + strlen(name) + 1 + 7) & ~(size_t)7;
		if (used + reclen > len)
			return used ? (long)used : -EINVAL;
		struct dirent64_head h = {
			.d_ino = devnode_ino(e),
			.d_off = (int64_t)next,
			.d_reclen = (uint16_t)reclen,
			.d_type = e->kind == DEVNODE_DIR    ? DT_DIR
				  : e->kind == DEVNODE_CHAR ? DT_CHR
							    : DT_LNK,
		};
		char *rec = (char *)buf + used;
		memset(rec, 0, reclen);
		memcpy(rec, &h, sizeof(h));
		memcpy(rec + sizeof(h), name, strlen(name));
		used += reclen;
		*pos = next;
	}
}
