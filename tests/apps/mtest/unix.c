/*
 * mtest unix: AF_UNIX sockets through musl, with Linux's answers: pairs
 * of each type (streams, datagrams, sequenced packets), names (paths,
 * abstract names, autobind) with listen, connect and accept, datagrams
 * sent to a name, descriptors passed with SCM_RIGHTS, end of file,
 * EPIPE with SIGPIPE (and without it under MSG_NOSIGNAL), ECONNRESET for
 * data left unread, readiness through poll and edge-triggered epoll, the
 * options (SO_TYPE, SO_PEERCRED, SO_ERROR), several datagrams a call
 * (sendmmsg, recvmmsg), and 4 MiB between two threads through a
 * blocking pair.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

static volatile sig_atomic_t sigpipes;
static void on_sigpipe(int sig) { sigpipes += sig == SIGPIPE; }

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path, path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

/* An abstract name: a NUL, then name (without a NUL of its own). */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static void pair_stream(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	CHECK(fcntl(sv[0], F_GETFD) == FD_CLOEXEC);
	char buf[64];
	CHECK(write(sv[0], "hello", 5) == 5);
	CHECK(write(sv[0], " world", 6) == 6);
	int n = -1;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == 11);
	CHECK(recv(sv[1], buf, sizeof(buf), MSG_PEEK) == 11 && memcmp(buf, "hello world", 11) == 0);
	CHECK(read(sv[1], buf, 3) == 3 && memcmp(buf, "hel", 3) == 0);
	CHECK(read(sv[1], buf, sizeof(buf)) == 8 && memcmp(buf, "lo world", 8) == 0);
	CHECK(send(sv[1], "back", 4, 0) == 4);
	CHECK(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT) == 4 && memcmp(buf, "back", 4) == 0);
	CHECK(recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	/* writev as one stream of bytes, readv across buffers. */
	struct iovec out[2] = { { "ab", 2 }, { "cdef", 4 } };
	CHECK(writev(sv[1], out, 2) == 6);
	char x[3], y[3];
	struct iovec in[2] = { { x, 3 }, { y, 3 } };
	CHECK(readv(sv[0], in, 2) == 6 && memcmp(x, "abc", 3) == 0 && memcmp(y, "def", 3) == 0);

	struct stat st;
	CHECK(fstat(sv[0], &st) == 0 && S_ISSOCK(st.st_mode));
	int v = 0;
	socklen_t len = sizeof(v);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &len) == 0 && v == AF_UNIX);
	struct ucred cred;
	len = sizeof(cred);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred) &&
	      cred.pid == getpid() && cred.uid == getuid() && cred.gid == getgid());
	/* Unnamed: getsockname and getpeername answer the family alone. */
	struct sockaddr_un a;
	len = sizeof(a);
	CHECK(getsockname(sv[0], (struct sockaddr *)&a, &len) == 0 && len == sizeof(sa_family_t) &&
	      a.sun_family == AF_UNIX);
	len = sizeof(a);
	CHECK(getpeername(sv[0], (struct sockaddr *)&a, &len) == 0 && len == sizeof(sa_family_t));
	CHECK(setsockopt(sv[0], IPPROTO_TCP, 1, &v, sizeof(v)) == -1 && errno == EOPNOTSUPP);

	/* The writer's end shut: the reader has the data, then end of file;
	 * the writer gets EPIPE and SIGPIPE, or EPIPE alone. */
	CHECK(write(sv[0], "last", 4) == 4);
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK(read(sv[1], buf, sizeof(buf)) == 4);
	CHECK(read(sv[1], buf, sizeof(buf)) == 0);
	struct pollfd p = { sv[1], POLLIN | POLLRDHUP, 0 };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP));
	sigpipes = 0;
	CHECK(write(sv[0], "x", 1) == -1 && errno == EPIPE);
	CHECK(sigpipes == 1);
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	CHECK(sigpipes == 1);
	/* Shut, it is still writable (the write answers EPIPE), as Linux. */
	p = (struct pollfd){ sv[0], POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLOUT));
	close(sv[0]);
	close(sv[1]);

	/* A peer gone with data it did not read: what it sent, then
	 * ECONNRESET once, then end of file; a send, EPIPE. */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(write(sv[1], "unread", 6) == 6);
	CHECK(write(sv[0], "kept", 4) == 4);
	close(sv[1]);
	p = (struct pollfd){ sv[0], POLLIN | POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLHUP));
	CHECK(read(sv[0], buf, sizeof(buf)) == 6 && memcmp(buf, "unread", 6) == 0);
	CHECK(read(sv[0], buf, sizeof(buf)) == -1 && errno == ECONNRESET);
	CHECK(read(sv[0], buf, sizeof(buf)) == 0);
	CHECK(send(sv[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	close(sv[0]);
}

static void pair_messages(int type)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv) == 0);
	char buf[64];
	CHECK(send(sv[0], "one", 3, 0) == 3);
	CHECK(send(sv[0], "", 0, 0) == 0);
	CHECK(send(sv[0], "three33", 7, 0) == 7);
	/* A datagram socket answers the next message's size, a packet
	 * socket all it holds. */
	int n = -1;
	CHECK(ioctl(sv[1], FIONREAD, &n) == 0 && n == (type == SOCK_DGRAM ? 3 : 10));
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 3 && memcmp(buf, "one", 3) == 0);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 0);
	/* Cut to the buffer: MSG_TRUNC in msg_flags, and the rest is gone. */
	struct iovec v = { buf, 5 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };
	CHECK(recvmsg(sv[1], &m, 0) == 5 && (m.msg_flags & MSG_TRUNC) && memcmp(buf, "three", 5) == 0);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == -1 && errno == EAGAIN);
	CHECK(send(sv[0], "abcdef", 6, 0) == 6);
	CHECK(recv(sv[1], buf, 2, MSG_TRUNC) == 6);
	int v2 = 0;
	socklen_t len = sizeof(v2);
	CHECK(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v2, &len) == 0 && v2 == type);
	/* Larger than the send buffer allows: EMSGSIZE. */
	size_t big = 300000;
	char *p = calloc(1, big);
	CHECK(p && send(sv[0], p, big, 0) == -1 && errno == EMSGSIZE);
	free(p);
	close(sv[0]);
	close(sv[1]);
}

