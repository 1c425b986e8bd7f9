/*
 * Data through a socket, and the socket as a file (read, write, poll,
 * ioctl, stat). A stream's received pbufs are copied straight into the
 * application's buffers (pbuf_copy_partial), the window reopened once
 * per call for what was taken; sends go to netconn_write in as large
 * pieces as lwIP's send buffer takes (NETCONN_COPY), and a full buffer
 * waits for lwIP's SENDPLUS. A datagram is one netbuf each way.
 */
#include "sys/sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sched.h"
#include "lwip/api.h"
#include "net/sendmem.h"
#include "sys/kstat.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/sockerr.h"

#define FIONREAD 0x541B
/* The largest UDP payload over IPv4 (65535 - 20 - 8). */
#define UDP_MAX 65507
/* How many of the application's buffers go to lwIP in one write. */
#define WRITE_VECTORS 16

static bool can_read(const struct sock *s)
{
	const struct sock_ready *r = &s->ready;
	return sock_ready_can_read(r) || s->held_dgram || r->eof || r->rd_shut || r->reset || s->error;
}

static bool not_connecting(const struct sock *s) { return !s->ready.connecting; }

static bool can_send(const struct sock *s)
{
	const struct sock_ready *r = &s->ready;
	return r->send || r->wr_shut || r->reset || s->error;
}

/* Copies len bytes of p from offset off into the buffers of io, from
 * byte done on. Returns how many were copied. */
static size_t copy_out(struct sock_io *io, size_t done, struct pbuf *p, size_t off, size_t len)
{
	size_t copied = 0, pos = 0;
	for (size_t i = 0; i < io->count && copied < len; i++) {
		size_t l = io->iov[i].len;
		if (done >= pos + l) {
			pos += l;
			continue;
		}
		size_t in = done - pos, n = l - in;
		if (n > len - copied)
			n = len - copied;
		n = pbuf_copy_partial(p, (uint8_t *)(uintptr_t)io->iov[i].base + in, (u16_t)n, (u16_t)(off + copied));
		copied += n;
		done += n;
		pos += l;
	}
	return copied;
}

/* A stream's error for a call that found the connection gone: the
 * pending error once (ECONNRESET...), then end of file for a read. */
static long stream_gone(struct sock *s)
{
	int e = sock_take_error(s);
	return e ? -e : 0;
}

static long recv_stream(struct sock *s, struct sock_io *io)
{
	bool nonblock = sock_is_nonblocking(s, io->flags);
	bool peek = io->flags & LINUX_MSG_PEEK;
	size_t done = 0, taken = 0;
	long r = 0;
	/* A connect under way: the read waits for it, as Linux's. */
	if (s->ready.connecting) {
		r = sock_wait(s, not_connecting, nonblock, s->opts.rcvtimeo_us);
		if (r < 0)
			return r;
	}
	if (!s->ready.connected || s->ready.listening)
		return -ENOTCONN;
	while (done < io->total) {
		if (s->held == NULL) {
			if (s->ready.eof || s->ready.rd_shut)
				break;
			/* With data in hand, wait only for MSG_WAITALL. */
			bool wait = done == 0 || ((io->flags & LINUX_MSG_WAITALL) && !peek);
			r = sock_wait(s, can_read, nonblock || !wait, s->opts.rcvtimeo_us);
			if (r < 0)
				break;
			if (s->ready.rd_shut)
				break;
			struct pbuf *p = NULL;
			err_t err = netconn_recv_tcp_pbuf_flags(s->conn, &p, NETCONN_NOAUTORCVD);
			if (err == ERR_WOULDBLOCK) {
				/* Nothing after all (an early count that was stale):
				 * no context switch happened since lwIP looked, so
				 * no event is lost by clearing it. */
				bool irq = sched_lock();
				s->ready.rcv = 0;
				s->ready.bytes = 0;
				sched_unlock(irq);
				if (s->error || s->ready.reset)
					continue;
				if (done > 0 || nonblock) {
					r = done ? 0 : -EAGAIN;
					break;
				}
				continue;
			}
			if (err == ERR_CLSD) {
				bool irq = sched_lock();
				s->ready.eof = true;
				sched_unlock(irq);
				sock_changed(s);
				break;
			}
			if (err != ERR_OK || p == NULL) {
				bool irq = sched_lock();
				s->ready.reset = true;
				if (s->error == 0 && err != ERR_OK)
					s->error = sock_errno(err, false);
				sched_unlock(irq);
				r = stream_gone(s);
				break;
			}
			bool irq = sched_lock();
			s->held = p;
			s->held_off = 0;
			s->ready.held = true;
			sched_unlock(irq);
		}
		size_t avail = s->held->tot_len - s->held_off;
		size_t want = io->total - done;
		size_t n = copy_out(io, done, s->held, s->held_off, want < avail ? want : avail);
		done += n;
		if (peek)
			break; /* what one segment holds: enough for a peek */
		taken += n;
		s->held_off += n;
		if (s->held_off == s->held->tot_len) {
			bool irq = sched_lock();
			struct pbuf *p = s->held;
			s->held = NULL;
			s->ready.held = false;
			sched_unlock(irq);
			pbuf_free(p);
		}
	}
	if (taken)
		netconn_tcp_recvd(s->conn, taken);
	if (done > 0)
		return (long)done;
	if (r == 0 && s->ready.reset)
		return stream_gone(s);
	return r;
}

