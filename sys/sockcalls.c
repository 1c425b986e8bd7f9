/*
 * The socket system calls, with the network stack or without: socket and socketpair pick
 * the family by its number; every other call finds the socket through
 * the descriptor table (-ENOTSOCK for a file that is none) and goes to
 * its family's calls (sys/sockcalls.h). The send and receive family is
 * read here into one struct sock_msg, the buffers checked.
 */
#include "sys/sockcalls.h"

#include <errno.h>
#include <string.h>

#include "kernel/clock.h"
#include "sys/process.h"
#include "sys/syscall.h"
#include "sys/timeval.h"

#define MAX_RW 0x7ffff000ul
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define MSG_DONTWAIT 0x40
#define MSG_WAITFORONE 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000
#define UIO_MAXIOV 1024

/* Linux's struct msghdr on x86-64. */
struct linux_msghdr {
	uint64_t name;
	int32_t namelen;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
};
_Static_assert(sizeof(struct linux_msghdr) == 56, "Linux's x86-64 msghdr");

/* Linux's struct mmsghdr on x86-64: a message and the bytes it moved. */
struct linux_mmsghdr {
	struct linux_msghdr hdr;
	uint32_t len;
	uint32_t pad;
};
_Static_assert(sizeof(struct linux_mmsghdr) == 64, "Linux's x86-64 mmsghdr");

/* The network stack's families, in images that have it. */
extern __typeof__(inet_socket) inet_socket __attribute__((weak));
extern __typeof__(netlink_socket) netlink_socket __attribute__((weak));

static long sys_socket(long domain, long type, long protocol, long a3, long a4, long a5)
{
	if (type & ~(long)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	switch (domain) {
	case AF_UNIX: return unix_call_socket(type, protocol);
	case AF_INET:
	case AF_INET6: return inet_socket ? inet_socket(domain, type, protocol) : -EAFNOSUPPORT;
	case AF_NETLINK: return netlink_socket ? netlink_socket(type, protocol) : -EAFNOSUPPORT;
	default: return -EAFNOSUPPORT;
	}
}
SYSCALL(SYS_socket, sys_socket);

static long sys_socketpair(long domain, long type, long protocol, long sv, long a4, long a5)
{
	/* Only AF_UNIX has pairs. */
	return domain == AF_UNIX ? unix_call_socketpair(type, protocol, sv) : -EOPNOTSUPP;
}
SYSCALL(SYS_socketpair, sys_socketpair);

long sock_put_addr(const void *sa, uint32_t full, long addr, long lenp)
{
	if (addr == 0)
		return 0;
	int32_t cap;
	if (!user_writable_ok((void *)lenp, sizeof(cap)))
		return -EFAULT;
	memcpy(&cap, (const void *)lenp, sizeof(cap));
	if (cap < 0)
		return -EINVAL;
	size_t n = (uint32_t)cap < full ? (size_t)cap : full;
	if (!user_writable_ok((void *)addr, n))
		return -EFAULT;
	memcpy((void *)addr, sa, n);
	int32_t len = (int32_t)full;
	memcpy((void *)lenp, &len, sizeof(len));
	return 0;
}

/* The socket at fd with a reference for the caller, or NULL and *err. */
static struct file *sock_at(long fd, long *err)
{
	struct file *f = fd_get(&app_fds, (int)fd);
	if (f == NULL) {
		*err = -EBADF;
	} else if (f->ops->sock == NULL) {
		file_put(f);
		f = NULL;
		*err = -ENOTSOCK;
	}
	return f;
}

static long sys_bind(long fd, long addr, long len, long a3, long a4, long a5)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->bind ? f->ops->sock->bind(f, addr, len) : -EOPNOTSUPP;
	file_put(f);
	return r;
}
SYSCALL(SYS_bind, sys_bind);

static long sys_listen(long fd, long backlog, long a2, long a3, long a4, long a5)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->listen ? f->ops->sock->listen(f, backlog) : -EOPNOTSUPP;
	file_put(f);
	return r;
}
SYSCALL(SYS_listen, sys_listen);