static void named_stream(void)
{
	mkdir("/tmp", 0777);
	unlink("/tmp/mtest.sock");
	struct sockaddr_un a, b;
	socklen_t alen = path_addr(&a, "/tmp/mtest.sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(l >= 0);
	int c0 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c0, (struct sockaddr *)&a, alen) == -1 && errno == ENOENT);
	CHECK(listen(l, 4) == -1 && errno == EINVAL); /* unbound */
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	/* Bound already: the path is taken first (Linux makes its file
	 * before it looks), another path is EINVAL. */
	CHECK(bind(l, (struct sockaddr *)&a, alen) == -1 && errno == EADDRINUSE);
	CHECK(bind(l, (struct sockaddr *)&b, path_addr(&b, "/tmp/mtest.other")) == -1 && errno == EINVAL);
	/* Not listening yet: refused. */
	CHECK(connect(c0, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED);
	CHECK(listen(l, 4) == 0);
	int v = 0;
	socklen_t len = sizeof(v);
	CHECK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1);
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(other, (struct sockaddr *)&a, alen) == -1 && errno == EADDRINUSE);
	close(other);
	/* A datagram socket does not connect to a stream listener. */
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(connect(d, (struct sockaddr *)&a, alen) == -1 && errno == EPROTOTYPE);
	close(d);

	/* Connected at once; the data waits for accept. */
	CHECK(connect(c0, (struct sockaddr *)&a, alen) == 0);
	CHECK(connect(c0, (struct sockaddr *)&a, alen) == -1 && errno == EISCONN);
	CHECK(write(c0, "early", 5) == 5);
	struct pollfd p = { l, POLLIN, 0 };
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
	len = sizeof(b);
	int s = accept4(l, (struct sockaddr *)&b, &len, SOCK_CLOEXEC);
	CHECK(s >= 0 && len == sizeof(sa_family_t)); /* the client has no name */
	CHECK(fcntl(s, F_GETFD) == FD_CLOEXEC);
	char buf[16];
	CHECK(read(s, buf, sizeof(buf)) == 5 && memcmp(buf, "early", 5) == 0);
	len = sizeof(b);
	CHECK(getsockname(s, (struct sockaddr *)&b, &len) == 0 && len == alen &&
	      strcmp(b.sun_path, "/tmp/mtest.sock") == 0);
	len = sizeof(b);
	CHECK(getpeername(c0, (struct sockaddr *)&b, &len) == 0 && len == alen &&
	      strcmp(b.sun_path, "/tmp/mtest.sock") == 0);
	len = sizeof(b);
	CHECK(getsockname(l, (struct sockaddr *)&b, &len) == 0 && len == alen);
	/* A short buffer: truncated, the full length reported. */
	len = 4;
	memset(&b, 0, sizeof(b));
	CHECK(getsockname(l, (struct sockaddr *)&b, &len) == 0 && len == alen && b.sun_path[0] == '/' &&
	      b.sun_path[1] == 't' && b.sun_path[2] == 0);
	close(s);
	/* The peer gone, its name is still the peer's. */
	len = sizeof(b);
	CHECK(getpeername(c0, (struct sockaddr *)&b, &len) == 0 && len == alen &&
	      strcmp(b.sun_path, "/tmp/mtest.sock") == 0);
	close(c0);
	/* An address on a stream that is not connected. */
	c0 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(sendto(c0, "x", 1, 0, (struct sockaddr *)&a, alen) == -1 && errno == EOPNOTSUPP);
	close(c0);

	/* Non-blocking accept with nothing queued. */
	fcntl(l, F_SETFL, O_NONBLOCK);
	CHECK(accept(l, NULL, NULL) == -1 && errno == EAGAIN);

	/* A path relative to the working directory is the same name. */
	CHECK(chdir("/tmp") == 0);
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c1, (struct sockaddr *)&b, path_addr(&b, "mtest.sock")) == 0);
	CHECK(chdir("/") == 0);
	s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	close(s);
	close(c1);

	/* unlink takes the name away: a new socket may have it. */
	CHECK(unlink("/tmp/mtest.sock") == 0);
	CHECK(unlink("/tmp/mtest.sock") == -1 && errno == ENOENT);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c2, (struct sockaddr *)&a, alen) == -1 && errno == ENOENT);
	int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l2, (struct sockaddr *)&a, alen) == 0);
	close(l2);
	close(l);
	/* A path outlives its socket until it is unlinked, as a socket's
	 * file does: refused, taken, then free. */
	CHECK(connect(c2, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED);
	close(c2);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == -1 && errno == EADDRINUSE);
	CHECK(unlink("/tmp/mtest.sock") == 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	close(l);
	CHECK(unlink("/tmp/mtest.sock") == 0);

	/* A file at the path: bind refuses, connect is refused. */
	int f = open("/tmp/mtest.file", O_CREAT | O_WRONLY, 0644);
	CHECK(f >= 0);
	close(f);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, path_addr(&a, "/tmp/mtest.file")) == -1 && errno == EADDRINUSE);
	CHECK(connect(l, (struct sockaddr *)&a, path_addr(&a, "/tmp/mtest.file")) == -1 && errno == ECONNREFUSED);
	CHECK(bind(l, (struct sockaddr *)&a, path_addr(&a, "/nonexistent/dir/sock")) == -1 && errno == ENOENT);
	close(l);
	unlink("/tmp/mtest.file");
}

