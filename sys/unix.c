/*
 * AF_UNIX sockets. Each socket has a queue of messages that others sent
 * it: a connected stream or packet socket's only sender is its peer, a
 * datagram socket's anyone who names it. A stream reader takes bytes
 * across messages; a datagram or packet reader takes one message, cut
 * to its buffers (MSG_TRUNC).
 *
 * Sockets point at their peers without a reference, as a reference would
 * keep a pair alive for ever: closing a socket clears every pointer to it,
 * with interrupts off like every other look at the sockets, so a pointer
 * read under sched_lock is good until it is released. A message is
 * allocated and filled before that lock is taken (its size is known
 * first), so no allocation and no copy from the sender runs with
 * interrupts off; a reader copies out under it, as a pipe's does.
 */
#include "sys/unix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/waitq.h"
#include "sys/kstat.h"
#include "sys/process.h"
#include "sys/sigframe.h"

#define O_NONBLOCK 04000
#define ESOCKTNOSUPPORT 94 /* Linux's, missing from the kernel's errno.h */
#define LINUX_AF_UNIX 1
/* What one message of a stream holds at most: a larger write is sent in
 * pieces, each queued when the peer has room. */
#define STREAM_CHUNK 65536
/* Linux's net.core.wmem_default and rmem_default, a unix socket's
 * buffers. */
#define UNIX_BUF_DEFAULT 212992

struct umsg {
	struct umsg *next;
	size_t len, off; /* a stream reader has taken off bytes */
	struct unix_name from;
	struct file **fds;
	unsigned nfds;
	uint8_t data[];
};

struct usock {
	struct file file;
	int type;
	bool listening;
	/* A stream or packet socket once connect or accept made it one end
	 * of a pair (it stays so when the peer goes: then peer is NULL); a
	 * datagram socket with a default peer. */
	bool connected;
	struct usock *peer;
	/* A datagram socket whose peer closed: the next send answers
	 * ECONNREFUSED and forgets it. */
	bool peer_died;
	bool rcv_shut, snd_shut;
	/* A connection a listener holds, not yet accepted: closed so, it
	 * resets its peer, as Linux's. */
	bool embryo;
	/* A stream or packet socket's peer's name, kept when the peer goes
	 * (getpeername still answers it, as Linux's). */
	struct unix_name peer_shown;
	int error;
	struct umsg *head, *tail;
	size_t bytes; /* unread bytes queued */
	unsigned nmsgs;
	/* A listener's connections not yet accepted, and its bound. */
	struct usock *acq_head, *acq_tail, *acq_next;
	unsigned acq_len, backlog;
	bool bound, in_table; /* in_table: its key finds it */
	struct unix_name key, shown;
	struct unix_cred peercred;
	struct sock_opts opts;
	struct waitq wq; /* readers of the queue, writers into it, connects */
	struct usock *all_next, *all_prev;
};

struct unix_cred unix_own_cred = { 1, 0, 0 };
void (*unix_broken_hook)(void);

static struct usock *all; /* every socket: names and peers are found here */

/* A path name whose socket closed: it stays taken until unlinked, as the
 * socket's file stays on Linux (a bind there is EADDRINUSE, a connect
 * ECONNREFUSED). */
struct stale_name {
	struct stale_name *next;
	struct unix_name key;
};
static struct stale_name *stale;
static unsigned autobind_next;

static const struct file_ops unix_ops;
/* The system calls' side (sys/unixcalls.c), absent from host tests. */
extern const struct sock_calls unix_sock_calls __attribute__((weak));

bool unix_is(const struct file *f) { return f->ops == &unix_ops; }
int unix_type(const struct file *f) { return ((const struct usock *)f->priv)->type; }
struct sock_opts *unix_opts(struct file *f) { return &((struct usock *)f->priv)->opts; }

static bool is_stream(const struct usock *s) { return s->type == UNIX_SOCK_STREAM; }
static bool is_dgram(const struct usock *s) { return s->type == UNIX_SOCK_DGRAM; }

