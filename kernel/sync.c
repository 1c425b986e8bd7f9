/*
 * Semaphores, mutexes, condition variables and mailboxes on the
 * scheduler's wait queues. A post or an unlock hands what it releases straight to the
 * longest waiter, so a thread that was woken never finds it taken again
 * and waiters are served in order.
 */
#include <errno.h>
#include <stdlib.h>

#include "kernel/sched.h"

static uint64_t deadline_after(uint64_t timeout_ns)
{
	uint64_t now = arch_clock_ns();
	return timeout_ns >= DEADLINE_NEVER - now ? DEADLINE_NEVER - 1 : now + timeout_ns;
}

/* --- semaphores ----------------------------------------------------------- */

void keel_sem_init(keel_sem_t *s, unsigned long count)
{
	s->count = count;
	s->waiters.head = s->waiters.tail = NULL;
}

static int sem_wait_until(keel_sem_t *s, uint64_t deadline)
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

void keel_sem_wait(keel_sem_t *s) { sem_wait_until(s, DEADLINE_NEVER); }

int keel_sem_timedwait(keel_sem_t *s, uint64_t timeout_ns) { return sem_wait_until(s, deadline_after(timeout_ns)); }

int keel_sem_trywait(keel_sem_t *s)
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

void keel_sem_post(keel_sem_t *s)
{
	bool irq = sched_lock();
	if (waitq_wake_one(&s->waiters) == 0)
		s->count++;
	sched_unlock(irq);
}

/* --- mutexes --------------------------------------------------------------- */

void keel_mutex_init(keel_mutex_t *m)
{
	m->owner = NULL;
	m->waiters.head = m->waiters.tail = NULL;
}

/* With interrupts disabled. */
static int mutex_acquire(keel_mutex_t *m)
{
	struct keel_thread *self = sched_current();
	if (m->owner == NULL) {
		m->owner = self;
		return 0;
	}
	if (m->owner == self)
		return -EDEADLK;
	waitq_wait(&m->waiters, DEADLINE_NEVER); /* woken as the new owner */
	return 0;
}

static int mutex_release(keel_mutex_t *m)
{
	if (m->owner != sched_current())
		return -EPERM;
	m->owner = waitq_first(&m->waiters);
	if (m->owner)
		waitq_wake_one(&m->waiters);
	return 0;
}

int keel_mutex_lock(keel_mutex_t *m)
{
	bool irq = sched_lock();
	int r = mutex_acquire(m);
	sched_unlock(irq);
	return r;
}

int keel_mutex_trylock(keel_mutex_t *m)
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

int keel_mutex_unlock(keel_mutex_t *m)
{
	bool irq = sched_lock();
	int r = mutex_release(m);
	sched_unlock(irq);
	return r;
}

/* --- condition variables ---------------------------------------------------- */

void keel_cond_init(keel_cond_t *c) { c->waiters.head = c->waiters.tail = NULL; }

static int cond_wait_until(keel_cond_t *c, keel_mutex_t *m, uint64_t deadline)
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

int keel_cond_wait(keel_cond_t *c, keel_mutex_t *m) { return cond_wait_until(c, m, DEADLINE_NEVER); }

int keel_cond_timedwait(keel_cond_t *c, keel_mutex_t *m, uint64_t timeout_ns)
{
	return cond_wait_until(c, m, deadline_after(timeout_ns));
}

void keel_cond_signal(keel_cond_t *c) { waitq_wake_one(&c->waiters); }

void keel_cond_broadcast(keel_cond_t *c) { waitq_wake_all(&c->waiters); }

/* --- mailboxes ---------------------------------------------------------------- */

int keel_mbox_init(keel_mbox_t *mb, unsigned size)
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

void keel_mbox_destroy(keel_mbox_t *mb)
{
	free(mb->slot);
	mb->slot = NULL;
	mb->size = 0;
}

/* With interrupts disabled and room in the mailbox. */
static void mbox_put(keel_mbox_t *mb, void *msg)
{
	mb->slot[(mb->head + mb->count) % mb->size] = msg;
	mb->count++;
	waitq_wake_one(&mb->not_empty);
}

void keel_mbox_post(keel_mbox_t *mb, void *msg)
{
	bool irq = sched_lock();
	while (mb->count == mb->size)
		waitq_wait(&mb->not_full, DEADLINE_NEVER);
	mbox_put(mb, msg);
	sched_unlock(irq);
}

int keel_mbox_trypost(keel_mbox_t *mb, void *msg)
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

static void mbox_take(keel_mbox_t *mb, void **msg)
{
	*msg = mb->slot[mb->head];
	mb->head = (mb->head + 1) % mb->size;
	mb->count--;
	waitq_wake_one(&mb->not_full);
}

int keel_mbox_fetch(keel_mbox_t *mb, void **msg, uint64_t timeout_ns)
{
	uint64_t deadline = timeout_ns == UINT64_MAX ? DEADLINE_NEVER : deadline_after(timeout_ns);
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

int keel_mbox_tryfetch(keel_mbox_t *mb, void **msg)
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