static void abstract_and_autobind(void)
{
	struct sockaddr_un a, b;
	socklen_t alen = abstract_addr(&a, "mtest-abstract");
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0);
	CHECK(listen(l, 1) == 0);
	int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	/* Autobind: the family alone gives an abstract name of 5 hex digits. */
	b.sun_family = AF_UNIX;
	CHECK(bind(c, (struct sockaddr *)&b, sizeof(sa_family_t)) == 0);
	socklen_t len = sizeof(b);
	CHECK(getsockname(c, (struct sockaddr *)&b, &len) == 0 && len == sizeof(sa_family_t) + 6 && b.sun_path[0] == 0);
	struct sockaddr_un auto_name = b;
	socklen_t auto_len = len;
	CHECK(connect(c, (struct sockaddr *)&a, alen) == 0);
	int s = accept(l, (struct sockaddr *)&b, &len);
	CHECK(s >= 0 && len == auto_len && memcmp(&b, &auto_name, len) == 0);
	len = sizeof(b);
	CHECK(getpeername(c, (struct sockaddr *)&b, &len) == 0 && len == alen && memcmp(&b, &a, alen) == 0);
	CHECK(send(c, "pkt1", 4, 0) == 4 && send(c, "pkt22", 5, 0) == 5);
	char buf[16];
	CHECK(recv(s, buf, sizeof(buf), 0) == 4 && recv(s, buf, sizeof(buf), 0) == 5);
	close(c);
	CHECK(recv(s, buf, sizeof(buf), 0) == 0);
	close(s);
	close(l);
	/* The abstract name went with its socket. */
	c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	CHECK(connect(c, (struct sockaddr *)&a, alen) == -1 && errno == ECONNREFUSED);
	close(c);
}