static struct usock *new_sock(int type)
{
	struct usock *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->type = type;
	sockopt_init(&s->opts, LINUX_AF_UNIX, type != UNIX_SOCK_DGRAM);
	s->opts.sndbuf = s->opts.rcvbuf = UNIX_BUF_DEFAULT;
	file_init(&s->file, &unix_ops, s);
	bool irq = sched_lock();
	s->all_next = all;
	if (all)
		all->all_prev = s;
	all = s;
	sched_unlock(irq);
	return s;
}

int unix_socket(int type, struct file **out)
{
	if (type == UNIX_SOCK_RAW)
		type = UNIX_SOCK_DGRAM; /* Linux takes SOCK_RAW as SOCK_DGRAM */
	if (type != UNIX_SOCK_STREAM && type != UNIX_SOCK_DGRAM && type != UNIX_SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	struct usock *s = new_sock(type);
	if (s == NULL)
		return -ENOMEM;
	*out = &s->file;
	return 0;
}

/* Interrupts off. */
static void link_pair(struct usock *a, struct usock *b)
{
	a->peer = b;
	b->peer = a;
	a->connected = b->connected = true;
	a->peercred = b->peercred = unix_own_cred;
}

int unix_pair(int type, struct file *ends[2])
{
	struct file *a, *b;
	int r = unix_socket(type, &a);
	if (r)
		return r;
	r = unix_socket(type, &b);
	if (r) {
		file_put(a);
		return r;
	}
	bool irq = sched_lock();
	link_pair(a->priv, b->priv);
	sched_unlock(irq);
	ends[0] = a;
	ends[1] = b;
	return 0;
}

static bool same_name(const struct unix_name *a, const struct unix_name *b)
{
	return a->len == b->len && memcmp(a->path, b->path, a->len) == 0;
}

/* Interrupts off. */
static struct usock *lookup(const struct unix_name *key)
{
	for (struct usock *s = all; s; s = s->all_next)
		if (s->in_table && same_name(&s->key, key))
			return s;
	return NULL;
}

/* Interrupts off. */
static struct stale_name **find_stale(const struct unix_name *key)
{
	struct stale_name **p = &stale;
	while (*p && !same_name(&(*p)->key, key))
		p = &(*p)->next;
	return p;
}

static bool is_path(const struct unix_name *n) { return n->len > 0 && n->path[0] != '\0'; }

bool unix_name_taken(const struct unix_name *key)
{
	bool irq = sched_lock();
	bool taken = lookup(key) != NULL || *find_stale(key) != NULL;
	sched_unlock(irq);
	return taken;
}

int unix_bind(struct file *f, const struct unix_name *key, const struct unix_name *shown)
{
	struct usock *s = f->priv;
	int r = 0;
	bool irq = sched_lock();
	if (is_path(key) && (lookup(key) || *find_stale(key))) {
		r = -EADDRINUSE; /* Linux makes the file first */
	} else if (s->bound) {
		r = -EINVAL;
	} else if (key->len == 0) {
		/* Autobind: an abstract name of five hex digits no socket has. */
		struct unix_name n = { .len = 6 };
		for (unsigned tries = 0;; tries++) {
			if (tries > 0xfffff) {
				r = -ENOSPC;
				break;
			}
			unsigned v = autobind_next++ & 0xfffff;
			for (int i = 0; i < 5; i++)
				n.path[5 - i] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
			if (lookup(&n) == NULL)
				break;
		}
		s->key = s->shown = n;
	} else if (lookup(key)) {
		r = -EADDRINUSE;
	} else {
		s->key = *key;
		s->shown = *shown;
	}
	if (r == 0)
		s->bound = s->in_table = true;
	sched_unlock(irq);
	return r;
}

bool unix_unbind_path(const struct unix_name *key)
{
	if (!is_path(key))
		return false;
	bool irq = sched_lock();
	struct usock *s = lookup(key);
	if (s)
		s->in_table = false;
	struct stale_name **p = find_stale(key), *gone = *p;
	if (gone)
		*p = gone->next;
	sched_unlock(irq);
	bool had = s != NULL || gone != NULL;
	free(gone);
	return had;
}

int unix_listen(struct file *f, int backlog)
{
	struct usock *s = f->priv;
	if (is_dgram(s))
		return -EOPNOTSUPP;
	int r = 0;
	bool irq = sched_lock();
	if (s->connected || !s->bound)
		r = -EINVAL; /* Linux: only a bound, unconnected socket listens */
	else {
		/* Linux caps it at net.core.somaxconn, 4096. */
		s->backlog = backlog < 0 ? 0 : backlog > 4096 ? 4096 : (unsigned)backlog;
		s->listening = true;
	}
	sched_unlock(irq);
	if (r == 0)
		file_notify(f, FD_POLLIN);
	return r;
}

/* Waits on q (interrupts off): 0, or -EAGAIN (the deadline passed),
 * -ERESTARTSYS / -EINTR (a signal; -EINTR when a timeout was set). */
static int wait_on(struct waitq *q, uint64_t deadline)
{
	int w = waitq_wait_interruptible(q, deadline);
	if (w == -EINTR)
		return deadline == DEADLINE_NEVER ? -ERESTARTSYS : -EINTR;
	return w == -ETIMEDOUT ? -EAGAIN : 0;
}

static uint64_t deadline_of(uint64_t timeout_us)
{
	return timeout_us ? deadline_after(timeout_us * 1000) : DEADLINE_NEVER;
}

int unix_accept(struct file *f, bool nonblock, struct file **out)
{
	struct usock *s = f->priv;
	if (is_dgram(s))
		return -EOPNOTSUPP;
	uint64_t deadline = deadline_of(s->opts.rcvtimeo_us);
	int r = 0;
	bool irq = sched_lock();
	for (;;) {
		if (!s->listening) {
			r = -EINVAL;
			break;
		}
		if (s->acq_head) {
			struct usock *c = s->acq_head;
			s->acq_head = c->acq_next;
			if (s->acq_head == NULL)
				s->acq_tail = NULL;
			s->acq_len--;
			c->acq_next = NULL;
			c->embryo = false;
			*out = &c->file;
			waitq_wake_all(&s->wq); /* a connect waiting for room */
			break;
		}
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if ((r = wait_on(&s->wq, deadline)) != 0)
			break;
	}
	sched_unlock(irq);
	return r;
}

static void changed(struct usock *s, unsigned events)
{
	waitq_wake_all(&s->wq);
	file_notify(&s->file, events);
}

int unix_connect(struct file *f, const struct unix_name *key, bool nonblock)
{
	struct usock *s = f->priv;
	int r = 0;
	if (is_dgram(s)) {
		bool irq = sched_lock();
		struct usock *t = key ? lookup(key) : NULL;
		if (key && t == NULL)
			r = -ECONNREFUSED;
		else if (t && t->type != s->type)
			r = -EPROTOTYPE;
		else if (t && t->peer && t->peer != s)
			r = -EPERM;
		else {
			s->peer = t;
			s->connected = t != NULL;
			s->peer_died = false;
			s->peercred = unix_own_cred;
		}
		sched_unlock(irq);
		if (r == 0)
			file_notify(f, FD_POLLOUT);
		return r;
	}
	/* The listener's end of the connection, made before the lock. */
	struct usock *c = new_sock(s->type);
	if (c == NULL)
		return -ENOMEM;
	uint64_t deadline = deadline_of(s->opts.sndtimeo_us);
	struct usock *l = NULL;
	bool irq = sched_lock();
	for (;;) {
		if (s->listening) {
			r = -EINVAL;
			break;
		}
		if (s->connected) {
			r = -EISCONN;
			break;
		}
		l = lookup(key);
		if (l == NULL || (l->type == s->type && !l->listening)) {
			r = -ECONNREFUSED;
			break;
		}
		if (l->type != s->type) {
			r = -EPROTOTYPE;
			break;
		}
		if (l->acq_len <= l->backlog)
			break;
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		if ((r = wait_on(&l->wq, deadline)) != 0)
			break;
	}
	if (r == 0) {
		link_pair(s, c);
		/* The accepted end answers the listener's name, as Linux's. */
		c->shown = l->shown;
		c->bound = l->bound;
		if (l->acq_tail)
			l->acq_tail->acq_next = c;
		else
			l->acq_head = c;
		l->acq_tail = c;
		l->acq_len++;
		c->embryo = true;
		changed(l, FD_POLLIN);
	}
	sched_unlock(irq);
	if (r)
		file_put(&c->file);
	else
		file_notify(f, FD_POLLOUT);
	return r;
}

static void put_fds(struct file **fds, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		file_put(fds[i]);
	free(fds);
}

static void free_msg(struct umsg *m)
{
	if (m->fds)
		put_fds(m->fds, m->nfds);
	free(m);
}

/* A message of len bytes of iov from offset at, or NULL. */
static struct umsg *new_msg(const struct linux_iovec *iov, size_t count, size_t at, size_t len)
{
	struct umsg *m = malloc(sizeof(*m) + len);
	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->len = len;
	size_t n = 0;
	for (size_t i = 0; i < count && n < len; i++) {
		size_t l = iov[i].len;
		if (at >= l) {
			at -= l;
			continue;
		}
		size_t run = l - at < len - n ? l - at : len - n;
		memcpy(m->data + n, (const uint8_t *)(uintptr_t)iov[i].base + at, run);
		n += run;
		at = 0;
	}
	return m;
}

/* Whether t takes a message of len bytes from s now. A stream may queue
 * while what it has queued is below its send buffer; a datagram or
 * packet while the receiver holds fewer than UNIX_MAX_DGRAM_QLEN and it
 * fits the receive buffer (any message fits an empty queue). */
static bool fits(const struct usock *s, const struct usock *t, size_t len)
{
	if (is_stream(s))
		return t->bytes < (size_t)s->opts.sndbuf;
	return t->nmsgs < UNIX_MAX_DGRAM_QLEN && (t->bytes == 0 || t->bytes + len <= (size_t)t->opts.rcvbuf);
}

/* Whether t takes an empty datagram or packet now: what its connected
 * senders' writability stands on. */
static bool has_room(const struct usock *t)
{
	return t->nmsgs < UNIX_MAX_DGRAM_QLEN && t->bytes <= (size_t)t->opts.rcvbuf;
}

/* Where s sends now (interrupts off): the receiver, or NULL and *err. */
static struct usock *target(struct usock *s, const struct unix_name *key, int *err)
{
	*err = 0;
	if (s->snd_shut) {
		*err = -EPIPE;
		return NULL;
	}
	if (!is_dgram(s)) {
		if (key && is_stream(s))
			*err = s->connected ? -EISCONN : -EOPNOTSUPP;
		else if (!s->connected)
			*err = -ENOTCONN;
		else if (s->peer == NULL)
			*err = -EPIPE;
		return *err ? NULL : s->peer;
	}
	struct usock *t;
	if (key) {
		t = lookup(key);
		if (t == NULL)
			*err = -ECONNREFUSED;
		else if (t->type != s->type)
			*err = -EPROTOTYPE;
		else if (t->peer && t->peer != s)
			*err = -EPERM;
	} else {
		t = s->peer;
		if (t == NULL && s->peer_died) {
			s->peer_died = false;
			s->connected = false;
			*err = -ECONNREFUSED;
		} else if (t == NULL) {
			*err = -ENOTCONN;
		}
	}
	if (*err == 0 && t->rcv_shut)
		*err = -EPIPE;
	return *err ? NULL : t;
}

long unix_send(struct file *f, const struct linux_iovec *iov, size_t count, size_t total, int flags,
	       const struct unix_name *key, struct file **fds, unsigned nfds)
{
	struct usock *s = f->priv;
	bool nonblock = (f->flags & O_NONBLOCK) || (flags & UNIX_MSG_DONTWAIT);
	bool stream = is_stream(s);
	if (!stream && total + 32 > (size_t)s->opts.sndbuf) {
		if (fds)
			put_fds(fds, nfds);
		return -EMSGSIZE;
	}
	if (stream && total == 0) {
		/* Nothing to queue; the state's errors still answer. */
		int e;
		bool irq = sched_lock();
		target(s, key, &e);
		sched_unlock(irq);
		if (fds)
			put_fds(fds, nfds);
		if (e == -EPIPE && !(flags & UNIX_MSG_NOSIGNAL) && unix_broken_hook)
			unix_broken_hook();
		return e;
	}
	uint64_t deadline = deadline_of(s->opts.sndtimeo_us);
	size_t done = 0;
	long err = 0;
	bool slept = false;
	do {
		size_t n = stream ? (total - done < STREAM_CHUNK ? total - done : STREAM_CHUNK) : total;
		/* The buffers were checked before the call; a wait gave other
		 * threads the time to unmap them. */
		if (slept && !user_iov_ok(iov, count, false)) {
			err = -EFAULT;
			break;
		}
		struct umsg *m = new_msg(iov, count, done, n);
		if (m == NULL) {
			err = -ENOMEM;
			break;
		}
		m->from = s->shown;
		bool irq = sched_lock();
		struct usock *t;
		int e;
		for (;;) {
			t = target(s, key, &e);
			if (t == NULL || fits(s, t, n))
				break;
			if (nonblock) {
				e = -EAGAIN;
				break;
			}
			e = wait_on(&t->wq, deadline);
			slept = true;
			if (e)
				break;
		}
		if (t && e == 0) {
			/* The files go with the first piece, whose receiver takes
			 * the references this call was given. */
			if (done == 0 && nfds) {
				m->fds = fds;
				m->nfds = nfds;
				fds = NULL;
				nfds = 0;
			}
			if (t->tail)
				t->tail->next = m;
			else
				t->head = m;
			t->tail = m;
			t->bytes += n;
			t->nmsgs++;
			changed(t, FD_POLLIN);
			m = NULL;
			done += n;
		}
		sched_unlock(irq);
		if (m)
			free(m);
		if (e) {
			err = e;
			break;
		}
	} while (done < total);
	if (fds)
		put_fds(fds, nfds);
	if (err == -EPIPE && !(flags & UNIX_MSG_NOSIGNAL) && unix_broken_hook)
		unix_broken_hook();
	return done > 0 ? (long)done : err;
}

/* Copies up to len bytes of m from its offset at into the buffers at out
 * bytes in. */
static size_t copy_out(const struct unix_recv *r, size_t out, const struct umsg *m, size_t at, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < r->count && n < len; i++) {
		size_t l = r->iov[i].len;
		if (out >= l) {
			out -= l;
			continue;
		}
		size_t run = l - out < len - n ? l - out : len - n;
		memcpy((uint8_t *)(uintptr_t)r->iov[i].base + out, m->data + at + n, run);
		n += run;
		out = 0;
	}
	return n;
}

