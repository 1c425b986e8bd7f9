/*
 * unixonly: the socket calls in an image without the network stack. A
 * stream pair echoes through a thread, a named datagram socket answers
 * its sender, a descriptor passes with SCM_RIGHTS, and the families that
 * are not there answer EAFNOSUPPORT, as Linux's for a family it was
 * built without. The full checks of AF_UNIX are mtest unix's.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			printf("unixonly: FAILED %s (line %d, errno %d)\n", #cond, __LINE__, errno);                   \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static void *echo(void *arg)
{
	int fd = *(int *)arg;
	char buf[64];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			break;
	return NULL;
}

int main(void)
{
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, echo, &sv[1]) == 0);
	char buf[64];
	CHECK(write(sv[0], "through a thread", 16) == 16);
	CHECK(read(sv[0], buf, sizeof(buf)) == 16 && memcmp(buf, "through a thread", 16) == 0);
	CHECK(shutdown(sv[0], SHUT_WR) == 0);
	CHECK(pthread_join(th, NULL) == 0);

	/* A datagram to a name, and the answer to its sender's name. */
	struct sockaddr_un a = { .sun_family = AF_UNIX }, b = { .sun_family = AF_UNIX }, from;
	strcpy(a.sun_path + 1, "unixonly-server");
	strcpy(b.sun_path + 1, "unixonly-client");
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + 15, flen = sizeof(from);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, alen) == 0 && bind(c, (struct sockaddr *)&b, alen) == 0);
	CHECK(sendto(c, "ping", 4, 0, (struct sockaddr *)&a, alen) == 4);
	CHECK(recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) == 4 && flen == alen);
	CHECK(sendto(s, "pong", 4, 0, (struct sockaddr *)&from, flen) == 4);
	CHECK(recv(c, buf, sizeof(buf), 0) == 4 && memcmp(buf, "pong", 4) == 0);

	/* A descriptor over the pair: the other end of it, used through it. */
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl = { 0 };
	struct iovec v = { "F", 1 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = &ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &c, sizeof(int));
	CHECK(sendmsg(sv[1], &m, 0) == 1);
	memset(&ctl, 0, sizeof(ctl));
	v.iov_base = buf;
	CHECK(recvmsg(sv[0], &m, 0) == 1 && (h = CMSG_FIRSTHDR(&m)) != NULL && h->cmsg_type == SCM_RIGHTS);
	int got = -1;
	if (h)
		memcpy(&got, CMSG_DATA(h), sizeof(got));
	CHECK(got >= 0 && got != c && sendto(got, "again", 5, 0, (struct sockaddr *)&a, alen) == 5);
	CHECK(recv(s, buf, sizeof(buf), 0) == 5 && memcmp(buf, "again", 5) == 0);

	CHECK(socket(AF_INET, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
	CHECK(socket(AF_INET6, SOCK_DGRAM, 0) == -1 && errno == EAFNOSUPPORT);
	CHECK(socket(AF_NETLINK, SOCK_RAW, 0) == -1 && errno == EAFNOSUPPORT);
	printf("unixonly: done, %d failures\n", failures);
	return failures != 0;
}
