/*
 * The socket system calls: socket, bind, listen, accept4, connect, the
 * send and receive family, shutdown (the names and the options are in
 * sys/sockoptcalls.c). Each finds
 * its socket through the descriptor table (-ENOTSOCK for another kind of
 * file) and works through the netconn; data moves in sys/socket.c.
 */
#include <errno.h>
#include <string.h>

#include "kernel/sched.h"
#include "lwip/api.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "sys/netlink.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/sock.h"
#include "sys/rtnl.h"
#include "sys/sockerr.h"
#include "sys/syscall.h"
#include "sys/unix.h"
#include "sys/unixcalls.h"

#define MAX_RW 0x7ffff000ul
#define ESOCKTNOSUPPORT 94 /* Linux's, missing from the kernel's errno.h */
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define SOCK_TYPE_MASK 0xf
#define O_CLOEXEC 02000000

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

/* The AF_UNIX socket at fd with a reference, or NULL: where a call
 * goes when sock_get answers -ENOTSOCK. */
struct file *unix_at(long fd)
{
	struct file *f = fd_get(&app_fds, (int)fd);
	if (f && !unix_is(f)) {
		file_put(f);
		return NULL;
	}
	return f;
}

long sock_get(long fd, struct file **f, struct sock **s)
{
	*f = fd_get(&app_fds, (int)fd);
	if (*f == NULL)
		return -EBADF;
	*s = sock_from_file(*f);
	if (*s == NULL) {
		file_put(*f);
		return -ENOTSOCK;
	}
	return 0;
}

/* Reads the application's address into a: 0, 1 (AF_UNSPEC, when
 * allowed) or -errno. */
static long read_addr(const struct sock *s, long addr, long len, bool allow_unspec, struct sock_addr *a)
{
	uint8_t buf[sizeof(struct linux_sockaddr_in6)];
	if (len < 0 || (unsigned long)len > 128)
		return -EINVAL;
	size_t n = (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf);
	if (!user_range_ok((const void *)addr, (size_t)len))
		return -EFAULT;
	memcpy(buf, (const void *)addr, n);
	int r = sockaddr_parse(buf, (uint32_t)n, s->opts.domain, allow_unspec, a);
	if (r == 0 && !a->v6 && s->opts.domain == LINUX_AF_INET6 && s->opts.v6only)
		return -ENETUNREACH; /* a v4-mapped peer for a v6-only socket */
	return r;
}

long sock_write_addr(const struct sock *s, const struct sock_addr *a, long addr, long lenp)
{
	if (addr == 0)
		return 0;
	int32_t cap;
	if (!user_writable_ok((void *)lenp, sizeof(cap)))
		return -EFAULT;
	memcpy(&cap, (const void *)lenp, sizeof(cap));
	if (cap < 0)
		return -EINVAL;
	if (!user_writable_ok((void *)addr, (size_t)cap))
		return -EFAULT;
	int32_t full = (int32_t)sockaddr_format(a, s->opts.domain, (void *)addr, (uint32_t)cap);
	memcpy((void *)lenp, &full, sizeof(full));
	return 0;
}

static long install(struct sock *s, int flags)
{
	s->file.flags = flags & LINUX_SOCK_NONBLOCK;
	int fd = fd_install(&app_fds, &s->file, 0);
	if (fd >= 0)
		app_fds.cloexec[fd] = (flags & LINUX_SOCK_CLOEXEC) != 0;
	file_put(&s->file); /* the table holds it now, or nobody */
	return fd;
}