/* Hands m's files to r (or, on a peek, new references to them). */
static void take_fds(struct unix_recv *r, struct umsg *m, bool peek)
{
	if (m->nfds == 0)
		return;
	if (peek) {
		struct file **copy = malloc(m->nfds * sizeof(*copy));
		if (copy == NULL) {
			r->out_flags |= UNIX_MSG_CTRUNC;
			return;
		}
		for (unsigned i = 0; i < m->nfds; i++) {
			copy[i] = m->fds[i];
			file_get(copy[i]);
		}
		r->fds = copy;
	} else {
		r->fds = m->fds;
		m->fds = NULL;
	}
	r->nfds = m->nfds;
	if (!peek)
		m->nfds = 0;
}

/* Takes the message at the head off s's queue and frees it (outside the
 * lock: its files may be sockets whose close takes it). Interrupts off. */
static struct umsg *unlink_head(struct usock *s)
{
	struct umsg *m = s->head;
	s->head = m->next;
	if (s->head == NULL)
		s->tail = NULL;
	s->bytes -= m->len - m->off;
	s->nmsgs--;
	m->next = NULL;
	return m;
}

/* Tells the senders into s that room came. Interrupts off. A datagram
 * socket's connected senders are found among all the sockets, so they
 * are told only when s had no room before (was_full): only then did
 * they poll not writable. */
