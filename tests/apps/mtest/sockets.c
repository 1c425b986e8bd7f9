/*
 * mtest sockets: the socket calls over the network stack's loopback
 * (127.0.0.1 and ::1), one process talking to itself, with Linux's
 * answers: a non-blocking connect's EINPROGRESS then POLLOUT and
 * SO_ERROR, a refused connect, MSG_PEEK, MSG_TRUNC, MSG_WAITALL,
 * FIONREAD, shutdown and end of file, EPIPE with SIGPIPE (and without it
 * under MSG_NOSIGNAL), receive timeouts, the names, options, and
 * readiness of a socket and a pipe in one epoll set, edge-triggered;
 * a link-local peer whose scope id names no interface.
 *
 * mtest resolve NAME ADDRESS...: getaddrinfo(NAME) through musl's
 * resolver (/etc/hosts, /etc/resolv.conf's DNS server) must answer
 * exactly the ADDRESSes given (order aside), or fail when none is given.
 */
#define _GNU_SOURCE /* sendmmsg, recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

static volatile sig_atomic_t sigpipes, alarms;
static void on_sigpipe(int sig) { sigpipes += sig == SIGPIPE; }
static void on_alarm(int sig) { alarms += sig == SIGALRM; }

static struct sockaddr_in loopback4(int port)
{
	return (struct sockaddr_in){ .sin_family = AF_INET,
				     .sin_port = htons(port),
				     .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
}

/* A listening TCP socket on 127.0.0.1, its port in *port. */
static int listener(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = loopback4(0);
	socklen_t len = sizeof(a);
	CHECK(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(fd, 8) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0 && len == sizeof(a) && a.sin_port != 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A connected pair through the loopback: *client and the accepted end. */
static int connected_pair(int lfd, int port, int *client)
{
	*client = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback4(port);
	CHECK(connect(*client, (struct sockaddr *)&a, sizeof(a)) == 0);
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
	CHECK(fd >= 0 && len == sizeof(peer) && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	return fd;
}

static void stream_basics(void)
{
	int port, client;
	int lfd = listener(&port);
	int server = connected_pair(lfd, port, &client);
	char buf[64];

	/* Names: each end's peer is the other's name. */
	struct sockaddr_in me, peer;
	socklen_t l1 = sizeof(me), l2 = sizeof(peer);
	CHECK(getsockname(client, (struct sockaddr *)&me, &l1) == 0);
	CHECK(getpeername(server, (struct sockaddr *)&peer, &l2) == 0);
	CHECK(me.sin_port == peer.sin_port && me.sin_addr.s_addr == peer.sin_addr.s_addr);
	CHECK(getpeername(lfd, (struct sockaddr *)&peer, &l2) == -1 && errno == ENOTCONN);

	/* Data both ways, MSG_PEEK leaves it, FIONREAD counts it. */
	CHECK(write(client, "hello", 5) == 5);
	struct pollfd pf = { server, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN));
	int avail = -1;
	CHECK(ioctl(server, FIONREAD, &avail) == 0 && avail == 5);
	CHECK(recv(server, buf, 3, MSG_PEEK) == 3 && memcmp(buf, "hel", 3) == 0);
	CHECK(read(server, buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(recv(server, buf, sizeof(buf), MSG_DONTWAIT) == -1 && errno == EAGAIN);

	/* MSG_WAITALL gathers two writes. */
	CHECK(send(server, "abc", 3, 0) == 3);
	CHECK(send(server, "def", 3, 0) == 3);
	CHECK(recv(client, buf, 6, MSG_WAITALL) == 6 && memcmp(buf, "abcdef", 6) == 0);

	/* A receive timeout ends a wait with EAGAIN. */
	struct timeval tv = { 0, 100000 };
	CHECK(setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(recv(client, buf, 1, 0) == -1 && errno == EAGAIN);

	/* A signal ends a blocking wait: EINTR without SA_RESTART (with a
	 * timeout set, Linux never restarts). */
	tv = (struct timeval){ 0, 0 };
	CHECK(setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigaction(SIGALRM, &sa, &old);
	struct itimerval it = { .it_value = { 0, 50000 } };
	alarms = 0;
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	CHECK(recv(client, buf, 1, 0) == -1 && errno == EINTR && alarms == 1);
	sigaction(SIGALRM, &old, NULL);

	/* shutdown(SHUT_WR): the peer reads end of file and POLLRDHUP. */
	CHECK(shutdown(client, SHUT_WR) == 0);
	pf = (struct pollfd){ server, POLLIN | POLLRDHUP, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLRDHUP));
	CHECK(read(server, buf, sizeof(buf)) == 0);
	CHECK(send(client, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	/* The other direction still works. */
	CHECK(write(server, "back", 4) == 4);
	CHECK(recv(client, buf, 4, MSG_WAITALL) == 4 && memcmp(buf, "back", 4) == 0);

	/* EPIPE raises SIGPIPE unless MSG_NOSIGNAL. */
	signal(SIGPIPE, on_sigpipe);
	sigpipes = 0;
	CHECK(write(client, "x", 1) == -1 && errno == EPIPE && sigpipes == 1);
	signal(SIGPIPE, SIG_DFL);

	/* The server ends its side too (shutdown, not close): an orderly
	 * end, which lwIP reports to it as an error of its own (ERR_CLSD)
	 * when the last ACK comes; Linux shows no error. */
	CHECK(shutdown(server, SHUT_WR) == 0);
	pf = (struct pollfd){ client, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN) && !(pf.revents & POLLERR));
	CHECK(read(client, buf, sizeof(buf)) == 0);
	usleep(100000); /* the last ACK, then lwIP forgets the connection */
	pf = (struct pollfd){ server, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP) && !(pf.revents & POLLERR));
	int err = -1;
	socklen_t elen = sizeof(err);
	CHECK(getsockopt(server, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0);
	CHECK(read(server, buf, sizeof(buf)) == 0);
	close(server);
	close(client);
	close(lfd);
}

static int getint(int fd, int level, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);
	CHECK(getsockopt(fd, level, name, &v, &len) == 0 && len == sizeof(v));
	return v;
}

static void options(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int v = -1;
	socklen_t len = sizeof(v);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM && len == sizeof(v));
	v = 1;
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == 0);
	v = 0;
	CHECK(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0 && v == 1);
	v = 4096;
	CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0);
	CHECK(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == 0 && v == 8192);
	CHECK(setsockopt(fd, SOL_SOCKET, 9999, &v, sizeof(v)) == -1 && errno == ENOPROTOOPT);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &(int){ 0 }, sizeof(int)) == -1 && errno == EINVAL);
	CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)) == -1 && errno == ENOPROTOOPT);
	/* The type of service and time to live its packets carry. */
	CHECK(getint(fd, IPPROTO_IP, IP_TTL) == 64 && getint(fd, IPPROTO_IP, IP_TOS) == 0);
	CHECK(setsockopt(fd, IPPROTO_IP, IP_TTL, &(int){ 7 }, sizeof(int)) == 0 && getint(fd, IPPROTO_IP, IP_TTL) == 7);
	CHECK(setsockopt(fd, IPPROTO_IP, IP_TOS, &(int){ 0x10 }, sizeof(int)) == 0 &&
	      getint(fd, IPPROTO_IP, IP_TOS) == 0x10);
	CHECK(setsockopt(fd, IPPROTO_IP, IP_TTL, &(int){ 0 }, sizeof(int)) == -1 && errno == EINVAL);
	close(fd);
	int fd6 = socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK(setsockopt(fd6, IPPROTO_IPV6, IPV6_TCLASS, &(int){ 0xb8 }, sizeof(int)) == 0 &&
	      getint(fd6, IPPROTO_IPV6, IPV6_TCLASS) == 0xb8);
	CHECK(setsockopt(fd6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &(int){ 5 }, sizeof(int)) == 0 &&
	      getint(fd6, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 5);
	close(fd6);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(setsockopt(udp, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) == -1 && errno == ENOPROTOOPT);
	/* Linux's IPv4 getsockopt answers a level it does not serve so. */
	CHECK(getsockopt(udp, IPPROTO_TCP, TCP_NODELAY, &v, &len) == -1 && errno == EOPNOTSUPP);
	close(udp);
	CHECK(socket(AF_UNIX, SOCK_RDM, 0) == -1 && errno == ESOCKTNOSUPPORT);
	CHECK(socket(AF_PACKET, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT);
	CHECK(socket(AF_INET, SOCK_SEQPACKET, 0) == -1);
	char buf[4];
	CHECK(recv(0, buf, 1, MSG_DONTWAIT) == -1 && errno == ENOTSOCK);
}

/* TCP_INFO and TCP_CONGESTION, which iperf3's server reads of every
 * connection: the state in Linux's numbering, the segment size, the
 * window; an algorithm Linux has by any name (reno), ENOENT for one
 * unknown. */
static void tcp_info_and_congestion(void)
{
	int port, client;
	int lfd = listener(&port);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	CHECK(getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && len == sizeof(ti) &&
	      ti.tcpi_state == TCP_LISTEN);
	int server = connected_pair(lfd, port, &client);
	char buf[65536];
	memset(buf, 'i', sizeof(buf));
	CHECK(write(client, buf, sizeof(buf)) == sizeof(buf));
	CHECK(recv(server, buf, sizeof(buf), MSG_WAITALL) == sizeof(buf));
	len = sizeof(ti);
	CHECK(getsockopt(client, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && len == sizeof(ti));
	CHECK(ti.tcpi_state == TCP_ESTABLISHED && ti.tcpi_snd_mss > 0 && ti.tcpi_rto > 0 && ti.tcpi_snd_cwnd > 0);
	CHECK(ti.tcpi_options & TCPI_OPT_WSCALE);
	/* A short buffer takes what fits. */
	uint8_t state = 0;
	len = 1;
	CHECK(getsockopt(server, IPPROTO_TCP, TCP_INFO, &state, &len) == 0 && len == 1 && state == TCP_ESTABLISHED);
	CHECK(shutdown(client, SHUT_WR) == 0);
	CHECK(read(server, buf, 1) == 0);
	len = sizeof(ti);
	CHECK(getsockopt(server, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == TCP_CLOSE_WAIT);

	enum { CA_NAME_MAX = 16 }; /* Linux's TCP_CA_NAME_MAX, not in musl's header */
	char ca[CA_NAME_MAX + 1] = { 0 };
	/* TCP_MAXSEG: 536 before a connection, 88 to 32767 or 0, a
	 * listener's passed to what it accepts. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(getint(fd, IPPROTO_TCP, TCP_MAXSEG) == 536);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &(int){ 87 }, sizeof(int)) == -1 && errno == EINVAL);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &(int){ 1000 }, sizeof(int)) == 0);
	CHECK(getint(fd, IPPROTO_TCP, TCP_MAXSEG) == 1000);
	CHECK(setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &(int){ 0 }, sizeof(int)) == 0);
	CHECK(getint(fd, IPPROTO_TCP, TCP_MAXSEG) == 536);
	close(fd);
	int lfd2 = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in la = loopback4(0);
	socklen_t lal = sizeof(la);
	CHECK(setsockopt(lfd2, IPPROTO_TCP, TCP_MAXSEG, &(int){ 1000 }, sizeof(int)) == 0);
	CHECK(bind(lfd2, (struct sockaddr *)&la, sizeof(la)) == 0 && listen(lfd2, 4) == 0);
	CHECK(getsockname(lfd2, (struct sockaddr *)&la, &lal) == 0 && getint(lfd2, IPPROTO_TCP, TCP_MAXSEG) == 1000);
	int c2, s2 = connected_pair(lfd2, ntohs(la.sin_port), &c2);
	int mss = getint(s2, IPPROTO_TCP, TCP_MAXSEG);
	CHECK(mss > 0 && mss <= 1000);
	CHECK(write(s2, buf, sizeof(buf)) == sizeof(buf) && recv(c2, buf, sizeof(buf), MSG_WAITALL) == sizeof(buf));
	close(c2);
	close(s2);
	close(lfd2);
	len = CA_NAME_MAX;
	CHECK(setsockopt(client, IPPROTO_TCP, TCP_CONGESTION, "reno", 4) == 0);
	CHECK(getsockopt(client, IPPROTO_TCP, TCP_CONGESTION, ca, &len) == 0 && len == CA_NAME_MAX &&
	      strcmp(ca, "reno") == 0);
	CHECK(setsockopt(client, IPPROTO_TCP, TCP_CONGESTION, "no-such-cc", 10) == -1 && errno == ENOENT);
	CHECK(setsockopt(client, IPPROTO_TCP, TCP_CONGESTION, "", 0) == -1 && errno == EINVAL);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	len = sizeof(ti);
	CHECK(getsockopt(udp, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 && errno == EOPNOTSUPP);
	close(udp);
	close(client);
	close(server);
	close(lfd);
}

/* A link-local peer with a scope id that names no interface: no route
 * for connect and sendto, no device for bind, as Linux answers (for an
 * index below 256, lwIP's zones, and above). */
static void unknown_scope_ids(void)
{
	unsigned scopes[] = { 99, 300 };
	for (int i = 0; i < 2; i++) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(7), .sin6_scope_id = scopes[i] };
		inet_pton(AF_INET6, "fe80::1", &a.sin6_addr);
		/* A fresh socket: Linux binds one to a port at its first
		 * sendto or connect, even one that fails. */
		int u = socket(AF_INET6, SOCK_DGRAM, 0);
		CHECK(bind(u, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENODEV);
		CHECK(sendto(u, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENETUNREACH);
		CHECK(connect(u, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENETUNREACH);
		close(u);
		int t = socket(AF_INET6, SOCK_STREAM, 0);
		CHECK(connect(t, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ENETUNREACH);
		close(t);
	}
}

/* An accepted connection starts with its listener's options, as on
 * Linux (the new socket is a copy of the listening one): keepalive and
 * its times, Nagle's switch, the buffer sizes, and what they set in lwIP
 * survives a later setsockopt on the new socket. */
static void inherited_options(void)
{
	int port;
	int lfd = listener(&port);
	int one = 1, idle = 3, intvl = 2, cnt = 4, buf = 24576; /* not the defaults */
	CHECK(setsockopt(lfd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0);
	CHECK(setsockopt(lfd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)) == 0);
	CHECK(setsockopt(lfd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl)) == 0);
	CHECK(setsockopt(lfd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)) == 0);
	CHECK(setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
	CHECK(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) == 0);
	CHECK(setsockopt(lfd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) == 0);
	int client;
	int fd = connected_pair(lfd, port, &client);
	for (int round = 0; round < 2; round++) {
		CHECK(getint(fd, SOL_SOCKET, SO_KEEPALIVE) == 1);
		CHECK(getint(fd, IPPROTO_TCP, TCP_KEEPIDLE) == idle);
		CHECK(getint(fd, IPPROTO_TCP, TCP_KEEPINTVL) == intvl);
		CHECK(getint(fd, IPPROTO_TCP, TCP_KEEPCNT) == cnt);
		CHECK(getint(fd, IPPROTO_TCP, TCP_NODELAY) == 1);
		CHECK(getint(fd, SOL_SOCKET, SO_RCVBUF) == 2 * buf);
		CHECK(getint(fd, SOL_SOCKET, SO_SNDBUF) == 2 * buf);
		/* Another option set on the accepted socket changes only itself. */
		CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
	}
	close(fd);
	close(client);
	close(lfd);
}

static void nonblocking_connect(void)
{
	int port;
	int lfd = listener(&port);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = loopback4(port);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	CHECK(r == 0 || (r == -1 && errno == EINPROGRESS));
	struct pollfd pf = { c, POLLOUT, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLOUT));
	int err = -1;
	socklen_t len = sizeof(err);
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0);
	/* Linux's next connect reports a connect left running: 0 once. */
	if (r == -1)
		CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EISCONN);
	/* accept on a non-blocking listener with nothing waiting. */
	int s = accept(lfd, NULL, NULL);
	CHECK(s >= 0);
	CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0);
	CHECK(accept(lfd, NULL, NULL) == -1 && errno == EAGAIN);
	close(s);
	close(c);
	close(lfd);

	/* A port nobody listens on: refused, through SO_ERROR too. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNREFUSED);
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	if (r == -1 && errno == EINPROGRESS) {
		pf = (struct pollfd){ c, POLLOUT, 0 };
		CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & (POLLERR | POLLHUP)));
		CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == ECONNREFUSED);
		/* Its error taken, the next connect reports an abort. */
		CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == ECONNABORTED);
	} else {
		CHECK(r == -1 && errno == ECONNREFUSED);
	}
	close(c);
}

