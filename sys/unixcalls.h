/*
 * The socket system calls on AF_UNIX sockets (sys/unixcalls.c), for
 * sys/socketcalls.c and sys/sockoptcalls.c, which come here for a
 * descriptor that is an AF_UNIX socket (unix_is) and for socket() and
 * socketpair() of AF_UNIX. Arguments are the system calls' own, not yet
 * checked; the buffers of a send or receive are checked.
 */
#ifndef KEEL_SYS_UNIXCALLS_H
#define KEEL_SYS_UNIXCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/fd.h"
#include "sys/linux.h"

long unix_call_socket(long type, long protocol);
long unix_call_socketpair(long type, long protocol, long sv);
long unix_call_bind(struct file *f, long addr, long len);
long unix_call_listen(struct file *f, long backlog);
long unix_call_accept(struct file *f, long addr, long lenp, long flags);
long unix_call_connect(struct file *f, long addr, long len);
/* sendto and sendmsg: control (controllen bytes) the message's control
 * data, 0 for none. */
long unix_call_send(struct file *f, const struct linux_iovec *iov, size_t count, size_t total, int flags, long addr,
		    long addrlen, long control, uint64_t controllen);
/* recvfrom and recvmsg: *controllen (NULL for none) is the room at
 * control, and becomes what was written there. */
long unix_call_recv(struct file *f, const struct linux_iovec *iov, size_t count, size_t total, int flags,
		    int *out_flags, long addr, long lenp, long control, uint64_t *controllen);
long unix_call_shutdown(struct file *f, long how);
long unix_call_getname(struct file *f, long addr, long lenp, bool peer);
long unix_call_setsockopt(struct file *f, long level, long name, long val, long len);
long unix_call_getsockopt(struct file *f, long level, long name, long val, long lenp);
/* unlink of canon, a canonical path the file system does not have:
 * true when it was a socket's name, which is then taken away. */
bool unix_call_unlink(const char *canon);

#endif
