/*
 * eventfd: the counter and its waits, with interrupts off around every
 * look at it (sched_lock), as a pipe's ring. Readers and writers sleep on
 * one queue: any change may let either go on.
 */
#include "sys/eventfd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/waitq.h"
#include "sys/process.h"
#include "sys/sigframe.h"

#define O_NONBLOCK 04000

struct eventfd {
	struct file file;
	uint64_t count;
	bool semaphore;
	struct waitq waiters;
};

static void changed(struct eventfd *e)
{
	waitq_wake_all(&e->waiters);
	file_notify(&e->file, FD_POLLIN | FD_POLLOUT);
}

/* Waits on e's queue (interrupts off): 0, -EAGAIN for a non-blocking
 * file, -ERESTARTSYS for a signal (restarted after an SA_RESTART
 * handler, as Linux's eventfd_read). */
static int wait_change(struct file *f, struct eventfd *e)
{
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	if (waitq_wait_interruptible(&e->waiters, DEADLINE_NEVER) == -EINTR)
		return -ERESTARTSYS;
	return 0;
}

static long eventfd_read(struct file *f, void *buf, size_t len)
{
	struct eventfd *e = f->priv;
	if (len < sizeof(uint64_t))
		return -EINVAL;
	uint64_t v = 0;
	long r = 0;
	bool slept = false;
	bool irq = sched_lock();
	while (e->count == 0 && (r = wait_change(f, e)) == 0)
		slept = true;
	if (r == 0) {
		v = e->semaphore ? 1 : e->count;
		e->count -= v;
		changed(e);
	}
	sched_unlock(irq);
	if (r)
		return r;
	/* The caller checked buf; a wait gave other threads time to unmap
	 * it. The value is taken then, as Linux's copy after the take. */
	if (slept && !user_writable_ok(buf, sizeof(v)))
		return -EFAULT;
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

static long eventfd_write(struct file *f, const void *buf, size_t len)
{
	struct eventfd *e = f->priv;
	if (len < sizeof(uint64_t))
		return -EINVAL;
	uint64_t v;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	long r = 0;
	bool irq = sched_lock();
	while (EVENTFD_MAX - e->count < v && (r = wait_change(f, e)) == 0)
		;
	if (r == 0) {
		e->count += v;
		changed(e); /* even for 0, as Linux's: an edge for EPOLLET */
	}
	sched_unlock(irq);
	return r ? r : (long)sizeof(v);
}

static unsigned eventfd_poll(struct file *f)
{
	struct eventfd *e = f->priv;
	bool irq = sched_lock();
	unsigned ev = 0;
	/* Linux's eventfd_poll: these two bits alone. */
	if (e->count > 0)
		ev |= FD_POLLIN;
	if (e->count < EVENTFD_MAX)
		ev |= FD_POLLOUT;
	sched_unlock(irq);
	return ev;
}

static void eventfd_close(struct file *f) { free(f->priv); }

static const struct file_ops eventfd_ops = {
	.kind = "eventfd",
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.close = eventfd_close,
};

int eventfd_create(uint64_t initval, bool semaphore, struct file **out)
{
	struct eventfd *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->count = initval;
	e->semaphore = semaphore;
	file_init(&e->file, &eventfd_ops, e);
	*out = &e->file;
	return 0;
}