static void room_came(struct usock *s, bool was_full)
{
	waitq_wake_all(&s->wq);
	if (s->peer && !is_dgram(s))
		file_notify(&s->peer->file, FD_POLLOUT);
	else if (was_full)
		for (struct usock *o = all; o; o = o->all_next)
			if (o->peer == s && o != s)
				file_notify(&o->file, FD_POLLOUT);
}

long unix_recv(struct file *f, struct unix_recv *r)
{
	struct usock *s = f->priv;
	bool nonblock = (f->flags & O_NONBLOCK) || (r->flags & UNIX_MSG_DONTWAIT);
	bool peek = r->flags & UNIX_MSG_PEEK;
	uint64_t deadline = deadline_of(s->opts.rcvtimeo_us);
	struct umsg *gone = NULL; /* messages taken, freed after the lock */
	size_t done = 0;
	long err = 0;
	bool slept = false;
	r->out_flags = 0;
	r->fds = NULL;
	r->nfds = 0;
	r->from.len = 0;
	bool irq = sched_lock();
	for (;;) {
		if (s->listening) {
			err = -EINVAL;
			break;
		}
		if (s->head) {
			if (slept && !user_iov_ok(r->iov, r->count, true)) {
				err = -EFAULT;
				break;
			}
			if (!is_stream(s)) {
				struct umsg *m = s->head;
				size_t n = copy_out(r, 0, m, 0, m->len < r->total ? m->len : r->total);
				if (m->len > n)
					r->out_flags |= UNIX_MSG_TRUNC;
				r->from = m->from;
				take_fds(r, m, peek);
				done = (r->flags & UNIX_MSG_TRUNC) ? m->len : n;
				if (!peek) {
					bool was_full = !has_room(s);
					m = unlink_head(s);
					m->next = gone;
					gone = m;
					room_came(s, was_full);
				}
				break;
			}
			/* A stream: bytes across messages, up to the end of one
			 * that brings files (they end a read, as on Linux: unix(7)).
			 * A peek looks from the unread start without taking. */
			struct umsg *m = s->head;
			while (m && done < r->total) {
				if (done == 0)
					r->from = m->from;
				size_t avail = m->len - m->off;
				size_t n =
				    copy_out(r, done, m, m->off, avail < r->total - done ? avail : r->total - done);
				done += n;
				bool had_fds = m->nfds > 0;
				take_fds(r, m, peek);
				if (peek) {
					m = n < avail ? NULL : m->next;
				} else {
					m->off += n;
					s->bytes -= n;
					if (m->off < m->len)
						break;
					struct umsg *t = unlink_head(s);
					t->next = gone;
					gone = t;
					m = s->head;
				}
				if (had_fds)
					break;
			}
			if (!peek)
				room_came(s, false);
			if (done == r->total || !(r->flags & UNIX_MSG_WAITALL) || peek || r->nfds)
				break;
			continue;
		}
		if (done > 0 && (s->error || s->rcv_shut || (s->connected && !s->peer)))
			break;
		if (s->error) {
			err = -s->error;
			s->error = 0;
			break;
		}
		if (s->rcv_shut || (!is_dgram(s) && s->connected && s->peer == NULL))
			break; /* end of file */
		if (!s->connected && !is_dgram(s)) {
			err = is_stream(s) ? -EINVAL : -ENOTCONN;
			break;
		}
		if (r->total == 0 && is_stream(s))
			break;
		if (nonblock) {
			err = -EAGAIN;
			break;
		}
		int w = wait_on(&s->wq, deadline);
		slept = true;
		if (w) {
			err = w;
			break;
		}
	}
	sched_unlock(irq);
	while (gone) {
		struct umsg *m = gone;
		gone = m->next;
		free_msg(m);
	}
	if (done > 0)
		return (long)done;
	return err;
}

