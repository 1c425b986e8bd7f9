/*
 * AF_UNIX sockets (sys/unix.c): streams, datagrams and sequenced packets
 * between the application's own descriptors, as Linux has them. A
 * connected pair queues each side's messages at the other; a listener
 * queues connections made by connect() until accept() takes them; a
 * name (a path or an abstract name) finds a socket in a table of the
 * kernel's. Messages may carry open files (SCM_RIGHTS), which the
 * receiver gets as new descriptors.
 *
 * Every look at the queues and every change to them happens with
 * interrupts off (sched_lock), as in sys/pipe.c. The system calls
 * (sys/unixcalls.c) turn the application's addresses into names and its
 * control messages into files; this part is host-tested.
 */
#ifndef KEEL_SYS_UNIX_H
#define KEEL_SYS_UNIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/fd.h"
#include "sys/linux.h"
#include "sys/sockopt.h"

#define UNIX_SOCK_STREAM 1
#define UNIX_SOCK_DGRAM 2
#define UNIX_SOCK_RAW 3
#define UNIX_SOCK_SEQPACKET 5

/* sun_path's size in Linux's struct sockaddr_un. */
#define UNIX_PATH_MAX 108
/* Linux's SCM_MAX_FD: descriptors one message may carry. */
#define UNIX_MAX_FDS 253
/* Linux's net.unix.max_dgram_qlen: datagrams a socket holds unread. */
#define UNIX_MAX_DGRAM_QLEN 512

/* A socket's name: the bytes of sun_path that bind or connect gave. A
 * path (its bytes up to, not with, the NUL), or an abstract name (a NUL
 * then len - 1 bytes, which may hold NULs). len 0: no name. */
struct unix_name {
	uint32_t len;
	char path[UNIX_PATH_MAX];
};

/* SO_PEERCRED's answer: Linux's struct ucred. */
struct unix_cred {
	int32_t pid;
	uint32_t uid, gid;
};

/* One receive: the buffers (checked), flags MSG_PEEK, MSG_WAITALL,
 * MSG_DONTWAIT, MSG_TRUNC; what came back. */
struct unix_recv {
	const struct linux_iovec *iov;
	size_t count, total;
	int flags;
	int out_flags;	       /* MSG_TRUNC when a message was cut */
	struct unix_name from; /* the sender's name */
	struct file **fds;     /* files that came with the data (the caller
				* puts them and frees the array), or NULL */
	unsigned nfds;
};

#define UNIX_MSG_PEEK 0x2
#define UNIX_MSG_CTRUNC 0x8
#define UNIX_MSG_TRUNC 0x20
#define UNIX_MSG_DONTWAIT 0x40
#define UNIX_MSG_EOR 0x80
#define UNIX_MSG_WAITALL 0x100
#define UNIX_MSG_NOSIGNAL 0x4000

/* A new socket of type (UNIX_SOCK_*; a raw one is a datagram socket, as
 * on Linux), with one reference: 0, -ESOCKTNOSUPPORT, -ENOMEM. */
int unix_socket(int type, struct file **out);
/* socketpair: two connected sockets of type, each with one reference. */
int unix_pair(int type, struct file *ends[2]);
/* Whether f is an AF_UNIX socket; its type. */
bool unix_is(const struct file *f);
int unix_type(const struct file *f);

/* bind: key is what finds the socket (a path's canonical form, or the
 * abstract name), shown what getsockname answers (the path as given). A
 * key of length 0 binds an abstract name of five hex digits, as Linux's
 * autobind. -EINVAL (bound already), -EADDRINUSE (a path name taken is
 * that, even for a socket bound already, as Linux makes the file first). */
int unix_bind(struct file *f, const struct unix_name *key, const struct unix_name *shown);
/* Takes the path name key out of the table (unlink of its path): true
 * when a socket had it (it stays bound but unreachable) or had it when it
 * closed (a path name stays taken until then, as a socket's file). */
bool unix_unbind_path(const struct unix_name *key);
/* Whether key is taken: a socket has it, or had it (a path). */
bool unix_name_taken(const struct unix_name *key);

int unix_listen(struct file *f, int backlog);
/* A connection from f's queue, with one reference for the caller. */
int unix_accept(struct file *f, bool nonblock, struct file **out);
/* connect: a stream or packet socket connects to the listener bound to
 * key (-ECONNREFUSED when none listens there, -EPROTOTYPE for another
 * type, -EAGAIN when its queue is full and nonblock); a datagram socket
 * takes the socket bound to key as its peer, or forgets its peer when
 * key is NULL. */
int unix_connect(struct file *f, const struct unix_name *key, bool nonblock);
/* Sends total bytes (a datagram or packet whole: -EMSGSIZE when larger
 * than the send buffer allows), to key when given (a datagram socket's
 * sendto). fds (nfds of them) go with the data: on success the receiver
 * holds a reference of each of its own. Returns the bytes sent or
 * -errno; -EPIPE also calls unix_broken_hook unless MSG_NOSIGNAL. */
long unix_send(struct file *f, const struct linux_iovec *iov, size_t count, size_t total, int flags,
	       const struct unix_name *key, struct file **fds, unsigned nfds);
long unix_recv(struct file *f, struct unix_recv *r);
int unix_shutdown(struct file *f, int how);
/* getsockname (peer false) and getpeername: -ENOTCONN without a peer. */
int unix_getname(struct file *f, bool peer, struct unix_name *out);
/* The peer's credentials, as SO_PEERCRED: zeros without one. */
struct unix_cred unix_peer_cred(struct file *f);
/* The pending error (SO_ERROR), taken: a positive errno or 0. */
int unix_take_error(struct file *f);
bool unix_listening(struct file *f);
/* The socket's options (sys/sockopt.h): its buffers' sizes bound what
 * it may have queued at its peer (SO_SNDBUF) and hold (SO_RCVBUF), its
 * timeouts its waits. */
struct sock_opts *unix_opts(struct file *f);

/* The credentials a socket gets for its peer: the process's. */
extern struct unix_cred unix_own_cred;
/* Called when a send finds the peer gone (the kernel raises SIGPIPE). */
extern void (*unix_broken_hook)(void);

#endif
