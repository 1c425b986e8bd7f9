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
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	return 0;
}