/* A full backlog: a non-blocking connect answers EAGAIN, and succeeds
 * once accept made room. */
static void full_backlog(void)
{
	struct sockaddr_un a;
	socklen_t alen = abstract_addr(&a, "mtest-backlog");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(l, (struct sockaddr *)&a, alen) == 0 && listen(l, 0) == 0);
	int c[3];
	for (int i = 0; i < 3; i++)
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(connect(c[0], (struct sockaddr *)&a, alen) == 0);
	CHECK(connect(c[1], (struct sockaddr *)&a, alen) == -1 && errno == EAGAIN);
	int s = accept(l, NULL, NULL);
	CHECK(s >= 0);
	CHECK(connect(c[2], (struct sockaddr *)&a, alen) == 0);
	close(s);
	for (int i = 0; i < 3; i++)
		close(c[i]);
	close(l);
}

static void datagrams_to_names(void)
{
	struct sockaddr_un srv, cli, from;
	unlink("/tmp/mtest.dgram");
	socklen_t slen = path_addr(&srv, "/tmp/mtest.dgram");
	socklen_t clen = abstract_addr(&cli, "mtest-client");
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s, (struct sockaddr *)&srv, slen) == 0);
	CHECK(bind(c, (struct sockaddr *)&cli, clen) == 0);
	CHECK(sendto(c, "ping", 4, 0, (struct sockaddr *)&srv, slen) == 4);
	char buf[16];
	socklen_t flen = sizeof(from);
	CHECK(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 && flen == clen &&
	      memcmp(&from, &cli, clen) == 0);
	CHECK(sendto(s, "pong", 4, 0, (struct sockaddr *)&from, flen) == 4);
	flen = sizeof(from);
	CHECK(recvfrom(c, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 && flen == slen &&
	      strcmp(from.sun_path, "/tmp/mtest.dgram") == 0);
	/* Without a peer: ENOTCONN; to a name nobody has: ECONNREFUSED. */
	CHECK(send(c, "x", 1, 0) == -1 && errno == ENOTCONN);
	struct sockaddr_un none;
	CHECK(sendto(c, "x", 1, 0, (struct sockaddr *)&none, abstract_addr(&none, "nobody")) == -1 &&
	      errno == ECONNREFUSED);
	/* Connected to the server; the server closes: ECONNREFUSED once,
	 * then no peer. */
	CHECK(connect(c, (struct sockaddr *)&srv, slen) == 0);
	CHECK(send(c, "y", 1, 0) == 1);
	close(s);
	CHECK(send(c, "z", 1, 0) == -1 && errno == ECONNREFUSED);
	CHECK(send(c, "z", 1, 0) == -1 && errno == ENOTCONN);
	close(c);
	CHECK(unlink("/tmp/mtest.dgram") == 0);
}

/* sendmmsg and recvmmsg: several datagrams a call, each cut on its own;
 * MSG_WAITFORONE waits for the first only; a timeout is looked at after
 * each message, so one that is over lets one message through. */
