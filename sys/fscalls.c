/*
 * The file system calls that take a path: open, openat, creat, the stat
 * family, statx, access, readlink, mkdir, unlink, rmdir, rename, truncate,
 * statfs, utimensat, and the working directory (getcwd, chdir, fchdir),
 * over the VFS (fs/mount.h). A relative path starts at the working
 * directory or at an open directory, both kept as canonical paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/wallclock.h"
#include "sys/fsfile.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_CLOEXEC 02000000
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_NO_AUTOMOUNT 0x800 /* nothing is mounted on demand: ignored */
#define AT_EMPTY_PATH 0x1000
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define RENAME_NOREPLACE 1
#define STATX_BASIC_STATS 0x7ffu
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

static char cwd[VFS_PATH_MAX] = "/";
/* The file mode creation mask, as a program started by a Linux login
 * or service manager gets it. */
static unsigned umask_bits = 022;

static long sys_umask(long a0, long a1, long a2, long a3, long a4, long a5)
{
	unsigned old = umask_bits;
	umask_bits = (unsigned)a0 & 0777;
	return old;
}
SYSCALL(SYS_umask, sys_umask);

/* A path from the application and the directory it starts from. */
struct upath {
	char *path, *base;
	struct file *dir; /* AT_EMPTY_PATH: the descriptor itself, referenced */
};

static void put_path(struct upath *u)
{
	free(u->path);
	free(u->base);
	if (u->dir)
		file_put(u->dir);
}

/* Copies the path and finds its base. Returns 0, or 1 when the path is
 * empty and empty_ok (u->dir is then dirfd's object, NULL for the
 * working directory), or -errno. */
static long get_path(int dirfd, const char *upath, bool empty_ok, struct upath *u)
{
	memset(u, 0, sizeof(*u));
	u->path = malloc(VFS_PATH_MAX);
	if (u->path == NULL)
		return -ENOMEM;
	long r = user_string_copy(u->path, upath, VFS_PATH_MAX);
	if (r < 0)
		return r;
	if (u->path[0] == '/')
		return 0;
	const char *base = cwd;
	struct file *f = NULL;
	if (dirfd != AT_FDCWD) {
		if ((f = fd_get(&app_fds, dirfd)) == NULL)
			return -EBADF;
		if (u->path[0] == '\0' && empty_ok) {
			u->dir = f;
			return 1;
		}
		struct vfs_file *vf = fsfile_of(f);
		if (vf == NULL || !vf->dir) {
			file_put(f);
			return -ENOTDIR;
		}
		base = vf->path;
	}
	u->base = malloc(strlen(base) + 1);
	if (u->base)
		strcpy(u->base, base);
	if (f)
		file_put(f);
	if (u->base == NULL)
		return -ENOMEM;
	return u->path[0] == '\0' && empty_ok ? 1 : 0;
}

static const char *base_of(const struct upath *u) { return u->base ? u->base : "/"; }

/* Anything without a stat of its own: an anonymous inode, as Linux
 * reports an eventfd or an epoll set. */
int fsfile_stat_any(struct file *f, struct linux_stat *st)
{
	if (f->ops->stat)
		return f->ops->stat(f, st);
	memset(st, 0, sizeof(*st));
	st->st_dev = linux_makedev(0, 13);
	st->st_ino = (uint64_t)(uintptr_t)f >> 4;
	st->st_nlink = 1;
	st->st_mode = 0600;
	st->st_blksize = 4096;
	return 0;
}

/* --- open ---------------------------------------------------------------------- */

static long do_openat(int dirfd, const char *upath, int flags, unsigned mode)
{
	struct upath u;
	long r = get_path(dirfd, upath, false, &u);
	struct vfs_path *p = NULL;
	if (r == 0 && (p = malloc(sizeof(*p))) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = vfs_open(base_of(&u), u.path, flags, mode & ~umask_bits, p);
	struct file *f = NULL;
	if (r == 0)
		r = fsfile_open(p, flags, &f);
	if (r == 0) {
		r = fd_install(&app_fds, f, 0);
		file_put(f);
		if (r >= 0)
			app_fds.cloexec[r] = (flags & O_CLOEXEC) != 0;
	}
	free(p);
	put_path(&u);
	return r;
}

static long sys_open(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_openat(AT_FDCWD, (const char *)a0, (int)a1, (unsigned)a2);
}
SYSCALL(SYS_open, sys_open);

static long sys_openat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_openat((int)a0, (const char *)a1, (int)a2, (unsigned)a3);
}
SYSCALL(SYS_openat, sys_openat);

