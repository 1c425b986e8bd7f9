/*
 * Semaphores, mutexes and condition variables on the scheduler's wait
 * queues. A post or an unlock hands what it releases straight to the
 * longest waiter, so a thread that was woken never finds it taken again
 * and waiters are served in order.
 */
#include <errno.h>

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
