/*
 * The AF_UNIX family's calls (sys/sockcalls.h) on sys/unix.c's sockets:
 * the application's struct sockaddr_un turned into a name, its control
 * messages (SCM_RIGHTS) into files and back into descriptors.
 *
 * A path name is kept by its canonical path in the kernel's table, not
 * as a node in the file system (stat and readdir do not see it): bind
 * refuses a path where a file exists (EADDRINUSE) or whose directory does
 * not (ENOENT), connect finds the socket by the same canonical path,
 * unlink of the path takes the name away (the socket stays bound,
 * unreachable, as on Linux), and the name outlives its socket until it
 * is unlinked, as the socket's file does on Linux.
 */
#include "sys/sockcalls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/mount.h"
#include "sys/fspath.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/sockaddr.h"
#include "sys/unix.h"

#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define MSG_CMSG_CLOEXEC 0x40000000
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SO_PASSCRED 16
#define SO_PEERCRED 17

/* Linux's struct sockaddr_un, and struct cmsghdr on x86-64. */
struct linux_sockaddr_un {
	uint16_t sun_family;
	char sun_path[UNIX_PATH_MAX];
};
_Static_assert(sizeof(struct linux_sockaddr_un) == 110, "Linux's sockaddr_un");

struct linux_cmsghdr {
	uint64_t len;
	int32_t level;
	int32_t type;
};
_Static_assert(sizeof(struct linux_cmsghdr) == 16, "Linux's x86-64 cmsghdr");
#define CMSG_ALIGN(n) (((n) + 7) & ~(size_t)7)

static void raise_sigpipe(void) { signal_raise_self(SIGPIPE); }
static bool unix_call_unlink(const char *canon);

/* A new socket into the table, the caller's reference with it. */
static long install(struct file *f, long flags)
{
	f->flags = (int)(flags & SOCK_NONBLOCK);
	return fd_install_new(&app_fds, f, (flags & SOCK_CLOEXEC) != 0);
}

