/*
 * NETLINK_ROUTE sockets: as much of rtnetlink as a program needs to learn
 * the interfaces (musl's getifaddrs, if_nameindex and if_nametoindex
 * dump the links and the addresses). Each request sent is answered at
 * once (sys/rtnl.c) into the socket's queue of datagrams, which recv
 * and recvfrom (and read) give back in order.
 *
 * Keel sends no notifications (there are no multicast groups to join),
 * so an empty queue never fills by itself: a receive on it answers
 * -EAGAIN at once, blocking or not, where Linux would wait for ever.
 */
#include "sys/netlink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sync.h"
#include "net/net.h"
#include "sys/process.h"
#include "sys/rtnl.h"
#include "sys/sockcalls.h"

#define NL_MAX_REQUEST 32768 /* bytes of one datagram sent */
#define NL_MAX_QUEUED 262144 /* bytes of answers waiting, as Linux's rcvbuf */
#define NL_DATAGRAM 4096     /* a dump's datagrams, as Linux fills a page */
#define NL_IFS_MAX 32
#define LINUX_SOCK_DGRAM 2
#define LINUX_SOCK_RAW 3
#define LINUX_SOCK_NONBLOCK 04000
#define LINUX_SOCK_CLOEXEC 02000000
#define SOCK_TYPE_MASK 0xf
#define ESOCKTNOSUPPORT 94 /* Linux's, missing from the kernel's errno.h */

/* Linux's struct sockaddr_nl. */
struct linux_sockaddr_nl {
	uint16_t family;
	uint16_t pad;
	uint32_t pid;
	uint32_t groups;
};
_Static_assert(sizeof(struct linux_sockaddr_nl) == 12, "Linux's struct sockaddr_nl");

struct nl_dgram {
	struct nl_dgram *next;
	size_t len;
	uint8_t data[];
};

struct nl_sock {
	struct file file;
	struct mutex lock; /* the queue */
	struct nl_dgram *head, **tail;
	size_t queued;
	uint32_t portid;
};

static const struct file_ops nl_ops;

/* Linux binds a socket that sends before binding: the first gets the
 * process's id, the next ones numbers counting down from -4096. */
static uint32_t next_portid(void)
{
	static struct mutex lock = MUTEX_INIT;
	static uint32_t rover = (uint32_t)-4096;
	static bool pid_taken;
	mutex_lock(&lock);
	uint32_t id = pid_taken ? rover-- : APP_PID;
	pid_taken = true;
	mutex_unlock(&lock);
	return id;
}

