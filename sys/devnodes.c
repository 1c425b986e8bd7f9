/*
 * /dev: the table of sys/devnode.c as a read-only filesystem of the VFS
 * (devfs), and the device nodes' own behaviour: /dev/null, zero, full,
 * random and urandom; the terminal nodes are the console's open file
 * (sys/console.c), and /dev/stdin, stdout and stderr are the descriptors
 * 0, 1 and 2, as Linux's links into /proc/self/fd behave. The disks'
 * nodes (/dev/vda, /dev/sdb) are the block devices registered now
 * (sys/devblk.h): one hot-plugged appears, one taken out is gone. They
 * answer stat; opening one is not supported (ENXIO).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/blkdev.h"
#include "kernel/clock.h"
#include "kernel/wallclock.h"
#include "sys/devblk.h"
#include "sys/devnode.h"
#include "sys/fsfile.h"
#include "sys/kstat.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define O_APPEND 02000
#define O_NONBLOCK 04000

/* An open device node. */
struct node_file {
	struct file file;
	const struct devnode *node;
};

static const struct devnode *node_of(struct file *f) { return ((struct node_file *)f->priv)->node; }

/* The wall clock at boot, the time of every node. */
int64_t boot_wall_sec(void)
{
	static int64_t sec = -1;
	if (sec < 0)
		sec = (int64_t)((wallclock_ns() - clock_ns()) / 1000000000ull);
	return sec;
}

static long null_read(struct file *f, void *buf, size_t len) { return 0; }
static long swallow(struct file *f, const void *buf, size_t len) { return (long)len; }
static long full_write(struct file *f, const void *buf, size_t len) { return -ENOSPC; }

static long zero_read(struct file *f, void *buf, size_t len)
{
	memset(buf, 0, len);
	return (long)len;
}

/* Linux hands out at most this much from /dev/urandom in one read. */
#define RANDOM_READ_MAX 33554431ul

static long random_read(struct file *f, void *buf, size_t len)
{
	if (len > RANDOM_READ_MAX)
		len = RANDOM_READ_MAX;
	random_fill(buf, len);
	return (long)len;
}

static int node_stat(struct file *f, struct linux_stat *st)
{
	devnode_stat(node_of(f), boot_wall_sec(), st);
	return 0;
}

static void node_close(struct file *f) { free(f->priv); }

static const struct file_ops null_ops = {
	.kind = "null",
	.read = null_read,
	.write = swallow,
	.stat = node_stat,
	.close = node_close,
};
static const struct file_ops zero_ops = {
	.kind = "zero",
	.read = zero_read,
	.write = swallow,
	.stat = node_stat,
	.close = node_close,
};
static const struct file_ops full_ops = {
	.kind = "full",
	.read = zero_read,
	.write = full_write,
	.stat = node_stat,
	.close = node_close,
};
static const struct file_ops random_ops = {
	.kind = "random",
	.read = random_read,
	.write = swallow,
	.stat = node_stat,
	.close = node_close,
};

/* The object a node opens to, with a reference for the caller. */
static long node_open(const struct devnode *n, int flags, struct file **out)
{
	if (n->kind == DEVNODE_LINK) {
		*out = fd_get(&app_fds, n->fd);
		return *out ? 0 : -ENOENT; /* the link dangles */
	}
	if (n->kind == DEVNODE_CHAR && n->dev == DEV_TTY) {
		/* One open file for the terminal: its flags are the console's. */
		*out = console_file();
		return 0;
	}
	const struct file_ops *ops = n->dev == DEV_NULL	  ? &null_ops
				     : n->dev == DEV_ZERO ? &zero_ops
				     : n->dev == DEV_FULL ? &full_ops
							  : &random_ops;
	struct node_file *nf = calloc(1, sizeof(*nf));
	if (nf == NULL)
		return -ENOMEM;
	nf->node = n;
	file_init(&nf->file, ops, nf);
	nf->file.flags = flags & (O_APPEND | O_NONBLOCK);
	nf->file.access = file_access_from_flags(flags);
	*out = &nf->file;
	return 0;
}

/* --- devfs: the table as a filesystem ------------------------------------------ */

/* The block device registry comes with the block drivers (Makefile:
 * CLASS_disk): in an image without one, there are no disks' nodes. */
extern __typeof__(blkdev_find) blkdev_find __attribute__((weak));
extern __typeof__(blkdev_foreach) blkdev_foreach __attribute__((weak));

/* Whether ino is the node of a disk registered now; its name in name. */
static bool disk_node(uint64_t ino, char name[DEVBLK_NAME_MAX + 1])
{
	return devblk_name(ino, name) && blkdev_find && blkdev_find(name) != NULL;
}

/* Inode numbers are devnode_ino's; "/dev" is the root, "/" is none of
 * devfs's. */
static const struct devnode *by_ino(uint64_t ino)
{
	const struct devnode *n = devnode_by_ino(ino);
	return n == &devnode_table[0] ? NULL : n;
}

int devfs_open(uint64_t ino, int flags, struct file **out)
{
	const struct devnode *n = by_ino(ino);
	char name[DEVBLK_NAME_MAX + 1];
	if (n == NULL && disk_node(ino, name))
		return flags & VFS_O_DIRECTORY ? -ENOTDIR : -ENXIO;
	if (n == NULL || n->kind == DEVNODE_DIR)
		return -ENOENT;
	if (flags & VFS_O_DIRECTORY)
		return -ENOTDIR;
	return (int)node_open(n, flags, out);
}

