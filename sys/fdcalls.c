/*
 * The system calls on the descriptor table itself (sys/fd.c): close, the
 * dup family, fcntl.
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
