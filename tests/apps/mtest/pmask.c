/*
 * The signal masks of ppoll, pselect6 and epoll_pwait: in force for the
 * wait only, as Linux. A signal the mask unblocks ends the wait with
 * EINTR and its handler runs; one the mask blocks waits until the call
 * returns and the old mask is back, then its handler runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"
#include "pmask.h"

static int failures;

static volatile int handled;
static volatile int usr1_blocked_in_handler;
static pid_t waiter;

static void on_usr1(int sig)
{
	(void)sig;
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	usr1_blocked_in_handler = sigismember(&now, SIGUSR1);
	handled++;
}

static void *send_later(void *arg)
{
	(void)arg;
	struct timespec d = { 0, 30 * 1000 * 1000 };
	nanosleep(&d, NULL);
	syscall(SYS_tgkill, getpid(), waiter, SIGUSR1);
	return NULL;
}

static bool usr1_blocked(void)
{
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	return sigismember(&now, SIGUSR1);
}

enum call { PPOLL, PSELECT, EPOLL_PWAIT };
static const char *const names[] = { "ppoll", "pselect6", "epoll_pwait" };

/* One wait of 'call' on a pipe that never becomes ready, for at most
 * ms, with mask in force. */
static int wait_with(enum call call, int fd, int ep, const sigset_t *mask, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	if (call == PPOLL) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		return ppoll(&p, 1, &ts, mask);
	}
	if (call == PSELECT) {
		fd_set set;
		FD_ZERO(&set);
		FD_SET(fd, &set);
		return pselect(fd + 1, &set, NULL, NULL, &ts, mask);
	}
	struct epoll_event ev;
	return epoll_pwait(ep, &ev, 1, ms, mask);
}

static void one_call(enum call call, int fd, int ep)
{
	sigset_t usr1, empty;
	sigemptyset(&empty);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);

	/* Blocked outside, unblocked by the mask: the signal ends the wait,
	 * the handler runs, the old mask is back. */
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	handled = 0;
	pthread_t t;
	pthread_create(&t, NULL, send_later, NULL);
	errno = 0;
	int r = wait_with(call, fd, ep, &empty, 5000);
	int e = errno;
	pthread_join(t, NULL);
	CHECK(r == -1 && e == EINTR && handled == 1 && usr1_blocked_in_handler);
	CHECK(usr1_blocked());

	/* Pending before the call: at once. */
	raise(SIGUSR1);
	handled = 0;
	errno = 0;
	r = wait_with(call, fd, ep, &empty, 5000);
	CHECK(r == -1 && errno == EINTR && handled == 1 && usr1_blocked());
	printf("mtest: %s: a signal its mask unblocks: EINTR, handled %d, blocked again after: %s\n", names[call],
	       handled, usr1_blocked() ? "yes" : "no");

	/* Unblocked outside, blocked by the mask: the wait runs its time,
	 * then the signal is delivered on the way out. */
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	handled = 0;
	pthread_create(&t, NULL, send_later, NULL);
	r = wait_with(call, fd, ep, &usr1, 150);
	int after = handled;
	pthread_join(t, NULL);
	CHECK(r == 0 && after == 1 && !usr1_blocked());
	printf("mtest: %s: a signal its mask blocks: timed out, handled %d after the call\n", names[call], after);
}

int test_pmask(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	waiter = (pid_t)syscall(SYS_gettid);
	int p[2];
	CHECK(pipe(p) == 0);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	for (enum call c = PPOLL; c <= EPOLL_PWAIT; c++)
		one_call(c, p[0], ep);
	printf("mtest: pmask done, %d failures\n", failures);
	return failures != 0;
}
