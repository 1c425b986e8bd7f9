/*
 * The futex table (sys/futex.h): a hash of addresses to lists of waiters.
 * Each waiter lives on its thread's stack for the duration of its wait,
 * with a wait queue of its own, so a wake picks exactly the waiters it
 * matches and a requeue moves a waiter to another address without waking
 * it. Buckets keep waiters in arrival order: wakes are first come, first
 * served, as Linux's are.
 */
#include "sys/futex.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "kernel/sched.h"

#define BUCKETS 64 /* a power of two */

struct futex_waiter {
	const uint32_t *addr;
	uint32_t bitset;
	bool woken;
	struct waitq q; /* its thread alone sleeps here */
	struct futex_waiter *next, *prev;
};

static struct bucket {
	struct futex_waiter *head, *tail;
} buckets[BUCKETS];

static struct bucket *bucket_of(const uint32_t *addr)
{
	/* Fibonacci hashing of the word's index: neighbouring words (an
	 * array of locks) land in different buckets. */
	uint64_t h = ((uint64_t)(uintptr_t)addr >> 2) * 0x9e3779b97f4a7c15ull;
	return &buckets[h >> (64 - 6)];
}
_Static_assert(BUCKETS == 1 << 6, "bucket_of takes 6 bits");

static void bucket_append(struct bucket *b, struct futex_waiter *w)
{
	w->next = NULL;
	w->prev = b->tail;
	if (b->tail)
		b->tail->next = w;
	else
		b->head = w;
	b->tail = w;
}

static void bucket_remove(struct bucket *b, struct futex_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		b->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		b->tail = w->prev;
	w->next = w->prev = NULL;
}

int futex_wait(const uint32_t *uaddr, uint32_t val, uint32_t bitset, uint64_t deadline)
{
	if (bitset == 0)
		return -EINVAL;
	bool irq = sched_lock();
	if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val) {
		sched_unlock(irq);
		return -EAGAIN;
	}
	struct futex_waiter w = { .addr = uaddr, .bitset = bitset };
	bucket_append(bucket_of(uaddr), &w);
	int r = waitq_wait_interruptible(&w.q, deadline);
	if (!w.woken) {
		/* Timed out, interrupted by a signal (-EINTR), or the deadline
		 * had passed already: still queued, under the address a requeue
		 * may have moved it to. */
		bucket_remove(bucket_of(w.addr), &w);
		r = r ? r : -ETIMEDOUT;
	} else {
		r = 0;
	}
	sched_unlock(irq);
	return r;
}

/* Wakes up to n waiters on addr matching bitset; with n_move and to,
 * then moves up to n_move of the remaining waiters on addr to to. */
static int wake_and_move(const uint32_t *addr, int n, uint32_t bitset, const uint32_t *to, int n_move)
{
	struct bucket *b = bucket_of(addr);
	int woken = 0, moved = 0;
	struct futex_waiter *w = b->head;
	while (w != NULL) {
		struct futex_waiter *next = w->next;
		if (w->addr == addr) {
			if (woken < n && (w->bitset & bitset)) {
				bucket_remove(b, w);
				w->woken = true;
				waitq_wake_one(&w->q);
				woken++;
			} else if (to != NULL && moved < n_move) {
				bucket_remove(b, w);
				w->addr = to;
				bucket_append(bucket_of(to), w);
				moved++;
			}
		}
		/* A waiter moved into this same bucket went to its tail, where
		 * the walk meets it again under its new address and skips it. */
		if (woken >= n && (to == NULL || moved >= n_move))
			break;
		w = next;
	}
	return woken + moved;
}

int futex_wake(const uint32_t *uaddr, int n, uint32_t bitset)
{
	if (bitset == 0)
		return -EINVAL;
	if (n <= 0)
		return 0;
	bool irq = sched_lock();
	int r = wake_and_move(uaddr, n, bitset, NULL, 0);
	sched_unlock(irq);
	return r;
}

int futex_requeue(const uint32_t *uaddr, int n_wake, const uint32_t *uaddr2, int n_requeue, int cmp, uint32_t val3)
{
	if (n_wake < 0 || n_requeue < 0)
		return -EINVAL;
	bool irq = sched_lock();
	int r;
	if (cmp && __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val3)
		r = -EAGAIN;
	else if (uaddr == uaddr2)
		r = wake_and_move(uaddr, n_wake, FUTEX_BITSET_ANY, NULL, 0);
	else
		r = wake_and_move(uaddr, n_wake, FUTEX_BITSET_ANY, uaddr2, n_requeue);
	sched_unlock(irq);
	return r;
}

int futex_waiters(const uint32_t *uaddr)
{
	bool irq = sched_lock();
	int n = 0;
	for (struct futex_waiter *w = bucket_of(uaddr)->head; w; w = w->next)
		n += w->addr == uaddr;
	sched_unlock(irq);
	return n;
}