static long sys_creat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_openat(AT_FDCWD, (const char *)a0, O_CREAT | O_WRONLY | O_TRUNC, (unsigned)a1);
}
SYSCALL(SYS_creat, sys_creat);

/* --- stat -------------------------------------------------------------------- */

/* Resolves a path of the application into a fresh struct vfs_path. */
static long resolve(int dirfd, const char *upath, bool empty_ok, struct upath *u, struct vfs_path **pp)
{
	*pp = NULL;
	long r = get_path(dirfd, upath, empty_ok, u);
	if (r != 0)
		return r;
	if ((*pp = malloc(sizeof(**pp))) == NULL)
		return -ENOMEM;
	return vfs_resolve(base_of(u), u->path, *pp);
}

static long stat_at(int dirfd, const char *upath, int flags, struct linux_stat *st)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct upath u;
	struct vfs_path *p;
	long r = resolve(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &u, &p);
	if (r == 1) {
		/* AT_EMPTY_PATH: the descriptor, or the working directory. */
		if (u.dir)
			r = fsfile_stat_any(u.dir, st);
		else if ((p = malloc(sizeof(*p))) == NULL)
			r = -ENOMEM;
		else if ((r = vfs_resolve("/", cwd, p)) == 0)
			r = fsfile_stat_node(p->node, st);
	} else if (r == 0) {
		if (p->node.mnt->fs == &devfs)
			r = devfs_stat(p->node.ino, !(flags & AT_SYMLINK_NOFOLLOW), st);
		else
			r = fsfile_stat_node(p->node, st);
	}
	free(p);
	put_path(&u);
	return r;
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
	long r = fsfile_stat_any(f, &st);
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
	x.stx_atime = (struct linux_statx_timestamp){ st.st_atime_sec, (uint32_t)st.st_atime_nsec, 0 };
	x.stx_ctime = (struct linux_statx_timestamp){ st.st_ctime_sec, (uint32_t)st.st_ctime_nsec, 0 };
	x.stx_mtime = (struct linux_statx_timestamp){ st.st_mtime_sec, (uint32_t)st.st_mtime_nsec, 0 };
	x.stx_rdev_major = dev_major(st.st_rdev);
	x.stx_rdev_minor = dev_minor(st.st_rdev);
	x.stx_dev_major = dev_major(st.st_dev);
	x.stx_dev_minor = dev_minor(st.st_dev);
	*ux = x;
	return 0;
}
SYSCALL(SYS_statx, sys_statx);

/* access as root: reading and writing are allowed everywhere there is a
 * name (writing a regular file or directory of a read-only filesystem
 * is -EROFS), executing only directories (nothing here is a program). */
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
	unsigned type = st.st_mode & LINUX_S_IFMT;
	if ((mode & X_OK) && type != LINUX_S_IFDIR)
		return -EACCES;
	if ((mode & W_OK) && (type == LINUX_S_IFDIR || type == LINUX_S_IFREG)) {
		struct upath u;
		struct vfs_path *p;
		r = resolve(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &u, &p);
		if (r == 0 && p->node.mnt->fs->read_only)
			r = -EROFS;
		free(p);
		put_path(&u);
		return r < 0 ? r : 0;
	}
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

