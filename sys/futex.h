/*
 * Futexes: threads waiting on 32-bit words of memory, keyed by address,
 * what musl's locks, condition variables and thread joins are built on.
 * The logic of the futex(2) operations Keel serves, on the scheduler's
 * wait queues; sys/threads.c decodes the system call around it. One
 * address space, so "private" and shared futexes are the same.
 *
 * All of it runs with interrupts disabled for the check of the word and
 * the queueing together, which is what makes a wait atomic against a
 * wake on one CPU (preemption happens only with interrupts enabled).
 */
#ifndef KEEL_SYS_FUTEX_H
#define KEEL_SYS_FUTEX_H

#include <stdint.h>

#define FUTEX_BITSET_ANY 0xffffffffu

/* Blocks while *uaddr == val until a wake whose bitset shares a bit with
 * bitset, or deadline (kernel/sched.h: ns on the monotonic clock, or
 * DEADLINE_NEVER). Returns 0 when woken, -EAGAIN when *uaddr != val,
 * -ETIMEDOUT, -EINVAL (bitset 0). */
int futex_wait(const uint32_t *uaddr, uint32_t val, uint32_t bitset, uint64_t deadline);

/* Wakes up to n waiters on uaddr whose bitset shares a bit with bitset,
 * in the order they came. Returns how many. */
int futex_wake(const uint32_t *uaddr, int n, uint32_t bitset);

/* Wakes up to n_wake waiters on uaddr and moves up to n_requeue of the
 * rest to wait on uaddr2. With cmp, first checks *uaddr == val3 and
 * returns -EAGAIN when not. Returns the number woken plus moved, as
 * Linux does; -EINVAL for a negative count. */
int futex_requeue(const uint32_t *uaddr, int n_wake, const uint32_t *uaddr2, int n_requeue, int cmp, uint32_t val3);

/* Waiters queued on uaddr (for tests and reports). */
int futex_waiters(const uint32_t *uaddr);

#endif