static long recv_dgram(struct sock *s, struct sock_io *io)
{
	bool nonblock = sock_is_nonblocking(s, io->flags);
	struct netbuf *buf;
	for (;;) {
		int e = sock_take_error(s);
		if (e)
			return -e;
		if (s->held_dgram) {
			buf = s->held_dgram;
			break;
		}
		if (s->ready.rd_shut)
			return 0;
		long r = sock_wait(s, can_read, nonblock, s->opts.rcvtimeo_us);
		if (r < 0)
			return r;
		err_t err = netconn_recv_udp_raw_netbuf_flags(s->conn, &buf, NETCONN_DONTBLOCK);
		if (err == ERR_OK)
			break;
		if (err != ERR_WOULDBLOCK)
			return -sock_errno(err, false);
		bool irq = sched_lock();
		s->ready.rcv = 0;
		s->ready.bytes = 0;
		sched_unlock(irq);
	}
	struct pbuf *p = buf->p;
	size_t len = p->tot_len;
	size_t n = copy_out(io, 0, p, 0, len < io->total ? len : io->total);
	sock_ip_from(netbuf_fromaddr(buf), netbuf_fromport(buf), &io->addr);
	io->has_addr = true;
	if (n < len)
		io->out_flags |= LINUX_MSG_TRUNC;
	bool irq = sched_lock();
	if (io->flags & LINUX_MSG_PEEK) {
		s->held_dgram = buf;
		s->ready.held = true;
		buf = NULL;
	} else {
		s->held_dgram = NULL;
		s->ready.held = false;
	}
	sched_unlock(irq);
	if (buf)
		netbuf_delete(buf);
	/* MSG_TRUNC asks for the datagram's real length. */
	return (long)((io->flags & LINUX_MSG_TRUNC) ? len : n);
}

long sock_recv(struct sock *s, struct sock_io *io)
{
	io->out_flags = 0;
	io->has_addr = false;
	long r = sock_busy(s, &s->rx_busy);
	if (r)
		return r;
	r = s->opts.stream ? recv_stream(s, io) : recv_dgram(s, io);
	sock_unbusy(s, &s->rx_busy);
	return r;
}

/* EPIPE, with SIGPIPE unless MSG_NOSIGNAL, as Linux's sk_stream_error. */
static long broken_pipe(int flags)
{
	if (!(flags & LINUX_MSG_NOSIGNAL))
		signal_raise_self(SIGPIPE);
	return -EPIPE;
}

