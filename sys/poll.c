/*
 * Waiting for descriptors: poll, ppoll, select, pselect6 and the epoll
 * calls, all on the readiness of sys/fd.h. poll and select hang a watch
 * on each file for the length of the call and sleep until one notifies or
 * the deadline passes; epoll keeps its watches (sys/epoll.c). ppoll,
 * pselect6 and epoll_pwait apply their signal mask for the wait, as
 * rt_sigsuspend does (sys/signals.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "kernel/waitq.h"
#include "sys/epoll.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/sigframe.h"
#include "sys/signal.h"
#include "sys/syscall.h"
#include "sys/timeval.h"

#define O_CLOEXEC 02000000
#define SIGSET_SIZE 8
#define NS_PER_MS 1000000ull

struct pollfd {
	int32_t fd;
	int16_t events, revents;
};

/* One call's sleep: any watched file's notification wakes it. */
struct poll_call {
	struct waitq q;
	volatile bool woken;
};

struct poll_item {
	struct file_watch watch; /* first: the watch is its item */
	struct poll_call *call;
	struct file *file; /* NULL: a bad descriptor */
	int fd;
	unsigned events, revents;
};

static void poll_item_notify(struct file_watch *w, unsigned events)
{
	struct poll_item *it = (struct poll_item *)w;
	(void)events;
	it->call->woken = true;
	waitq_wake_all(&it->call->q);
}

/* Fills each item's revents, waiting until one has some or the deadline
 * passes. Returns how many have events, or -ERESTARTNOHAND when a signal
 * ended the wait. */