static void datagrams(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sa = loopback4(0), sb = loopback4(0);
	socklen_t len = sizeof(sb);
	CHECK(bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(bind(b, (struct sockaddr *)&sb, sizeof(sb)) == 0);
	CHECK(getsockname(b, (struct sockaddr *)&sb, &len) == 0);
	len = sizeof(sa);
	CHECK(getsockname(a, (struct sockaddr *)&sa, &len) == 0);
	char buf[16];
	CHECK(recv(b, buf, sizeof(buf), 0) == -1 && errno == EAGAIN);
	CHECK(send(a, "x", 1, 0) == -1 && errno == EDESTADDRREQ);
	CHECK(sendto(a, "0123456789", 10, 0, (struct sockaddr *)&sb, sizeof(sb)) == 10);
	struct pollfd pf = { b, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1);
	/* MSG_PEEK then a short read: the rest of the datagram is gone,
	 * MSG_TRUNC says so (recvmsg) or gives its length (recv). */
	CHECK(recv(b, buf, 4, MSG_PEEK) == 4);
	char small[4];
	struct iovec iov = { small, sizeof(small) };
	struct sockaddr_in from;
	char control[64];
	struct msghdr m = { .msg_name = &from,
			    .msg_namelen = sizeof(from),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = control,
			    .msg_controllen = sizeof(control) };
	CHECK(recvmsg(b, &m, 0) == 4 && (m.msg_flags & MSG_TRUNC) && memcmp(small, "0123", 4) == 0);
	/* No control data comes with a UDP datagram: the length says so. */
	CHECK(m.msg_controllen == 0);
	CHECK(m.msg_namelen == sizeof(from) && from.sin_port == sa.sin_port);
	CHECK(sendto(a, "0123456789", 10, 0, (struct sockaddr *)&sb, sizeof(sb)) == 10);
	CHECK(poll(&pf, 1, 5000) == 1);
	CHECK(recv(b, buf, 2, MSG_TRUNC) == 10);
	/* FIONREAD: the next datagram's size, not all that waits. */
	CHECK(sendto(a, "abc", 3, 0, (struct sockaddr *)&sb, sizeof(sb)) == 3);
	CHECK(sendto(a, "defgh", 5, 0, (struct sockaddr *)&sb, sizeof(sb)) == 5);
	usleep(50000);
	int avail = -1;
	CHECK(ioctl(b, FIONREAD, &avail) == 0 && avail == 3);
	CHECK(recv(b, buf, sizeof(buf), 0) == 3 && memcmp(buf, "abc", 3) == 0);
	CHECK(ioctl(b, FIONREAD, &avail) == 0 && avail == 5);
	CHECK(recv(b, buf, sizeof(buf), 0) == 5);
	CHECK(ioctl(b, FIONREAD, &avail) == 0 && avail == 0);
	/* Several datagrams a call, each with its address. */
	struct iovec mv[2] = { { "one", 3 }, { "three", 5 } };
	struct mmsghdr mo[2] = {
		{ .msg_hdr = { .msg_name = &sb, .msg_namelen = sizeof(sb), .msg_iov = &mv[0], .msg_iovlen = 1 } },
		{ .msg_hdr = { .msg_name = &sb, .msg_namelen = sizeof(sb), .msg_iov = &mv[1], .msg_iovlen = 1 } }
	};
	CHECK(sendmmsg(a, mo, 2, 0) == 2 && mo[0].msg_len == 3 && mo[1].msg_len == 5);
	char mb[2][8];
	struct sockaddr_in mfrom[2];
	struct iovec mi[2] = { { mb[0], 8 }, { mb[1], 8 } };
	struct mmsghdr mr[2] = { { .msg_hdr = { .msg_name = &mfrom[0],
						.msg_namelen = sizeof(mfrom[0]),
						.msg_iov = &mi[0],
						.msg_iovlen = 1 } },
				 { .msg_hdr = { .msg_name = &mfrom[1],
						.msg_namelen = sizeof(mfrom[1]),
						.msg_iov = &mi[1],
						.msg_iovlen = 1 } } };
	CHECK(poll(&pf, 1, 5000) == 1);
	usleep(50000);
	CHECK(recvmmsg(b, mr, 2, MSG_DONTWAIT, NULL) == 2 && mr[0].msg_len == 3 && mr[1].msg_len == 5);
	CHECK(memcmp(mb[1], "three", 5) == 0 && mfrom[1].sin_port == sa.sin_port &&
	      mr[1].msg_hdr.msg_namelen == sizeof(mfrom[1]));
	/* Two buffers, one datagram. */
	struct iovec two[2] = { { "ab", 2 }, { "cd", 2 } };
	struct msghdr out = { .msg_name = &sb, .msg_namelen = sizeof(sb), .msg_iov = two, .msg_iovlen = 2 };
	CHECK(sendmsg(a, &out, 0) == 4);
	CHECK(poll(&pf, 1, 5000) == 1);
	CHECK(recv(b, buf, sizeof(buf), 0) == 4 && memcmp(buf, "abcd", 4) == 0);
	/* writev and readv move one datagram. */
	struct iovec wv[3] = { { "xy", 2 }, { "", 0 }, { "z", 1 } };
	CHECK(connect(a, (struct sockaddr *)&sb, sizeof(sb)) == 0);
	CHECK(writev(a, wv, 3) == 3);
	CHECK(poll(&pf, 1, 5000) == 1);
	char r1[2], r2[8];
	struct iovec rv[2] = { { r1, 2 }, { r2, sizeof(r2) } };
	CHECK(readv(b, rv, 2) == 3 && memcmp(r1, "xy", 2) == 0 && r2[0] == 'z');
	/* A connected datagram socket sends without an address. */
	CHECK(connect(a, (struct sockaddr *)&sb, sizeof(sb)) == 0);
	CHECK(send(a, "y", 1, 0) == 1);
	CHECK(poll(&pf, 1, 5000) == 1 && recv(b, buf, sizeof(buf), 0) == 1);
	close(a);
	close(b);
}

static void dual_stack(void)
{
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0) {
		printf("mtest: no IPv6 sockets (errno %d)\n", errno);
		failures++;
		return;
	}
	int zero = 0;
	CHECK(setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = in6addr_any };
	socklen_t len = sizeof(a);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(s, 4) == 0);
	CHECK(getsockname(s, (struct sockaddr *)&a, &len) == 0 && len == sizeof(a));
	CHECK(setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) == -1 && errno == EINVAL);
	/* An IPv4 client reaches it; the server sees it v4-mapped. */
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = loopback4(ntohs(a.sin6_port));
	CHECK(connect(c, (struct sockaddr *)&to, sizeof(to)) == 0);
	struct sockaddr_in6 peer;
	len = sizeof(peer);
	int fd = accept(s, (struct sockaddr *)&peer, &len);
	CHECK(fd >= 0 && peer.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&peer.sin6_addr));
	close(fd);
	close(c);
	close(s);
}