static void many_messages(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	char out[3][4] = { "a", "bb", "ccc" }, in[4][2];
	struct iovec ov[3], iv[4];
	struct mmsghdr om[3], im[4];
	memset(om, 0, sizeof(om));
	memset(im, 0, sizeof(im));
	for (int i = 0; i < 3; i++) {
		ov[i] = (struct iovec){ out[i], (size_t)i + 1 };
		om[i].msg_hdr.msg_iov = &ov[i];
		om[i].msg_hdr.msg_iovlen = 1;
	}
	for (int i = 0; i < 4; i++) {
		iv[i] = (struct iovec){ in[i], sizeof(in[i]) };
		im[i].msg_hdr.msg_iov = &iv[i];
		im[i].msg_hdr.msg_iovlen = 1;
	}
	CHECK(sendmmsg(sv[0], om, 3, 0) == 3 && om[0].msg_len == 1 && om[1].msg_len == 2 && om[2].msg_len == 3);
	CHECK(recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL) == 3);
	CHECK(im[0].msg_len == 1 && im[1].msg_len == 2 && im[2].msg_len == 2 && memcmp(in[2], "cc", 2) == 0);
	CHECK(!(im[1].msg_hdr.msg_flags & MSG_TRUNC) && (im[2].msg_hdr.msg_flags & MSG_TRUNC));
	CHECK(recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL) == -1 && errno == EAGAIN);
	CHECK(sendmmsg(sv[0], om, 2, 0) == 2);
	CHECK(recvmmsg(sv[1], im, 4, MSG_WAITFORONE, NULL) == 2);
	CHECK(sendmmsg(sv[0], om, 3, 0) == 3);
	struct timespec ts = { 0, 0 };
	CHECK(recvmmsg(sv[1], im, 4, 0, &ts) == 1 && ts.tv_sec == 0 && ts.tv_nsec == 0);
	CHECK(recvmmsg(sv[1], im, 4, MSG_DONTWAIT, NULL) == 2);
	/* Nothing came: the timeout is left as it was. */
	ts = (struct timespec){ 5, 0 };
	CHECK(recvmmsg(sv[1], im, 4, MSG_DONTWAIT, &ts) == -1 && errno == EAGAIN && ts.tv_sec == 5 && ts.tv_nsec == 0);
	ts.tv_nsec = 1000000000;
	CHECK(recvmmsg(sv[1], im, 4, MSG_DONTWAIT, &ts) == -1 && errno == EINVAL);
	/* The first message's error, when nothing went. */
	close(sv[1]);
	CHECK(sendmmsg(sv[0], om, 3, MSG_NOSIGNAL) == -1 && errno == ECONNREFUSED);
	close(sv[0]);
}

/* A pipe's write end goes over a pair; what the receiver writes into its
 * new descriptor comes out of the pipe. */
static void pass_descriptors(void)
{
	int sv[2], pfd[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(pipe(pfd) == 0);
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	struct iovec v = { "F", 1 };
	struct msghdr m = {
		.msg_iov = &v, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = CMSG_SPACE(2 * sizeof(int))
	};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(2 * sizeof(int));
	int two[2] = { pfd[1], pfd[0] };
	memcpy(CMSG_DATA(h), two, sizeof(two));
	CHECK(write(sv[0], "abc", 3) == 3);
	CHECK(sendmsg(sv[0], &m, 0) == 1);
	CHECK(write(sv[0], "after", 5) == 5);
	close(pfd[1]);

	char buf[16];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} rctl;
	struct iovec rv = { buf, sizeof(buf) };
	struct msghdr r = { .msg_iov = &rv, .msg_iovlen = 1, .msg_control = &rctl, .msg_controllen = sizeof(rctl) };
	/* The files end a read (unix(7)): the bytes before them and their
	 * own come with them, "after" is the next read's. */
	CHECK(recvmsg(sv[1], &r, MSG_CMSG_CLOEXEC) == 4 && memcmp(buf, "abcF", 4) == 0);
	h = CMSG_FIRSTHDR(&r);
	CHECK(h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS &&
	      h->cmsg_len == CMSG_LEN(2 * sizeof(int)));
	int got[2] = { -1, -1 };
	if (h)
		memcpy(got, CMSG_DATA(h), sizeof(got));
	CHECK(got[0] >= 0 && got[1] >= 0);
	CHECK(fcntl(got[0], F_GETFD) == FD_CLOEXEC);
	CHECK(write(got[0], "through", 7) == 7);
	CHECK(read(pfd[0], buf, sizeof(buf)) == 7 && memcmp(buf, "through", 7) == 0);
	CHECK(write(got[0], "again", 5) == 5);
	CHECK(read(got[1], buf, sizeof(buf)) == 5 && memcmp(buf, "again", 5) == 0);
	close(got[0]);
	CHECK(read(pfd[0], buf, sizeof(buf)) == 0); /* every write end closed */
	close(got[1]);
	r.msg_control = NULL;
	r.msg_controllen = 0;
	CHECK(recvmsg(sv[1], &r, 0) == 5 && memcmp(buf, "after", 5) == 0 && r.msg_controllen == 0);

	/* No room for them: the descriptors are closed, MSG_CTRUNC. */
	int p2[2];
	CHECK(pipe(p2) == 0);
	h = CMSG_FIRSTHDR(&m);
	h->cmsg_len = CMSG_LEN(sizeof(int));
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	memcpy(CMSG_DATA(h), &p2[1], sizeof(int));
	CHECK(sendmsg(sv[0], &m, 0) == 1);
	close(p2[1]);
	r.msg_control = NULL;
	r.msg_controllen = 0;
	r.msg_flags = 0;
	CHECK(recvmsg(sv[1], &r, 0) == 1 && (r.msg_flags & MSG_CTRUNC));
	CHECK(read(p2[0], buf, sizeof(buf)) == 0);
	close(p2[0]);
	/* A descriptor that is not open: EBADF, nothing sent. */
	h = CMSG_FIRSTHDR(&m);
	int bad = 999;
	memcpy(CMSG_DATA(h), &bad, sizeof(int));
	CHECK(sendmsg(sv[0], &m, 0) == -1 && errno == EBADF);
	CHECK(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);
	close(pfd[0]);
	close(sv[0]);
	close(sv[1]);
}