static int poll_items(struct poll_item *items, size_t n, uint64_t deadline)
{
	struct poll_call call = { 0 };
	for (size_t i = 0; i < n; i++) {
		items[i].call = &call;
		items[i].watch.notify = poll_item_notify;
		items[i].watch.release = NULL;
		if (items[i].file)
			file_watch_add(items[i].file, &items[i].watch);
	}
	int count;
	for (;;) {
		call.woken = false;
		count = 0;
		for (size_t i = 0; i < n; i++) {
			struct poll_item *it = &items[i];
			it->revents =
			    it->file ? file_poll(it->file) & (it->events | FD_POLLERR | FD_POLLHUP) : FD_POLLNVAL;
			if (it->revents)
				count++;
		}
		if (count > 0 || clock_ns() >= deadline)
			break;
		bool irq = sched_lock();
		int w = 0;
		if (!call.woken)
			w = waitq_wait_interruptible(&call.q, deadline);
		sched_unlock(irq);
		/* A signal ends poll and select with EINTR after its handler
		 * (ERESTARTNOHAND: restarted only when no handler ran). */
		if (w == -EINTR) {
			count = -ERESTARTNOHAND;
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (items[i].file)
			file_watch_remove(&items[i].watch);
	return count;
}

static void put_items(struct poll_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (items[i].file)
			file_put(items[i].file);
	free(items);
}

/* A relative timespec from the application as a deadline; NULL is none.
 * Returns 0, -EFAULT or -EINVAL. */
static long timespec_deadline(const struct linux_timespec *ts, uint64_t *deadline)
{
	if (ts == NULL) {
		*deadline = DEADLINE_NEVER;
		return 0;
	}
	if (!user_range_ok(ts, sizeof(*ts)))
		return -EFAULT;
	uint64_t ns;
	if (timespec_to_ns(ts, &ns))
		return -EINVAL;
	*deadline = deadline_after(ns);
	return 0;
}

static long do_poll(struct pollfd *fds, uint64_t nfds, uint64_t deadline)
{
	/* As Linux: no more entries than the descriptor limit. */
	if (nfds > fd_limit(&app_fds))
		return -EINVAL;
	if (nfds && !user_writable_ok(fds, nfds * sizeof(*fds)))
		return -EFAULT;
	struct poll_item *items = calloc(nfds ? nfds : 1, sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	for (uint64_t i = 0; i < nfds; i++) {
		/* A negative descriptor is skipped, as Linux does. */
		items[i].file = fds[i].fd >= 0 ? fd_get(&app_fds, fds[i].fd) : NULL;
		items[i].events = (uint16_t)fds[i].events;
		if (fds[i].fd < 0)
			items[i].events = 0;
	}
	if (poll_items(items, nfds, deadline) < 0) {
		put_items(items, nfds);
		return -ERESTARTNOHAND; /* a signal: EINTR after its handler */
	}
	/* Checked before the wait; meanwhile another thread may have
	 * unmapped or protected the array. */
	if (nfds && !user_writable_ok(fds, nfds * sizeof(*fds))) {
		put_items(items, nfds);
		return -EFAULT;
	}
	int count = 0;
	for (uint64_t i = 0; i < nfds; i++) {
		fds[i].revents = fds[i].fd < 0 ? 0 : (int16_t)items[i].revents;
		if (fds[i].revents)
			count++;
	}
	put_items(items, nfds);
	return count;
}

static long sys_poll(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int ms = (int)a2;
	return do_poll((struct pollfd *)a0, (uint64_t)a1, ms < 0 ? DEADLINE_NEVER : deadline_after(ms * NS_PER_MS));
}
SYSCALL(SYS_poll, sys_poll);

static long sys_ppoll(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t deadline;
	if (a3 && a4 != SIGSET_SIZE)
		return -EINVAL;
	long err = timespec_deadline((const struct linux_timespec *)a2, &deadline);
	if (!err && a3)
		err = signal_mask_for_wait((const uint64_t *)a3, (size_t)a4);
	if (err)
		return err;
	long r = do_poll((struct pollfd *)a0, (uint64_t)a1, deadline);
	if (a3)
		signal_mask_after_wait(r);
	return r;
}
SYSCALL(SYS_ppoll, sys_ppoll);

/* select's sets, as Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET. */
#define SELECT_IN (FD_POLLIN | FD_POLLRDNORM | FD_POLLHUP | FD_POLLERR)
#define SELECT_OUT (FD_POLLOUT | FD_POLLWRNORM | FD_POLLERR)
#define SELECT_EX FD_POLLPRI

static bool fdset_has(const uint64_t *set, int fd) { return set && (set[fd / 64] >> (fd % 64)) & 1; }

static long do_select(int nfds, uint64_t *in, uint64_t *out, uint64_t *ex, uint64_t deadline)
{
	if (nfds < 0)
		return -EINVAL;
	/* As Linux: descriptors past the table's limit cannot be open. */
	if ((unsigned)nfds > fd_limit(&app_fds))
		nfds = (int)fd_limit(&app_fds);
	size_t bytes = (size_t)(nfds + 63) / 64 * 8;
	uint64_t *sets[3] = { in, out, ex };
	for (int s = 0; s < 3; s++)
		if (sets[s] && bytes && !user_writable_ok(sets[s], bytes))
			return -EFAULT;
	struct poll_item *items = calloc(nfds ? (size_t)nfds : 1, sizeof(*items));
	if (items == NULL)
		return -ENOMEM;
	size_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		unsigned ev = (fdset_has(in, fd) ? SELECT_IN : 0) | (fdset_has(out, fd) ? SELECT_OUT : 0) |
			      (fdset_has(ex, fd) ? SELECT_EX : 0);
		if (!ev)
			continue;
		items[n].file = fd_get(&app_fds, fd);
		if (items[n].file == NULL) {
			put_items(items, n);
			return -EBADF;
		}
		items[n].events = ev;
		items[n++].fd = fd;
	}
	if (poll_items(items, n, deadline) < 0) {
		put_items(items, n);
		return -ERESTARTNOHAND; /* a signal: the sets are left as they were */
	}
	/* Checked before the wait; meanwhile another thread may have
	 * unmapped or protected them. */
	for (int s = 0; s < 3; s++) {
		if (sets[s] && bytes && !user_writable_ok(sets[s], bytes)) {
			put_items(items, n);
			return -EFAULT;
		}
	}
	for (int s = 0; s < 3; s++)
		for (size_t w = 0; sets[s] && w < bytes / 8; w++)
			sets[s][w] = 0;
	int count = 0;
	for (size_t i = 0; i < n; i++) {
		int fd = items[i].fd;
		unsigned r = items[i].revents;
		static const unsigned masks[3] = { SELECT_IN, SELECT_OUT, SELECT_EX };
		for (int s = 0; s < 3; s++) {
			if (sets[s] && (items[i].events & masks[s]) == masks[s] && (r & masks[s])) {
				sets[s][fd / 64] |= 1ull << (fd % 64);
				count++;
			}
		}
	}
	put_items(items, n);
	return count;
}

static long sys_select(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct linux_timeval *tv = (struct linux_timeval *)a4;
	uint64_t deadline = DEADLINE_NEVER;
	if (tv) {
		if (!user_writable_ok(tv, sizeof(*tv)))
			return -EFAULT;
		uint64_t ns;
		if (select_timeval_to_ns(tv, &ns))
			return -EINVAL;
		deadline = deadline_after(ns);
	}
	long r = do_select((int)a0, (uint64_t *)a1, (uint64_t *)a2, (uint64_t *)a3, deadline);
	/* As Linux: a timeval that cannot take the time left any more (gone
	 * during the wait) is left alone, and the call, which could then
	 * not be restarted with the right timeout, is not. */
	if (tv) {
		/* Linux writes the time left back into the timeval. */
		uint64_t now = clock_ns();
		if (user_writable_ok(tv, sizeof(*tv)))
			*tv = ns_to_timeval(deadline > now ? deadline - now : 0);
		else if (r == -ERESTARTNOHAND)
			r = -EINTR;
	}
	return r;
}
SYSCALL(SYS_select, sys_select);

static long sys_pselect6(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t deadline;
	long err = timespec_deadline((const struct linux_timespec *)a4, &deadline);
	if (err)
		return err;
	/* The sixth argument: { const sigset_t *mask; size_t size }. */
	const uint64_t *sig = (const uint64_t *)a5;
	const uint64_t *mask = NULL;
	if (sig) {
		if (!user_range_ok(sig, 2 * sizeof(*sig)))
			return -EFAULT;
		mask = (const uint64_t *)sig[0];
		if (mask && (err = signal_mask_for_wait(mask, (size_t)sig[1])) != 0)
			return err;
	}
	long r = do_select((int)a0, (uint64_t *)a1, (uint64_t *)a2, (uint64_t *)a3, deadline);
	if (mask)
		signal_mask_after_wait(r);
	return r;
}
SYSCALL(SYS_pselect6, sys_pselect6);

static long new_epoll(long flags)
{
	if (flags & ~(long)O_CLOEXEC)
		return -EINVAL;
	struct file *f = epoll_create();
	if (f == NULL)
		return -ENOMEM;
	return fd_install_new(&app_fds, f, (flags & O_CLOEXEC) != 0);
}

static long sys_epoll_create(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return (int)a0 <= 0 ? -EINVAL : new_epoll(0);
}
SYSCALL(SYS_epoll_create, sys_epoll_create);

static long sys_epoll_create1(long a0, long a1, long a2, long a3, long a4, long a5) { return new_epoll(a0); }
SYSCALL(SYS_epoll_create1, sys_epoll_create1);

static long sys_epoll_ctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	const struct epoll_event *uev = (const struct epoll_event *)a3;
	struct epoll_event ev = { 0, 0 };
	if (a1 != EPOLL_CTL_DEL) {
		if (!user_range_ok(uev, sizeof(*uev)))
			return -EFAULT;
		ev = *uev;
	}
	struct file *ep = fd_get(&app_fds, (int)a0);
	if (ep == NULL)
		return -EBADF;
	struct file *target = fd_get(&app_fds, (int)a2);
	long r;
	if (target == NULL)
		r = -EBADF;
	else if (!file_is_epoll(ep) || target == ep)
		r = -EINVAL;
	else if (target->ops->poll == NULL)
		r = -EPERM; /* as Linux for regular files: always ready */
	else
		r = epoll_ctl(ep, (int)a1, (int)a2, target, &ev);
	if (target)
		file_put(target);
	file_put(ep);
	return r;
}
SYSCALL(SYS_epoll_ctl, sys_epoll_ctl);

static long do_epoll_wait(long epfd, struct epoll_event *events, long max, uint64_t deadline)
{
	if (max <= 0 || max > (long)(INT32_MAX / sizeof(*events)))
		return -EINVAL;
	if (!user_writable_ok(events, (size_t)max * sizeof(*events)))
		return -EFAULT;
	struct file *ep = fd_get(&app_fds, (int)epfd);
	if (ep == NULL)
		return -EBADF;
	long r = file_is_epoll(ep) ? epoll_wait_until(ep, events, (int)max, deadline) : -EINVAL;
	file_put(ep);
	return r;
}

static uint64_t ms_deadline(long ms)
{
	return (int)ms < 0 ? DEADLINE_NEVER : deadline_after((uint64_t)(int)ms * NS_PER_MS);
}

static long sys_epoll_wait(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return do_epoll_wait(a0, (struct epoll_event *)a1, (int)a2, ms_deadline(a3));
}
SYSCALL(SYS_epoll_wait, sys_epoll_wait);

static long sys_epoll_pwait(long a0, long a1, long a2, long a3, long a4, long a5)
{
	if (a4) {
		int err = signal_mask_for_wait((const uint64_t *)a4, (size_t)a5);
		if (err)
			return err;
	}
	long r = do_epoll_wait(a0, (struct epoll_event *)a1, (int)a2, ms_deadline(a3));
	if (a4)
		signal_mask_after_wait(r);
	return r;
}
SYSCALL(SYS_epoll_pwait, sys_epoll_pwait);
