/*
 * Opening and describing names before there is a filesystem: open,
 * openat, creat, the stat family, access, getdents64, readlink, getcwd
 * and chdir over the table of sys/devnode.c. The device nodes' own
 * behaviour is here too: /dev/null, zero, full, random and urandom; the
 * terminal nodes are the console's open file (sys/console.c), and
 * /dev/stdin, stdout and stderr are the descriptors 0, 1 and 2, as
 * Linux's links into /proc/self/fd behave.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/wallclock.h"
#include "sys/devnode.h"
#include "sys/kstat.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS 0x200
#define AT_NO_AUTOMOUNT 0x800 /* nothing is mounted on demand: ignored */
#define AT_EMPTY_PATH 0x1000
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define STATX_BASIC_STATS 0x7ffu

/* An open device node or directory. */
struct node_file {
	struct file file;
	const struct devnode *node;
	uint64_t pos; /* a directory's next entry for getdents64 */
};

static const struct devnode *node_of(struct file *f) { return ((struct node_file *)f->priv)->node; }

/* The wall clock at boot, the time of every node. */
static int64_t boot_sec(void)
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
	devnode_stat(node_of(f), boot_sec(), st);
	return 0;
}

static void node_close(struct file *f) { free(f->priv); }

static const struct file_ops null_ops = { "null", null_read, swallow, NULL, NULL, NULL, node_stat, node_close };
static const struct file_ops zero_ops = { "zero", zero_read, swallow, NULL, NULL, NULL, node_stat, node_close };
static const struct file_ops full_ops = { "full", zero_read, full_write, NULL, NULL, NULL, node_stat, node_close };
static const struct file_ops random_ops = { "random", random_read, swallow, NULL, NULL, NULL, node_stat, node_close };
static const struct file_ops dir_ops = { "directory", NULL, NULL, NULL, NULL, NULL, node_stat, node_close };

/* Anything without a stat of its own: an anonymous inode, as Linux
 * reports an eventfd or an epoll set. */
static void generic_stat(struct file *f, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = linux_makedev(0, 13);
	st->st_ino = (uint64_t)(uintptr_t)f >> 4;
	st->st_nlink = 1;
	st->st_mode = 0600;
	st->st_blksize = 4096;
}

static int file_stat(struct file *f, struct linux_stat *st)
{
	if (f->ops->stat)
		return f->ops->stat(f, st);
	generic_stat(f, st);
	return 0;
}

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
	const struct file_ops *ops = n->kind == DEVNODE_DIR ? &dir_ops
				     : n->dev == DEV_NULL   ? &null_ops
				     : n->dev == DEV_ZERO   ? &zero_ops
				     : n->dev == DEV_FULL   ? &full_ops
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

/*
 * The application's path at dirfd, copied and walked. dirfd is an int,
 * as Linux reads it: the register's upper half is whatever the caller
 * left there. A relative path
 * from a directory descriptor is walked from that directory; the working
 * directory is always "/".
 */
static long lookup_at(int dirfd, const char *upath, bool empty_ok, const struct devnode **node,
		      const struct devnode **parent)
{
	char *path = malloc(LINUX_PATH_MAX + 8);
	if (path == NULL)
		return -ENOMEM;
	long r = user_string_copy(path + 4, upath, LINUX_PATH_MAX);
	if (r < 0)
		goto out;
	char *p = path + 4;
	*node = *parent = NULL;
	if (p[0] == '\0' && empty_ok) {
		r = 1; /* the caller looks at dirfd itself */
		goto out;
	}
	if (p[0] != '/' && dirfd != AT_FDCWD) {
		struct file *d = fd_get(&app_fds, dirfd);
		if (d == NULL) {
			r = -EBADF;
			goto out;
		}
		bool is_dir = d->ops == &dir_ops;
		const struct devnode *dn = is_dir ? node_of(d) : NULL;
		file_put(d);
		if (!is_dir) {
			r = -ENOTDIR;
			goto out;
		}
		if (dn != &devnode_table[0]) { /* "/dev": its name in front */
			p = path;
			memcpy(p, "dev/", 4);
		}
	}
	r = devnode_walk(p, node, parent);
out:
	free(path);
	return r;
}