static long send_stream(struct sock *s, struct sock_io *io)
{
	bool nonblock = sock_is_nonblocking(s, io->flags);
	size_t done = 0;
	size_t vi = 0, voff = 0; /* where done lies: buffer vi, voff bytes in */
	long r = 0;
	if (s->ready.connecting) {
		r = sock_wait(s, can_send, nonblock, s->opts.sndtimeo_us);
		if (r < 0)
			return r;
	}
	while (done < io->total) {
		if (s->ready.wr_shut)
			return done ? (long)done : broken_pipe(io->flags);
		if (s->ready.reset || !s->ready.connected || s->ready.listening) {
			if (done)
				return (long)done;
			int e = sock_take_error(s);
			return e ? -e : broken_pipe(io->flags);
		}
		struct netvector vec[WRITE_VECTORS];
		u16_t n = 0;
		size_t j = vi, off = voff;
		/* At most what the send buffers' bound lets one write take
		 * (net/sendmem.h): a longer one could never fit. */
		size_t room = sendmem_write_max();
		for (; j < io->count && n < WRITE_VECTORS && room > 0; j++, off = 0) {
			if (io->iov[j].len == off)
				continue;
			vec[n].ptr = (const uint8_t *)(uintptr_t)io->iov[j].base + off;
			vec[n].len = io->iov[j].len - off;
			if (vec[n].len > room)
				vec[n].len = room;
			room -= vec[n].len;
			n++;
		}
		size_t written = 0;
		u8_t flags = NETCONN_COPY | ((io->flags & LINUX_MSG_MORE) ? NETCONN_MORE : 0);
		err_t err = netconn_write_vectors_partly(s->conn, vec, n, flags, &written);
		if (err == ERR_OK && written > 0) {
			done += written;
			while (vi < io->count && written >= io->iov[vi].len - voff) {
				written -= io->iov[vi].len - voff;
				vi++;
				voff = 0;
			}
			voff += written;
			continue;
		}
		if (err != ERR_OK && err != ERR_WOULDBLOCK && err != ERR_MEM) {
			if (done)
				return (long)done;
			bool irq = sched_lock();
			s->ready.reset = true;
			if (s->error == 0)
				s->error = sock_errno(err, false);
			sched_unlock(irq);
			continue; /* reported above: the error, then EPIPE */
		}
		/* The send buffer is full: wait for lwIP's SENDPLUS. lwIP has
		 * reported SENDMINUS when it filled, so the wait is not busy. */
		bool irq = sched_lock();
		if (err == ERR_MEM)
			s->ready.send = false;
		sched_unlock(irq);
		r = sock_wait(s, can_send, nonblock, s->opts.sndtimeo_us);
		if (r < 0)
			return done ? (long)done : r;
	}
	return (long)done;
}

/* A datagram refused memory or sending: Linux's sender would wait for
 * its send buffer (EAGAIN when it may not), not fail. 0 to try again;
 * -ENOBUFS when no room is to come (the stack's pools ran out, as
 * Linux's own allocation failure). Nothing held back may also mean the
 * room came back between the refusal and the look (the core lock was
 * waited for): *tries lets that be tried once more. */
static long hold_back(struct sock *s, int flags, unsigned *tries)
{
	if (!sock_stall(s))
		return (*tries)++ == 0 ? 0 : -ENOBUFS;
	return sock_wait(s, can_send, sock_is_nonblocking(s, flags), s->opts.sndtimeo_us);
}

static long send_dgram(struct sock *s, struct sock_io *io, const struct sock_addr *to)
{
	int e = sock_take_error(s);
	if (e)
		return -e;
	if (s->ready.wr_shut)
		return broken_pipe(io->flags);
	if (to == NULL && !s->udp_connected)
		return -EDESTADDRREQ;
	if (io->total > UDP_MAX)
		return -EMSGSIZE;
	struct netbuf *buf = netbuf_new();
	if (buf == NULL)
		return -ENOBUFS;
	uint8_t *data;
	unsigned tries = 0;
	while ((data = netbuf_alloc(buf, (u16_t)io->total)) == NULL) {
		long r = hold_back(s, io->flags, &tries);
		if (r < 0) {
			netbuf_delete(buf);
			return r;
		}
	}
	size_t done = 0;
	for (size_t i = 0; i < io->count; i++) {
		memcpy(data + done, (const void *)(uintptr_t)io->iov[i].base, io->iov[i].len);
		done += io->iov[i].len;
	}
	ip_addr_t ip;
	if (to) {
		long r = sock_peer_ip_to(to, &ip);
		if (r) {
			netbuf_delete(buf);
			return r;
		}
	}
	err_t err;
	for (;;) {
		err = to ? netconn_sendto(s->conn, buf, &ip, to->port) : netconn_send(s->conn, buf);
		if (err != ERR_MEM)
			break;
		/* lwIP leaves the headers it put in front of the data (UDP, IP,
		 * Ethernet) when the output fails: off again before a retry,
		 * or they would go out as data. */
		if (buf->p->payload != data &&
		    pbuf_remove_header(buf->p, (size_t)((uint8_t *)data - (uint8_t *)buf->p->payload)))
			err = ERR_BUF;
		if (err != ERR_MEM)
			break;
		long r = hold_back(s, io->flags, &tries);
		if (r < 0) {
			netbuf_delete(buf);
			return r;
		}
	}
	netbuf_delete(buf);
	return err == ERR_OK ? (long)io->total : -sock_errno(err, false);
}