static void epoll_mixed(void)
{
	int port, client, p[2];
	int lfd = listener(&port);
	int server = connected_pair(lfd, port, &client);
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 }, out[4];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, server, &ev) == 0);
	ev.data.u32 = 2;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(client, "s", 1) == 1);
	CHECK(write(p[1], "p", 1) == 1);
	int seen = 0;
	for (int i = 0; i < 50 && seen != 3; i++) {
		int n = epoll_wait(ep, out, 4, 100);
		for (int j = 0; j < n; j++)
			seen |= (int)out[j].data.u32;
	}
	CHECK(seen == 3);
	/* Edge-triggered: nothing new until more arrives. */
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(client, "t", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 5000) == 1 && out[0].data.u32 == 1);
	/* One-shot: once, then MOD re-arms. */
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.u32 = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, server, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, server, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	/* select sees the socket and the pipe in one call. */
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(server, &rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { 1, 0 };
	CHECK(select((server > p[0] ? server : p[0]) + 1, &rd, NULL, NULL, &tv) == 2);
	close(ep);
	close(p[0]);
	close(p[1]);
	close(client);
	close(server);
	close(lfd);
}

struct reader {
	int fd;
	char got[4];
	ssize_t n;
};

static void *read_four(void *arg)
{
	struct reader *r = arg;
	r->n = recv(r->fd, r->got, sizeof(r->got), MSG_WAITALL);
	return NULL;
}

