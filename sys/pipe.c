/*
 * A pipe's two ends share one struct pipe; each end is a file whose last
 * reference closing drops that side. Waiting readers and writers sleep on
 * the pipe's wait queues; every change of state notifies both ends'
 * watchers (poll, select, epoll).
 *
 * Every look at the ring and every change to it happens with interrupts
 * off (sched_lock), so threads sharing a pipe see each transfer whole and
 * a waiter cannot miss the wake-up that follows its check. Copies are at
 * most the ring's size.
 */
#include "sys/pipe.h"
#include "sys/sigframe.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/waitq.h"
#include "sys/kstat.h"
#include "sys/process.h"

#define O_NONBLOCK 04000

struct pipe {
	uint8_t *buf;
	size_t size, head, len; /* the ring: len bytes from head */
	bool reader, writer;	/* whether each end is still open */
	struct waitq readers, writers;
	struct file ends[2];
};

void (*pipe_broken_hook)(void);

static void pipe_changed(struct pipe *p)
{
	waitq_wake_all(&p->readers);
	waitq_wake_all(&p->writers);
	if (p->reader)
		file_notify(&p->ends[0], FD_POLLIN | FD_POLLOUT);
	if (p->writer)
		file_notify(&p->ends[1], FD_POLLIN | FD_POLLOUT);
}

static size_t take(struct pipe *p, uint8_t *out, size_t len)
{
	size_t n = 0;
	while (n < len && p->len > 0) {
		size_t run = p->size - p->head;
		if (run > p->len)
			run = p->len;
		if (run > len - n)
			run = len - n;
		memcpy(out + n, p->buf + p->head, run);
		p->head = (p->head + run) % p->size;
		p->len -= run;
		n += run;
	}
	if (p->len == 0)
		p->head = 0;
	return n;
}

static size_t put(struct pipe *p, const uint8_t *in, size_t len)
{
	size_t n = 0;
	while (n < len && p->len < p->size) {
		size_t tail = (p->head + p->len) % p->size;
		/* Contiguous room: to the end of the buffer, or to head when the
		 * data wraps (then size - len is the smaller). */
		size_t run = p->size - tail;
		if (run > p->size - p->len)
			run = p->size - p->len;
		if (run > len - n)
			run = len - n;
		memcpy(p->buf + tail, in + n, run);
		p->len += run;
		n += run;
	}
	return n;
}

static long pipe_read(struct file *f, void *buf, size_t len)
{
	struct pipe *p = f->priv;
	if (len == 0)
		return 0;
	bool irq = sched_lock();
	long r;
	bool slept = false;
	for (;;) {
		if (p->len > 0) {
			/* The caller checked buf before the wait; meanwhile another
			 * thread may have unmapped or protected it. */
			if (slept && !user_writable_ok(buf, len)) {
				r = -EFAULT;
				break;
			}
			r = (long)take(p, buf, len);
			pipe_changed(p);
			break;
		}
		if (!p->writer) {
			r = 0; /* end of file */
			break;
		}
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			break;
		}
		/* A signal ends the wait: restarted after its handler
		 * (SA_RESTART) or EINTR, as Linux. */
		if (waitq_wait_interruptible(&p->readers, DEADLINE_NEVER) == -EINTR) {
			r = -ERESTARTSYS;
			break;
		}
		slept = true;
	}
	sched_unlock(irq);
	return r;
}

static long pipe_write(struct file *f, const void *buf, size_t len)
{
	struct pipe *p = f->priv;
	const uint8_t *in = buf;
	size_t done = 0;
	long r = 0;
	bool irq = sched_lock();
	while (done < len) {
		if (!p->reader) {
			r = -EPIPE;
			break;
		}
		size_t room = p->size - p->len;
		/* Up to PIPE_BUF bytes go in whole: never part of them. */
		bool atomic = len <= PIPE_BUF;
		if (room > 0 && (!atomic || room >= len - done)) {
			done += put(p, in + done, len - done);
			pipe_changed(p);
			continue;
		}
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			break;
		}
		if (waitq_wait_interruptible(&p->writers, DEADLINE_NEVER) == -EINTR) {
			r = -ERESTARTSYS;
			break;
		}
	}
	sched_unlock(irq);
	if (r == -EPIPE && pipe_broken_hook)
		pipe_broken_hook();
	return done > 0 ? (long)done : r;
}

