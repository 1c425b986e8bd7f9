/*
 * Boot tests of time and threads: sleeps measured against the TSC,
 * hand-offs through semaphores, timeouts, mutexes and condition
 * variables, a stack overflow into a guard page, and an idle stretch.
 */
#include <errno.h>
#include <keel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"

#define MS 1000000ull

/* Allowed error of a sleep: 2 ms plus 1% (the bound). */
static int within(uint64_t asked, uint64_t got)
{
	uint64_t slack = 2 * MS + asked / 100;
	return got >= asked && got - asked <= slack;
}

/*
 * A timed wait measured up to three times. Early is a failure at once:
 * nothing outside the guest can make a timer fire early. Late may be the
 * host's doing (an emulated CPU is a host thread, and on a busy host it
 * waits for a core for 10 ms or more), so a late wait is measured again,
 * and only a timer late every time fails: a timer that is systematically
 * late still fails, a host that stalled the guest once does not.
 */
typedef int (*timed_fn)(uint64_t ns, uint64_t *got);

static int timed_within(const char *what, uint64_t asked, timed_fn fn)
{
	for (int attempt = 1; attempt <= 3; attempt++) {
		uint64_t got = 0;
		int r = fn(asked, &got);
		int ok = r == 0 && within(asked, got);
		long err_us = (long)(got - asked) / 1000;
		printf("ktest: %s of %lu ms took %lu.%03lu ms, error %ld us: %s\n", what, (unsigned long)(asked / MS),
		       (unsigned long)(got / MS), (unsigned long)(got / 1000 % 1000), err_us,
		       ok				      ? "ok"
		       : r == 0 && got > asked && attempt < 3 ? "late, measured again"
							      : "FAIL");
		if (ok)
			return 0;
		if (r != 0 || got < asked)
			return 1;
	}
	return 1;
}

static int timed_sleep(uint64_t ns, uint64_t *got)
{
	uint64_t t0 = keel_clock_ns();
	keel_sleep_ns(ns);
	*got = keel_clock_ns() - t0;
	return 0;
}

int ktest_sleep(int argc, char **argv)
{
	static const uint64_t asks[] = { 10 * MS, 100 * MS, 1000 * MS };
	int failed = 0;
	/* One sleep first, not timed: the boot's first sleep runs the timer,
	 * interrupt and wake-up paths for the first time, which under an
	 * emulator (TCG) means translating them, milliseconds that are not
	 * the timer's error. */
	keel_sleep_ns(MS);
	for (size_t i = 0; i < sizeof(asks) / sizeof(asks[0]); i++)
		failed |= timed_within("sleep", asks[i], timed_sleep);
	return failed;
}

/* Prints a line, sleeps, prints another: the host times the gap on its
 * own clock, which catches a TSC frequency that is wrong. */
int ktest_sleep_wall(int argc, char **argv)
{
	unsigned long ms = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	printf("ktest: sleep-wall start\n");
	keel_sleep_ns(ms * MS);
	printf("ktest: sleep-wall end\n");
	return 0;
}

struct pingpong {
	keel_sem_t ping, pong;
	unsigned long rounds, seen;
};

static int ponger(void *arg)
{
	struct pingpong *pp = arg;
	for (unsigned long i = 0; i < pp->rounds; i++) {
		keel_sem_wait(&pp->ping);
		pp->seen++;
		keel_sem_post(&pp->pong);
	}
	return 7;
}

int ktest_pingpong(int argc, char **argv)
{
	struct pingpong pp = { KEEL_SEM_INIT(0), KEEL_SEM_INIT(0), 1000, 0 };
	if (argc > 1)
		pp.rounds = strtoul(argv[1], NULL, 0);
	keel_thread_t *t;
	if (keel_thread_create(&t, "ponger", ponger, &pp, 0) != 0)
		return 1;
	uint64_t t0 = keel_clock_ns();
	for (unsigned long i = 0; i < pp.rounds; i++) {
		keel_sem_post(&pp.ping);
		keel_sem_wait(&pp.pong);
		if (pp.seen != i + 1) {
			printf("ktest: round %lu: the other thread saw %lu\n", i, pp.seen);
			return 1;
		}
	}
	uint64_t ns = keel_clock_ns() - t0;
	int status = -1;
	int err = keel_thread_join(t, &status);
	printf("ktest: %lu ping-pong rounds in %lu us (%lu ns per hand-off), join %d, status %d\n", pp.rounds,
	       (unsigned long)(ns / 1000), (unsigned long)(ns / (2 * pp.rounds)), err, status);
	return err != 0 || status != 7;
}

static keel_sem_t never = KEEL_SEM_INIT(0);
static keel_sem_t later = KEEL_SEM_INIT(0);

static int post_later(void *arg)
{
	keel_sleep_ns(20 * MS);
	keel_sem_post(&later);
	return 0;
}

/* Nobody posts: the wait ends by its timeout, which it must report. */
static int timed_sem(uint64_t ns, uint64_t *got)
{
	uint64_t t0 = keel_clock_ns();
	int r = keel_sem_timedwait(&never, ns);
	*got = keel_clock_ns() - t0;
	if (r != -ETIMEDOUT)
		printf("ktest: timed wait returned %d, not -ETIMEDOUT\n", r);
	return r == -ETIMEDOUT ? 0 : 1;
}