/* Two threads receive on one socket at once: each gets a whole request
 * of its own, nothing lost or duplicated. */
static void two_readers(void)
{
	int port, client;
	int lfd = listener(&port);
	int server = connected_pair(lfd, port, &client);
	struct reader r[2] = { { .fd = server }, { .fd = server } };
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, read_four, &r[i]) == 0);
	usleep(50000);
	CHECK(write(client, "aa", 2) == 2);
	usleep(20000);
	CHECK(write(client, "aabb", 4) == 4);
	usleep(20000);
	CHECK(write(client, "bb", 2) == 2);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(r[0].n == 4 && r[1].n == 4);
	CHECK((memcmp(r[0].got, "aaaa", 4) == 0 && memcmp(r[1].got, "bbbb", 4) == 0) ||
	      (memcmp(r[0].got, "bbbb", 4) == 0 && memcmp(r[1].got, "aaaa", 4) == 0));
	close(client);
	close(server);
	close(lfd);
}

/* A full send buffer: EAGAIN, then EPOLLOUT once the peer reads. */
static void flow_control(void)
{
	int port, client;
	int lfd = listener(&port);
	int server = connected_pair(lfd, port, &client);
	CHECK(fcntl(client, F_SETFL, O_NONBLOCK) == 0);
	static char chunk[65536];
	long sent = 0;
	ssize_t n;
	while ((n = send(client, chunk, sizeof(chunk), 0)) > 0 && sent < (64l << 20))
		sent += n;
	CHECK(n == -1 && errno == EAGAIN);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET }, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev) == 0);
	CHECK(epoll_wait(ep, &out, 1, 0) == 0);
	long got = 0;
	while (got < sent) {
		ssize_t r = read(server, chunk, sizeof(chunk));
		if (r <= 0)
			break;
		got += r;
		if (got >= sent / 2)
			break;
	}
	CHECK(epoll_wait(ep, &out, 1, 5000) == 1 && (out.events & EPOLLOUT));
	printf("mtest: %ld bytes in flight filled the buffers\n", sent);
	close(ep);
	close(client);
	close(server);
	close(lfd);
}

