/*
 * NETLINK_ROUTE sockets (sys/netlink.c), a socket family of the socket
 * system calls (sys/sockcalls.h): socket(AF_NETLINK) makes one; its
 * sends and receives (recvfrom and recvmsg take MSG_PEEK and MSG_TRUNC)
 * are its family's calls.
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

#endif