int unix_shutdown(struct file *f, int how)
{
	struct usock *s = f->priv;
	if (how < 0 || how > 2)
		return -EINVAL;
	bool rd = how != 1, wr = how != 0;
	bool irq = sched_lock();
	s->rcv_shut |= rd;
	s->snd_shut |= wr;
	struct usock *p = s->peer;
	if (p && !is_dgram(s)) {
		p->snd_shut |= rd;
		p->rcv_shut |= wr;
		changed(p, FD_POLLIN | FD_POLLOUT);
	}
	changed(s, FD_POLLIN | FD_POLLOUT);
	sched_unlock(irq);
	return 0;
}

int unix_getname(struct file *f, bool peer, struct unix_name *out)
{
	struct usock *s = f->priv;
	int r = 0;
	bool irq = sched_lock();
	if (!peer)
		*out = s->shown;
	else if (s->peer)
		*out = s->peer->shown;
	else if (s->connected && !is_dgram(s))
		*out = s->peer_shown;
	else
		r = -ENOTCONN;
	sched_unlock(irq);
	return r;
}

struct unix_cred unix_peer_cred(struct file *f)
{
	struct usock *s = f->priv;
	bool irq = sched_lock();
	struct unix_cred c = s->connected ? s->peercred : (struct unix_cred){ 0, (uint32_t)-1, (uint32_t)-1 };
	sched_unlock(irq);
	return c;
}

