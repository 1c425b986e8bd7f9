/*
 * mtest udpflood ADDRESS PORT COUNT: datagrams sent through a network
 * device faster than it takes them, as a UDP load generator does. A
 * Linux sender waits for its send buffer, and a non-blocking one gets
 * EAGAIN and then EPOLLOUT; neither sees an error. COUNT datagrams of
 * 1400 bytes go out blocking, then at least COUNT more non-blocking,
 * each EAGAIN waited out with epoll, edge-triggered (so the socket must
 * be reported writable again, not merely stay so). Datagram i holds i
 * (8 bytes, little-endian), then bytes (i + k) & 0xff for k from 8 on:
 * a receiver can tell a datagram that went out altered
 * (tests/boot/t-udp-flood.sh).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

#define DATAGRAM 1400

static void fill(char *buf, long i)
{
	memcpy(buf, &i, sizeof(i));
	for (int k = sizeof(i); k < DATAGRAM; k++)
		buf[k] = (char)((i + k) & 0xff);
}

int test_udpflood(int argc, char **argv)
{
	if (argc != 3) {
		printf("mtest: usage: udpflood ADDRESS PORT COUNT\n");
		return 2;
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1])) };
	CHECK(inet_pton(AF_INET, argv[0], &to.sin_addr) == 1);
	long count = atol(argv[2]);
	static char buf[DATAGRAM];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);

	long sent = 0;
	for (long i = 0; i < count && failures == 0; i++) {
		fill(buf, i);
		ssize_t n = sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to));
		CHECK(n == DATAGRAM);
		sent += n == DATAGRAM;
	}
	printf("mtest: udpflood: %ld of %ld blocking datagrams sent\n", sent, count);

	CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET }, out;
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	/* On until an EAGAIN was waited out too (the device fell behind),
	 * within twenty times as many. */
	long nb_sent = 0, again = 0;
	for (long i = 0; (i < count || again == 0) && i < 20 * count && failures == 0;) {
		fill(buf, count + i);
		ssize_t n = sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&to, sizeof(to));
		if (n == -1 && errno == EAGAIN) {
			again++;
			CHECK(epoll_wait(ep, &out, 1, 5000) == 1 && (out.events & EPOLLOUT));
			continue;
		}
		CHECK(n == DATAGRAM);
		nb_sent += n == DATAGRAM;
		i++;
	}
	printf("mtest: udpflood: %ld non-blocking datagrams sent, %ld EAGAIN waited out\n", nb_sent, again);
	CHECK(nb_sent >= count && again > 0);
	close(ep);
	close(fd);
	printf("mtest: udpflood done, %d failures\n", failures);
	return failures != 0;
}
