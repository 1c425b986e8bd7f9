/*
 * The file system calls that change names or open them: open, openat,
 * creat, mkdir, unlink, rmdir, rename, truncate, utimensat, umask, and
 * the working directory (getcwd, chdir, fchdir), over the VFS
 * (fs/mount.h); the paths of the application (sys/fspath.h). A relative
 * path starts at the working directory or at an open directory, both
 * kept as canonical paths.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/init.h"
#include "kernel/wallclock.h"
#include "sys/fsfile.h"
#include "sys/fspath.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define AT_REMOVEDIR 0x200
#define RENAME_NOREPLACE 1
#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

/* "/" from the boot on, set by fs_cwd_init rather than an initialiser,
 * which would put all its 4 KiB in the image. */
char fs_cwd[VFS_PATH_MAX];

static void fs_cwd_init(void) { strcpy(fs_cwd, "/"); }
INIT_CALL(INIT_CORE, fs_cwd_init);

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

void upath_put(struct upath *u)
{
	free(u->path);
	free(u->base);
	if (u->dir)
		file_put(u->dir);
}

long upath_get(int dirfd, const char *upath, bool empty_ok, struct upath *u)
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
	const char *base = fs_cwd;
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

const char *upath_base(const struct upath *u) { return u->base ? u->base : "/"; }

long upath_resolve(int dirfd, const char *upath, bool empty_ok, struct upath *u, struct vfs_path **pp)
{
	*pp = NULL;
	long r = upath_get(dirfd, upath, empty_ok, u);
	if (r != 0)
		return r;
	if ((*pp = malloc(sizeof(**pp))) == NULL)
		return -ENOMEM;
	return vfs_resolve(upath_base(u), u->path, *pp);
}

/* --- open ---------------------------------------------------------------------- */

static long do_openat(int dirfd, const char *upath, int flags, unsigned mode)
{
	struct upath u;
	long r = upath_get(dirfd, upath, false, &u);
	struct vfs_path *p = NULL;
	if (r == 0 && (p = malloc(sizeof(*p))) == NULL)
		r = -ENOMEM;
	if (r == 0)
		r = vfs_open(upath_base(&u), u.path, flags, mode & ~umask_bits, p);
	/* The only links are /dev's: O_NOFOLLOW refuses them, as Linux. */
	if (r == 0 && (flags & O_NOFOLLOW) && p->node.mnt->fs == &devfs && devfs_link_target(p->node.ino))
		r = -ELOOP;
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
	upath_put(&u);
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

/* --- names ---------------------------------------------------------------------- */

static long mkdir_at(int dirfd, const char *upath, unsigned mode)
{
	struct upath u;
	long r = upath_get(dirfd, upath, false, &u);
	if (r == 0)
		r = vfs_mkdir(upath_base(&u), u.path, mode & ~umask_bits);
	upath_put(&u);
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

bool (*unlink_socket_name)(const char *canon);

static long unlink_at(int dirfd, const char *upath, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	struct upath u;
	long r = upath_get(dirfd, upath, false, &u);
	if (r == 0)
		r = flags ? vfs_rmdir(upath_base(&u), u.path) : vfs_unlink(upath_base(&u), u.path);
	if (r == -ENOENT && !flags && unlink_socket_name) {
		/* Not in the file system: perhaps an AF_UNIX socket's path. */
		struct vfs_path *p = malloc(sizeof(*p));
		if (p && vfs_resolve(upath_base(&u), u.path, p) == -ENOENT && p->has_parent &&
		    unlink_socket_name(p->canon))
			r = 0;
		free(p);
	}
	upath_put(&u);
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
	long r = upath_get(olddir, oldp, false, &o);
	if (r == 0) {
		r = upath_get(newdir, newp, false, &n);
		if (r == 0)
			r = vfs_rename(upath_base(&o), o.path, upath_base(&n), n.path, flags & RENAME_NOREPLACE);
		upath_put(&n);
	}
	upath_put(&o);
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
	long r = upath_get(AT_FDCWD, (const char *)a0, false, &u);
	if (r == 0)
		r = vfs_truncate_path(upath_base(&u), u.path, (uint64_t)a1);
	upath_put(&u);
	return r;
}
SYSCALL(SYS_truncate, sys_truncate);

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
	r = upath_resolve((int)a0, (const char *)a1, (a3 & AT_EMPTY_PATH) != 0, &u, &p);
	if (r == 1) {
		struct vfs_file *vf = u.dir ? fsfile_of(u.dir) : NULL;
		r = vf ? vfs_set_times(vf->node, at, mt) : 0;
	} else if (r == 0) {
		r = vfs_set_times(p->node, at, mt);
	}
	free(p);
	upath_put(&u);
	return r;
}
SYSCALL(SYS_utimensat, sys_utimensat);

/* --- the working directory ----------------------------------------------------- */

static long sys_getcwd(long a0, long a1, long a2, long a3, long a4, long a5)
{
	char *buf = (char *)a0;
	size_t n = strlen(fs_cwd) + 1;
	if ((size_t)a1 < n)
		return -ERANGE;
	if (!user_writable_ok(buf, n))
		return -EFAULT;
	memcpy(buf, fs_cwd, n);
	return (long)n;
}
SYSCALL(SYS_getcwd, sys_getcwd);

static long sys_chdir(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct upath u;
	struct vfs_path *p;
	long r = upath_resolve(AT_FDCWD, (const char *)a0, false, &u, &p);
	if (r == 0 && !p->is_dir)
		r = -ENOTDIR;
	if (r == 0)
		strcpy(fs_cwd, p->canon);
	free(p);
	upath_put(&u);
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
		strcpy(fs_cwd, vf->path);
	file_put(f);
	return r;
}
SYSCALL(SYS_fchdir, sys_fchdir);