static void readiness(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = sv[1] };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev) == 0);
	struct epoll_event out[2];
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK(write(sv[0], "a", 1) == 1);
	CHECK(epoll_wait(ep, out, 2, 0) == 1 && out[0].data.fd == sv[1] && (out[0].events & EPOLLIN));
	CHECK(epoll_wait(ep, out, 2, 0) == 0); /* edge-triggered: once */
	CHECK(write(sv[0], "b", 1) == 1);
	CHECK(epoll_wait(ep, out, 2, 0) == 1);
	/* Filled to EAGAIN: not writable until the reader drains it. */
	static char chunk[65536];
	long total = 0, n;
	while ((n = write(sv[0], chunk, sizeof(chunk))) > 0)
		total += n;
	CHECK(n == -1 && errno == EAGAIN && total > 0);
	struct pollfd p = { sv[0], POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 0);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(sv[1], &rd);
	struct timeval tv = { 0, 0 };
	CHECK(select(sv[1] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(sv[1], &rd));
	long drained = 0;
	while ((n = read(sv[1], chunk, sizeof(chunk))) > 0)
		drained += n;
	CHECK(drained == total + 2);
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLOUT));
	close(ep);
	close(sv[0]);
	close(sv[1]);
}

struct transfer {
	int fd;
	size_t bytes;
	uint32_t sum;
};

static uint32_t mix(uint32_t sum, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static void *send_all(void *arg)
{
	struct transfer *t = arg;
	static unsigned char buf[10007];
	uint32_t x = 12345;
	size_t left = t->bytes;
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			buf[i] = (unsigned char)(x >> 16);
		}
		t->sum = mix(t->sum, buf, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(t->fd, buf + off, n - off);
			if (w <= 0)
				return NULL;
			off += (size_t)w;
		}
		left -= n;
	}
	close(t->fd);
	return NULL;
}

static void threads_through_a_pair(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct transfer t = { sv[0], 4 << 20, 0 };
	pthread_t th;
	CHECK(pthread_create(&th, NULL, send_all, &t) == 0);
	static unsigned char buf[8192];
	size_t got = 0;
	uint32_t sum = 0;
	ssize_t n;
	while ((n = read(sv[1], buf, sizeof(buf))) > 0) {
		sum = mix(sum, buf, (size_t)n);
		got += (size_t)n;
	}
	pthread_join(th, NULL);
	CHECK(n == 0 && got == t.bytes && sum == t.sum);
	close(sv[1]);
}

int test_unix(void)
{
	signal(SIGPIPE, on_sigpipe);
	pair_stream();
	pair_messages(SOCK_DGRAM);
	pair_messages(SOCK_SEQPACKET);
	named_stream();
	abstract_and_autobind();
	full_backlog();
	datagrams_to_names();
	pass_descriptors();
	many_messages();
	readiness();
	threads_through_a_pair();
	signal(SIGPIPE, SIG_DFL);
	printf("mtest: unix done, %d failures\n", failures);
	return failures ? 1 : 0;
}