int unix_take_error(struct file *f)
{
	struct usock *s = f->priv;
	bool irq = sched_lock();
	int e = s->error;
	s->error = 0;
	sched_unlock(irq);
	return e;
}

bool unix_listening(struct file *f) { return ((struct usock *)f->priv)->listening; }

static unsigned unix_poll(struct file *f)
{
	struct usock *s = f->priv;
	unsigned ev = 0;
	bool irq = sched_lock();
	if (s->listening) {
		ev = s->acq_head ? FD_POLLIN | FD_POLLRDNORM : 0;
		sched_unlock(irq);
		return ev;
	}
	if (s->head)
		ev |= FD_POLLIN | FD_POLLRDNORM;
	if (s->error)
		ev |= FD_POLLERR;
	if (s->rcv_shut)
		ev |= FD_POLLRDHUP | FD_POLLIN | FD_POLLRDNORM;
	if (s->rcv_shut && s->snd_shut)
		ev |= FD_POLLHUP;
	if (is_dgram(s)) {
		if (s->peer == NULL || fits(s, s->peer, 0))
			ev |= FD_POLLOUT | FD_POLLWRNORM;
	} else {
		/* Linux: an unconnected stream socket is closed. Writable
		 * unless the peer holds all it may: one shut or orphaned is
		 * writable too, and its send answers EPIPE (so select's
		 * writers, who see no hang-up, do not wait for ever). */
		if (!s->connected)
			ev |= FD_POLLHUP;
		else if (s->peer == NULL)
			ev |= FD_POLLHUP | FD_POLLIN | FD_POLLRDNORM;
		if (s->peer == NULL || s->snd_shut || fits(s, s->peer, 0))
			ev |= FD_POLLOUT | FD_POLLWRNORM;
	}
	sched_unlock(irq);
	return ev;
}