static unsigned pipe_read_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned ev = 0;
	if (p->len > 0)
		ev |= FD_POLLIN | FD_POLLRDNORM;
	if (!p->writer)
		ev |= FD_POLLHUP;
	return ev;
}

static unsigned pipe_write_poll(struct file *f)
{
	struct pipe *p = f->priv;
	if (!p->reader)
		return FD_POLLERR; /* Linux's pipe_poll: a write end alone */
	/* Writable when an atomic write would fit, as Linux's pipe_poll. */
	return p->size - p->len >= PIPE_BUF ? FD_POLLOUT | FD_POLLWRNORM : 0;
}

/* One end's last reference is gone; the second frees the pipe. */
static void pipe_end_closed(struct pipe *p, bool reader)
{
	bool irq = sched_lock();
	if (reader)
		p->reader = false;
	else
		p->writer = false;
	pipe_changed(p);
	bool done = !p->reader && !p->writer;
	sched_unlock(irq);
	if (done) {
		free(p->buf);
		free(p);
	}
}

static void pipe_read_close(struct file *f) { pipe_end_closed(f->priv, true); }
static void pipe_write_close(struct file *f) { pipe_end_closed(f->priv, false); }

static long pipe_fcntl(struct file *f, int cmd, unsigned long arg)
{
	struct pipe *p = f->priv;
	switch (cmd) {
	case F_GETPIPE_SZ: return (long)p->size;
	case F_SETPIPE_SZ: {
		if (arg > PIPE_MAX_SIZE)
			return -EPERM;
		/* Linux rounds up to a power of two pages. */
		size_t size = 4096;
		while (size < arg)
			size *= 2;
		uint8_t *buf = malloc(size);
		if (buf == NULL)
			return -ENOMEM;
		bool irq = sched_lock();
		if (size < p->len) {
			sched_unlock(irq);
			free(buf);
			return -EBUSY;
		}
		size_t n = take(p, buf, p->len);
		uint8_t *old = p->buf;
		p->buf = buf;
		p->size = size;
		p->head = 0;
		p->len = n;
		pipe_changed(p);
		sched_unlock(irq);
		free(old);
		return (long)size;
	}
	default: return -EINVAL;
	}
}

/* A FIFO on pipefs (its device 0:12). */
static int pipe_stat(struct file *f, struct linux_stat *st)
{
	linux_stat_pseudo(st, 12, f->priv, LINUX_S_IFIFO | 0600);
	return 0;
}

static const struct file_ops pipe_read_ops = {
	.kind = "pipe",
	.read = pipe_read,
	.poll = pipe_read_poll,
	.fcntl = pipe_fcntl,
	.stat = pipe_stat,
	.close = pipe_read_close,
};

static const struct file_ops pipe_write_ops = {
	.kind = "pipe",
	.write = pipe_write,
	.poll = pipe_write_poll,
	.fcntl = pipe_fcntl,
	.stat = pipe_stat,
	.close = pipe_write_close,
};

int pipe_create(struct file *ends[2])
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->buf = malloc(PIPE_DEFAULT_SIZE);
	if (p->buf == NULL) {
		free(p);
		return -ENOMEM;
	}
	p->size = PIPE_DEFAULT_SIZE;
	p->reader = p->writer = true;
	file_init(&p->ends[0], &pipe_read_ops, p);
	file_init(&p->ends[1], &pipe_write_ops, p);
	ends[0] = &p->ends[0];
	ends[1] = &p->ends[1];
	return 0;
}