long sock_send(struct sock *s, struct sock_io *io, const struct sock_addr *to)
{
	if (s->opts.stream && to && !s->ready.connected)
		return -EPIPE;
	long r = sock_busy(s, &s->tx_busy);
	if (r)
		return r;
	r = s->opts.stream ? send_stream(s, io) : send_dgram(s, io, to);
	sock_unbusy(s, &s->tx_busy);
	return r;
}

/* --- the file ------------------------------------------------------------------------ */

static long sock_file_read(struct file *f, void *buf, size_t len)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)buf, len };
	struct sock_io io = { .iov = &iov, .count = 1, .total = len };
	return sock_recv(f->priv, &io);
}

static long sock_file_write(struct file *f, const void *buf, size_t len)
{
	struct linux_iovec iov = { (uint64_t)(uintptr_t)buf, len };
	struct sock_io io = { .iov = &iov, .count = 1, .total = len };
	return sock_send(f->priv, &io, NULL);
}

static long sock_file_readv(struct file *f, const struct linux_iovec *iov, size_t count, size_t total)
{
	struct sock_io io = { .iov = iov, .count = count, .total = total };
	return sock_recv(f->priv, &io);
}

static long sock_file_writev(struct file *f, const struct linux_iovec *iov, size_t count, size_t total)
{
	struct sock_io io = { .iov = iov, .count = count, .total = total };
	return sock_send(f->priv, &io, NULL);
}

static unsigned sock_file_poll(struct file *f)
{
	struct sock *s = f->priv;
	bool irq = sched_lock();
	unsigned ev = sock_ready_poll(&s->ready);
	if (s->held_dgram)
		ev |= FD_POLLIN | FD_POLLRDNORM;
	sched_unlock(irq);
	return ev;
}

static long sock_file_ioctl(struct file *f, unsigned long request, void *arg)
{
	struct sock *s = f->priv;
	int v;
	switch (request) {
	case FIONREAD: {
		/* A datagram socket answers the next datagram's size, as
		 * Linux: it is taken from lwIP and held for the next read. */
		if (!s->opts.stream && s->held_dgram == NULL && s->ready.rcv > 0) {
			long r = sock_busy(s, &s->rx_busy);
			if (r)
				return r;
			struct netbuf *buf;
			if (s->held_dgram == NULL &&
			    netconn_recv_udp_raw_netbuf_flags(s->conn, &buf, NETCONN_DONTBLOCK) == ERR_OK) {
				bool irq = sched_lock();
				s->held_dgram = buf;
				s->ready.held = true;
				sched_unlock(irq);
			}
			sock_unbusy(s, &s->rx_busy);
		}
		bool irq = sched_lock();
		if (s->opts.stream)
			v = (int)(s->ready.bytes + (s->held ? s->held->tot_len - s->held_off : 0));
		else if (s->held_dgram)
			v = s->held_dgram->p->tot_len;
		else
			v = 0;
		sched_unlock(irq);
		return user_copy_out(arg, &v, sizeof(v));
	}
	default: return -ENOTTY;
	}
}

static int sock_file_stat(struct file *f, struct linux_stat *st)
{
	linux_stat_pseudo(st, 8, f->priv, LINUX_S_IFSOCK | 0777); /* sockfs */
	return 0;
}

static void sock_file_close(struct file *f) { sock_destroy(f->priv); }

const struct file_ops sock_ops = {
	.kind = "socket",
	.read = sock_file_read,
	.write = sock_file_write,
	.poll = sock_file_poll,
	.ioctl = sock_file_ioctl,
	.stat = sock_file_stat,
	.readv = sock_file_readv,
	.writev = sock_file_writev,
	.close = sock_file_close,
	.sock = &inet_sock_calls,
};