static long sys_socket(long domain, long type, long protocol, long a3, long a4, long a5)
{
	int kind = (int)(type & SOCK_TYPE_MASK);
	if (type & ~(long)(SOCK_TYPE_MASK | LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
		return -EINVAL;
	if (domain == LINUX_AF_NETLINK)
		return netlink_socket(type, protocol);
	if (domain == LINUX_AF_UNIX)
		return unix_call_socket(type, protocol);
	if (domain != LINUX_AF_INET && domain != LINUX_AF_INET6)
		return -EAFNOSUPPORT;
	if (kind != LINUX_SOCK_STREAM && kind != LINUX_SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	bool stream = kind == LINUX_SOCK_STREAM;
	if (protocol != 0 && protocol != (stream ? LINUX_IPPROTO_TCP : LINUX_IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct sock *s;
	int r = sock_create((int)domain, stream, &s);
	if (r)
		return r;
	return install(s, (int)type);
}
SYSCALL(SYS_socket, sys_socket);

static long sys_socketpair(long domain, long type, long protocol, long sv, long a4, long a5)
{
	/* Only AF_UNIX has pairs. */
	return domain == LINUX_AF_UNIX ? unix_call_socketpair(type, protocol, sv) : -EOPNOTSUPP;
}
SYSCALL(SYS_socketpair, sys_socketpair);

static long sys_bind(long fd, long addr, long len, long a3, long a4, long a5)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_bind(f, addr, len);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	struct sock_addr a;
	ip_addr_t ip;
	r = read_addr(s, addr, len, false, &a);
	if (r == 0)
		r = sock_ip_to(&a, &ip);
	if (r == 0 && s->bound)
		r = -EINVAL;
	if (r == 0) {
#if LWIP_IPV6
		/* The dual-stack wildcard: lwIP binds IP_ANY_TYPE for ::
		 * unless the netconn is v6-only. */
		if (s->opts.domain == LINUX_AF_INET6)
			netconn_set_ipv6only(s->conn, s->opts.v6only);
#endif
		if (s->opts.reuseaddr) {
			LOCK_TCPIP_CORE();
			if (s->conn->pcb.ip)
				ip_set_option(s->conn->pcb.ip, SOF_REUSEADDR);
			UNLOCK_TCPIP_CORE();
		}
		err_t err = netconn_bind(s->conn, &ip, a.port);
		r = err == ERR_OK ? 0 : -sock_errno(err, false);
		s->bound = r == 0;
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_bind, sys_bind);

static long sys_listen(long fd, long backlog, long a2, long a3, long a4, long a5)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_listen(f, backlog);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	if (!s->opts.stream) {
		r = -EOPNOTSUPP;
	} else if (s->ready.connected) {
		r = -EINVAL;
	} else {
		/* lwIP counts the backlog in a byte; Linux caps it at somaxconn. */
		u8_t b = backlog < 1 ? 1 : backlog > 255 ? 255 : (u8_t)backlog;
		err_t err = netconn_listen_with_backlog(s->conn, b);
		r = err == ERR_OK ? 0 : -sock_errno(err, false);
		if (r == 0) {
			bool irq = sched_lock();
			s->ready.listening = true;
			s->bound = true;
			sched_unlock(irq);
			sock_changed(s);
		}
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_listen, sys_listen);

static bool has_connection(const struct sock *s) { return s->ready.rcv > 0 || s->error; }

static long do_accept(long fd, long addr, long lenp, long flags)
{
	if (flags & ~(long)(LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
		return -EINVAL;
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_accept(f, addr, lenp, flags);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	if (!s->ready.listening) {
		file_put(f);
		return -EINVAL;
	}
	struct netconn *conn = NULL;
	for (;;) {
		r = sock_wait(s, has_connection, sock_is_nonblocking(s, 0), s->opts.rcvtimeo_us);
		if (r)
			break;
		int e = sock_take_error(s);
		if (e) {
			r = -e;
			break;
		}
		err_t err = netconn_accept(s->conn, &conn);
		if (err == ERR_OK)
			break;
		if (err == ERR_WOULDBLOCK) {
			bool irq = sched_lock();
			s->ready.rcv = 0;
			sched_unlock(irq);
			continue;
		}
		/* A connection that failed before it was taken: Linux's
		 * accept answers ECONNABORTED and the next one is taken. */
		r = -ECONNABORTED;
		break;
	}
	if (r) {
		file_put(f);
		return r;
	}
	struct sock *ns = sock_adopt(conn, s->opts.domain);
	if (ns == NULL) {
		file_put(f);
		return -ENOMEM;
	}
	/* The new socket starts with every option of its listener, as on
	 * Linux, where it is a copy of the listening one: keepalive and its
	 * times, Nagle's switch, buffer sizes, timeouts, lingering. Set in
	 * lwIP's control block too, since a later setsockopt writes all of
	 * them there again. SO_REUSEADDR matters most: lwIP's accepted block
	 * inherits it, and a later setsockopt must not clear it there, or
	 * the connection, lingering in TIME_WAIT after close, keeps the port
	 * from a new listener (iperf3 listens anew after each test). */
	ns->opts = s->opts;
	sock_apply_opts(ns);
	ns->bound = true;
	ip_addr_t ip;
	u16_t port = 0;
	struct sock_addr peer = { 0 };
	if (netconn_peer(conn, &ip, &port) == ERR_OK)
		sock_ip_from(&ip, port, &peer);
	r = sock_write_addr(ns, &peer, addr, lenp);
	file_put(f);
	if (r) {
		file_put(&ns->file);
		return r;
	}
	return install(ns, (int)flags);
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

static bool connect_ended(const struct sock *s) { return !s->ready.connecting; }

static long connect_stream(struct sock *s, const struct sock_addr *a)
{
	if (s->ready.connecting)
		return -EALREADY;
	if (s->ready.listening)
		return -EISCONN;
	if (s->ready.connected) {
		if (!s->ready.reset)
			return -EISCONN;
		int e = sock_take_error(s);
		return e ? -e : -EISCONN;
	}
	ip_addr_t ip;
	long r = sock_peer_ip_to(a, &ip);
	if (r)
		return r;
	bool irq = sched_lock();
	s->ready.connecting = true;
	s->ready.send = false;
	sched_unlock(irq);
	err_t err = netconn_connect(s->conn, &ip, a->port);
	if (err != ERR_OK && err != ERR_INPROGRESS) {
		irq = sched_lock();
		s->ready.connecting = false;
		sched_unlock(irq);
		return -sock_errno(err, true);
	}
	s->bound = true;
	if (err == ERR_OK && s->ready.connecting) {
		/* Done at once (no handshake to wait for). */
		irq = sched_lock();
		s->ready.connecting = false;
		s->ready.connected = s->ready.send = true;
		sched_unlock(irq);
	}
	/* A signal or a timeout leaves the connect running, as Linux. */
	r = sock_wait(s, connect_ended, sock_is_nonblocking(s, 0), s->opts.sndtimeo_us);
	if (r == -EAGAIN)
		return -EINPROGRESS;
	if (r)
		return r == -ERESTARTSYS ? -EINTR : r;
	int e = sock_take_error(s);
	return e ? -e : 0;
}

static long sys_connect(long fd, long addr, long len, long a3, long a4, long a5)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_connect(f, addr, len);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	struct sock_addr a;
	r = read_addr(s, addr, len, !s->opts.stream, &a);
	if (r == 1) {
		/* AF_UNSPEC: a datagram socket forgets its peer. */
		netconn_disconnect(s->conn);
		s->udp_connected = false;
		r = 0;
	} else if (r == 0 && s->opts.stream) {
		r = connect_stream(s, &a);
	} else if (r == 0) {
		ip_addr_t ip;
		r = sock_peer_ip_to(&a, &ip);
		if (r == 0) {
			err_t err = netconn_connect(s->conn, &ip, a.port);
			r = err == ERR_OK ? 0 : -sock_errno(err, true);
			s->udp_connected = r == 0;
			s->bound |= r == 0;
		}
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_connect, sys_connect);

/* Checks the application's iovecs and sums them into io. */
static long read_iov(struct sock_io *io, long iov, long count)
{
	const struct linux_iovec *v = (const struct linux_iovec *)iov;
	if (count < 0 || count > IOV_MAX)
		return -EMSGSIZE;
	if (count && !user_range_ok(v, (size_t)count * sizeof(*v)))
		return -EFAULT;
	io->iov = v;
	io->count = (size_t)count;
	io->total = 0;
	for (long i = 0; i < count; i++) {
		if (v[i].len > MAX_RW || io->total + v[i].len > MAX_RW)
			return -EINVAL;
		io->total += v[i].len;
	}
	return 0;
}

static long check_buffers(const struct sock_io *io, bool writing)
{
	for (size_t i = 0; i < io->count; i++) {
		const void *p = (const void *)(uintptr_t)io->iov[i].base;
		if (io->iov[i].len &&
		    !(writing ? user_writable_ok(p, io->iov[i].len) : user_range_ok(p, io->iov[i].len)))
			return -EFAULT;
	}
	return 0;
}

/* Control data of sendmsg and recvmsg: only AF_UNIX sockets take or
 * give any. */
struct control {
	long at;
	uint64_t len;	 /* the room at at */
	uint64_t filled; /* what a receive wrote there (0 for the others) */
	bool cloexec;	 /* MSG_CMSG_CLOEXEC: received descriptors are */
};

/* The send and receive calls on a descriptor that is no lwIP socket:
 * an AF_UNIX socket's, a netlink socket's, or -ENOTSOCK. */
static long other_send(long fd, struct sock_io *io, long addr, long addrlen, const struct control *c)
{
	struct file *f = fd_get(&app_fds, (int)fd);
	if (f == NULL)
		return -EBADF;
	long r;
	if (unix_is(f)) {
		r = check_buffers(io, false);
		if (r == 0)
			r = unix_call_send(f, io->iov, io->count, io->total, io->flags, addr, addrlen, c ? c->at : 0,
					   c ? c->len : 0);
	} else {
		r = netlink_sendto(f, io->iov, io->count, io->total, addr, addrlen);
	}
	file_put(f);
	return r;
}

static long other_recv(long fd, struct sock_io *io, long addr, long lenp, struct control *c)
{
	struct file *f = fd_get(&app_fds, (int)fd);
	if (f == NULL)
		return -EBADF;
	long r;
	if (unix_is(f)) {
		r = check_buffers(io, true);
		if (c)
			c->filled = c->len;
		if (r == 0)
			r = unix_call_recv(f, io->iov, io->count, io->total,
					   io->flags | (c && c->cloexec ? LINUX_MSG_CMSG_CLOEXEC : 0), &io->out_flags,
					   addr, lenp, c ? c->at : 0, c ? &c->filled : NULL);
	} else {
		r = netlink_recvfrom(f, io->iov, io->count, io->total, io->flags, &io->out_flags, addr, lenp);
	}
	file_put(f);
	return r;
}

static long do_send(long fd, struct sock_io *io, long addr, long addrlen, const struct control *c)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK)
		return other_send(fd, io, addr, addrlen, c);
	if (r)
		return r;
	struct sock_addr to;
	bool has_to = addr != 0 && !(s->opts.stream && s->ready.connected);
	r = check_buffers(io, false);
	if (r == 0 && has_to)
		r = read_addr(s, addr, addrlen, false, &to);
	if (r == 0)
		r = sock_send(s, io, has_to ? &to : NULL);
	file_put(f);
	return r;
}

static long do_recv(long fd, struct sock_io *io, long addr, long lenp, struct control *c)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK)
		return other_recv(fd, io, addr, lenp, c);
	if (r)
		return r;
	r = check_buffers(io, true);
	if (r == 0)
		r = sock_recv(s, io);
	if (r >= 0 && io->has_addr) {
		long w = sock_write_addr(s, &io->addr, addr, lenp);
		if (w)
			r = w;
	} else if (r >= 0 && addr && lenp && user_writable_ok((void *)lenp, 4)) {
		/* A stream has no source to report: the length becomes 0. */
		memset((void *)lenp, 0, 4);
	}
	file_put(f);
	return r;
}

static long sys_sendto(long fd, long buf, long len, long flags, long addr, long addrlen)
{
	struct linux_iovec iov = { (uint64_t)buf, (uint64_t)len };
	struct sock_io io = { .iov = &iov, .count = 1, .total = (size_t)len, .flags = (int)flags };
	if ((unsigned long)len > MAX_RW)
		io.total = iov.len = MAX_RW;
	return do_send(fd, &io, addr, addrlen, NULL);
}
SYSCALL(SYS_sendto, sys_sendto);

static long sys_recvfrom(long fd, long buf, long len, long flags, long addr, long lenp)
{
	struct linux_iovec iov = { (uint64_t)buf, (uint64_t)len };
	struct sock_io io = { .iov = &iov, .count = 1, .total = (size_t)len, .flags = (int)flags };
	if ((unsigned long)len > MAX_RW)
		io.total = iov.len = MAX_RW;
	return do_recv(fd, &io, addr, lenp, NULL);
}
SYSCALL(SYS_recvfrom, sys_recvfrom);

static long sys_sendmsg(long fd, long msg, long flags, long a3, long a4, long a5)
{
	struct linux_msghdr m;
	if (!user_range_ok((const void *)msg, sizeof(m)))
		return -EFAULT;
	memcpy(&m, (const void *)msg, sizeof(m));
	struct sock_io io = { .flags = (int)flags };
	long r = read_iov(&io, (long)m.iov, (long)m.iovlen);
	if (r)
		return r;
	struct control c = { (long)m.control, m.controllen, 0, false };
	return do_send(fd, &io, (long)m.name, m.namelen, &c);
}
SYSCALL(SYS_sendmsg, sys_sendmsg);

static long sys_recvmsg(long fd, long msg, long flags, long a3, long a4, long a5)
{
	struct linux_msghdr *m = (struct linux_msghdr *)msg;
	if (!user_writable_ok(m, sizeof(*m)))
		return -EFAULT;
	struct sock_io io = { .flags = (int)(flags & ~LINUX_MSG_CMSG_CLOEXEC) };
	long r = read_iov(&io, (long)m->iov, (long)m->iovlen);
	if (r)
		return r;
	/* Only an AF_UNIX socket gives control data (SCM_RIGHTS). */
	struct control c = { (long)m->control, m->controllen, 0, (flags & LINUX_MSG_CMSG_CLOEXEC) != 0 };
	r = do_recv(fd, &io, m->name ? (long)m->name : 0, (long)&m->namelen, &c);
	if (r >= 0) {
		m->controllen = c.filled;
		m->flags = io.out_flags;
	}
	return r;
}
SYSCALL(SYS_recvmsg, sys_recvmsg);

static long sys_shutdown(long fd, long how, long a2, long a3, long a4, long a5)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_shutdown(f, how);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	if (how < SHUT_RD || how > SHUT_RDWR) {
		r = -EINVAL;
	} else if (s->opts.stream ? !s->ready.connected || s->ready.listening : !s->udp_connected) {
		r = -ENOTCONN;
	} else {
		bool rd = how != SHUT_WR, wr = how != SHUT_RD;
		/* Only the writing side goes to lwIP (a FIN): lwIP's shut_rx
		 * would answer later data with a reset, which Linux does not. */
		if (wr && s->opts.stream && !s->ready.wr_shut && !s->ready.reset) {
			err_t err = netconn_shutdown(s->conn, 0, 1);
			if (err != ERR_OK && err != ERR_CONN && err != ERR_CLSD)
				r = -sock_errno(err, false);
		}
		bool irq = sched_lock();
		s->ready.rd_shut |= rd;
		s->ready.wr_shut |= wr;
		sched_unlock(irq);
		sock_changed(s);
	}
	file_put(f);
	return r;
}
SYSCALL(SYS_shutdown, sys_shutdown);
