/*
 * sockecho: the host side of the virtio-console echo test. Connects to a
 * QEMU chardev socket (waiting for it to appear), sends BYTES of
 * pseudo-random data while reading what comes back, and checks that the
 * echo is exactly what was sent.
 *
 *   sockecho SOCKET BYTES [SEED]
 *
 * Exits 0 when the echo matched, 1 otherwise; prints what it saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sockecho SOCKET BYTES [SEED]\n");
		return 2;
	}
	size_t total = strtoul(argv[2], NULL, 0);
	uint32_t seed = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 12345;
	uint8_t *out = malloc(total), *in = malloc(total);
	if (!out || !in)
		return 2;
	for (size_t i = 0; i < total; i++) {
		seed = seed * 1103515245u + 12345u;
		out[i] = (uint8_t)(seed >> 16);
	}

	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	int fd = -1;
	double start = now();
	while (now() - start < 30) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(20000);
	}
	if (fd < 0) {
		fprintf(stderr, "sockecho: cannot connect to %s\n", argv[1]);
		return 1;
	}

	size_t sent = 0, got = 0;
	double t0 = now(), deadline = t0 + 60;
	while (got < total && now() < deadline) {
		struct pollfd p = { fd, POLLIN | (sent < total ? POLLOUT : 0), 0 };
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		if ((p.revents & POLLOUT) && sent < total) {
			ssize_t n = write(fd, out + sent, total - sent < 4096 ? total - sent : 4096);
			if (n > 0)
				sent += (size_t)n;
		}
		if (p.revents & POLLIN) {
			ssize_t n = read(fd, in + got, total - got);
			if (n == 0)
				break;
			if (n > 0)
				got += (size_t)n;
		}
		if (p.revents & (POLLERR | POLLHUP))
			break;
	}
	double secs = now() - t0;
	printf("sockecho: sent %zu, received %zu bytes in %.3f s\n", sent, got, secs);
	if (got != total) {
		printf("sockecho: FAIL: the echo stopped short\n");
		return 1;
	}
	for (size_t i = 0; i < total; i++) {
		if (in[i] != out[i]) {
			printf("sockecho: FAIL: byte %zu differs (sent %02x, got %02x)\n", i, out[i], in[i]);
			return 1;
		}
	}
	uint32_t sum = 0;
	for (size_t i = 0; i < total; i++)
		sum = sum * 31 + out[i];
	printf("sockecho: the echo matches (checksum %08x)\n", sum);
	close(fd);
	return 0;
}
