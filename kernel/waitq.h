/*
 * Wait queues: the one way a thread blocks. Semaphores, mutexes,
 * condition variables, mailboxes, joins and sleeps are all built on them
 * (kernel/sync.h, kernel/thread.h).
 *
 * A queue of zeros is empty and valid, so queues need no initialiser.
 */
#ifndef KEEL_WAITQ_H
#define KEEL_WAITQ_H

#include <stdbool.h>
#include <stdint.h>

struct thread;

struct waitq {
	struct thread *head, *tail;
};

/* Interrupts off, for a sequence of waitq calls; returns the previous
 * state for sched_unlock. */
bool sched_lock(void);
void sched_unlock(bool state);

/* Blocks the caller on q until waitq_wake_* or deadline (an absolute time
 * from deadline_after, or DEADLINE_NEVER: kernel/clock.h). Called with
 * interrupts disabled (from sched_lock). Returns 0 when woken, -ETIMEDOUT
 * when the deadline passed. */
int waitq_wait(struct waitq *q, uint64_t deadline);
/* Make the first (or every) waiter runnable; return how many. Safe from
 * interrupt handlers. */
unsigned waitq_wake_one(struct waitq *q);
unsigned waitq_wake_all(struct waitq *q);
/* The first waiter, without waking it (for hand-offs). */
struct thread *waitq_first(const struct waitq *q);

#endif
