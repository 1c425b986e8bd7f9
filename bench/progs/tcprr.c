/*
 * TCP round trips against an echo server (apps/echo): connects,
 * then sends COUNT messages of SIZE bytes one after another, each once
 * the previous one has come back whole, and prints the round trip's
 * median, mean and 99th percentile. Runs on the host (bench/net.sh).
 *
 *   tcprr ADDRESS PORT COUNT SIZE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: tcprr ADDRESS PORT COUNT SIZE\n");
		return 2;
	}
	int count = atoi(argv[3]);
	size_t size = (size_t)atol(argv[4]);
	if (count < 1 || size < 1 || size > 65536) {
		fprintf(stderr, "tcprr: COUNT at least 1, SIZE 1..65536\n");
		return 2;
	}
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "tcprr: bad address %s\n", argv[1]);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("tcprr: connect");
		return 1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	char *out = malloc(size), *in = malloc(size);
	double *rtt = malloc(sizeof(double) * (size_t)count);
	if (!out || !in || !rtt)
		return 1;
	for (size_t i = 0; i < size; i++)
		out[i] = (char)('a' + i % 26);
	for (int i = 0; i < count; i++) {
		double t0 = now_us();
		if (write(fd, out, size) != (ssize_t)size) {
			perror("tcprr: write");
			return 1;
		}
		size_t got = 0;
		while (got < size) {
			ssize_t n = read(fd, in + got, size - got);
			if (n <= 0) {
				fprintf(stderr, "tcprr: the connection ended after %d round trips\n", i);
				return 1;
			}
			got += (size_t)n;
		}
		rtt[i] = now_us() - t0;
		if (memcmp(in, out, size) != 0) {
			fprintf(stderr, "tcprr: round trip %d came back different\n", i);
			return 1;
		}
	}
	double sum = 0;
	for (int i = 0; i < count; i++)
		sum += rtt[i];
	qsort(rtt, (size_t)count, sizeof(double), cmp);
	printf("tcprr: %d round trips of %zu bytes: median %.1f us, mean %.1f us, p99 %.1f us\n", count, size,
	       rtt[count / 2], sum / count, rtt[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1]);
	close(fd);
	return 0;
}
