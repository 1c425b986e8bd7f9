/*
 * The socket system calls (sys/sockcalls.c) over the socket families:
 * each socket is a file whose ops carry its family's calls (struct
 * sock_calls, as Linux's proto_ops), so a call finds its family through
 * the descriptor. The families: AF_UNIX (sys/unixcalls.c) with the
 * network stack or without, AF_INET and AF_INET6 over lwIP
 * (sys/socketcalls.c) and AF_NETLINK (sys/netlink.c) in images with it.
 */
#ifndef KEEL_SYS_SOCKCALLS_H
#define KEEL_SYS_SOCKCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/fd.h"
#include "sys/linux.h"

/* One send or receive, as sendmsg and recvmsg describe it. */
struct sock_msg {
	/* The application's buffers, checked; total bytes (at most MAX_RW). */
	const struct linux_iovec *iov;
	size_t count, total;
	int flags;     /* MSG_* (a receive's with MSG_CMSG_CLOEXEC) */
	int out_flags; /* a receive's msg_flags */
	/* A send's destination (addr 0: none) and its length; a receive's
	 * place for the source (addr 0: none) and the address of its
	 * length. Not yet checked. */
	long addr, addrlen;
	/* The control data (0: none) and its length (a receive's room). */
	long control;
	uint64_t controllen;
	/* What a receive wrote there: 0 unless the family gives any. */
	uint64_t control_filled;
};

/* A family's calls on one of its sockets; NULL answers -EOPNOTSUPP.
 * Arguments are the system calls' own, not yet checked. */
struct sock_calls {
	long (*bind)(struct file *f, long addr, long len);
	long (*listen)(struct file *f, long backlog);
	long (*accept)(struct file *f, long addr, long lenp, long flags);
	long (*connect)(struct file *f, long addr, long len);
	long (*send)(struct file *f, struct sock_msg *m);
	long (*recv)(struct file *f, struct sock_msg *m);
	long (*shutdown)(struct file *f, long how);
	long (*getname)(struct file *f, long addr, long lenp, bool peer);
	long (*setsockopt)(struct file *f, long level, long name, long val, long len);
	long (*getsockopt)(struct file *f, long level, long name, long val, long lenp);
};

/* Writes the address sa (full bytes) to the application's (addr, lenp)
 * as accept, recvfrom and getsockname do: cut to *lenp, *lenp set to
 * full. Nothing when addr is 0. Returns 0, -EFAULT or -EINVAL. */
long sock_put_addr(const void *sa, uint32_t full, long addr, long lenp);

/* socket() of each family: the new descriptor or -errno; type carries
 * SOCK_NONBLOCK and SOCK_CLOEXEC, checked. The network stack's families
 * are absent from images without it (-EAFNOSUPPORT). */
long inet_socket(long domain, long type, long protocol);
long netlink_socket(long type, long protocol);
long unix_call_socket(long type, long protocol);
long unix_call_socketpair(long type, long protocol, long sv);

#endif
