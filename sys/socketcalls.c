/*
 * The AF_INET and AF_INET6 family's calls (sys/sockcalls.h) over lwIP's
 * netconns: socket, bind, listen, accept, connect, the send and receive
 * family, shutdown (the names and the options are in sys/sockoptcalls.c;
 * data moves in sys/socket.c).
 */
#include <errno.h>
#include <string.h>

#include "kernel/sched.h"
#include "lwip/api.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/sock.h"
#include "sys/sockcalls.h"
#include "sys/sockerr.h"
#include "sys/syscall.h"

#define MAX_RW 0x7ffff000ul
#define ESOCKTNOSUPPORT 94 /* Linux's, missing from the kernel's errno.h */
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2
#define SOCK_TYPE_MASK 0xf
#define O_CLOEXEC 02000000

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
	uint8_t buf[sizeof(struct linux_sockaddr_in6)];
	uint32_t full = sockaddr_format(a, s->opts.domain, buf, sizeof(buf));
	return sock_put_addr(buf, full, addr, lenp);
}

static long install(struct sock *s, int flags)
{
	s->file.flags = flags & LINUX_SOCK_NONBLOCK;
	return fd_install_new(&app_fds, &s->file, (flags & LINUX_SOCK_CLOEXEC) != 0);
}

long inet_socket(long domain, long type, long protocol)
{
	int kind = (int)(type & SOCK_TYPE_MASK);
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

static long inet_bind(struct file *f, long addr, long len)
{
	struct sock *s = f->priv;
	struct sock_addr a;
	ip_addr_t ip;
	long r = read_addr(s, addr, len, false, &a);
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
	return r;
}

static long inet_listen(struct file *f, long backlog)
{
	struct sock *s = f->priv;
	long r = 0;
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
	return r;
}

static bool has_connection(const struct sock *s) { return s->ready.rcv > 0 || s->error; }

static long inet_accept(struct file *f, long addr, long lenp, long flags)
{
	struct sock *s = f->priv;
	long r;
	if (!s->ready.listening)
		return -EINVAL;
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
	if (r)
		return r;
	struct sock *ns = sock_adopt(conn, s->opts.domain);
	if (ns == NULL)
		return -ENOMEM;
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
	if (r) {
		file_put(&ns->file);
		return r;
	}
	return install(ns, (int)flags);
}

static bool connect_ended(const struct sock *s) { return !s->ready.connecting; }

static long connect_stream(struct sock *s, const struct sock_addr *a)
{
	if (s->ready.connecting)
		return -EALREADY;
	if (s->connect_unreported) {
		s->connect_unreported = false;
		if (s->ready.connected && !s->ready.reset)
			return 0;
		int e = sock_take_error(s);
		return e ? -e : -ECONNABORTED;
	}
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
	s->connect_unreported = r != 0;
	if (r == -EAGAIN)
		return -EINPROGRESS;
	if (r)
		return r == -ERESTARTSYS ? -EINTR : r;
	int e = sock_take_error(s);
	return e ? -e : 0;
}

static long inet_connect(struct file *f, long addr, long len)
{
	struct sock *s = f->priv;
	struct sock_addr a;
	long r = read_addr(s, addr, len, !s->opts.stream, &a);
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
	return r;
}

static long inet_send(struct file *f, struct sock_msg *m)
{
	struct sock *s = f->priv;
	struct sock_io io = { .iov = m->iov, .count = m->count, .total = m->total, .flags = m->flags };
	struct sock_addr to;
	bool has_to = m->addr != 0 && !(s->opts.stream && s->ready.connected);
	long r = has_to ? read_addr(s, m->addr, m->addrlen, false, &to) : 0;
	return r ? r : sock_send(s, &io, has_to ? &to : NULL);
}

static long inet_recv(struct file *f, struct sock_msg *m)
{
	struct sock *s = f->priv;
	struct sock_io io = {
		.iov = m->iov, .count = m->count, .total = m->total, .flags = m->flags & ~LINUX_MSG_CMSG_CLOEXEC
	};
	long r = sock_recv(s, &io);
	m->out_flags = io.out_flags;
	if (r >= 0 && io.has_addr) {
		long w = sock_write_addr(s, &io.addr, m->addr, m->addrlen);
		if (w)
			r = w;
	} else if (r >= 0 && m->addr && m->addrlen && user_writable_ok((void *)m->addrlen, 4)) {
		/* A stream has no source to report: the length becomes 0. */
		memset((void *)m->addrlen, 0, 4);
	}
	return r;
}

static long inet_shutdown(struct file *f, long how)
{
	struct sock *s = f->priv;
	long r = 0;
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
	return r;
}

const struct sock_calls inet_sock_calls = {
	.bind = inet_bind,
	.listen = inet_listen,
	.accept = inet_accept,
	.connect = inet_connect,
	.send = inet_send,
	.recv = inet_recv,
	.shutdown = inet_shutdown,
	.getname = inet_getname,
	.setsockopt = inet_setsockopt,
	.getsockopt = inet_getsockopt,
};
