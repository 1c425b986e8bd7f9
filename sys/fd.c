/*
 * Descriptors are slots holding references: the object lives while any
 * slot (or a call in progress, through fd_get) holds it. The slots are
 * two arrays that double when a descriptor beyond them is installed; a
 * caller never keeps a pointer into them, only the objects.
 */
#include "sys/fd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/waitq.h"

void file_init(struct file *f, const struct file_ops *ops, void *priv)
{
	f->ops = ops;
	f->refs = 1;
	f->flags = 0;
	f->access = FILE_READ | FILE_WRITE;
	f->priv = priv;
	f->watches = NULL;
}

unsigned char file_access_from_flags(int flags)
{
	switch (flags & 03) {
	case 0: return FILE_READ;
	case 1: return FILE_WRITE;
	case 2: return FILE_READ | FILE_WRITE;
	default: return 0; /* Linux's 3: ioctl only */
	}
}

void file_get(struct file *f) { f->refs++; }

void file_put(struct file *f)
{
	if (--f->refs != 0)
		return;
	/* As Linux's eventpoll_release: an epoll set forgets a file when its
	 * last reference goes, not at each close(). Watchers that hold a
	 * reference cannot be here. A release may take a watcher's mutex, so
	 * it runs with interrupts on. */
	for (;;) {
		bool irq = sched_lock();
		struct file_watch *w = f->watches;
		if (w)
			file_watch_remove(w);
		sched_unlock(irq);
		if (w == NULL)
			break;
		if (w->release)
			w->release(w);
	}
	if (f->ops->close)
		f->ops->close(f);
}

unsigned file_poll(struct file *f)
{
	return f->ops->poll ? f->ops->poll(f) : FD_POLLIN | FD_POLLOUT | FD_POLLRDNORM | FD_POLLWRNORM;
}

void file_watch_add(struct file *f, struct file_watch *w)
{
	bool irq = sched_lock();
	w->file = f;
	w->prev = NULL;
	w->next = f->watches;
	if (f->watches)
		f->watches->prev = w;
	f->watches = w;
	sched_unlock(irq);
}

void file_watch_remove(struct file_watch *w)
{
	bool irq = sched_lock();
	if (w->file) {
		if (w->prev)
			w->prev->next = w->next;
		else
			w->file->watches = w->next;
		if (w->next)
			w->next->prev = w->prev;
		w->file = NULL;
		w->next = w->prev = NULL;
	}
	sched_unlock(irq);
}

void file_notify(struct file *f, unsigned events)
{
	bool irq = sched_lock();
	for (struct file_watch *w = f->watches, *next; w; w = next) {
		next = w->next; /* a watcher may remove itself */
		w->notify(w, events);
	}
	sched_unlock(irq);
}

unsigned fd_limit(const struct fd_table *t) { return t->limit_set ? t->limit : FD_NOFILE_SOFT; }

int fd_set_limit(struct fd_table *t, unsigned long limit)
{
	if (limit > FD_NOFILE_HARD)
		return -EINVAL;
	t->limit = (unsigned)limit;
	t->limit_set = true;
	return 0;
}

/* Makes fd a slot of the table (fd is below the limit, hence below
 * FD_NOFILE_HARD). Returns 0 or -ENOMEM with the table as it was. */
static int grow(struct fd_table *t, unsigned fd)
{
	if (fd < t->cap)
		return 0;
	unsigned cap = t->cap ? t->cap : 64;
	while (cap <= fd)
		cap *= 2;
	struct file **files = realloc(t->fd, cap * sizeof(*files));
	if (files == NULL)
		return -ENOMEM;
	t->fd = files;
	/* The slots past cap are not the table's until both arrays hold
	 * them: cleared here, and again if the second allocation fails and
	 * a later call grows the first array anew. */
	memset(files + t->cap, 0, (cap - t->cap) * sizeof(*files));
	unsigned char *cloexec = realloc(t->cloexec, cap);
	if (cloexec == NULL)
		return -ENOMEM;
	t->cloexec = cloexec;
	memset(cloexec + t->cap, 0, cap - t->cap);
	t->cap = cap;
	return 0;
}

int fd_install(struct fd_table *t, struct file *f, int min)
{
	unsigned limit = fd_limit(t);
	if (min < 0)
		return -EINVAL;
	/* F_DUPFD from the limit on is refused as Linux does; an open (min
	 * 0) under a limit of 0 finds the table full. */
	if ((unsigned)min >= limit)
		return min == 0 ? -EMFILE : -EINVAL;
	unsigned fd = (unsigned)min;
	while (fd < t->cap && t->fd[fd] != NULL)
		fd++;
	if (fd >= limit)
		return -EMFILE;
	if (grow(t, fd))
		return -ENOMEM;
	file_get(f);
	t->fd[fd] = f;
	t->cloexec[fd] = 0;
	return (int)fd;
}

int fd_install_new(struct fd_table *t, struct file *f, bool cloexec)
{
	int fd = fd_install(t, f, 0);
	if (fd >= 0)
		t->cloexec[fd] = cloexec;
	file_put(f); /* the table holds it now, or nobody */
	return fd;
}

int fd_install_pair(struct fd_table *t, struct file *f[2], bool cloexec, int fds[2])
{
	int a = fd_install(t, f[0], 0);
	if (a < 0)
		return a;
	int b = fd_install(t, f[1], 0);
	if (b < 0) {
		fd_close(t, a);
		return b;
	}
	t->cloexec[a] = t->cloexec[b] = cloexec;
	fds[0] = a;
	fds[1] = b;
	return 0;
}

struct file *fd_get(struct fd_table *t, int fd)
{
	if (fd < 0 || (unsigned)fd >= t->cap || t->fd[fd] == NULL)
		return NULL;
	file_get(t->fd[fd]);
	return t->fd[fd];
}

int fd_close(struct fd_table *t, int fd)
{
	if (fd < 0 || (unsigned)fd >= t->cap || t->fd[fd] == NULL)
		return -EBADF;
	struct file *f = t->fd[fd];
	t->fd[fd] = NULL;
	file_put(f);
	return 0;
}

void fd_table_release(struct fd_table *t)
{
	for (unsigned fd = 0; fd < t->cap; fd++)
		fd_close(t, (int)fd);
	free(t->fd);
	free(t->cloexec);
	*t = (struct fd_table){ .limit = t->limit, .limit_set = t->limit_set };
}

int fd_dup(struct fd_table *t, int oldfd, int min)
{
	struct file *f = fd_get(t, oldfd);
	if (f == NULL)
		return -EBADF;
	int fd = fd_install(t, f, min);
	file_put(f);
	return fd;
}

int fd_dup2(struct fd_table *t, int oldfd, int newfd)
{
	if (newfd < 0 || (unsigned)newfd >= fd_limit(t))
		return -EBADF;
	struct file *f = fd_get(t, oldfd);
	if (f == NULL)
		return -EBADF;
	if (oldfd == newfd) {
		file_put(f);
		return newfd;
	}
	if (grow(t, (unsigned)newfd)) {
		file_put(f);
		return -ENOMEM;
	}
	struct file *old = t->fd[newfd];
	t->fd[newfd] = f;
	t->cloexec[newfd] = 0;
	if (old)
		file_put(old);
	return newfd;
}
