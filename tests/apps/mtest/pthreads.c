/*
 * mtest pthreads and mtest malloc-threads: musl's threads on Keel's
 * clone, futex and set_tid_address, preempted on their time slices.
 *
 * pthreads: 16 threads meet at a condition variable, then each adds to a
 * counter of its own in thread-local storage and to a shared one under a
 * mutex, computing in floating point meanwhile; a bounded queue with two
 * condition variables passes numbers from 8 producers to 8 consumers.
 * Part of the arithmetic is long enough that the threads are preempted
 * in it. Everything is joined and checked: each thread's TLS started at its
 * initial value and was its own, nothing was lost or counted twice.
 *
 * malloc-threads: 8 threads allocate, fill, check and free blocks of many
 * sizes at once, so mallocng's lock and its brk and mmap calls are shared.
 */
#include <errno.h>
#include <keel.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pthreads.h"

#define THREADS 16
#define ROUNDS 2000

static int failures;

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			printf("mtest: FAILED %s (line %d)\n", #cond, __LINE__);                                       \
			__atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);                                            \
		}                                                                                                      \
	} while (0)

/* Initialised (.tdata) and zeroed (.tbss) thread-locals: each thread
 * starts from these values in a block of its own. */
static __thread long tls_count = 1000;
static __thread char tls_tag[32];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_here = PTHREAD_COND_INITIALIZER;
static int arrived;
static long shared_count;

struct worker {
	pthread_t thread;
	int index;
	long start_count; /* tls_count as the thread found it */
	int tag_was_zero;
	long *tls_address;
	long final_count;
	double sum, long_sum;
};

/* Long enough (tens of milliseconds under emulation) that the threads
 * are preempted in the middle of it, with live floating-point state. */
#define LONG_TERMS 2000000

/* Work in floating point between lock operations, so that preemption
 * strikes with live x87 and SSE state. */
static double harmonic(int from, int n)
{
	double s = 0;
	for (int i = from; i < from + n; i++)
		s += 1.0 / (double)i;
	return s;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	w->start_count = tls_count;
	w->tag_was_zero = tls_tag[0] == 0 && tls_tag[31] == 0;
	w->tls_address = &tls_count;
	snprintf(tls_tag, sizeof(tls_tag), "worker %d", w->index);
	tls_count = 0;

	/* Everyone waits here until the last one arrives. */
	pthread_mutex_lock(&lock);
	if (++arrived == THREADS)
		pthread_cond_broadcast(&all_here);
	while (arrived < THREADS)
		pthread_cond_wait(&all_here, &lock);
	pthread_mutex_unlock(&lock);

	w->long_sum = harmonic(1 + w->index, LONG_TERMS);
	for (int i = 0; i < ROUNDS; i++) {
		tls_count++;
		w->sum += harmonic(1 + i % 50, 20);
		pthread_mutex_lock(&lock);
		shared_count++;
		pthread_mutex_unlock(&lock);
		if (i % 256 == 0)
			sched_yield();
	}
	w->final_count = tls_count;
	/* The tag is still this thread's after all the switches. */
	char want[32];
	snprintf(want, sizeof(want), "worker %d", w->index);
	return strcmp(tls_tag, want) == 0 ? w : NULL;
}

/* A bounded queue: producers wait while it is full, consumers while it
 * is empty. */
#define QUEUE 8
#define ITEMS 500
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER, not_empty = PTHREAD_COND_INITIALIZER;
static long queue[QUEUE];
static int q_head, q_len, producers_left;

static void *producer(void *arg)
{
	long base = (long)(intptr_t)arg * ITEMS;
	for (long i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&qlock);
		while (q_len == QUEUE)
			pthread_cond_wait(&not_full, &qlock);
		queue[(q_head + q_len++) % QUEUE] = base + i;
		pthread_cond_signal(&not_empty);
		pthread_mutex_unlock(&qlock);
	}
	pthread_mutex_lock(&qlock);
	if (--producers_left == 0)
		pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&qlock);
	return NULL;
}

static void *consumer(void *arg)
{
	long *sum = arg;
	for (;;) {
		pthread_mutex_lock(&qlock);
		while (q_len == 0 && producers_left > 0)
			pthread_cond_wait(&not_empty, &qlock);
		if (q_len == 0) {
			pthread_mutex_unlock(&qlock);
			return NULL;
		}
		long v = queue[q_head];
		q_head = (q_head + 1) % QUEUE;
		q_len--;
		pthread_cond_signal(&not_full);
		pthread_mutex_unlock(&qlock);
		*sum += v;
	}
}