static long unix_read(struct file *f, void *buf, size_t len)
{
	struct linux_iovec v = { (uint64_t)(uintptr_t)buf, len };
	struct unix_recv r = { .iov = &v, .count = 1, .total = len };
	long n = unix_recv(f, &r);
	if (r.fds)
		put_fds(r.fds, r.nfds); /* read() has nowhere to put them */
	return n;
}

static long unix_write(struct file *f, const void *buf, size_t len)
{
	struct linux_iovec v = { (uint64_t)(uintptr_t)buf, len };
	return unix_send(f, &v, 1, len, 0, NULL, NULL, 0);
}

static long unix_readv(struct file *f, const struct linux_iovec *iov, size_t count, size_t total)
{
	struct unix_recv r = { .iov = iov, .count = count, .total = total };
	long n = unix_recv(f, &r);
	if (r.fds)
		put_fds(r.fds, r.nfds);
	return n;
}

static long unix_writev(struct file *f, const struct linux_iovec *iov, size_t count, size_t total)
{
	return unix_send(f, iov, count, total, 0, NULL, NULL, 0);
}

#define FIONREAD 0x541B

static long unix_ioctl(struct file *f, unsigned long request, void *arg)
{
	struct usock *s = f->priv;
	int v;
	switch (request) {
	case FIONREAD: {
		if (s->listening)
			return -EINVAL;
		/* A datagram's size; all that a stream or packet socket holds. */
		bool irq = sched_lock();
		v = (int)(!is_dgram(s) ? s->bytes : s->head ? s->head->len : 0);
		sched_unlock(irq);
		return user_copy_out(arg, &v, sizeof(v));
	}
	default: return -ENOTTY;
	}
}

