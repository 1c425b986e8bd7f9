/*
 * unixonly: the AF_UNIX checks of mtest (the same source, included) in
 * an image without the network stack, and the families that are not
 * there answering EAFNOSUPPORT, as Linux's for a family it was built
 * without.
 */
/* First: it sets _GNU_SOURCE for every header. */
#include "../mtest/unix.c"

#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>

int main(void)
{
	int r = test_unix();
	int bad = 0;
	if (!(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT))
		bad++;
	if (!(socket(AF_INET6, SOCK_DGRAM, 0) == -1 && errno == EAFNOSUPPORT))
		bad++;
	if (!(socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT))
		bad++;
	printf("unixonly: %d other families not refused\n", bad);
	return r || bad;
}
