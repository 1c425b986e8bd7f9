/*
 * eventfd and eventfd2 over sys/eventfd.c, apart so that an image may
 * leave them out (KEEL_SYSCALLS_OUT).
 */
#include <errno.h>

#include "sys/eventfd.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK 04000
#define EFD_CLOEXEC 02000000

static long do_eventfd2(long initval, long flags)
{
	if (flags & ~(long)(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC))
		return -EINVAL;
	struct file *f;
	/* Linux takes the initial value as an unsigned int. */
	long r = eventfd_create((uint32_t)initval, (flags & EFD_SEMAPHORE) != 0, &f);
	if (r)
		return r;
	f->flags = (int)(flags & EFD_NONBLOCK);
	return fd_install_new(&app_fds, f, (flags & EFD_CLOEXEC) != 0);
}

static long sys_eventfd2(long a0, long a1, long a2, long a3, long a4, long a5) { return do_eventfd2(a0, a1); }
SYSCALL(SYS_eventfd2, sys_eventfd2);

static long sys_eventfd(long a0, long a1, long a2, long a3, long a4, long a5) { return do_eventfd2(a0, 0); }
SYSCALL(SYS_eventfd, sys_eventfd);