static long readlink_at(int dirfd, const char *upath, char *ubuf, int len)
{
	if (len <= 0)
		return -EINVAL;
	struct upath u;
	struct vfs_path *p;
	long r = resolve(dirfd, upath, false, &u, &p);
	if (r == 0) {
		const char *t = p->node.mnt->fs == &devfs ? devfs_link_target(p->node.ino) : NULL;
		size_t tl = t ? strlen(t) : 0;
		if ((size_t)len > tl)
			len = (int)tl;
		if (t == NULL)
			r = -EINVAL;
		else if (!user_writable_ok(ubuf, (size_t)len))
			r = -EFAULT;
		else
			memcpy(ubuf, t, (size_t)len), r = len;
	}
	free(p);
	put_path(&u);
	return r;
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

/* --- names ---------------------------------------------------------------------- */

static long mkdir_at(int dirfd, const char *upath, unsigned mode)
{
	struct upath u;
	long r = get_path(dirfd, upath, false, &u);
	if (r == 0)
		r = vfs_mkdir(base_of(&u), u.path, mode & ~umask_bits);
	put_path(&u);
	return r;
}

static long sys_mkdir(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return mkdir_at(AT_FDCWD, (const char *)a0, (unsigned)a1);
}
SYSCALL(SYS_mkdir, sys_mkdir);

static long sys_mkdirat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return mkdir_at((int)a0, (const char *)a1, (unsigned)a2);
}
SYSCALL(SYS_mkdirat, sys_mkdirat);

static long unlink_at(int dirfd, const char *upath, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	struct upath u;
	long r = get_path(dirfd, upath, false, &u);
	if (r == 0)
		r = flags ? vfs_rmdir(base_of(&u), u.path) : vfs_unlink(base_of(&u), u.path);
	put_path(&u);
	return r;
}

static long sys_unlink(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return unlink_at(AT_FDCWD, (const char *)a0, 0);
}
SYSCALL(SYS_unlink, sys_unlink);

static long sys_rmdir(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return unlink_at(AT_FDCWD, (const char *)a0, AT_REMOVEDIR);
}
SYSCALL(SYS_rmdir, sys_rmdir);

static long sys_unlinkat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return unlink_at((int)a0, (const char *)a1, (int)a2);
}
SYSCALL(SYS_unlinkat, sys_unlinkat);

static long rename_at(int olddir, const char *oldp, int newdir, const char *newp, unsigned flags)
{
	if (flags & ~(unsigned)RENAME_NOREPLACE)
		return -EINVAL;
	struct upath o, n;
	long r = get_path(olddir, oldp, false, &o);
	if (r == 0) {
		r = get_path(newdir, newp, false, &n);
		if (r == 0)
			r = vfs_rename(base_of(&o), o.path, base_of(&n), n.path, flags & RENAME_NOREPLACE);
		put_path(&n);
	}
	put_path(&o);
	return r;
}

static long sys_rename(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return rename_at(AT_FDCWD, (const char *)a0, AT_FDCWD, (const char *)a1, 0);
}
SYSCALL(SYS_rename, sys_rename);

static long sys_renameat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return rename_at((int)a0, (const char *)a1, (int)a2, (const char *)a3, 0);
}
SYSCALL(SYS_renameat, sys_renameat);

static long sys_renameat2(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return rename_at((int)a0, (const char *)a1, (int)a2, (const char *)a3, (unsigned)a4);
}
SYSCALL(SYS_renameat2, sys_renameat2);

static long sys_truncate(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a1 < 0)
		return -EINVAL;
	struct upath u;
	long r = get_path(AT_FDCWD, (const char *)a0, false, &u);
	if (r == 0)
		r = vfs_truncate_path(base_of(&u), u.path, (uint64_t)a1);
	put_path(&u);
	return r;
}
SYSCALL(SYS_truncate, sys_truncate);

/* --- statfs ------------------------------------------------------------------- */

struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "Linux's struct statfs on x86-64");

static long statfs_out(struct vfs_node n, struct linux_statfs *ust)
{
	struct vfs_statfs s;
	long r = vfs_statfs(n, &s);
	if (r)
		return r;
	struct linux_statfs st = { .f_type = (int64_t)s.magic,
				   .f_bsize = s.block_size,
				   .f_blocks = s.blocks,
				   .f_bfree = s.blocks_free,
				   .f_bavail = s.blocks_free,
				   .f_files = s.files,
				   .f_ffree = s.files_free,
				   .f_namelen = s.name_max,
				   .f_frsize = s.block_size,
				   .f_flags = n.mnt->fs->read_only ? 1 /* ST_RDONLY */ : 0 };
	st.f_fsid[0] = (int32_t)n.mnt->id;
	*ust = st;
	return 0;
}

