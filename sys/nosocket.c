/*
 * An image without the network stack: socket() and socketpair() answer
 * EAFNOSUPPORT, as Linux built without a protocol family does, so a
 * program falls back instead of meeting ENOSYS.
 */
#include <errno.h>

#include "sys/linux.h"
#include "sys/syscall.h"

static long sys_socket(long a0, long a1, long a2, long a3, long a4, long a5) { return -EAFNOSUPPORT; }
SYSCALL(SYS_socket, sys_socket);

static long sys_socketpair(long a0, long a1, long a2, long a3, long a4, long a5) { return -EAFNOSUPPORT; }
SYSCALL(SYS_socketpair, sys_socketpair);