int devfs_stat(uint64_t ino, bool follow, struct linux_stat *st)
{
	const struct devnode *n = by_ino(ino);
	char name[DEVBLK_NAME_MAX + 1];
	if (n == NULL && disk_node(ino, name)) {
		devblk_stat(name, boot_wall_sec(), st);
		return 0;
	}
	if (n == NULL)
		return -ENOENT;
	if (follow && n->kind == DEVNODE_LINK) {
		struct file *f = fd_get(&app_fds, n->fd);
		if (f == NULL)
			return -ENOENT;
		int r = fsfile_stat_any(f, st);
		file_put(f);
		return r;
	}
	devnode_stat(n, boot_wall_sec(), st);
	return 0;
}

const char *devfs_link_target(uint64_t ino)
{
	const struct devnode *n = by_ino(ino);
	return n && n->kind == DEVNODE_LINK ? n->target : NULL;
}

static unsigned dtype_of(const struct devnode *n)
{
	return n->kind == DEVNODE_DIR ? VFS_DT_DIR : n->kind == DEVNODE_CHAR ? 2 /* DT_CHR */ : 10 /* DT_LNK */;
}

static int dfs_lookup(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
	const struct devnode *d = by_ino(dir), *c;
	if (d == NULL)
		return -ENOENT;
	if (d->kind != DEVNODE_DIR)
		return -ENOTDIR;
	if ((c = devnode_child(d, name, len)) != NULL) {
		*ino = devnode_ino(c);
		return 0;
	}
	char disk[DEVBLK_NAME_MAX + 1];
	uint64_t blk = dir == devfs.root ? devblk_ino(name, len) : 0;
	if (blk && disk_node(blk, disk)) {
		*ino = blk;
		return 0;
	}
	return -ENOENT;
}

static int dfs_getattr(struct vfs_fs *fs, uint64_t ino, struct vfs_attr *a)
{
	struct linux_stat st;
	int r = devfs_stat(ino, false, &st);
	if (r)
		return r;
	int64_t ns = st.st_mtime_sec * 1000000000ll;
	*a = (struct vfs_attr){ .ino = st.st_ino,
				.mode = st.st_mode,
				.nlink = (uint32_t)st.st_nlink,
				.size = (uint64_t)st.st_size,
				.blocks = (uint64_t)st.st_blocks,
				.atime_ns = ns,
				.mtime_ns = ns,
				.ctime_ns = ns };
	return 0;
}

struct disk_walk {
	vfs_dirent_fn fn;
	void *arg;
	uint64_t from, at; /* cookies: the first to give, this disk's */
};

static int list_disk(struct blkdev *bd, void *arg)
{
	struct disk_walk *w = arg;
	uint64_t cookie = w->at++;
	const char *name = bd->reg.name;
	uint64_t ino = devblk_ino(name, strlen(name));
	if (cookie < w->from || ino == 0)
		return 0;
	return w->fn(w->arg, name, strlen(name), ino, 6 /* DT_BLK */, cookie) ? 1 : 0;
}

static int dfs_readdir(struct vfs_fs *fs, uint64_t ino, uint64_t cookie, vfs_dirent_fn fn, void *arg)
{
	const struct devnode *d = by_ino(ino);
	if (d == NULL)
		return -ENOENT;
	if (d->kind != DEVNODE_DIR)
		return -ENOTDIR;
	for (unsigned i = (unsigned)cookie + 1; i < devnode_count; i++) {
		const struct devnode *c = &devnode_table[i];
		if (&devnode_table[c->parent] == d && fn(arg, c->name, strlen(c->name), devnode_ino(c), dtype_of(c), i))
			return 0;
	}
	if (ino == devfs.root && blkdev_foreach) {
		/* The disks after the table, by their order in the registry:
		 * one that goes meanwhile may shift the rest by one. */
		struct disk_walk w = { fn, arg, cookie < devnode_count ? devnode_count : cookie + 1, devnode_count };
		blkdev_foreach(list_disk, &w);
	}
	return 0;
}

static long dfs_read(struct vfs_fs *fs, uint64_t ino, uint64_t off, void *buf, size_t len) { return -EINVAL; }
static long dfs_write(struct vfs_fs *fs, uint64_t ino, uint64_t off, const void *buf, size_t len) { return -EROFS; }
static int dfs_create(struct vfs_fs *fs, uint64_t d, const char *n, size_t l, uint32_t m, uint64_t *i)
{
	return -EROFS;
}
static int dfs_remove(struct vfs_fs *fs, uint64_t d, const char *n, size_t l) { return -EROFS; }
static int dfs_rename(struct vfs_fs *fs, uint64_t od, const char *on, size_t ol, uint64_t nd, const char *nn, size_t nl)
{
	return -EROFS;
}
static int dfs_truncate(struct vfs_fs *fs, uint64_t ino, uint64_t size) { return -EROFS; }
static int dfs_fsync(struct vfs_fs *fs, uint64_t ino, bool data_only) { return 0; }

static int dfs_statfs(struct vfs_fs *fs, struct vfs_statfs *st)
{
	*st = (struct vfs_statfs){ .magic = 0x1021994 /* devtmpfs is a tmpfs */,
				   .block_size = 4096,
				   .files = devnode_count,
				   .name_max = VFS_NAME_MAX };
	return 0;
}

static int dfs_unmount(struct vfs_fs *fs) { return 0; }

static const struct vfs_fs_ops devfs_ops = {
	.lookup = dfs_lookup,
	.getattr = dfs_getattr,
	.create = dfs_create,
	.unlink = dfs_remove,
	.rmdir = dfs_remove,
	.rename = dfs_rename,
	.read = dfs_read,
	.write = dfs_write,
	.truncate = dfs_truncate,
	.readdir = dfs_readdir,
	.fsync = dfs_fsync,
	.statfs = dfs_statfs,
	.unmount = dfs_unmount,
};

struct vfs_fs devfs = { .ops = &devfs_ops, .root = 3 /* devnode_ino of "/dev" */, .read_only = true };