/* Condition variable with a timeout, the mutex held again afterwards. */
static int timed_cond(uint64_t ns, uint64_t *got)
{
	keel_mutex_t m = KEEL_MUTEX_INIT;
	keel_cond_t c = KEEL_COND_INIT;
	keel_mutex_lock(&m);
	uint64_t t0 = keel_clock_ns();
	int r = keel_cond_timedwait(&c, &m, ns);
	*got = keel_clock_ns() - t0;
	int unlocked = keel_mutex_unlock(&m);
	if (r != -ETIMEDOUT || unlocked != 0)
		printf("ktest: condition wait returned %d, unlock %d\n", r, unlocked);
	return r == -ETIMEDOUT && unlocked == 0 ? 0 : 1;
}

int ktest_timeout(int argc, char **argv)
{
	int failed = timed_within("timed wait", 50 * MS, timed_sem);

	/* A post at 20 ms ends a 500 ms wait early, with success. */
	keel_thread_t *t;
	keel_thread_create(&t, "poster", post_later, NULL, 0);
	uint64_t t0 = keel_clock_ns();
	int r = keel_sem_timedwait(&later, 500 * MS);
	uint64_t got = keel_clock_ns() - t0;
	int ok = r == 0 && got >= 20 * MS && got < 100 * MS;
	printf("ktest: timed wait woken by a post returned %d after %lu us: %s\n", r, (unsigned long)(got / 1000),
	       ok ? "ok" : "FAIL");
	failed |= !ok;
	keel_thread_join(t, NULL);

	failed |= timed_within("condition wait", 30 * MS, timed_cond);
	return failed;
}

/* Producers and consumers through a bounded buffer guarded by a mutex
 * and two condition variables. */
#define SLOTS 4
static struct {
	keel_mutex_t lock;
	keel_cond_t not_full, not_empty;
	int buf[SLOTS];
	unsigned head, count;
	unsigned long sum;
} box = { KEEL_MUTEX_INIT, KEEL_COND_INIT, KEEL_COND_INIT, { 0 }, 0, 0, 0 };

static int producer(void *arg)
{
	int base = (int)(intptr_t)arg;
	for (int i = 1; i <= 500; i++) {
		keel_mutex_lock(&box.lock);
		while (box.count == SLOTS)
			keel_cond_wait(&box.not_full, &box.lock);
		box.buf[(box.head + box.count++) % SLOTS] = base + i;
		keel_cond_signal(&box.not_empty);
		keel_mutex_unlock(&box.lock);
		if (i % 7 == 0)
			keel_thread_yield();
	}
	return 0;
}

static int consumer(void *arg)
{
	unsigned long got = 0;
	for (int i = 0; i < 500; i++) {
		keel_mutex_lock(&box.lock);
		while (box.count == 0)
			keel_cond_wait(&box.not_empty, &box.lock);
		got += (unsigned long)box.buf[box.head];
		box.head = (box.head + 1) % SLOTS;
		box.count--;
		keel_cond_signal(&box.not_full);
		keel_mutex_unlock(&box.lock);
	}
	keel_mutex_lock(&box.lock);
	box.sum += got;
	keel_mutex_unlock(&box.lock);
	return 0;
}

int ktest_condvar(int argc, char **argv)
{
	keel_thread_t *t[4];
	keel_thread_create(&t[0], "producer-a", producer, (void *)(intptr_t)0, 0);
	keel_thread_create(&t[1], "producer-b", producer, (void *)(intptr_t)1000, 0);
	keel_thread_create(&t[2], "consumer-a", consumer, NULL, 0);
	keel_thread_create(&t[3], "consumer-b", consumer, NULL, 0);
	for (int i = 0; i < 4; i++)
		keel_thread_join(t[i], NULL);
	/* 2 * (1 + ... + 500) + 500 * 1000 */
	unsigned long want = 2 * 125250 + 500000;
	printf("ktest: consumers summed %lu, expected %lu\n", box.sum, want);
	keel_mutex_t m = KEEL_MUTEX_INIT;
	int e1 = keel_mutex_unlock(&m);
	keel_mutex_lock(&m);
	int e2 = keel_mutex_lock(&m);
	printf("ktest: unlock unheld %d, relock %d\n", e1, e2);
	return box.sum != want || e1 != -EPERM || e2 != -EDEADLK;
}

/* Recursion without end, as far as the compiler can tell it may end. */
static volatile int keep_going = 1;

__attribute__((noinline)) static int recurse(int depth)
{
	volatile char frame[256];
	frame[0] = (char)depth;
	if (!keep_going)
		return 0;
	return recurse(depth + 1) + frame[0];
}

static int overflow(void *arg) { return recurse(0); }

int ktest_stack_overflow(int argc, char **argv)
{
	keel_thread_t *t;
	printf("ktest: overflowing the stack of thread 'deep'\n");
	keel_thread_create(&t, "deep", overflow, NULL, 16384);
	keel_thread_join(t, NULL);
	printf("ktest: the overflow went unnoticed\n");
	return 1;
}

/* Several seconds of timers with the CPU halted in between: the host
 * measures QEMU's CPU use meanwhile. */
int ktest_idle(int argc, char **argv)
{
	unsigned long seconds = argc > 1 ? strtoul(argv[1], NULL, 0) : 5;
	struct keel_sched_stats before, after;
	keel_sched_stats(&before);
	printf("ktest: idle start\n");
	uint64_t t0 = keel_clock_ns();
	unsigned long wakeups = 0;
	while (keel_clock_ns() - t0 < seconds * 1000 * MS) {
		keel_sleep_ns(10 * MS);
		wakeups++;
	}
	keel_sched_stats(&after);
	printf("ktest: idle end: %lu wakeups, %lu timer interrupts, %lu halts, %lu spurious interrupts in %lu s\n",
	       wakeups, after.timer_interrupts - before.timer_interrupts, after.idle_halts - before.idle_halts,
	       after.spurious - before.spurious, seconds);
	return after.timer_interrupts - before.timer_interrupts < wakeups;
}
