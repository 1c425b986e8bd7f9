/*
 * mtest six-devices BALLOON_MIB: the six kinds of virtio device one image
 * drives, each used by the application in one boot (t-virtio-six.sh gives
 * the VM one of each):
 *   entropy  keel_getrandom, which answers -ENODEV without a device source;
 *   disk     a file written, synced and read back on the root filesystem;
 *   network  an IPv4 address other than loopback on an interface;
 *   console  a line written to the virtio-console port named keel.six;
 *   balloon  the host's target reached: BALLOON_MIB held for the host.
 * Each is checked in turn and named on failure; the status is the count
 * of failures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <keel.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"

#define SECOND_NS (1000ull * 1000 * 1000)

static int check_entropy(void)
{
	unsigned char buf[256], zero[256] = { 0 };
	long n = keel_getrandom(buf, sizeof(buf));
	if (n != (long)sizeof(buf) || memcmp(buf, zero, sizeof(buf)) == 0) {
		printf("mtest: six: entropy: keel_getrandom gave %ld\n", n);
		return 1;
	}
	printf("mtest: six: entropy ok\n");
	return 0;
}

static int check_disk(void)
{
	static const char text[] = "written by mtest six-devices\n";
	char back[sizeof(text)] = { 0 };
	int fd = open("/six-devices.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1 || fsync(fd) != 0 ||
	    pread(fd, back, sizeof(back) - 1, 0) != (ssize_t)sizeof(text) - 1 || strcmp(back, text) != 0) {
		printf("mtest: six: disk: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	close(fd);
	printf("mtest: six: disk ok\n");
	return 0;
}

/* DHCP may still be under way: up to 30 s. */
static int check_network(void)
{
	for (int tries = 0; tries < 300; tries++) {
		struct ifaddrs *list;
		if (getifaddrs(&list) != 0) {
			printf("mtest: six: network: getifaddrs: %s\n", strerror(errno));
			return 1;
		}
		for (struct ifaddrs *a = list; a; a = a->ifa_next) {
			if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
				continue;
			struct in_addr in = ((struct sockaddr_in *)a->ifa_addr)->sin_addr;
			if (ntohl(in.s_addr) >> 24 == 127)
				continue;
			printf("mtest: six: network ok: %s %s\n", a->ifa_name, inet_ntoa(in));
			freeifaddrs(list);
			return 0;
		}
		freeifaddrs(list);
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	printf("mtest: six: network: no IPv4 address but loopback after 30 s\n");
	return 1;
}

static int check_console(void)
{
	static const char line[] = "mtest: six: on the named port\n";
	keel_port_t *p;
	int err = keel_port_open(&p, "keel.six", 10 * SECOND_NS);
	if (err != 0) {
		printf("mtest: six: console: no port keel.six (%d)\n", err);
		return 1;
	}
	long n = keel_port_write(p, line, sizeof(line) - 1);
	keel_port_close(p);
	if (n != (long)sizeof(line) - 1) {
		printf("mtest: six: console: the port took %ld of %zu bytes\n", n, sizeof(line) - 1);
		return 1;
	}
	printf("mtest: six: console ok\n");
	return 0;
}

/* The host sets the target once it reads the waiting line: up to 2 min. */
static int check_balloon(unsigned long long mib)
{
	printf("mtest: six: waiting for the balloon to hold %llu MiB\n", mib);
	struct keel_meminfo mi;
	for (int tries = 0; tries < 1200; tries++) {
		keel_meminfo(&mi);
		if (mi.balloon_bytes >= mib << 20) {
			printf("mtest: six: balloon ok: %llu MiB held\n", (unsigned long long)(mi.balloon_bytes >> 20));
			return 0;
		}
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
	}
	printf("mtest: six: balloon: %llu MiB held after 2 min\n", (unsigned long long)(mi.balloon_bytes >> 20));
	return 1;
}

int test_six_devices(int argc, char **argv)
{
	if (argc < 3) {
		printf("mtest: six-devices BALLOON_MIB\n");
		return 1;
	}
	int failed = check_entropy() + check_disk() + check_network() + check_console() +
		     check_balloon(strtoull(argv[2], NULL, 0));
	printf("mtest: six: %s\n", failed ? "FAILED" : "all devices ok");
	return failed;
}