static long do_accept(long fd, long addr, long lenp, long flags)
{
	if (flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->accept ? f->ops->sock->accept(f, addr, lenp, flags) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long sys_accept4(long fd, long addr, long lenp, long flags, long a4, long a5)
{
	return do_accept(fd, addr, lenp, flags);
}
SYSCALL(SYS_accept4, sys_accept4);

static long sys_accept(long fd, long addr, long lenp, long a3, long a4, long a5)
{
	return do_accept(fd, addr, lenp, 0);
}
SYSCALL(SYS_accept, sys_accept);

static long sys_connect(long fd, long addr, long len, long a3, long a4, long a5)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->connect ? f->ops->sock->connect(f, addr, len) : -EOPNOTSUPP;
	file_put(f);
	return r;
}
SYSCALL(SYS_connect, sys_connect);

/* Checks the application's iovecs and sums them into m. */
static long read_iov(struct sock_msg *m, long iov, long count)
{
	const struct linux_iovec *v = (const struct linux_iovec *)iov;
	if (count < 0 || count > IOV_MAX)
		return -EMSGSIZE;
	if (count && !user_range_ok(v, (size_t)count * sizeof(*v)))
		return -EFAULT;
	m->iov = v;
	m->count = (size_t)count;
	m->total = 0;
	for (long i = 0; i < count; i++) {
		if (v[i].len > MAX_RW || m->total + v[i].len > MAX_RW)
			return -EINVAL;
		m->total += v[i].len;
	}
	return 0;
}

static long do_send(long fd, struct sock_msg *m)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = user_iov_ok(m->iov, m->count, false) ? 0 : -EFAULT;
	if (r == 0)
		r = f->ops->sock->send ? f->ops->sock->send(f, m) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long do_recv(long fd, struct sock_msg *m)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = user_iov_ok(m->iov, m->count, true) ? 0 : -EFAULT;
	if (r == 0)
		r = f->ops->sock->recv ? f->ops->sock->recv(f, m) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long sys_sendto(long fd, long buf, long len, long flags, long addr, long addrlen)
{
	struct linux_iovec iov = { (uint64_t)buf, (uint64_t)len };
	struct sock_msg m = {
		.iov = &iov, .count = 1, .total = (size_t)len, .flags = (int)flags, .addr = addr, .addrlen = addrlen
	};
	if ((unsigned long)len > MAX_RW)
		m.total = iov.len = MAX_RW;
	return do_send(fd, &m);
}
SYSCALL(SYS_sendto, sys_sendto);

static long sys_recvfrom(long fd, long buf, long len, long flags, long addr, long lenp)
{
	struct linux_iovec iov = { (uint64_t)buf, (uint64_t)len };
	struct sock_msg m = {
		.iov = &iov, .count = 1, .total = (size_t)len, .flags = (int)flags, .addr = addr, .addrlen = lenp
	};
	if ((unsigned long)len > MAX_RW)
		m.total = iov.len = MAX_RW;
	return do_recv(fd, &m);
}
SYSCALL(SYS_recvfrom, sys_recvfrom);

/* sendmsg of the header at msg, which the caller checked. */
static long send_one(long fd, long msg, long flags)
{
	struct linux_msghdr h;
	memcpy(&h, (const void *)msg, sizeof(h));
	struct sock_msg m = { .flags = (int)flags,
			      .addr = (long)h.name,
			      .addrlen = h.namelen,
			      .control = (long)h.control,
			      .controllen = h.controllen };
	long r = read_iov(&m, (long)h.iov, (long)h.iovlen);
	return r ? r : do_send(fd, &m);
}

static long sys_sendmsg(long fd, long msg, long flags, long a3, long a4, long a5)
{
	if (!user_range_ok((const void *)msg, sizeof(struct linux_msghdr)))
		return -EFAULT;
	return send_one(fd, msg, flags);
}
SYSCALL(SYS_sendmsg, sys_sendmsg);

/* recvmsg into the header at msg, which the caller checked. */
static long recv_one(long fd, long msg, long flags)
{
	struct linux_msghdr *h = (struct linux_msghdr *)msg;
	struct sock_msg m = { .flags = (int)flags,
			      .addr = h->name ? (long)h->name : 0,
			      .addrlen = (long)&h->namelen,
			      .control = (long)h->control,
			      .controllen = h->controllen };
	long r = read_iov(&m, (long)h->iov, (long)h->iovlen);
	if (r == 0)
		r = do_recv(fd, &m);
	if (r >= 0) {
		h->controllen = m.control_filled;
		h->flags = m.out_flags;
	}
	return r;
}

static long sys_recvmsg(long fd, long msg, long flags, long a3, long a4, long a5)
{
	if (!user_writable_ok((void *)msg, sizeof(struct linux_msghdr)))
		return -EFAULT;
	return recv_one(fd, msg, flags);
}
SYSCALL(SYS_recvmsg, sys_recvmsg);

/* sendmmsg: each message in turn, as sendmsg, until one fails; the count
 * sent, or the first message's error. */
static long sys_sendmmsg(long fd, long vec, long vlen, long flags, long a4, long a5)
{
	unsigned long n = (unsigned long)vlen < UIO_MAXIOV ? (unsigned long)vlen : UIO_MAXIOV;
	struct linux_mmsghdr *v = (struct linux_mmsghdr *)vec;
	if (n && !user_writable_ok(v, n * sizeof(*v)))
		return -EFAULT;
	long r = 0;
	unsigned long i;
	for (i = 0; i < n; i++) {
		r = send_one(fd, (long)&v[i].hdr, flags);
		if (r < 0)
			break;
		v[i].len = (uint32_t)r;
	}
	return i > 0 ? (long)i : r;
}
SYSCALL(SYS_sendmmsg, sys_sendmmsg);

/* recvmmsg: each message in turn, as recvmsg, until one fails (the count
 * taken, or the first one's error). MSG_WAITFORONE makes every receive
 * after the first non-blocking. The timeout, as Linux's, is looked at
 * after each message only, and what is left of it is written back when
 * a message came. */
static long sys_recvmmsg(long fd, long vec, long vlen, long flags, long timeout, long a5)
{
	unsigned long n = (unsigned long)vlen < UIO_MAXIOV ? (unsigned long)vlen : UIO_MAXIOV;
	struct linux_mmsghdr *v = (struct linux_mmsghdr *)vec;
	struct linux_timespec *t = (struct linux_timespec *)timeout;
	uint64_t deadline = DEADLINE_NEVER;
	if (t) {
		uint64_t ns;
		if (!user_writable_ok(t, sizeof(*t)))
			return -EFAULT;
		if (timespec_to_ns(t, &ns))
			return -EINVAL;
		deadline = deadline_after(ns);
	}
	if (n && !user_writable_ok(v, n * sizeof(*v)))
		return -EFAULT;
	long r = 0;
	unsigned long i;
	for (i = 0; i < n; i++) {
		long f = flags & ~(long)MSG_WAITFORONE;
		if (i > 0 && (flags & MSG_WAITFORONE))
			f |= MSG_DONTWAIT;
		r = recv_one(fd, (long)&v[i].hdr, f);
		if (r < 0)
			break;
		v[i].len = (uint32_t)r;
		if (t && clock_ns() >= deadline) {
			i++;
			break;
		}
	}
	if (i == 0)
		return r;
	if (t) {
		uint64_t now = clock_ns();
		*t = ns_to_timespec(deadline > now ? deadline - now : 0);
	}
	return (long)i;
}
SYSCALL(SYS_recvmmsg, sys_recvmmsg);

static long sys_shutdown(long fd, long how, long a2, long a3, long a4, long a5)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->shutdown ? f->ops->sock->shutdown(f, how) : -EOPNOTSUPP;
	file_put(f);
	return r;
}
SYSCALL(SYS_shutdown, sys_shutdown);

