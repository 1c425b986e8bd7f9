/*
 * The file-descriptor table: one table of open objects, each with its
 * operations, shared by reference count so dup() and friends work. The
 * console (sys/console.c) is the first kind; pipes, files and sockets
 * plug in with a struct file_ops of their own. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_FD_H
#define KEEL_SYS_FD_H

#include <stdbool.h>
#include <stddef.h>

/* RLIMIT_NOFILE as a Debian machine under systemd starts a program: a
 * soft limit of 1024 (select()'s bound, which old programs rely on) that
 * the program may raise up to the hard limit. The table grows on demand,
 * so descriptors cost memory only once they are opened. */
#define FD_NOFILE_SOFT 1024
#define FD_NOFILE_HARD 524288

/* poll() bits, Linux's values (epoll's EPOLL* are the same numbers). */
#define FD_POLLIN 0x001
#define FD_POLLPRI 0x002
#define FD_POLLOUT 0x004
#define FD_POLLERR 0x008
#define FD_POLLHUP 0x010
#define FD_POLLNVAL 0x020
#define FD_POLLRDNORM 0x040
#define FD_POLLWRNORM 0x100
#define FD_POLLRDHUP 0x2000

struct file;
struct sock_calls;  /* sys/sockcalls.h */
struct linux_stat;  /* sys/kstat.h */
struct linux_iovec; /* sys/linux.h */

/*
 * Readiness: whoever waits for a file (poll, select, an epoll set) hangs a
 * watch on it; the file's owner calls file_notify whenever its state may
 * have changed (data arrived, room appeared, the other end closed). A
 * notification only says "look again": watchers ask ops->poll for the
 * truth, so a spurious one costs a poll, never a wrong answer.
 *
 * file_notify may be called from an interrupt handler, so watch lists
 * change with interrupts off and a watch's notify runs with them off:
 * it may only record and wake.
 */
struct file_watch {
	struct file_watch *next, *prev;
	struct file *file;
	void (*notify)(struct file_watch *w, unsigned events);
	/* The file's last reference is going (it was closed everywhere):
	 * the watcher must forget it. NULL for watchers that hold a
	 * reference while they watch (poll, select). */
	void (*release)(struct file_watch *w);
};

/* Every operation but close may be NULL: the call then answers -EBADF
 * (read, write), -ENOTTY (ioctl) or "always ready" (poll). Results are
 * byte counts or -errno. */
struct file_ops {
	const char *kind; /* for reports: "console", "pipe", ... */
	long (*read)(struct file *f, void *buf, size_t len);
	long (*write)(struct file *f, const void *buf, size_t len);
	unsigned (*poll)(struct file *f);
	long (*ioctl)(struct file *f, unsigned long request, void *arg);
	/* fcntl commands of one kind of file (F_SETPIPE_SZ); -EINVAL if NULL. */
	long (*fcntl)(struct file *f, int cmd, unsigned long arg);
	/* fstat: what the object is (sys/kstat.h); NULL gives a generic
	 * answer (sys/devnodes.c). */
	int (*stat)(struct file *f, struct linux_stat *st);
	/* readv and writev as one transfer (a datagram socket sends one
	 * message of all the buffers); NULL: each buffer in turn through
	 * read or write. The count buffers are checked and hold total bytes. */
	long (*readv)(struct file *f, const struct linux_iovec *iov, size_t count, size_t total);
	long (*writev)(struct file *f, const struct linux_iovec *iov, size_t count, size_t total);
	/* At the last reference: frees what the object holds. */
	void (*close)(struct file *f);
	/* A socket's family's calls (sys/sockcalls.h); NULL for a file that
	 * is no socket (-ENOTSOCK). */
	const struct sock_calls *sock;
};

struct file {
	const struct file_ops *ops;
	unsigned refs;
	int flags;	      /* O_* status flags (O_NONBLOCK, O_APPEND) */
	unsigned char access; /* FILE_READ | FILE_WRITE: what open allowed */
	void *priv;
	struct file_watch *watches;
};

/* A zeroed table is empty, with the soft limit FD_NOFILE_SOFT. Its two
 * arrays hold cap slots, grown on the heap as descriptors are installed;
 * fd[i] and cloexec[i] are valid for every i below cap. */
struct fd_table {
	struct file **fd;
	unsigned char *cloexec;
	unsigned cap;
	unsigned limit; /* descriptors are below it, once limit_set */
	bool limit_set; /* else the limit is FD_NOFILE_SOFT */
};

/* The access mode of an open (O_RDONLY, O_WRONLY, O_RDWR): read on a
 * descriptor opened write-only answers -EBADF, as Linux. */
#define FILE_READ 1
#define FILE_WRITE 2
/* FILE_READ | FILE_WRITE for Linux's access mode in flags (O_ACCMODE). */
unsigned char file_access_from_flags(int flags);

/* A new object with one reference, the caller's, open for reading and
 * writing (what its ops allow). */
void file_init(struct file *f, const struct file_ops *ops, void *priv);
void file_get(struct file *f);
/* Drops a reference; the last one calls ops->close. */
void file_put(struct file *f);

/* The events f is ready for now (ops->poll, or "always ready"). */
unsigned file_poll(struct file *f);
void file_watch_add(struct file *f, struct file_watch *w);
void file_watch_remove(struct file_watch *w);
/* Tells every watcher of f that its state may have changed. */
void file_notify(struct file *f, unsigned events);
/* The soft limit: every new descriptor is below it. */
unsigned fd_limit(const struct fd_table *t);
/* Sets the soft limit (0 to FD_NOFILE_HARD; descriptors already open
 * above it stay open, as on Linux). Returns 0 or -EINVAL. */
int fd_set_limit(struct fd_table *t, unsigned long limit);
/* Closes every descriptor and frees the table's storage; the table is
 * empty afterwards, its limit kept. */
void fd_table_release(struct fd_table *t);

/* Puts f at the lowest free descriptor >= min, taking a reference of its
 * own. Returns the descriptor, -EMFILE (none free below the limit),
 * -ENOMEM or -EINVAL (min negative or not below the limit). */
int fd_install(struct fd_table *t, struct file *f, int min);
/* Puts a new object f at the lowest free descriptor, close-on-exec as
 * given, handing the caller's reference to the table (put when none was
 * free): the descriptor, or fd_install's error. */
int fd_install_new(struct fd_table *t, struct file *f, bool cloexec);
/* Puts both files at the lowest free descriptors (pipe2, socketpair),
 * each with a reference of its own and cloexec as given, into fds[0]
 * and fds[1]: 0, or fd_install's error with neither installed. */
int fd_install_pair(struct fd_table *t, struct file *f[2], bool cloexec, int fds[2]);
/* The object at fd with a reference for the caller (file_put it), or NULL. */
struct file *fd_get(struct fd_table *t, int fd);
/* Returns 0 or -EBADF. */
int fd_close(struct fd_table *t, int fd);
/* dup (F_DUPFD): the lowest free descriptor >= min. */
int fd_dup(struct fd_table *t, int oldfd, int min);
/* dup2: newfd becomes a copy of oldfd, closing what it held first.
 * Returns newfd, -EBADF (oldfd not open, newfd not below the limit) or
 * -ENOMEM. */
int fd_dup2(struct fd_table *t, int oldfd, int newfd);

#endif