static long sys_statfs(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_statfs *ust = (struct linux_statfs *)a1;
	if (!user_writable_ok(ust, sizeof(*ust)))
		return -EFAULT;
	struct upath u;
	struct vfs_path *p;
	long r = resolve(AT_FDCWD, (const char *)a0, false, &u, &p);
	if (r == 0)
		r = statfs_out(p->node, ust);
	free(p);
	put_path(&u);
	return r;
}
SYSCALL(SYS_statfs, sys_statfs);

static long sys_fstatfs(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_statfs *ust = (struct linux_statfs *)a1;
	if (!user_writable_ok(ust, sizeof(*ust)))
		return -EFAULT;
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	struct vfs_file *vf = fsfile_of(f);
	long r = vf ? statfs_out(vf->node, ust) : -ENOSYS;
	if (vf == NULL) {
		/* Pipes, the console, anonymous objects: a pseudo filesystem. */
		struct linux_statfs st = {
			.f_type = 0x50495045 /* PIPEFS_MAGIC */, .f_bsize = 4096, .f_namelen = 255, .f_frsize = 4096
		};
		*ust = st;
		r = 0;
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_fstatfs, sys_fstatfs);

/* --- times ------------------------------------------------------------------- */

static int64_t time_arg(const struct linux_timespec *t, int64_t now, bool *bad)
{
	if (t == NULL || t->tv_nsec == UTIME_NOW)
		return now;
	if (t->tv_nsec == UTIME_OMIT)
		return -1;
	if (t->tv_nsec < 0 || t->tv_nsec >= 1000000000 || t->tv_sec < 0)
		*bad = true;
	return t->tv_sec * 1000000000ll + t->tv_nsec;
}

static long sys_utimensat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct linux_timespec *ut = (const struct linux_timespec *)a2;
	if (a3 & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (ut && !user_range_ok(ut, 2 * sizeof(*ut)))
		return -EFAULT;
	bool bad = false;
	int64_t now = (int64_t)wallclock_ns();
	int64_t at = time_arg(ut, now, &bad), mt = time_arg(ut ? ut + 1 : NULL, now, &bad);
	if (bad)
		return -EINVAL;
	struct upath u;
	struct vfs_path *p = NULL;
	long r;
	if (a1 == 0) { /* futimens: the descriptor itself */
		struct file *f = fd_get(&app_fds, (int)a0);
		if (f == NULL)
			return -EBADF;
		struct vfs_file *vf = fsfile_of(f);
		r = vf ? vfs_set_times(vf->node, at, mt) : 0;
		file_put(f);
		return r;
	}
	r = resolve((int)a0, (const char *)a1, (a3 & AT_EMPTY_PATH) != 0, &u, &p);
	if (r == 1) {
		struct vfs_file *vf = u.dir ? fsfile_of(u.dir) : NULL;
		r = vf ? vfs_set_times(vf->node, at, mt) : 0;
	} else if (r == 0) {
		r = vfs_set_times(p->node, at, mt);
	}
	free(p);
	put_path(&u);
	return r;
}
SYSCALL(SYS_utimensat, sys_utimensat);

/* --- the working directory ----------------------------------------------------- */

static long sys_getcwd(long a0, long a1, long a2, long a3, long a4, long a5)
{
	char *buf = (char *)a0;
	size_t n = strlen(cwd) + 1;
	if ((size_t)a1 < n)
		return -ERANGE;
	if (!user_writable_ok(buf, n))
		return -EFAULT;
	memcpy(buf, cwd, n);
	return (long)n;
}
SYSCALL(SYS_getcwd, sys_getcwd);

static long sys_chdir(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct upath u;
	struct vfs_path *p;
	long r = resolve(AT_FDCWD, (const char *)a0, false, &u, &p);
	if (r == 0 && !p->is_dir)
		r = -ENOTDIR;
	if (r == 0)
		strcpy(cwd, p->canon);
	free(p);
	put_path(&u);
	return r;
}
SYSCALL(SYS_chdir, sys_chdir);

static long sys_fchdir(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	struct vfs_file *vf = fsfile_of(f);
	long r = vf && vf->dir ? 0 : -ENOTDIR;
	if (r == 0)
		strcpy(cwd, vf->path);
	file_put(f);
	return r;
}
SYSCALL(SYS_fchdir, sys_fchdir);
