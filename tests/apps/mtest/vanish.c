/*
 * Buffers taken away during a blocking call: a second thread makes the
 * page of the call's output read-only while the call waits, then ends
 * the wait. The kernel checked the buffer before the wait; it must check
 * again before it writes, and answer EFAULT as Linux, not fault itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"
#include "vanish.h"

static int failures;

enum ending { WRITE_PIPE, SIGNAL_WAITER, NOTHING };

static struct {
	char *page;
	int pipe_wr;
	pid_t waiter;
	int sig;
	enum ending ending;
} job;

static void *take_away(void *arg)
{
	(void)arg;
	struct timespec d = { 0, 30 * 1000 * 1000 };
	nanosleep(&d, NULL);
	if (mprotect(job.page, 4096, PROT_READ) != 0)
		printf("mtest: FAILED mprotect in the helper\n");
	if (job.ending == WRITE_PIPE)
		(void)!write(job.pipe_wr, "x", 1);
	else if (job.ending == SIGNAL_WAITER)
		syscall(SYS_tgkill, getpid(), job.waiter, job.sig);
	return NULL;
}

static pthread_t start(enum ending e, int sig)
{
	mprotect(job.page, 4096, PROT_READ | PROT_WRITE);
	job.ending = e;
	job.sig = sig;
	job.waiter = (pid_t)syscall(SYS_gettid);
	pthread_t t;
	pthread_create(&t, NULL, take_away, NULL);
	return t;
}

static void finish(pthread_t t, int fd)
{
	pthread_join(t, NULL);
	char c;
	if (fd >= 0)
		(void)!read(fd, &c, 1); /* drain what the helper wrote */
}

static void on_usr1(int sig) { (void)sig; }

int test_vanish(void)
{
	job.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int p[2];
	CHECK(job.page != MAP_FAILED && pipe(p) == 0);
	job.pipe_wr = p[1];

	pthread_t t = start(WRITE_PIPE, 0);
	errno = 0;
	CHECK(read(p[0], job.page, 16) == -1 && errno == EFAULT);
	finish(t, p[0]);
	printf("mtest: pipe read: errno %d\n", errno);

	t = start(WRITE_PIPE, 0);
	struct pollfd *pfd = (struct pollfd *)job.page;
	pfd->fd = p[0], pfd->events = POLLIN, pfd->revents = 0;
	errno = 0;
	CHECK(poll(pfd, 1, 5000) == -1 && errno == EFAULT);
	finish(t, p[0]);
	printf("mtest: poll: errno %d\n", errno);

	t = start(WRITE_PIPE, 0);
	fd_set *set = (fd_set *)job.page;
	FD_ZERO(set);
	FD_SET(p[0], set);
	errno = 0;
	CHECK(select(p[0] + 1, set, NULL, NULL, NULL) == -1 && errno == EFAULT);
	finish(t, p[0]);
	printf("mtest: select: errno %d\n", errno);

	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] };
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	t = start(WRITE_PIPE, 0);
	errno = 0;
	CHECK(epoll_wait(ep, (struct epoll_event *)job.page, 4, 5000) == -1 && errno == EFAULT);
	finish(t, p[0]);
	printf("mtest: epoll_wait: errno %d\n", errno);
	close(ep);

	/* nanosleep's rem, written when a signal (with a handler) ends it. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	t = start(SIGNAL_WAITER, SIGUSR1);
	struct timespec req = { 5, 0 };
	errno = 0;
	CHECK(syscall(SYS_nanosleep, &req, (struct timespec *)job.page) == -1 && errno == EFAULT);
	finish(t, -1);
	printf("mtest: nanosleep rem: errno %d\n", errno);

	/* rt_sigtimedwait's info, for a signal it waits for. */
	sigset_t w;
	sigemptyset(&w);
	sigaddset(&w, SIGUSR2);
	sigprocmask(SIG_BLOCK, &w, NULL);
	t = start(SIGNAL_WAITER, SIGUSR2);
	struct timespec limit = { 5, 0 };
	errno = 0;
	CHECK(sigtimedwait(&w, (siginfo_t *)job.page, &limit) == -1 && errno == EFAULT);
	finish(t, -1);
	printf("mtest: sigtimedwait info: errno %d\n", errno);

	printf("mtest: vanish done, %d failures\n", failures);
	return failures != 0;
}

/* The console: the line typed on the host (tests/boot/t-musl-vanish-tty.sh)
 * arrives after the buffer went; it stays for the next read. */
int test_vanish_tty(void)
{
	job.page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(job.page != MAP_FAILED);
	pthread_t t = start(NOTHING, 0);
	printf("mtest: reading the console\n");
	fflush(stdout);
	errno = 0;
	CHECK(read(0, job.page, 16) == -1 && errno == EFAULT);
	printf("mtest: console read: errno %d\n", errno);
	finish(t, -1);
	char line[32] = { 0 };
	ssize_t n = read(0, line, sizeof(line) - 1);
	CHECK(n > 0);
	printf("mtest: then read [%.*s]\n", n > 0 ? (int)strcspn(line, "\n") : 0, line);
	printf("mtest: vanish-tty done, %d failures\n", failures);
	return failures != 0;
}