long netlink_socket(long type, long protocol)
{
	int kind = (int)(type & SOCK_TYPE_MASK);
	if (type & ~(long)(SOCK_TYPE_MASK | LINUX_SOCK_NONBLOCK | LINUX_SOCK_CLOEXEC))
		return -EINVAL;
	if (kind != LINUX_SOCK_RAW && kind != LINUX_SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != LINUX_NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct nl_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	file_init(&s->file, &nl_ops, s);
	mutex_init(&s->lock);
	s->tail = &s->head;
	s->portid = next_portid();
	s->file.flags = (int)(type & LINUX_SOCK_NONBLOCK);
	return fd_install_new(&app_fds, &s->file, (type & LINUX_SOCK_CLOEXEC) != 0);
}

/* Queues the answer to the request in buf, in datagrams of whole
 * messages. */
static long nl_request(struct nl_sock *s, const uint8_t *buf, size_t len)
{
	struct net_ifinfo *ifs = calloc(NL_IFS_MAX, sizeof(*ifs));
	if (!ifs)
		return -ENOMEM;
	unsigned n = net_interfaces(ifs, NL_IFS_MAX);
	size_t size = rtnl_answer(buf, len, ifs, n, s->portid, NULL);
	uint8_t *answer = size ? malloc(size) : NULL;
	long r = 0;
	if (size && !answer)
		r = -ENOMEM;
	else if (size)
		rtnl_answer(buf, len, ifs, n, s->portid, answer);
	free(ifs);
	mutex_lock(&s->lock);
	if (r == 0 && s->queued + size > NL_MAX_QUEUED)
		r = -ENOBUFS;
	for (size_t off = 0; r == 0 && off < size;) {
		size_t dlen = rtnl_datagram_len(answer + off, size - off, NL_DATAGRAM);
		struct nl_dgram *d = malloc(sizeof(*d) + dlen);
		if (!d) {
			r = -ENOMEM;
			break;
		}
		d->next = NULL;
		d->len = dlen;
		memcpy(d->data, answer + off, dlen);
		*s->tail = d;
		s->tail = &d->next;
		s->queued += dlen;
		off += dlen;
	}
	mutex_unlock(&s->lock);
	free(answer);
	if (r == 0 && size)
		file_notify(&s->file, FD_POLLIN | FD_POLLRDNORM);
	return r;
}

static long nl_send(struct nl_sock *s, const struct linux_iovec *iov, size_t count, size_t total)
{
	if (total > NL_MAX_REQUEST)
		return -EMSGSIZE;
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return -ENOMEM;
	size_t off = 0;
	for (size_t i = 0; i < count; i++) {
		memcpy(buf + off, (const void *)(uintptr_t)iov[i].base, iov[i].len);
		off += iov[i].len;
	}
	long r = nl_request(s, buf, total);
	free(buf);
	return r ? r : (long)total;
}

/* Gives the first datagram: *out_flags gets MSG_TRUNC when it was longer
 * than the buffers, which then hold its beginning. */
static long nl_recv(struct nl_sock *s, const struct linux_iovec *iov, size_t count, size_t total, int flags,
		    int *out_flags)
{
	mutex_lock(&s->lock);
	struct nl_dgram *d = s->head;
	if (!d) {
		mutex_unlock(&s->lock);
		return -EAGAIN;
	}
	size_t n = d->len < total ? d->len : total;
	size_t off = 0;
	for (size_t i = 0; i < count && off < n; i++) {
		size_t part = iov[i].len < n - off ? iov[i].len : n - off;
		memcpy((void *)(uintptr_t)iov[i].base, d->data + off, part);
		off += part;
	}
	long r = (flags & NETLINK_MSG_TRUNC) ? (long)d->len : (long)n;
	if (d->len > total)
		*out_flags |= NETLINK_MSG_TRUNC;
	if (!(flags & NETLINK_MSG_PEEK)) {
		s->head = d->next;
		if (!s->head)
			s->tail = &s->head;
		s->queued -= d->len;
		free(d);
	}
	mutex_unlock(&s->lock);
	return r;
}

static long nl_sendmsg(struct file *f, struct sock_msg *m)
{
	struct nl_sock *s = f->priv;
	if (m->addr) {
		struct linux_sockaddr_nl to;
		if (m->addrlen < (long)sizeof(to))
			return -EINVAL;
		if (!user_range_ok((const void *)m->addr, sizeof(to)))
			return -EFAULT;
		memcpy(&to, (const void *)m->addr, sizeof(to));
		if (to.family != LINUX_AF_NETLINK)
			return -EINVAL;
		/* Only the kernel (0) listens: there are no other sockets. */
		if (to.pid != 0 || to.groups != 0)
			return -ECONNREFUSED;
	}
	return nl_send(s, m->iov, m->count, m->total);
}

static long nl_recvmsg(struct file *f, struct sock_msg *m)
{
	struct nl_sock *s = f->priv;
	long r = nl_recv(s, m->iov, m->count, m->total, m->flags, &m->out_flags);
	if (r >= 0) {
		/* The answers come from the kernel: port 0. */
		struct linux_sockaddr_nl from = { .family = LINUX_AF_NETLINK };
		long w = sock_put_addr(&from, sizeof(from), m->addr, m->addrlen);
		if (w)
			return w;
	}
	return r;
}

/* A netlink socket sends to the kernel and receives its answers; it
 * has no other call (bind, connect: -EOPNOTSUPP). */
static const struct sock_calls nl_calls = {
	.send = nl_sendmsg,
	.recv = nl_recvmsg,
};

static long nl_read(struct file *f, void *buf, size_t len)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)buf, len };
	int out_flags = 0;
	return nl_recv(f->priv, &iov, 1, len, 0, &out_flags);
}

static long nl_write(struct file *f, const void *buf, size_t len)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)buf, len };
	return nl_send(f->priv, &iov, 1, len);
}

static unsigned nl_poll(struct file *f)
{
	struct nl_sock *s = f->priv;
	mutex_lock(&s->lock);
	unsigned ev = FD_POLLOUT | FD_POLLWRNORM | (s->head ? FD_POLLIN | FD_POLLRDNORM : 0);
	mutex_unlock(&s->lock);
	return ev;
}

static void nl_close(struct file *f)
{
	struct nl_sock *s = f->priv;
	while (s->head) {
		struct nl_dgram *d = s->head;
		s->head = d->next;
		free(d);
	}
	free(s);
}

static const struct file_ops nl_ops = {
	.kind = "netlink",
	.read = nl_read,
	.write = nl_write,
	.poll = nl_poll,
	.close = nl_close,
	.sock = &nl_calls,
};
