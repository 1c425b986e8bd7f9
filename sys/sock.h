/*
 * AF_INET and AF_INET6 sockets: a file (sys/fd.h) over an lwIP netconn,
 * a family of the socket system calls (sys/sockcalls.h). Between its
 * files: sys/sockconn.c (the netconn's events, the socket's life,
 * waiting), sys/socket.c (data in and out, the file operations),
 * sys/socketcalls.c and sys/sockoptcalls.c (the family's calls).
 *
 * Every netconn is put in lwIP's non-blocking mode for good: the layer
 * blocks by itself, on the socket's wait queue, so that waits honour
 * O_NONBLOCK, MSG_DONTWAIT, SO_RCVTIMEO/SO_SNDTIMEO and signals, and a
 * blocked call never holds lwIP's core lock.
 */
#ifndef KEEL_SYS_SOCK_H
#define KEEL_SYS_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/waitq.h"
#include "lwip/ip_addr.h"
#include "sys/fd.h"
#include "sys/linux.h"
#include "sys/sockaddr.h"
#include "sys/sockopt.h"
#include "sys/sockready.h"

struct netconn;
struct pbuf;
struct netbuf;

#define LINUX_SOCK_STREAM 1
#define LINUX_SOCK_DGRAM 2
#define LINUX_SOCK_NONBLOCK 04000
#define LINUX_SOCK_CLOEXEC 02000000

#define LINUX_MSG_PEEK 0x2
#define LINUX_MSG_TRUNC 0x20
#define LINUX_MSG_DONTWAIT 0x40
#define LINUX_MSG_EOR 0x80
#define LINUX_MSG_WAITALL 0x100
#define LINUX_MSG_NOSIGNAL 0x4000
#define LINUX_MSG_MORE 0x8000
#define LINUX_MSG_CMSG_CLOEXEC 0x40000000

struct sock {
	struct file file;
	struct netconn *conn;
	struct sock *hash_next; /* the conn-to-socket table */
	/* Everything below that the netconn's events change is read and
	 * written with interrupts off (sched_lock). */
	struct sock_ready ready;
	int error; /* a pending error for SO_ERROR and the next call (errno) */
	struct waitq waiters;
	struct sock_opts opts;
	/* A stream's received data not yet copied out: off bytes of held
	 * are gone. A datagram that MSG_PEEK looked at stays in held_dgram. */
	struct pbuf *held;
	size_t held_off;
	struct netbuf *held_dgram;
	bool bound;
	bool udp_connected;
	/* A connect left running (EINPROGRESS, a signal, a timeout) whose end
	 * the next connect reports, as Linux: 0 once connected, else its
	 * error. */
	bool connect_unreported;
	/* A receive or a send under way: the held data and lwIP's calls
	 * belong to one thread at a time (interrupts off around them). */
	bool rx_busy, tx_busy;
	/* A datagram socket refused for a full device queue or the send
	 * buffers' bound (sock_stall): not writable until room comes back.
	 * Interrupts off. */
	bool stalled;
	struct sock *stalled_next;
};

/* What a transfer moves: the application's buffers, already checked. */
struct sock_io {
	const struct linux_iovec *iov;
	size_t count;
	size_t total; /* the sum of the lengths (at most MAX_RW) */
	int flags;    /* MSG_* */
	/* recvfrom/recvmsg: the source (has_addr), MSG_TRUNC for msg_flags */
	struct sock_addr addr;
	bool has_addr;
	int out_flags;
};

/* --- sys/sockconn.c --- */

/* A new socket over a new netconn (domain LINUX_AF_INET or _INET6), or
 * -errno. */
int sock_create(int domain, bool stream, struct sock **out);
/* Destroys s (its file's last reference went): the netconn is deleted. */
void sock_destroy(struct sock *s);
/* Between the two forms of an address; sock_ip_to answers -EAFNOSUPPORT
 * for IPv6 when the stack has none. */
int sock_ip_to(const struct sock_addr *a, ip_addr_t *ip);
void sock_ip_from(const ip_addr_t *ip, u16_t port, struct sock_addr *a);
/* sock_ip_to for a peer (connect, sendto): a scope id that names no
 * interface leaves no route, -ENETUNREACH, where bind's answer is
 * -ENODEV, as Linux's. */
int sock_peer_ip_to(const struct sock_addr *a, ip_addr_t *ip);
/* A socket for a connection netconn_accept gave, inheriting what
 * arrived before (its early events); or NULL (the netconn is deleted). */
struct sock *sock_adopt(struct netconn *conn, int domain);
/* The socket behind f, or NULL when f is no socket. */
struct sock *sock_from_file(struct file *f);
/* Waits until ready(s) holds (interrupts off around the check). Returns
 * 0, -EAGAIN (non-blocking, or the timeout passed), or -ERESTARTSYS /
 * -EINTR for a signal (-EINTR when a timeout was set, as Linux's
 * sock_intr_errno). timeout_us 0: for ever. */
int sock_wait(struct sock *s, bool (*ready)(const struct sock *s), bool nonblock, uint64_t timeout_us);
/* Takes *busy (s->rx_busy or s->tx_busy) for the calling thread,
 * waiting while another thread has it: 0, or -ERESTARTSYS for a
 * signal. sock_unbusy gives it back. */
int sock_busy(struct sock *s, bool *busy);
void sock_unbusy(struct sock *s, bool *busy);
/* Takes the pending error (SO_ERROR): a positive errno, or 0. */
int sock_take_error(struct sock *s);
/* Tells the socket's waiters and watchers to look again. */
void sock_changed(struct sock *s);
/* A datagram for s was refused memory or sending (ERR_MEM). When that is
 * the send buffers' bound or a full device queue (net/sendmem.h), s is
 * not writable until room comes back, as a Linux socket waits for its
 * send buffer: returns true, and the caller waits for can-send.
 * Otherwise (the stack's pools ran out) false. Takes the core lock. */
bool sock_stall(struct sock *s);
/* Whether a call on s must not wait: O_NONBLOCK or MSG_DONTWAIT. */
bool sock_is_nonblocking(const struct sock *s, int msg_flags);

/* --- sys/socketcalls.c: the family's calls --- */

/* The family's calls (sys/sockcalls.h), sock_ops' own. */
extern const struct sock_calls inet_sock_calls;
/* Writes a to the application's (addr, *lenp) as accept, recvfrom and
 * getsockname do: truncated to *lenp, *lenp set to the full length. */
long sock_write_addr(const struct sock *s, const struct sock_addr *a, long addr, long lenp);

/* --- sys/sockoptcalls.c: the family's calls about names and options --- */

/* Writes s->opts into lwIP's control block (what an option changes
 * there: reuse, keepalive and its times, broadcast, Nagle, lingering,
 * the segment size); takes the core lock. */
void sock_apply_opts(struct sock *s);

/* Bounds a connection's segment size by TCP_MAXSEG's, once lwIP has
 * agreed one with the peer. The core lock held. */
void sock_clamp_mss(struct sock *s);

long inet_getname(struct file *f, long addr, long lenp, bool peer);
long inet_setsockopt(struct file *f, long level, long name, long val, long len);
long inet_getsockopt(struct file *f, long level, long name, long val, long lenp);

/* --- sys/socket.c --- */

long sock_send(struct sock *s, struct sock_io *io, const struct sock_addr *to);
long sock_recv(struct sock *s, struct sock_io *io);
extern const struct file_ops sock_ops;

#endif