int test_pthreads(void)
{
	static struct worker w[THREADS];
	struct keel_sched_stats before, after;
	keel_sched_stats(&before);
	tls_count = 7; /* the main thread's own, which no worker may see */
	for (int i = 0; i < THREADS; i++) {
		w[i].index = i;
		CHECK(pthread_create(&w[i].thread, NULL, worker_main, &w[i]) == 0);
	}
	int right = 0;
	for (int i = 0; i < THREADS; i++) {
		void *ret = NULL;
		CHECK(pthread_join(w[i].thread, &ret) == 0);
		CHECK(ret == &w[i]);
		CHECK(w[i].start_count == 1000 && w[i].tag_was_zero);
		CHECK(w[i].final_count == ROUNDS);
		for (int j = 0; j < i; j++)
			CHECK(w[i].tls_address != w[j].tls_address);
		CHECK(w[i].tls_address != &tls_count);
		double want = 0;
		for (int k = 0; k < ROUNDS; k++)
			want += harmonic(1 + k % 50, 20);
		CHECK(w[i].sum == want);
		double long_want = harmonic(1 + i, LONG_TERMS);
		CHECK(w[i].long_sum == long_want);
		right += ret == &w[i] && w[i].final_count == ROUNDS && w[i].sum == want && w[i].long_sum == long_want;
	}
	CHECK(shared_count == (long)THREADS * ROUNDS);
	CHECK(tls_count == 7);
	printf("mtest: pthreads: %d threads joined, %d with their own TLS and sums right, shared count %ld\n", THREADS,
	       right, shared_count);

	enum { PAIRS = THREADS / 2 };
	pthread_t prod[PAIRS], cons[PAIRS];
	static long sums[PAIRS];
	producers_left = PAIRS;
	for (int i = 0; i < PAIRS; i++) {
		CHECK(pthread_create(&cons[i], NULL, consumer, &sums[i]) == 0);
		CHECK(pthread_create(&prod[i], NULL, producer, (void *)(intptr_t)i) == 0);
	}
	long total = 0;
	for (int i = 0; i < PAIRS; i++) {
		CHECK(pthread_join(prod[i], NULL) == 0);
		CHECK(pthread_join(cons[i], NULL) == 0);
		total += sums[i];
	}
	/* Producer p sends p * ITEMS + 1 ... p * ITEMS + ITEMS. */
	long n = (long)PAIRS * ITEMS;
	CHECK(total == n * (n + 1) / 2);
	printf("mtest: queue: %d producers, %d consumers, sum %ld (want %ld)\n", PAIRS, PAIRS, total, n * (n + 1) / 2);
	keel_sched_stats(&after);
	CHECK(after.preemptions > before.preemptions);
	printf("mtest: %lu switches, %lu preemptions\n", after.switches - before.switches,
	       after.preemptions - before.preemptions);
	printf("mtest: pthreads done, %d failures\n", failures);
	return failures != 0;
}

/* abort() in a thread other than the first: musl raises SIGABRT with
 * tkill on the calling thread's own tid, which ends the process. */
static void *aborter(void *arg)
{
	printf("mtest: abort in thread %ld\n", (long)(intptr_t)arg);
	abort();
}

int test_thread_abort(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, aborter, (void *)(intptr_t)1) == 0);
	pthread_join(t, NULL);
	printf("mtest: the aborting thread was joined\n");
	return 1;
}

/* Blocks of many sizes, each filled with a pattern of its thread and
 * checked before it is freed or grown. */
#define MALLOC_THREADS 8
#define BLOCKS 200

static void *allocator(void *arg)
{
	unsigned idx = (unsigned)(uintptr_t)arg;
	unsigned seed = 777 + idx;
	static __thread unsigned char *p[BLOCKS];
	static __thread size_t sz[BLOCKS];
	long bad = 0;
	for (int round = 0; round < 8; round++) {
		for (int i = 0; i < BLOCKS; i++) {
			seed = seed * 1103515245 + 12345;
			size_t n = (seed >> 8) % 11 == 0 ? 70000 + (seed >> 4) % 200000 : 1 + (seed >> 12) % 3000;
			unsigned char mark = (unsigned char)(idx * 31 + i);
			if (p[i]) {
				if (p[i][0] != mark || p[i][sz[i] / 2] != mark || p[i][sz[i] - 1] != mark)
					bad++;
				if (round % 2) {
					unsigned char *q = realloc(p[i], n);
					if (q == NULL || q[0] != mark) {
						bad++;
						free(q ? q : p[i]);
						p[i] = NULL;
						continue;
					}
					p[i] = q;
				} else {
					free(p[i]);
					p[i] = malloc(n);
				}
			} else {
				p[i] = malloc(n);
			}
			if (p[i] == NULL) {
				bad++;
				continue;
			}
			sz[i] = n;
			memset(p[i], mark, n);
		}
	}
	for (int i = 0; i < BLOCKS; i++) {
		free(p[i]);
		p[i] = NULL;
	}
	return (void *)(intptr_t)bad;
}

int test_malloc_threads(void)
{
	pthread_t t[MALLOC_THREADS];
	struct keel_sched_stats before, after;
	keel_sched_stats(&before);
	for (int i = 0; i < MALLOC_THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, allocator, (void *)(uintptr_t)i) == 0);
	long bad = 0;
	for (int i = 0; i < MALLOC_THREADS; i++) {
		void *ret = NULL;
		CHECK(pthread_join(t[i], &ret) == 0);
		bad += (long)(intptr_t)ret;
	}
	CHECK(bad == 0);
	keel_sched_stats(&after);
	printf("mtest: malloc from %d threads: %ld blocks changed or missing, %lu preemptions, %d failures\n",
	       MALLOC_THREADS, bad, after.preemptions - before.preemptions, failures);
	return failures != 0;
}
