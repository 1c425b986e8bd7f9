/*
 * NETLINK_ROUTE sockets (sys/netlink.c), for the socket system calls
 * (sys/socketcalls.c): socket(AF_NETLINK) makes one; the send and
 * receive calls on a descriptor that is no lwIP socket come here.
 */
#ifndef KEEL_SYS_NETLINK_H
#define KEEL_SYS_NETLINK_H

#include <stddef.h>

#include "sys/fd.h"
#include "sys/linux.h"

#define NETLINK_MSG_PEEK 0x2
#define NETLINK_MSG_TRUNC 0x20

/* A new NETLINK_ROUTE socket (type SOCK_RAW or SOCK_DGRAM, with
 * SOCK_NONBLOCK and SOCK_CLOEXEC) installed in the table: the descriptor,
 * or -errno (-EPROTONOSUPPORT for another netlink protocol). */
long netlink_socket(long type, long protocol);

/* sendto and sendmsg on f, the buffers iov (count of them, total bytes)
 * not yet checked, addr a sockaddr_nl or 0: total, or -ENOTSOCK when f
 * is no netlink socket, or another -errno. */
long netlink_sendto(struct file *f, const struct linux_iovec *iov, size_t count, size_t total, long addr, long addrlen);

/* recvfrom and recvmsg on f (MSG_PEEK and MSG_TRUNC in flags): the
 * bytes, with MSG_TRUNC added to *out_flags when the datagram did not
 * fit; the source (the kernel) written to addr, lenp as accept does;
 * -ENOTSOCK when f is no netlink socket, -EAGAIN when nothing waits. */
long netlink_recvfrom(struct file *f, const struct linux_iovec *iov, size_t count, size_t total, int flags,
		      int *out_flags, long addr, long lenp);

#endif
