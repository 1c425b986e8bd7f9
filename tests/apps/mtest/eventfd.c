/*
 * mtest eventfd: eventfd objects through musl, with Linux's answers:
 * the counter and semaphore modes, EAGAIN, the limit at 2^64 - 2, what
 * is refused (short buffers, the largest value, unknown flags), poll and
 * edge-triggered epoll, and a reader blocked in another thread woken by
 * a write. The same checks pass as a program on Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

static void *write_later(void *arg)
{
	struct timespec d = { 0, 20 * 1000 * 1000 };
	nanosleep(&d, NULL);
	uint64_t v = 5;
	if (write(*(int *)arg, &v, sizeof(v)) != sizeof(v))
		return (void *)1;
	return NULL;
}

int test_eventfd(void)
{
	uint64_t v = 0;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC && (fcntl(fd, F_GETFL) & O_NONBLOCK));
	CHECK(read(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	CHECK(eventfd_write(fd, 3) == 0 && eventfd_write(fd, 4) == 0);
	CHECK(read(fd, &v, sizeof(v)) == 8 && v == 7);
	CHECK(read(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	/* What is refused: short buffers, the one value that never fits. */
	CHECK(read(fd, &v, 4) == -1 && errno == EINVAL);
	CHECK(write(fd, &v, 7) == -1 && errno == EINVAL);
	v = UINT64_MAX;
	CHECK(write(fd, &v, sizeof(v)) == -1 && errno == EINVAL);
	/* A write of 0 changes nothing: not readable. */
	v = 0;
	CHECK(write(fd, &v, sizeof(v)) == 8);
	struct pollfd p = { fd, POLLIN | POLLOUT, 0 };
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLOUT);
	/* The limit: 2^64 - 2 fits, then nothing more; a read makes room. */
	v = UINT64_MAX - 1;
	CHECK(write(fd, &v, sizeof(v)) == 8);
	CHECK(poll(&p, 1, 0) == 1 && p.revents == POLLIN);
	v = 1;
	CHECK(write(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	CHECK(read(fd, &v, sizeof(v)) == 8 && v == UINT64_MAX - 1);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == 0);
	close(fd);

	/* A semaphore: 1 at a time. */
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK(read(fd, &v, sizeof(v)) == 8 && v == 1);
	CHECK(read(fd, &v, sizeof(v)) == 8 && v == 1);
	CHECK(read(fd, &v, sizeof(v)) == -1 && errno == EAGAIN);
	close(fd);
	CHECK(eventfd(0, 0x40) == -1 && errno == EINVAL);

	/* Edge-triggered epoll: one event per write; a blocking reader in
	 * this thread woken by a write from another. */
	fd = eventfd(0, 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = fd }, out[2];
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK(eventfd_write(fd, 1) == 0);
	CHECK(epoll_wait(ep, out, 2, 0) == 1 && out[0].data.fd == fd && out[0].events == EPOLLIN);
	CHECK(epoll_wait(ep, out, 2, 0) == 0);
	CHECK(eventfd_write(fd, 1) == 0);
	CHECK(epoll_wait(ep, out, 2, 0) == 1);
	eventfd_t got = 0;
	CHECK(eventfd_read(fd, &got) == 0 && got == 2);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, write_later, &fd) == 0);
	CHECK(eventfd_read(fd, &got) == 0 && got == 5);
	void *res;
	CHECK(pthread_join(th, &res) == 0 && res == NULL);
	close(ep);
	close(fd);
	printf("mtest: eventfd done, %d failures\n", failures);
	return failures != 0;
}
