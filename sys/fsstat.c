/*
 * The file system calls about a file's attributes: the stat family,
 * statx, access, readlink, statfs and fstatfs, the owners (chown and
 * friends) and the modes (chmod, fchmod, fchmodat), over the VFS and the
 * application's paths (sys/fspath.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sys/fsfile.h"
#include "sys/fspath.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define AT_EACCESS 0x200
#define AT_NO_AUTOMOUNT 0x800 /* nothing is mounted on demand: ignored */
#define X_OK 1
#define W_OK 2
#define R_OK 4
#define STATX_BASIC_STATS 0x7ffu

/* Anything without a stat of its own: an anonymous inode, as Linux
 * reports an eventfd or an epoll set. */
int fsfile_stat_any(struct file *f, struct linux_stat *st)
{
	if (f->ops->stat)
		return f->ops->stat(f, st);
	linux_stat_pseudo(st, 13, f, 0600);
	return 0;
}

/* --- stat -------------------------------------------------------------------- */

static long stat_at(int dirfd, const char *upath, int flags, struct linux_stat *st)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct upath u;
	struct vfs_path *p;
	long r = upath_resolve(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &u, &p);
	if (r == 1) {
		/* AT_EMPTY_PATH: the descriptor, or the working directory. */
		if (u.dir)
			r = fsfile_stat_any(u.dir, st);
		else if ((p = malloc(sizeof(*p))) == NULL)
			r = -ENOMEM;
		else if ((r = vfs_resolve("/", fs_cwd, p)) == 0)
			r = fsfile_stat_node(p->node, st);
	} else if (r == 0) {
		if (p->node.mnt->fs == &devfs)
			r = devfs_stat(p->node.ino, !(flags & AT_SYMLINK_NOFOLLOW), st);
		else
			r = fsfile_stat_node(p->node, st);
	}
	free(p);
	upath_put(&u);
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
		r = upath_resolve(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &u, &p);
		if (r == 0 && p->node.mnt->fs->read_only)
			r = -EROFS;
		free(p);
		upath_put(&u);
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
	long r = upath_resolve(dirfd, upath, false, &u, &p);
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
	upath_put(&u);
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
	long r = upath_resolve(AT_FDCWD, (const char *)a0, false, &u, &p);
	if (r == 0)
		r = statfs_out(p->node, ust);
	free(p);
	upath_put(&u);
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

/* --- owners ------------------------------------------------------------------- */

/* Everything belongs to root (uid and gid 0), and nothing records
 * another owner: giving a file to root, or leaving an owner as it is
 * (-1), succeeds as it does for Linux's root; another owner is -EPERM. */
static long chown_at(int dirfd, const char *upath, long uid, long gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct linux_stat st;
	long r = stat_at(dirfd, upath, flags, &st);
	if (r)
		return r;
	bool root_only =
	    ((uint32_t)uid == 0 || (uint32_t)uid == UINT32_MAX) && ((uint32_t)gid == 0 || (uint32_t)gid == UINT32_MAX);
	return root_only ? 0 : -EPERM;
}

static long sys_chown(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return chown_at(AT_FDCWD, (const char *)a0, a1, a2, 0);
}
SYSCALL(SYS_chown, sys_chown);

static long sys_lchown(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return chown_at(AT_FDCWD, (const char *)a0, a1, a2, AT_SYMLINK_NOFOLLOW);
}
SYSCALL(SYS_lchown, sys_lchown);

static long sys_fchownat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return chown_at((int)a0, (const char *)a1, a2, a3, (int)a4);
}
SYSCALL(SYS_fchownat, sys_fchownat);

static long sys_fchown(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	file_put(f);
	bool root_only =
	    ((uint32_t)a1 == 0 || (uint32_t)a1 == UINT32_MAX) && ((uint32_t)a2 == 0 || (uint32_t)a2 == UINT32_MAX);
	return root_only ? 0 : -EPERM;
}
SYSCALL(SYS_fchown, sys_fchown);

/* --- modes -------------------------------------------------------------------- */

/* The permission bits, as RAM filesystems and KeelFS keep them (the
 * type stays; root is not held back by them, as Linux's root is not).
 * The generated /etc answers EROFS, /dev and descriptors that are no
 * file of a filesystem (pipes, sockets) EPERM: they keep no mode. */
static long chmod_at(int dirfd, const char *upath, long mode)
{
	struct upath u;
	struct vfs_path *p;
	long r = upath_resolve(dirfd, upath, false, &u, &p);
	if (r == 0)
		r = vfs_set_mode(p->node, (uint32_t)mode);
	free(p);
	upath_put(&u);
	return r;
}

static long sys_chmod(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return chmod_at(AT_FDCWD, (const char *)a0, a1);
}
SYSCALL(SYS_chmod, sys_chmod);

static long sys_fchmodat(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return chmod_at((int)a0, (const char *)a1, a2);
}
SYSCALL(SYS_fchmodat, sys_fchmodat);

static long sys_fchmod(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	struct vfs_file *vf = fsfile_of(f);
	long r = vf ? vfs_set_mode(vf->node, (uint32_t)a1) : -EPERM;
	file_put(f);
	return r;
}
SYSCALL(SYS_fchmod, sys_fchmod);
