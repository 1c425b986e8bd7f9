/*
 * Semaphores, mutexes, condition variables and mailboxes for the kernel
 * and its drivers (kernel/sync.c), on wait queues. include/keel.h offers
 * the same to applications through kernel/keel_api.c.
 *
 * Every one of them may be declared statically as zeros (or with the
 * _INIT macros). Timeouts are relative, in nanoseconds (kernel/clock.h);
 * a timeout too large for the clock means no limit, and a wait that times
 * out returns -ETIMEDOUT. sem_post and mbox_trypost may be called from an
 * interrupt handler; nothing else here may.
 */
#ifndef KEEL_SYNC_H
#define KEEL_SYNC_H

#include <stdint.h>

#include "kernel/waitq.h"

struct sem {
	unsigned long count;
	struct waitq waiters;
};
#define SEM_INIT(n)                                                                                                    \
	{                                                                                                              \
		(n), { 0, 0 }                                                                                          \
	}

void sem_init(struct sem *s, unsigned long count);
void sem_wait(struct sem *s);
int sem_timedwait(struct sem *s, uint64_t timeout_ns); /* 0 or -ETIMEDOUT */
int sem_trywait(struct sem *s);			       /* 0 or -EAGAIN */
void sem_post(struct sem *s);

/* A mutex is held by one thread; unlock hands it to the longest waiter. */
struct mutex {
	struct thread *owner;
	struct waitq waiters;
};
#define MUTEX_INIT                                                                                                     \
	{                                                                                                              \
		0, { 0, 0 }                                                                                            \
	}

void mutex_init(struct mutex *m);
int mutex_lock(struct mutex *m);    /* 0, or -EDEADLK when the caller holds m */
int mutex_trylock(struct mutex *m); /* 0 or -EBUSY */
int mutex_unlock(struct mutex *m);  /* 0, or -EPERM when the caller does not hold m */

struct cond {
	struct waitq waiters;
};
#define COND_INIT                                                                                                      \
	{                                                                                                              \
		{                                                                                                      \
			0, 0                                                                                           \
		}                                                                                                      \
	}

void cond_init(struct cond *c);
/* Releases m, waits for a signal, takes m again. Returns 0, -EPERM when
 * the caller does not hold m, or (timedwait) -ETIMEDOUT, with m held. */
int cond_wait(struct cond *c, struct mutex *m);
int cond_timedwait(struct cond *c, struct mutex *m, uint64_t timeout_ns);
void cond_signal(struct cond *c);
void cond_broadcast(struct cond *c);

/* A mailbox: a bounded first-in first-out queue of pointers. */
struct mbox {
	void **slot;
	unsigned size, head, count;
	struct waitq not_empty, not_full;
};

int mbox_init(struct mbox *mb, unsigned size); /* 0, -EINVAL (size 0) or -ENOMEM */
void mbox_destroy(struct mbox *mb);	       /* nobody may be waiting on it */
void mbox_post(struct mbox *mb, void *msg);    /* waits while it is full */
int mbox_trypost(struct mbox *mb, void *msg);  /* 0 or -EAGAIN (full) */
/* The oldest message, waiting up to timeout_ns. Returns 0 or -ETIMEDOUT. */
int mbox_fetch(struct mbox *mb, void **msg, uint64_t timeout_ns);
int mbox_tryfetch(struct mbox *mb, void **msg); /* 0 or -EAGAIN (empty) */

#endif
