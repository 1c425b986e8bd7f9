/*
 * The pipe system calls, pipe and pipe2, over sys/pipe.c's pipes. Apart
 * from the descriptor calls so that an image may leave pipes out
 * (KEEL_SYSCALLS_OUT): its pipe calls then answer -ENOSYS.
 */
#include <errno.h>

#include "sys/pipe.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/syscall.h"

#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000

static void raise_sigpipe(void) { signal_raise_self(SIGPIPE); }

static long do_pipe2(int *fds, long flags)
{
	if (flags & ~(long)(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	if (!user_writable_ok(fds, 2 * sizeof(int)))
		return -EFAULT;
	pipe_broken_hook = raise_sigpipe;
	struct file *ends[2];
	long r = pipe_create(ends);
	if (r)
		return r;
	ends[0]->flags = ends[1]->flags = (int)(flags & O_NONBLOCK);
	r = fd_install_pair(&app_fds, ends, (flags & O_CLOEXEC) != 0, fds);
	file_put(ends[0]);
	file_put(ends[1]);
	return r;
}

static long sys_pipe2(long a0, long a1, long a2, long a3, long a4, long a5) { return do_pipe2((int *)a0, a1); }
SYSCALL(SYS_pipe2, sys_pipe2);

static long sys_pipe(long a0, long a1, long a2, long a3, long a4, long a5) { return do_pipe2((int *)a0, 0); }
SYSCALL(SYS_pipe, sys_pipe);
