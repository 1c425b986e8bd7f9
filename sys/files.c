/*
 * Descriptor system calls over the table of sys/fd.c: read, write and
 * their vector forms, ioctl. What a descriptor does is its object's
 * (struct file_ops). The calls on the table itself (close, the dup
 * family, fcntl) are in sys/fdcalls.c.
 */
#include <errno.h>
#include <string.h>

#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

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
			if (iov[i].len > MAX_RW || sum + iov[i].len > MAX_RW)
				r = -EINVAL;
			sum += iov[i].len;
		}
		if (r == 0 && !user_iov_ok(iov, (size_t)count, !writing))
			r = -EFAULT;
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

#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define O_NONBLOCK 04000

/* What Linux answers for every kind of file before its own ioctl
 * (do_vfs_ioctl): FIONBIO sets or clears O_NONBLOCK, FIOCLEX and
 * FIONCLEX the descriptor's close-on-exec. Returns 1 for another
 * request. */
static long ioctl_any(struct file *f, long fd, unsigned long request, void *arg)
{
	switch (request) {
	case FIONBIO: {
		int v;
		if (!user_range_ok(arg, sizeof(v)))
			return -EFAULT;
		memcpy(&v, arg, sizeof(v));
		if (v)
			f->flags |= O_NONBLOCK;
		else
			f->flags &= ~O_NONBLOCK;
		return 0;
	}
	case FIOCLEX:
	case FIONCLEX: app_fds.cloexec[fd] = request == FIOCLEX; return 0;
	default: return 1;
	}
}

static long sys_ioctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r = ioctl_any(f, a0, (unsigned long)a1, (void *)a2);
	if (r == 1)
		r = f->ops->ioctl ? f->ops->ioctl(f, (unsigned long)a1, (void *)a2) : -ENOTTY;
	file_put(f);
	return r;
}
SYSCALL(SYS_ioctl, sys_ioctl);