/* Closing with data unread resets the connection: the peer's next
 * receive answers ECONNRESET, a send after it EPIPE. */
static void reset_by_peer(void)
{
	int port, client;
	int lfd = listener(&port);
	int server = connected_pair(lfd, port, &client);
	CHECK(write(client, "unread", 6) == 6);
	struct pollfd pf = { server, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1);
	close(server);
	pf = (struct pollfd){ client, POLLIN, 0 };
	CHECK(poll(&pf, 1, 5000) == 1 && (pf.revents & (POLLERR | POLLHUP)));
	char buf[8];
	CHECK(recv(client, buf, sizeof(buf), 0) == -1 && errno == ECONNRESET);
	CHECK(send(client, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
	close(client);
	close(lfd);
}

int test_sockets(void)
{
	options();
	tcp_info_and_congestion();
	inherited_options();
	stream_basics();
	nonblocking_connect();
	datagrams();
	dual_stack();
	unknown_scope_ids();
	epoll_mixed();
	two_readers();
	flow_control();
	reset_by_peer();
	printf("mtest: sockets done, %d failures\n", failures);
	return failures ? 1 : 0;
}

int test_resolve(int argc, char **argv)
{
	if (argc < 1)
		return 2;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	int r = getaddrinfo(argv[0], NULL, &hints, &res);
	if (r != 0) {
		printf("mtest: getaddrinfo(%s): %s\n", argv[0], gai_strerror(r));
		printf("mtest: resolve done, %d failures\n", argc > 1);
		return argc > 1;
	}
	int found = 0, extra = 0;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *addr = ai->ai_family == AF_INET
				       ? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
				       : (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		inet_ntop(ai->ai_family, addr, text, sizeof(text));
		printf("mtest: %s is %s\n", argv[0], text);
		int known = 0;
		for (int i = 1; i < argc; i++)
			known |= strcmp(argv[i], text) == 0;
		if (known)
			found++;
		else
			extra++;
	}
	freeaddrinfo(res);
	int bad = found != argc - 1 || extra;
	printf("mtest: resolve done, %d failures\n", bad);
	return bad;
}