static long do_openat(int dirfd, const char *upath, int flags)
{
	const struct devnode *n, *parent;
	long r = lookup_at(dirfd, upath, false, &n, &parent);
	if (r == -ENOENT)
		return devnode_missing_error(parent, flags);
	if (r < 0)
		return r;
	if ((r = devnode_open_check(n, flags)) != 0)
		return r;
	struct file *f;
	if ((r = node_open(n, flags, &f)) != 0)
		return r;
	int fd = fd_install(&app_fds, f, 0);
	file_put(f);
	if (fd >= 0)
		app_fds.cloexec[fd] = (flags & O_CLOEXEC) != 0;
	return fd;
}

static long sys_open(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_openat(AT_FDCWD, (const char *)a0, (int)a1);
}
SYSCALL(SYS_open, sys_open);

static long sys_openat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_openat((int)a0, (const char *)a1, (int)a2);
}
SYSCALL(SYS_openat, sys_openat);

static long sys_creat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_openat(AT_FDCWD, (const char *)a0, O_CREAT | O_WRONLY | O_TRUNC);
}
SYSCALL(SYS_creat, sys_creat);

/* stat of what a name or a descriptor is, following a link into the
 * descriptor table unless nofollow. */
static long stat_at(int dirfd, const char *upath, int flags, struct linux_stat *st)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	const struct devnode *n, *parent;
	long r = lookup_at(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &n, &parent);
	if (r < 0)
		return r;
	int fd = r == 1 ? dirfd : -1; /* AT_EMPTY_PATH: dirfd itself */
	if (r == 1 && dirfd == AT_FDCWD)
		n = &devnode_table[0];
	else if (n && n->kind == DEVNODE_LINK && !(flags & AT_SYMLINK_NOFOLLOW))
		fd = n->fd;
	if (fd >= 0) {
		struct file *f = fd_get(&app_fds, fd);
		if (f == NULL)
			return r == 1 ? -EBADF : -ENOENT;
		r = file_stat(f, st);
		file_put(f);
		return r;
	}
	devnode_stat(n, boot_sec(), st);
	return 0;
}

static long stat_out(int dirfd, const char *upath, int flags, struct linux_stat *ust)
{
	if (!user_writable_ok(ust, sizeof(*ust)))
		return -EFAULT;
	struct linux_stat st;
	long r = stat_at(dirfd, upath, flags, &st);
	if (r == 0)
		*ust = st;
	return r;
}

static long sys_stat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return stat_out(AT_FDCWD, (const char *)a0, 0, (struct linux_stat *)a1);
}
SYSCALL(SYS_stat, sys_stat);

static long sys_lstat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return stat_out(AT_FDCWD, (const char *)a0, AT_SYMLINK_NOFOLLOW, (struct linux_stat *)a1);
}
SYSCALL(SYS_lstat, sys_lstat);

static long sys_newfstatat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return stat_out((int)a0, (const char *)a1, (int)a3, (struct linux_stat *)a2);
}
SYSCALL(SYS_newfstatat, sys_newfstatat);

static long sys_fstat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_stat *ust = (struct linux_stat *)a1;
	if (!user_writable_ok(ust, sizeof(*ust)))
		return -EFAULT;
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	struct linux_stat st;
	long r = file_stat(f, &st);
	file_put(f);
	if (r == 0)
		*ust = st;
	return r;
}
SYSCALL(SYS_fstat, sys_fstat);

struct linux_statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct linux_statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct linux_statx) == 256, "Linux's struct statx");

static unsigned dev_major(uint64_t d) { return (unsigned)(((d >> 8) & 0xfff) | ((d >> 32) & ~0xfffull)); }
static unsigned dev_minor(uint64_t d) { return (unsigned)((d & 0xff) | ((d >> 12) & ~0xffull)); }

/* statx: the basic fields, from the same stat; sync flags are ignored
 * (nothing is remote). */
