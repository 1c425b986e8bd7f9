/*
 * Descriptors are slots holding references: the object lives while any
 * slot (or a call in progress, through fd_get) holds it.
 */
#include "sys/fd.h"

#include <errno.h>

void file_init(struct file *f, const struct file_ops *ops, void *priv)
{
	f->ops = ops;
	f->refs = 1;
	f->flags = 0;
	f->priv = priv;
}

void file_get(struct file *f) { f->refs++; }

void file_put(struct file *f)
{
	if (--f->refs == 0 && f->ops->close)
		f->ops->close(f);
}

int fd_install(struct fd_table *t, struct file *f, int min)
{
	if (min < 0 || min >= FD_MAX)
		return -EINVAL;
	for (int fd = min; fd < FD_MAX; fd++) {
		if (t->fd[fd] == NULL) {
			file_get(f);
			t->fd[fd] = f;
			t->cloexec[fd] = 0;
			return fd;
		}
	}
	return -EMFILE;
}

struct file *fd_get(struct fd_table *t, int fd)
{
	if (fd < 0 || fd >= FD_MAX || t->fd[fd] == NULL)
		return NULL;
	file_get(t->fd[fd]);
	return t->fd[fd];
}

int fd_close(struct fd_table *t, int fd)
{
	if (fd < 0 || fd >= FD_MAX || t->fd[fd] == NULL)
		return -EBADF;
	struct file *f = t->fd[fd];
	t->fd[fd] = NULL;
	file_put(f);
	return 0;
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
	if (newfd < 0 || newfd >= FD_MAX)
		return -EBADF;
	struct file *f = fd_get(t, oldfd);
	if (f == NULL)
		return -EBADF;
	if (oldfd != newfd) {
		struct file *old = t->fd[newfd];
		t->fd[newfd] = f;
		t->cloexec[newfd] = 0;
		if (old)
			file_put(old);
	} else {
		file_put(f);
	}
	return newfd;
}
