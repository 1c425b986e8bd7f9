/*
 * A TCP echo server: each connection's bytes are sent back as they come,
 * one connection at a time, until the peer closes it. The round trip of a
 * small message through it is the network stack's latency with nothing
 * of an application's own in it (bench/net.sh). The same source runs as a
 * Keel application and, built for Linux with musl, in the Linux guest.
 *
 *   tcpecho [PORT [CONNECTIONS]]   default port 7; serves forever, or
 *                                  CONNECTIONS connections and exits 0
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sends all of buf; false when the connection is gone. */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		buf += n;
		len -= (size_t)n;
	}
	return 1;
}

static void serve(int fd)
{
	static char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || !send_all(fd, buf, (size_t)n))
			return;
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7;
	long connections = argc > 2 ? atol(argv[2]) : -1;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0) {
		perror("tcpecho: socket");
		return 1;
	}
	int one = 1;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 16) < 0) {
		perror("tcpecho: bind/listen");
		return 1;
	}
	printf("tcpecho: listening on port %d\n", port);
	fflush(stdout);
	for (long served = 0; connections < 0 || served < connections; served++) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("tcpecho: accept");
			return 1;
		}
		/* Each message goes back at once, not held for a fuller segment. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		serve(fd);
		close(fd);
	}
	close(ls);
	return 0;
}
