/*
 * Descriptor system calls over the table of sys/fd.c: read, write and
 * their vector forms, close, the dup family, ioctl, fcntl. What a
 * descriptor does is its object's (struct file_ops).
 */
#include <errno.h>

#include "sys/fsfile.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

/* The file system calls (sys/fsfile.c and the rest) may stay out of an
 * image (KEEL_SYSCALLS_OUT): then no descriptor is a file's, and close
 * has no record locks to drop. */
extern __typeof__(fsfile_fd_closing) fsfile_fd_closing __attribute__((weak));

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
/* Linux caps a single transfer at this (MAX_RW_COUNT). */
#define MAX_RW 0x7ffff000ul

struct fd_table app_fds;

static long do_read(struct file *f, void *buf, size_t len)
{
	if (!f->ops->read || !(f->access & FILE_READ))
		return -EBADF;
	if (!user_writable_ok(buf, len))
		return -EFAULT;
	return f->ops->read(f, buf, len > MAX_RW ? MAX_RW : len);
}

static long do_write(struct file *f, const void *buf, size_t len)
{
	if (!f->ops->write || !(f->access & FILE_WRITE))
		return -EBADF;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	return f->ops->write(f, buf, len > MAX_RW ? MAX_RW : len);
}

static long sys_read(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r = do_read(f, (void *)a1, (size_t)a2);
	file_put(f);
	return r;
}
SYSCALL(SYS_read, sys_read);

static long sys_write(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r = do_write(f, (const void *)a1, (size_t)a2);
	file_put(f);
	return r;
}
SYSCALL(SYS_write, sys_write);

/* readv and writev: one transfer when the object has its own (sockets),
 * else each buffer in turn, stopping at a short transfer (what Linux
 * does for a terminal). */
static long vector_io(long fd, long iov_addr, long count, bool writing)
{
	const struct linux_iovec *iov = (const struct linux_iovec *)iov_addr;
	if (count < 0 || count > IOV_MAX)
		return -EINVAL;
	if (!user_range_ok(iov, (size_t)count * sizeof(*iov)))
		return -EFAULT;
	struct file *f = fd_get(&app_fds, (int)fd);
	if (f == NULL)
		return -EBADF;
	long (*whole)(struct file *, const struct linux_iovec *, size_t, size_t) =
	    writing ? f->ops->writev : f->ops->readv;
	if (whole) {
		long r = (f->access & (writing ? FILE_WRITE : FILE_READ)) ? 0 : -EBADF;
		size_t sum = 0;
		for (long i = 0; i < count && r == 0; i++) {
			const void *buf = (const void *)(uintptr_t)iov[i].base;
			if (iov[i].len > MAX_RW || sum + iov[i].len > MAX_RW)
				r = -EINVAL;
			else if (iov[i].len &&
				 !(writing ? user_range_ok(buf, iov[i].len) : user_writable_ok(buf, iov[i].len)))
				r = -EFAULT;
			sum += iov[i].len;
		}
		if (r == 0)
			r = whole(f, iov, (size_t)count, sum);
		file_put(f);
		return r;
	}
	long total = 0, r = 0;
	for (long i = 0; i < count; i++) {
		if (iov[i].len > MAX_RW || (size_t)total + iov[i].len > MAX_RW) {
			r = -EINVAL;
			break;
		}
		if (iov[i].len == 0)
			continue;
		void *buf = (void *)(uintptr_t)iov[i].base;
		r = writing ? do_write(f, buf, iov[i].len) : do_read(f, buf, iov[i].len);
		if (r < 0)
			break;
		total += r;
		if ((uint64_t)r < iov[i].len)
			break;
	}
	file_put(f);
	return total > 0 ? total : r;
}

static long sys_readv(long a0, long a1, long a2, long a3, long a4, long a5) { return vector_io(a0, a1, a2, false); }
SYSCALL(SYS_readv, sys_readv);

static long sys_writev(long a0, long a1, long a2, long a3, long a4, long a5) { return vector_io(a0, a1, a2, true); }
SYSCALL(SYS_writev, sys_writev);

static long sys_close(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	if (fsfile_fd_closing)
		fsfile_fd_closing(f); /* the process's record locks on it go */
	file_put(f);
	return fd_close(&app_fds, (int)a0);
}
SYSCALL(SYS_close, sys_close);

static long sys_dup(long a0, long a1, long a2, long a3, long a4, long a5) { return fd_dup(&app_fds, (int)a0, 0); }
SYSCALL(SYS_dup, sys_dup);

static long sys_dup2(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return fd_dup2(&app_fds, (int)a0, (int)a1);
}
SYSCALL(SYS_dup2, sys_dup2);

static long sys_dup3(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a0 == a1 || (a2 & ~(long)O_CLOEXEC))
		return -EINVAL;
	int fd = fd_dup2(&app_fds, (int)a0, (int)a1);
	if (fd >= 0)
		app_fds.cloexec[fd] = (a2 & O_CLOEXEC) != 0;
	return fd;
}
SYSCALL(SYS_dup3, sys_dup3);

static long sys_ioctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r = f->ops->ioctl ? f->ops->ioctl(f, (unsigned long)a1, (void *)a2) : -ENOTTY;
	file_put(f);
	return r;
}
SYSCALL(SYS_ioctl, sys_ioctl);

static long sys_fcntl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int fd = (int)a0;
	struct file *f = fd_get(&app_fds, fd);
	if (f == NULL)
		return -EBADF;
	long r;
	switch (a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		r = fd_dup(&app_fds, fd, (int)a2);
		if (r >= 0)
			app_fds.cloexec[r] = a1 == F_DUPFD_CLOEXEC;
		break;
	case F_GETFD: r = app_fds.cloexec[fd] ? FD_CLOEXEC : 0; break;
	case F_SETFD:
		app_fds.cloexec[fd] = (a2 & FD_CLOEXEC) != 0;
		r = 0;
		break;
	case F_GETFL:
		/* The access mode follows from what the object does: a pipe's
		 * read end is O_RDONLY, its write end O_WRONLY. */
		{
			bool rd = f->ops->read && (f->access & FILE_READ),
			     wr = f->ops->write && (f->access & FILE_WRITE);
			r = f->flags | (rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY);
		}
		break;
	case F_SETFL:
		f->flags = (int)(a2 & (O_APPEND | O_NONBLOCK));
		r = 0;
		break;
	default: r = f->ops->fcntl ? f->ops->fcntl(f, (int)a1, (unsigned long)a2) : -EINVAL;
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_fcntl, sys_fcntl);
