/*
 * The epoll set (sys/epoll.h). The ready list is changed from
 * notifications, which may come from interrupt handlers, so every change
 * to it happens with interrupts off (sched_lock). Everything else (the
 * interest set, a walk of the ready list that asks files) is the work of
 * threads and holds the set's mutex, so an item is never freed under a
 * walk.
 */
#include "sys/epoll.h"

#include <errno.h>
#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/sync.h"
#include "kernel/sched.h"
#include "kernel/waitq.h"
#include "sys/process.h"

struct epitem {
	struct file_watch watch; /* first: a watch is its item */
	struct epoll *ep;
	struct epitem *next, *prev;	  /* the interest set */
	struct epitem *rd_next, *rd_prev; /* the ready list */
	struct epitem *tx_next;		  /* the list epoll_collect is walking */
	bool on_ready;
	int fd;
	uint32_t events; /* the interest; 0 once a one-shot item fired */
	uint64_t data;
};

struct epoll {
	struct file file;
	struct epitem *items;
	struct epitem *rd_head, *rd_tail;
	struct waitq waiters;
	struct mutex lock;
};

/* Nesting beyond this is refused, as Linux's EP_MAX_NESTS. */
#define EP_MAX_NESTS 4
/* What is always reported, asked for or not. */
#define EP_ALWAYS (EPOLLERR | EPOLLHUP)
#define EP_CTL_BITS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)

static void ready_add(struct epoll *ep, struct epitem *it)
{
	if (it->on_ready)
		return;
	it->on_ready = true;
	it->rd_next = NULL;
	it->rd_prev = ep->rd_tail;
	if (ep->rd_tail)
		ep->rd_tail->rd_next = it;
	else
		ep->rd_head = it;
	ep->rd_tail = it;
}

static void ready_remove(struct epoll *ep, struct epitem *it)
{
	if (!it->on_ready)
		return;
	if (it->rd_prev)
		it->rd_prev->rd_next = it->rd_next;
	else
		ep->rd_head = it->rd_next;
	if (it->rd_next)
		it->rd_next->rd_prev = it->rd_prev;
	else
		ep->rd_tail = it->rd_prev;
	it->on_ready = false;
}

static void item_notify(struct file_watch *w, unsigned events)
{
	struct epitem *it = (struct epitem *)w;
	struct epoll *ep = it->ep;
	(void)events;
	/* Nothing asked: an item with no events, or a one-shot item that
	 * fired (it keeps only its flag), as Linux's ep_poll_callback. */
	if ((it->events & ~EP_CTL_BITS) == 0)
		return;
	ready_add(ep, it);
	waitq_wake_all(&ep->waiters);
	file_notify(&ep->file, EPOLLIN);
}

static void item_unlink(struct epoll *ep, struct epitem *it)
{
	bool irq = sched_lock();
	ready_remove(ep, it);
	if (it->prev)
		it->prev->next = it->next;
	else
		ep->items = it->next;
	if (it->next)
		it->next->prev = it->prev;
	sched_unlock(irq);
}

/* The watched file's last reference went. */
static void item_release(struct file_watch *w)
{
	struct epitem *it = (struct epitem *)w;
	struct epoll *ep = it->ep;
	mutex_lock(&ep->lock);
	item_unlink(ep, it);
	mutex_unlock(&ep->lock);
	free(it);
}

static unsigned item_poll(struct epitem *it)
{
	if ((it->events & ~EP_CTL_BITS) == 0 || it->watch.file == NULL)
		return 0;
	unsigned interest = (it->events & ~EP_CTL_BITS) | EP_ALWAYS;
	return file_poll(it->watch.file) & interest;
}

static int collect_locked(struct epoll *ep, struct epoll_event *out, int max);

int epoll_collect(struct file *f, struct epoll_event *out, int max)
{
	struct epoll *ep = f->priv;
	mutex_lock(&ep->lock);
	int n = collect_locked(ep, out, max);
	mutex_unlock(&ep->lock);
	return n;
}

static int collect_locked(struct epoll *ep, struct epoll_event *out, int max)
{
	int n = 0;
	/* Take the list as it is, chained through tx_next: a notification
	 * meanwhile (from an interrupt) queues an item again through rd_next
	 * without disturbing this walk. Level-triggered items that report go
	 * back at the tail, for the next call. */
	bool irq = sched_lock();
	struct epitem *list = ep->rd_head;
	for (struct epitem *it = list; it; it = it->rd_next) {
		it->tx_next = it->rd_next;
		it->on_ready = false;
	}
	ep->rd_head = ep->rd_tail = NULL;
	sched_unlock(irq);
	struct epitem *it = list;
	for (; it && n < max; it = it->tx_next) {
		unsigned revents = item_poll(it);
		if (revents == 0)
			continue;
		out[n].events = revents;
		out[n].data = it->data;
		n++;
		irq = sched_lock();
		if (it->events & EPOLLONESHOT)
			it->events = EPOLLONESHOT; /* disarmed until EPOLL_CTL_MOD */
		else if (!(it->events & EPOLLET))
			ready_add(ep, it);
		sched_unlock(irq);
	}
	if (it == NULL)
		return n;
	/* No more room: the items not looked at go back in front, in order,
	 * as Linux's ep_done_scan splices them, so each ready item gets its
	 * turn. */
	irq = sched_lock();
	struct epitem *now = ep->rd_head;
	ep->rd_head = ep->rd_tail = NULL;
	for (; it; it = it->tx_next)
		if (!it->on_ready)
			ready_add(ep, it);
	for (struct epitem *r = now, *next; r; r = next) {
		next = r->rd_next;
		if (r->on_ready) {
			r->on_ready = false;
			ready_add(ep, r);
		}
	}
	sched_unlock(irq);
	return n;
}