static long check_type(long type, long protocol)
{
	if (type & ~(long)(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	/* Linux takes 0 or PF_UNIX. */
	if (protocol != 0 && protocol != LINUX_AF_UNIX)
		return -EPROTONOSUPPORT;
	unix_broken_hook = raise_sigpipe;
	unlink_socket_name = unix_call_unlink;
	return 0;
}

long unix_call_socket(long type, long protocol)
{
	long r = check_type(type, protocol);
	if (r)
		return r;
	struct file *f;
	r = unix_socket((int)(type & SOCK_TYPE_MASK), &f);
	if (r)
		return r;
	return install(f, type);
}

long unix_call_socketpair(long type, long protocol, long sv)
{
	long r = check_type(type, protocol);
	if (r)
		return r;
	if (!user_writable_ok((void *)sv, 2 * sizeof(int)))
		return -EFAULT;
	struct file *ends[2];
	r = unix_pair((int)(type & SOCK_TYPE_MASK), ends);
	if (r)
		return r;
	ends[0]->flags = ends[1]->flags = (int)(type & SOCK_NONBLOCK);
	r = fd_install_pair(&app_fds, ends, (type & SOCK_CLOEXEC) != 0, (int *)sv);
	file_put(ends[0]);
	file_put(ends[1]);
	return r;
}

/* What a name in the application's sockaddr_un (len bytes at addr) is:
 * key finds the socket, shown is what getsockname answers. A path is
 * resolved from the working directory: for bind, nothing may be there
 * (-EADDRINUSE) and its directory must be (-ENOENT); for connect and
 * sendto, a file there that is no bound socket is -ECONNREFUSED, nothing
 * there -ENOENT. Returns 0 or -errno; 1 for a bare family (len 2: bind's
 * autobind, connect's AF_UNSPEC). */
static long read_name(long addr, long len, bool binding, struct unix_name *key, struct unix_name *shown)
{
	struct linux_sockaddr_un sa;
	if (len < 2 || (unsigned long)len > sizeof(sa))
		return -EINVAL;
	if (!user_range_ok((const void *)addr, (size_t)len))
		return -EFAULT;
	memset(&sa, 0, sizeof(sa));
	memcpy(&sa, (const void *)addr, (size_t)len);
	if (sa.sun_family == LINUX_AF_UNSPEC && !binding && len >= 2)
		return 1;
	if (sa.sun_family != LINUX_AF_UNIX)
		return -EINVAL;
	if (len == 2)
		return binding ? 1 : -EINVAL;
	size_t n = (size_t)len - 2;
	if (sa.sun_path[0] == '\0') {
		key->len = shown->len = (uint32_t)n;
		memcpy(key->path, sa.sun_path, n);
		memcpy(shown->path, sa.sun_path, n);
		return 0;
	}
	/* A path ends at its NUL or at the address's end. */
	n = strnlen(sa.sun_path, n);
	char path[UNIX_PATH_MAX + 1];
	memcpy(path, sa.sun_path, n);
	path[n] = '\0';
	shown->len = (uint32_t)n;
	memcpy(shown->path, path, n);
	struct vfs_path *p = malloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	long r = vfs_resolve(fs_cwd, path, p);
	size_t clen = strlen(p->canon);
	if (r == 0) {
		r = binding ? -EADDRINUSE : -ECONNREFUSED;
	} else if (r == -ENOENT && p->has_parent && clen <= UNIX_PATH_MAX) {
		key->len = (uint32_t)clen;
		memcpy(key->path, p->canon, clen);
		r = binding || unix_name_taken(key) ? 0 : -ENOENT;
	} else if (r == -ENOENT && p->has_parent) {
		r = -ENAMETOOLONG;
	}
	free(p);
	return r;
}

/* Writes name as a sockaddr_un to (addr, *lenp), truncated as Linux
 * truncates, *lenp set to the full length: 2 for no name, a path with
 * its NUL, an abstract name as it is. */
static long write_name(const struct unix_name *name, long addr, long lenp)
{
	struct linux_sockaddr_un sa = { .sun_family = LINUX_AF_UNIX };
	memcpy(sa.sun_path, name->path, name->len);
	uint32_t full = 2 + name->len + (name->len && name->path[0] && name->len < UNIX_PATH_MAX);
	return sock_put_addr(&sa, full, addr, lenp);
}

static long unix_call_bind(struct file *f, long addr, long len)
{
	struct unix_name key = { 0 }, shown = { 0 };
	long r = read_name(addr, len, true, &key, &shown);
	if (r < 0)
		return r;
	return unix_bind(f, &key, &shown); /* len 2: key.len 0, autobind */
}

static long unix_call_listen(struct file *f, long backlog)
{
	return unix_listen(f, backlog > 0x7fffffff ? 0x7fffffff : (int)backlog);
}

static long unix_call_accept(struct file *f, long addr, long lenp, long flags)
{
	if (flags & ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	struct file *c;
	long r = unix_accept(f, (f->flags & SOCK_NONBLOCK) != 0, &c);
	if (r)
		return r;
	/* The peer, the connecting socket: its name, or none. */
	struct unix_name peer = { 0 };
	unix_getname(c, true, &peer);
	r = write_name(&peer, addr, lenp);
	if (r) {
		file_put(c);
		return r;
	}
	return install(c, flags);
}

static long unix_call_connect(struct file *f, long addr, long len)
{
	struct unix_name key = { 0 }, shown = { 0 };
	long r = read_name(addr, len, false, &key, &shown);
	if (r < 0)
		return r;
	if (r == 1) /* AF_UNSPEC: a datagram socket forgets its peer */
		return unix_type(f) == UNIX_SOCK_DGRAM ? unix_connect(f, NULL, false) : -EINVAL;
	/* A full backlog: EAGAIN for a non-blocking socket, as Linux's
	 * (not EINPROGRESS: the connection is made at once or not at all). */
	return unix_connect(f, &key, (f->flags & SOCK_NONBLOCK) != 0);
}

/* The files an SCM_RIGHTS message names, referenced. Other messages:
 * SCM_CREDENTIALS is taken and its content ignored (there is one
 * process), anything else is -EINVAL. */
static long read_control(long control, uint64_t controllen, struct file ***fdsp, unsigned *nfdsp)
{
	*fdsp = NULL;
	*nfdsp = 0;
	if (controllen == 0)
		return 0;
	if (controllen > 65536 || !user_range_ok((const void *)control, controllen))
		return controllen > 65536 ? -ENOBUFS : -EFAULT;
	const uint8_t *c = (const uint8_t *)control;
	size_t at = 0;
	long r = 0;
	struct file **fds = NULL;
	unsigned nfds = 0;
	while (at + sizeof(struct linux_cmsghdr) <= controllen) {
		struct linux_cmsghdr h;
		memcpy(&h, c + at, sizeof(h));
		if (h.len < sizeof(h) || h.len > controllen - at) {
			r = -EINVAL;
			break;
		}
		size_t body = h.len - sizeof(h);
		if (h.level == SOL_SOCKET && h.type == SCM_RIGHTS) {
			unsigned n = (unsigned)(body / sizeof(int));
			if (fds || n == 0 || n > UNIX_MAX_FDS) {
				r = -EINVAL;
				break;
			}
			fds = calloc(n, sizeof(*fds));
			if (fds == NULL) {
				r = -ENOMEM;
				break;
			}
			for (; nfds < n; nfds++) {
				int fd;
				memcpy(&fd, c + at + sizeof(h) + nfds * sizeof(int), sizeof(fd));
				fds[nfds] = fd_get(&app_fds, fd);
				if (fds[nfds] == NULL) {
					r = -EBADF;
					break;
				}
			}
			if (r)
				break;
		} else if (!(h.level == SOL_SOCKET && h.type == SCM_CREDENTIALS && body >= 12)) {
			r = -EINVAL;
			break;
		}
		at += CMSG_ALIGN(h.len);
	}
	if (r) {
		for (unsigned i = 0; i < nfds; i++)
			file_put(fds[i]);
		free(fds);
		return r;
	}
	*fdsp = fds;
	*nfdsp = nfds;
	return 0;
}

static long unix_call_send(struct file *f, struct sock_msg *m)
{
	struct unix_name key = { 0 }, shown = { 0 };
	bool to = false;
	long r;
	if (m->addr && m->addrlen) {
		r = read_name(m->addr, m->addrlen, false, &key, &shown);
		if (r == 1)
			r = -EINVAL;
		if (r)
			return r;
		/* A connected packet socket ignores the address, as Linux's. */
		to = unix_type(f) != UNIX_SOCK_SEQPACKET;
	}
	struct file **fds;
	unsigned nfds;
	r = read_control(m->control, m->controllen, &fds, &nfds);
	if (r)
		return r;
	return unix_send(f, m->iov, m->count, m->total, m->flags, to ? &key : NULL, fds, nfds);
}

/* Installs what came with the data and writes the SCM_RIGHTS message:
 * the descriptors that fit, the rest closed and MSG_CTRUNC set. */
static void write_control(struct unix_recv *r, long control, uint64_t *controllen, bool cloexec)
{
	uint64_t cap = *controllen;
	*controllen = 0;
	if (r->fds == NULL)
		return;
	unsigned room = cap >= sizeof(struct linux_cmsghdr) && control && user_writable_ok((void *)control, cap)
			    ? (unsigned)((cap - sizeof(struct linux_cmsghdr)) / sizeof(int))
			    : 0;
	unsigned n = 0;
	int *out = (int *)(control + (long)sizeof(struct linux_cmsghdr));
	for (unsigned i = 0; i < r->nfds; i++) {
		int fd = i < room ? fd_install(&app_fds, r->fds[i], 0) : -1;
		if (fd >= 0) {
			app_fds.cloexec[fd] = cloexec;
			memcpy(out + n++, &fd, sizeof(fd));
		} else {
			r->out_flags |= UNIX_MSG_CTRUNC;
		}
		file_put(r->fds[i]);
	}
	free(r->fds);
	r->fds = NULL;
	if (n) {
		struct linux_cmsghdr h = { sizeof(h) + n * sizeof(int), SOL_SOCKET, SCM_RIGHTS };
		memcpy((void *)control, &h, sizeof(h));
		*controllen = CMSG_ALIGN(h.len) <= cap ? CMSG_ALIGN(h.len) : h.len;
	}
}

static long unix_call_recv(struct file *f, struct sock_msg *m)
{
	struct unix_recv r = {
		.iov = m->iov, .count = m->count, .total = m->total, .flags = m->flags & ~MSG_CMSG_CLOEXEC
	};
	long n = unix_recv(f, &r);
	m->out_flags = r.out_flags;
	if (n < 0)
		return n;
	m->control_filled = m->controllen;
	write_control(&r, m->control, &m->control_filled, (m->flags & MSG_CMSG_CLOEXEC) != 0);
	m->out_flags = r.out_flags;
	if (m->addr && m->addrlen) {
		long w = write_name(&r.from, m->addr, m->addrlen);
		if (w)
			return w;
	}
	return n;
}

static long unix_call_shutdown(struct file *f, long how) { return unix_shutdown(f, (int)how); }

static long unix_call_getname(struct file *f, long addr, long lenp, bool peer)
{
	struct unix_name n = { 0 };
	long r = unix_getname(f, peer, &n);
	return r ? r : write_name(&n, addr, lenp);
}

static long unix_call_setsockopt(struct file *f, long level, long name, long val, long len)
{
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	uint8_t buf[16] = { 0 };
	if (len < 0)
		return -EINVAL;
	if (len && !user_range_ok((const void *)val, (size_t)len))
		return -EFAULT;
	memcpy(buf, (const void *)val, (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf));
	if (name == SO_PASSCRED)
		return len < 4 ? -EINVAL : 0; /* one process: credentials say nothing */
	return sockopt_set(unix_opts(f), (int)level, (int)name, buf, (uint32_t)len);
}

static long unix_call_getsockopt(struct file *f, long level, long name, long val, long lenp)
{
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	int32_t len;
	if (!user_writable_ok((void *)lenp, sizeof(len)))
		return -EFAULT;
	memcpy(&len, (const void *)lenp, sizeof(len));
	if (len < 0)
		return -EINVAL;
	uint8_t buf[16];
	uint32_t n = (uint32_t)len < sizeof(buf) ? (uint32_t)len : sizeof(buf);
	long r = 0;
	switch (name) {
	case LINUX_SO_TYPE: sockopt_put_int(unix_type(f), buf, &n); break;
	case LINUX_SO_DOMAIN: sockopt_put_int(LINUX_AF_UNIX, buf, &n); break;
	case LINUX_SO_PROTOCOL: sockopt_put_int(0, buf, &n); break;
	case LINUX_SO_ERROR: sockopt_put_int(unix_take_error(f), buf, &n); break;
	case LINUX_SO_ACCEPTCONN: sockopt_put_int(unix_listening(f), buf, &n); break;
	case SO_PASSCRED: sockopt_put_int(0, buf, &n); break;
	case SO_PEERCRED: {
		struct unix_cred c = unix_peer_cred(f);
		n = n < sizeof(c) ? n : (uint32_t)sizeof(c);
		memcpy(buf, &c, n);
		break;
	}
	default: r = sockopt_get(unix_opts(f), (int)level, (int)name, buf, &n);
	}
	if (r)
		return r;
	if (!user_writable_ok((void *)val, n))
		return -EFAULT;
	memcpy((void *)val, buf, n);
	len = (int32_t)n;
	memcpy((void *)lenp, &len, sizeof(len));
	return 0;
}

static bool unix_call_unlink(const char *canon)
{
	struct unix_name key = { 0 };
	size_t n = strlen(canon);
	if (n == 0 || n > UNIX_PATH_MAX)
		return false;
	key.len = (uint32_t)n;
	memcpy(key.path, canon, n);
	return unix_unbind_path(&key);
}

const struct sock_calls unix_sock_calls = {
	.bind = unix_call_bind,
	.listen = unix_call_listen,
	.accept = unix_call_accept,
	.connect = unix_call_connect,
	.send = unix_call_send,
	.recv = unix_call_recv,
	.shutdown = unix_call_shutdown,
	.getname = unix_call_getname,
	.setsockopt = unix_call_setsockopt,
	.getsockopt = unix_call_getsockopt,
};
