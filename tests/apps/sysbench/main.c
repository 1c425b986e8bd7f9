/*
 * System-call and thread costs, measured inside the guest with the
 * monotonic clock, printed as "bench: NAME VALUE UNIT". The same source
 * runs as a Keel application and, built for Linux with musl, in the Linux
 * guest and on the host, so the three are compared in one run.
 *
 *   getpid     one system call's round trip (musl's getpid is the bare call)
 *   clock      musl's clock_gettime(CLOCK_MONOTONIC): through the vDSO where
 *              there is one (Linux's, Keel's)
 *   switch     one hand-off between two threads blocked on futexes
 *   wake       from a futex wake to the woken thread running
 *   pipe       a byte's round trip between two threads through two pipes
 *   unix       the same through an AF_UNIX stream pair
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The futex operations (Linux's uapi values; musl has no <linux/futex.h>). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static long futex(atomic_int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Ping-pong: each side waits for its turn on a futex and hands it over. */
static atomic_int turn;
static int rounds;

static void wait_turn(int me)
{
	while (atomic_load(&turn) != me)
		futex(&turn, FUTEX_WAIT, !me);
}

static void give_turn(int to)
{
	atomic_store(&turn, to);
	futex(&turn, FUTEX_WAKE, 1);
}

static void *partner(void *arg)
{
	(void)arg;
	for (int i = 0; i < rounds; i++) {
		wait_turn(1);
		give_turn(0);
	}
	return NULL;
}

/* Wake latency: the waker stamps the time, the woken thread reads it. */
static atomic_llong stamp;
static atomic_int flag;
static long long wake_total;

static void *sleeper(void *arg)
{
	(void)arg;
	for (int i = 0; i < rounds; i++) {
		while (atomic_load(&flag) == 0)
			futex(&flag, FUTEX_WAIT, 0);
		wake_total += now_ns() - atomic_load(&stamp);
		atomic_store(&flag, 0);
		futex(&flag, FUTEX_WAKE, 1);
	}
	return NULL;
}

/* Echo: one byte back for each byte until the other end closes. */
struct echo_ends {
	int in, out;
};

static void *echo_back(void *arg)
{
	struct echo_ends *e = arg;
	char c;
	while (read(e->in, &c, 1) == 1)
		if (write(e->out, &c, 1) != 1)
			break;
	return NULL;
}

/* A byte's round trip from this thread to an echoing one and back, in
 * ns; to is where this thread writes, from where it reads, e the echo's
 * ends. Negative when a thread cannot start. */
static double round_trip(int to, int from, struct echo_ends *e, void (*close_to)(void))
{
	pthread_t th;
	if (pthread_create(&th, NULL, echo_back, e))
		return -1;
	char c = 'x';
	long long t0 = now_ns();
	for (int i = 0; i < rounds; i++)
		if (write(to, &c, 1) != 1 || read(from, &c, 1) != 1)
			break;
	long long t1 = now_ns();
	close_to();
	pthread_join(th, NULL);
	return (double)(t1 - t0) / rounds;
}

static int pipes[2][2], pair[2];
static void close_pipe(void) { close(pipes[0][1]); }
static void close_pair(void) { shutdown(pair[0], SHUT_WR); }

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	rounds = argc > 2 ? atoi(argv[2]) : 20000;

	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	long long t1 = now_ns();
	printf("bench: getpid %.1f ns\n", (double)(t1 - t0) / n);

	struct timespec ts;
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = now_ns();
	printf("bench: clock %.1f ns\n", (double)(t1 - t0) / n);

	pthread_t th;
	atomic_store(&turn, 0);
	int err = pthread_create(&th, NULL, partner, NULL);
	if (err) {
		printf("bench: no threads (pthread_create: %s)\n", strerror(err));
		return 1;
	}
	t0 = now_ns();
	for (int i = 0; i < rounds; i++) {
		give_turn(1);
		wait_turn(0);
	}
	t1 = now_ns();
	pthread_join(th, NULL);
	printf("bench: switch %.1f ns\n", (double)(t1 - t0) / (2.0 * rounds));

	err = pthread_create(&th, NULL, sleeper, NULL);
	if (err) {
		printf("bench: no second thread (pthread_create: %s)\n", strerror(err));
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		/* Let the sleeper block first, so each wake is a real one. */
		for (int spin = 0; spin < 100; spin++)
			sched_yield();
		atomic_store(&stamp, now_ns());
		atomic_store(&flag, 1);
		futex(&flag, FUTEX_WAKE, 1);
		while (atomic_load(&flag) != 0)
			futex(&flag, FUTEX_WAIT, 1);
	}
	pthread_join(th, NULL);
	printf("bench: wake %.1f ns\n", (double)wake_total / rounds);

	if (pipe(pipes[0]) || pipe(pipes[1])) {
		printf("bench: no pipes\n");
		return 1;
	}
	struct echo_ends pe = { pipes[0][0], pipes[1][1] };
	printf("bench: pipe %.1f ns\n", round_trip(pipes[0][1], pipes[1][0], &pe, close_pipe));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair)) {
		printf("bench: no AF_UNIX pair\n");
		return 1;
	}
	struct echo_ends ue = { pair[1], pair[1] };
	printf("bench: unix %.1f ns\n", round_trip(pair[0], pair[0], &ue, close_pair));
	return 0;
}