int epoll_wait_until(struct file *f, struct epoll_event *out, int max, uint64_t deadline)
{
	struct epoll *ep = f->priv;
	for (;;) {
		int n = epoll_collect(f, out, max);
		if (n > 0)
			return n;
		bool irq = sched_lock();
		int r = 0;
		if (ep->rd_head == NULL)
			r = waitq_wait_interruptible(&ep->waiters, deadline);
		sched_unlock(irq);
		/* A signal ends the wait with EINTR, handler or not (Linux never
		 * restarts epoll_wait). */
		if (r == -EINTR)
			return -EINTR;
		/* The caller checked out before the wait; meanwhile another
		 * thread may have unmapped or protected it. */
		if (!user_writable_ok(out, (size_t)max * sizeof(*out)))
			return -EFAULT;
		if (r == -ETIMEDOUT || clock_ns() >= deadline)
			return epoll_collect(f, out, max);
	}
}

static struct epitem *item_find(struct epoll *ep, int fd, struct file *target)
{
	for (struct epitem *it = ep->items; it; it = it->next)
		if (it->fd == fd && it->watch.file == target)
			return it;
	return NULL;
}

/* Whether adding target to ep would make a cycle or a nest too deep. */
static bool nests_badly(struct epoll *ep, struct file *target, unsigned depth)
{
	if (!file_is_epoll(target))
		return false;
	if (target == &ep->file || depth >= EP_MAX_NESTS)
		return true;
	struct epoll *inner = target->priv;
	for (struct epitem *it = inner->items; it; it = it->next)
		if (it->watch.file && nests_badly(ep, it->watch.file, depth + 1))
			return true;
	return false;
}

static int ctl_locked(struct file *f, int op, int fd, struct file *target, const struct epoll_event *ev);

int epoll_ctl(struct file *f, int op, int fd, struct file *target, const struct epoll_event *ev)
{
	struct epoll *ep = f->priv;
	mutex_lock(&ep->lock);
	int r = ctl_locked(f, op, fd, target, ev);
	mutex_unlock(&ep->lock);
	return r;
}

static int ctl_locked(struct file *f, int op, int fd, struct file *target, const struct epoll_event *ev)
{
	struct epoll *ep = f->priv;
	struct epitem *it = item_find(ep, fd, target);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		if (nests_badly(ep, target, 0))
			return target == f ? -EINVAL : -ELOOP;
		it = calloc(1, sizeof(*it));
		if (it == NULL)
			return -ENOMEM;
		it->ep = ep;
		it->fd = fd;
		it->events = ev->events;
		it->data = ev->data;
		it->watch.notify = item_notify;
		it->watch.release = item_release;
		bool irq = sched_lock();
		it->next = ep->items;
		if (ep->items)
			ep->items->prev = it;
		ep->items = it;
		sched_unlock(irq);
		file_watch_add(target, &it->watch);
		break;
	case EPOLL_CTL_MOD:
		if (it == NULL)
			return -ENOENT;
		irq = sched_lock();
		it->events = ev->events;
		it->data = ev->data;
		sched_unlock(irq);
		break;
	case EPOLL_CTL_DEL:
		if (it == NULL)
			return -ENOENT;
		file_watch_remove(&it->watch);
		item_unlink(ep, it);
		free(it);
		return 0;
	default: return -EINVAL;
	}
	/* A file already ready reports at the next wait, edge-triggered or
	 * not, as Linux's ep_insert and ep_modify check it at once. */
	if (item_poll(it)) {
		bool irq = sched_lock();
		ready_add(ep, it);
		waitq_wake_all(&ep->waiters);
		sched_unlock(irq);
		file_notify(f, EPOLLIN);
	}
	return 0;
}

static unsigned epoll_poll(struct file *f)
{
	struct epoll *ep = f->priv;
	/* The caller holding this set's mutex means a cycle, which
	 * epoll_ctl refuses; should one appear, it reads as not ready. */
	if (mutex_lock(&ep->lock) != 0)
		return 0;
	/* Readable when a ready item really is ready: ask each, as Linux's
	 * ep_read_events_proc does, dropping those that are not. */
	unsigned ready = 0;
	bool irq = sched_lock();
	struct epitem *it = ep->rd_head;
	sched_unlock(irq);
	while (it) {
		irq = sched_lock();
		struct epitem *next = it->rd_next;
		sched_unlock(irq);
		if (item_poll(it)) {
			ready = EPOLLIN | FD_POLLRDNORM;
			break;
		}
		irq = sched_lock();
		ready_remove(ep, it);
		sched_unlock(irq);
		it = next;
	}
	mutex_unlock(&ep->lock);
	return ready;
}

static void epoll_close(struct file *f)
{
	struct epoll *ep = f->priv;
	while (ep->items) {
		struct epitem *it = ep->items;
		file_watch_remove(&it->watch);
		item_unlink(ep, it);
		free(it);
	}
	free(ep);
}

static const struct file_ops epoll_ops = {
	.kind = "epoll",
	.poll = epoll_poll,
	.close = epoll_close,
};

bool file_is_epoll(const struct file *f) { return f->ops == &epoll_ops; }

struct file *epoll_create(void)
{
	struct epoll *ep = calloc(1, sizeof(*ep));
	if (ep == NULL)
		return NULL;
	file_init(&ep->file, &epoll_ops, ep);
	return &ep->file;
}