static int unix_stat(struct file *f, struct linux_stat *st)
{
	linux_stat_pseudo(st, 8, f->priv, LINUX_S_IFSOCK | 0777); /* sockfs */
	return 0;
}

/* The last reference: the peer sees the end (and ECONNRESET when this
 * side left data unread, as Linux), datagram sockets that named this one
 * as their peer get ECONNREFUSED at their next send, connections not yet
 * accepted are closed; an abstract name is freed, a path name stays
 * taken until unlinked. */
static void unix_close(struct file *f)
{
	struct usock *s = f->priv;
	struct stale_name *kept = s->in_table && is_path(&s->key) ? malloc(sizeof(*kept)) : NULL;
	if (kept)
		kept->key = s->key;
	bool irq = sched_lock();
	if (kept) {
		kept->next = stale;
		stale = kept;
	}
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		all = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	struct usock *p = s->peer;
	if (p && !is_dgram(s) && p->peer == s) {
		p->peer = NULL;
		p->rcv_shut = p->snd_shut = true;
		p->peer_shown = s->shown;
		if (s->head || s->embryo)
			p->error = ECONNRESET;
		changed(p, FD_POLLIN | FD_POLLOUT | FD_POLLHUP);
	}
	for (struct usock *o = all; o; o = o->all_next) {
		if (o->peer != s)
			continue;
		o->peer = NULL;
		if (is_dgram(o)) {
			o->peer_died = true;
			changed(o, FD_POLLOUT);
		}
	}
	/* Senders waiting for room here, connects for the backlog: they
	 * look again and find this socket gone. */
	waitq_wake_all(&s->wq);
	struct usock *pending = s->acq_head;
	s->acq_head = s->acq_tail = NULL;
	s->listening = false;
	struct umsg *msgs = s->head;
	s->head = s->tail = NULL;
	sched_unlock(irq);
	while (msgs) {
		struct umsg *m = msgs;
		msgs = m->next;
		free_msg(m);
	}
	while (pending) {
		struct usock *c = pending;
		pending = c->acq_next;
		file_put(&c->file);
	}
	free(s);
}

static const struct file_ops unix_ops = {
	.kind = "socket",
	.read = unix_read,
	.write = unix_write,
	.poll = unix_poll,
	.ioctl = unix_ioctl,
	.stat = unix_stat,
	.readv = unix_readv,
	.writev = unix_writev,
	.close = unix_close,
	.sock = &unix_sock_calls,
};
