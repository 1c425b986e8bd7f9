/*
 * Semaphores, mutexes, condition variables and mailboxes on the
 * scheduler's wait queues. A post or an unlock hands what it releases straight to the
 * longest waiter, so a thread that was woken never finds it taken again
 * and waiters are served in order.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel/sync.h"

#include "kernel/clock.h"
#include "kernel/sched.h"

/* --- semaphores ----------------------------------------------------------- */

void sem_init(struct sem *s, unsigned long count)
{
	s->count = count;
	s->waiters.head = s->waiters.tail = NULL;
}

static int sem_wait_until(struct sem *s, uint64_t deadline)
{
	bool irq = sched_lock();
	int r = 0;
	if (s->count > 0)
		s->count--;
	else
		r = waitq_wait(&s->waiters, deadline); /* 0: a post handed us a unit */
	sched_unlock(irq);
	return r;
}

void sem_wait(struct sem *s) { sem_wait_until(s, DEADLINE_NEVER); }

int sem_timedwait(struct sem *s, uint64_t timeout_ns) { return sem_wait_until(s, deadline_after(timeout_ns)); }

int sem_trywait(struct sem *s)
{
	bool irq = sched_lock();
	int r = -EAGAIN;
	if (s->count > 0) {
		s->count--;
		r = 0;
	}
	sched_unlock(irq);
	return r;
}

void sem_post(struct sem *s)
{
	bool irq = sched_lock();
	if (waitq_wake_one(&s->waiters) == 0)
		s->count++;
	sched_unlock(irq);
}

/* --- mutexes --------------------------------------------------------------- */

void mutex_init(struct mutex *m)
{
	m->owner = NULL;
	m->waiters.head = m->waiters.tail = NULL;
}

/* With interrupts disabled. */
static int mutex_acquire(struct mutex *m)
{
	struct thread *self = sched_current();
	if (m->owner == NULL) {
		m->owner = self;
		return 0;
	}
	if (m->owner == self)
		return -EDEADLK;
	waitq_wait(&m->waiters, DEADLINE_NEVER); /* woken as the new owner */
	return 0;
}

static int mutex_release(struct mutex *m)
{
	if (m->owner != sched_current())
		return -EPERM;
	m->owner = waitq_first(&m->waiters);
	if (m->owner)
		waitq_wake_one(&m->waiters);
	return 0;
}

int mutex_lock(struct mutex *m)
{
	bool irq = sched_lock();
	int r = mutex_acquire(m);
	sched_unlock(irq);
	return r;
}

int mutex_trylock(struct mutex *m)
{
	bool irq = sched_lock();
	int r = -EBUSY;
	if (m->owner == NULL) {
		m->owner = sched_current();
		r = 0;
	}
	sched_unlock(irq);
	return r;
}

int mutex_unlock(struct mutex *m)
{
	bool irq = sched_lock();
	int r = mutex_release(m);
	sched_unlock(irq);
	return r;
}

/* --- condition variables ---------------------------------------------------- */

void cond_init(struct cond *c) { c->waiters.head = c->waiters.tail = NULL; }

static int cond_wait_until(struct cond *c, struct mutex *m, uint64_t deadline)
{
	bool irq = sched_lock();
	/* Releasing the mutex and starting to wait happen with interrupts
	 * off and no switch in between: no signal can fall in the gap. */
	int r = mutex_release(m);
	if (r == 0) {
		r = waitq_wait(&c->waiters, deadline);
		mutex_acquire(m);
	}
	sched_unlock(irq);
	return r;
}

int cond_wait(struct cond *c, struct mutex *m) { return cond_wait_until(c, m, DEADLINE_NEVER); }

int cond_timedwait(struct cond *c, struct mutex *m, uint64_t timeout_ns)
{
	return cond_wait_until(c, m, deadline_after(timeout_ns));
}

void cond_signal(struct cond *c) { waitq_wake_one(&c->waiters); }

void cond_broadcast(struct cond *c) { waitq_wake_all(&c->waiters); }

/* --- mailboxes ---------------------------------------------------------------- */

int mbox_init(struct mbox *mb, unsigned size)
{
	if (size == 0)
		return -EINVAL;
	mb->slot = calloc(size, sizeof(void *));
	if (mb->slot == NULL)
		return -ENOMEM;
	mb->size = size;
	mb->head = mb->count = 0;
	mb->not_empty.head = mb->not_empty.tail = NULL;
	mb->not_full.head = mb->not_full.tail = NULL;
	return 0;
}

void mbox_destroy(struct mbox *mb)
{
	free(mb->slot);
	mb->slot = NULL;
	mb->size = 0;
}

/* With interrupts disabled and room in the mailbox. */
static void mbox_put(struct mbox *mb, void *msg)
{
	/* head and count are below size: one subtraction wraps (a divide
	 * would be a helper call under an emulator, on every message). */
	unsigned i = mb->head + mb->count;
	mb->slot[i >= mb->size ? i - mb->size : i] = msg;
	mb->count++;
	waitq_wake_one(&mb->not_empty);
}

void mbox_post(struct mbox *mb, void *msg)
{
	bool irq = sched_lock();
	while (mb->count == mb->size)
		waitq_wait(&mb->not_full, DEADLINE_NEVER);
	mbox_put(mb, msg);
	sched_unlock(irq);
}

int mbox_trypost(struct mbox *mb, void *msg)
{
	bool irq = sched_lock();
	int r = -EAGAIN;
	if (mb->count < mb->size) {
		mbox_put(mb, msg);
		r = 0;
	}
	sched_unlock(irq);
	return r;
}

static void mbox_take(struct mbox *mb, void **msg)
{
	*msg = mb->slot[mb->head];
	mb->head = mb->head + 1 == mb->size ? 0 : mb->head + 1;
	mb->count--;
	waitq_wake_one(&mb->not_full);
}

int mbox_fetch(struct mbox *mb, void **msg, uint64_t timeout_ns)
{
	uint64_t deadline = deadline_after(timeout_ns);
	bool irq = sched_lock();
	/* A waiter woken by a post may find the message taken by a thread
	 * that ran first: it waits again, until its deadline. */
	while (mb->count == 0) {
		if (waitq_wait(&mb->not_empty, deadline) == -ETIMEDOUT && mb->count == 0) {
			sched_unlock(irq);
			return -ETIMEDOUT;
		}
	}
	mbox_take(mb, msg);
	sched_unlock(irq);
	return 0;
}

int mbox_tryfetch(struct mbox *mb, void **msg)
{
	bool irq = sched_lock();
	int r = -EAGAIN;
	if (mb->count > 0) {
		mbox_take(mb, msg);
		r = 0;
	}
	sched_unlock(irq);
	return r;
}