static long get_name(long fd, long addr, long lenp, bool peer)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->getname ? f->ops->sock->getname(f, addr, lenp, peer) : -EOPNOTSUPP;
	file_put(f);
	return r;
}

static long sys_getsockname(long fd, long addr, long lenp, long a3, long a4, long a5)
{
	return get_name(fd, addr, lenp, false);
}
SYSCALL(SYS_getsockname, sys_getsockname);

static long sys_getpeername(long fd, long addr, long lenp, long a3, long a4, long a5)
{
	return get_name(fd, addr, lenp, true);
}
SYSCALL(SYS_getpeername, sys_getpeername);

static long sys_setsockopt(long fd, long level, long name, long val, long len, long a5)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->setsockopt ? f->ops->sock->setsockopt(f, level, name, val, len) : -ENOPROTOOPT;
	file_put(f);
	return r;
}
SYSCALL(SYS_setsockopt, sys_setsockopt);

static long sys_getsockopt(long fd, long level, long name, long val, long lenp, long a5)
{
	long r;
	struct file *f = sock_at(fd, &r);
	if (f == NULL)
		return r;
	r = f->ops->sock->getsockopt ? f->ops->sock->getsockopt(f, level, name, val, lenp) : -ENOPROTOOPT;
	file_put(f);
	return r;
}
SYSCALL(SYS_getsockopt, sys_getsockopt);