static long sys_statx(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_statx *ux = (struct linux_statx *)a4;
	if (!user_writable_ok(ux, sizeof(*ux)))
		return -EFAULT;
	struct linux_stat st;
	long r = stat_at((int)a0, (const char *)a1, (int)(a2 & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)), &st);
	if (r != 0)
		return r;
	struct linux_statx x;
	memset(&x, 0, sizeof(x));
	x.stx_mask = STATX_BASIC_STATS;
	x.stx_blksize = (uint32_t)st.st_blksize;
	x.stx_nlink = (uint32_t)st.st_nlink;
	x.stx_mode = (uint16_t)st.st_mode;
	x.stx_ino = st.st_ino;
	x.stx_size = (uint64_t)st.st_size;
	x.stx_blocks = (uint64_t)st.st_blocks;
	x.stx_atime.tv_sec = st.st_atime_sec;
	x.stx_ctime.tv_sec = st.st_ctime_sec;
	x.stx_mtime.tv_sec = st.st_mtime_sec;
	x.stx_rdev_major = dev_major(st.st_rdev);
	x.stx_rdev_minor = dev_minor(st.st_rdev);
	x.stx_dev_major = dev_major(st.st_dev);
	x.stx_dev_minor = dev_minor(st.st_dev);
	*ux = x;
	return 0;
}
SYSCALL(SYS_statx, sys_statx);

/* access as root: reading and writing are allowed everywhere there is a
 * name, executing only directories (nothing here is a program). */
static long access_at(int dirfd, const char *upath, int mode, int flags)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct linux_stat st;
	long r = stat_at(dirfd, upath, (int)(flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)), &st);
	if (r != 0)
		return r;
	if ((mode & X_OK) && (st.st_mode & LINUX_S_IFMT) != LINUX_S_IFDIR)
		return -EACCES;
	return 0;
}

static long sys_access(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return access_at(AT_FDCWD, (const char *)a0, (int)a1, 0);
}
SYSCALL(SYS_access, sys_access);

static long sys_faccessat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return access_at((int)a0, (const char *)a1, (int)a2, 0);
}
SYSCALL(SYS_faccessat, sys_faccessat);

static long sys_faccessat2(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return access_at((int)a0, (const char *)a1, (int)a2, (int)a3);
}
SYSCALL(SYS_faccessat2, sys_faccessat2);

static long sys_getdents64(long a0, long a1, long a2, long a3, long a4, long a5)
{
	void *buf = (void *)a1;
	size_t len = (size_t)(unsigned)a2;
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r;
	if (f->ops != &dir_ops) {
		r = -ENOTDIR;
	} else if (!user_writable_ok(buf, len)) {
		r = -EFAULT;
	} else {
		struct node_file *nf = f->priv;
		r = devnode_getdents(nf->node, &nf->pos, buf, len);
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_getdents64, sys_getdents64);

static long readlink_at(int dirfd, const char *upath, char *ubuf, int len)
{
	if (len <= 0)
		return -EINVAL;
	const struct devnode *n, *parent;
	long r = lookup_at(dirfd, upath, false, &n, &parent);
	if (r < 0)
		return r;
	if (n->kind != DEVNODE_LINK)
		return -EINVAL;
	size_t tl = strlen(n->target);
	if ((size_t)len > tl)
		len = (int)tl;
	if (!user_writable_ok(ubuf, (size_t)len))
		return -EFAULT;
	memcpy(ubuf, n->target, (size_t)len);
	return len;
}

static long sys_readlink(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return readlink_at(AT_FDCWD, (const char *)a0, (char *)a1, (int)a2);
}
SYSCALL(SYS_readlink, sys_readlink);

static long sys_readlinkat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return readlink_at((int)a0, (const char *)a1, (char *)a2, (int)a3);
}
SYSCALL(SYS_readlinkat, sys_readlinkat);

/* The working directory is "/" and stays there. */
static long sys_getcwd(long a0, long a1, long a2, long a3, long a4, long a5)
{
	char *buf = (char *)a0;
	if ((size_t)a1 < 2)
		return -ERANGE;
	if (!user_writable_ok(buf, 2))
		return -EFAULT;
	buf[0] = '/';
	buf[1] = '\0';
	return 2;
}
SYSCALL(SYS_getcwd, sys_getcwd);

static long sys_chdir(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct devnode *n, *parent;
	long r = lookup_at(AT_FDCWD, (const char *)a0, false, &n, &parent);
	if (r < 0)
		return r;
	if (n->kind != DEVNODE_DIR)
		return -ENOTDIR;
	/* Only "/" can be the working directory until there is a VFS. */
	return n == &devnode_table[0] ? 0 : -ENOENT;
}
SYSCALL(SYS_chdir, sys_chdir);
