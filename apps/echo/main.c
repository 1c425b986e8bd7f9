/*
 * echo: TCP and UDP echo servers (RFC 862) on one port, as an ordinary
 * Linux program would write them: non-blocking sockets and one epoll
 * loop, level-triggered. A connection reads into its buffer only when
 * the buffer is empty, so a client that does not read stops being read
 * (TCP's flow control carries the back-pressure to it).
 *
 *   echo [-4] PORT
 *
 * Listens on the IPv6 wildcard, dual-stack (IPv4 peers arrive
 * v4-mapped), or on IPv4 alone with -4. Prints "echo: ready" once both
 * sockets listen, and a line per connection closed with its byte count.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536
#define MAX_EVENTS 64

struct conn {
	int fd;
	size_t len, off; /* buf[off..len) waits to go back */
	unsigned long long total;
	char buf[BUF_SIZE];
};

static int ep;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int open_socket(int family, int type, int port)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	int r;
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any };
		r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port),
					 .sin_addr.s_addr = INADDR_ANY };
		r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	if (r < 0 || (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void watch(int op, int fd, unsigned events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };
	if (epoll_ctl(ep, op, fd, &ev) < 0)
		die("epoll_ctl");
}

static void drop(struct conn *c)
{
	printf("echo: connection closed after %llu bytes\n", c->total);
	close(c->fd); /* leaves the epoll set with its last reference */
	free(c);
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED)
				perror("accept4");
			if (errno == ECONNABORTED)
				continue;
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		watch(EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLRDHUP, c);
	}
}

/* Sends what the buffer holds; true while the connection lives. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		c->off += (size_t)n;
	}
	c->off = c->len = 0;
	return 1;
}

static void serve(struct conn *c, unsigned events)
{
	if (c->off < c->len && !flush(c)) {
		drop(c);
		return;
	}
	if (c->off == c->len && (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))) {
		ssize_t n = recv(c->fd, c->buf, BUF_SIZE, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			drop(c);
			return;
		}
		if (n > 0) {
			c->len = (size_t)n;
			c->off = 0;
			c->total += (unsigned long long)n;
			if (!flush(c)) {
				drop(c);
				return;
			}
		}
	}
	/* Wait for room while data waits to go back, else for data. */
	watch(EPOLL_CTL_MOD, c->fd, c->off < c->len ? EPOLLOUT : EPOLLIN | EPOLLRDHUP, c);
}

static void serve_udp(int fd)
{
	static char buf[BUF_SIZE];
	for (;;) {
		struct sockaddr_in6 from;
		socklen_t len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0) {
			if (errno != EAGAIN)
				perror("recvfrom");
			return;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len) < 0)
			perror("sendto");
	}
}

int main(int argc, char **argv)
{
	int family = AF_INET6;
	if (argc > 1 && strcmp(argv[1], "-4") == 0) {
		family = AF_INET;
		argc--;
		argv++;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: echo [-4] PORT\n");
		return 2;
	}
	int port = atoi(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	int tcp = open_socket(family, SOCK_STREAM, port);
	if (tcp < 0 && family == AF_INET6) {
		family = AF_INET;
		tcp = open_socket(family, SOCK_STREAM, port);
	}
	int udp = open_socket(family, SOCK_DGRAM, port);
	if (tcp < 0 || udp < 0)
		die("socket");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	static int tcp_tag, udp_tag;
	watch(EPOLL_CTL_ADD, tcp, EPOLLIN, &tcp_tag);
	watch(EPOLL_CTL_ADD, udp, EPOLLIN, &udp_tag);
	printf("echo: ready on port %d (%s)\n", port, family == AF_INET6 ? "IPv6 and IPv4" : "IPv4");
	for (;;) {
		struct epoll_event evs[MAX_EVENTS];
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &tcp_tag)
				accept_all(tcp);
			else if (evs[i].data.ptr == &udp_tag)
				serve_udp(udp);
			else
				serve(evs[i].data.ptr, evs[i].events);
		}
	}
}
