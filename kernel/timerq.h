/*
 * A queue of timers ordered by deadline: the pure part of Keel's timers,
 * shared by the kernel (kernel/timer.c) and the host tests.
 */
#ifndef KEEL_TIMERQ_H
#define KEEL_TIMERQ_H

#include <stdbool.h>
#include <stdint.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, void *ctx);

struct timer {
	uint64_t deadline; /* nanoseconds on the monotonic clock */
	timer_fn fn;
	void *ctx;
	struct timer *next, *prev;
	bool armed;
};

struct timerq {
	struct timer *head;
	unsigned count;
};

/* Inserts t (not armed) to expire at deadline; timers with equal
 * deadlines expire in the order they were added. */
void timerq_add(struct timerq *q, struct timer *t, uint64_t deadline, timer_fn fn, void *ctx);

/* Removes t; returns whether it was armed (false: it already expired or
 * was never added). */
bool timerq_cancel(struct timerq *q, struct timer *t);

/* Removes and returns the first timer whose deadline is at or before now,
 * or NULL. The caller runs its fn. */
struct timer *timerq_pop_expired(struct timerq *q, uint64_t now);

/* The earliest deadline, or UINT64_MAX when the queue is empty. */
uint64_t timerq_next_deadline(const struct timerq *q);

/* Whether a hardware timer set to fire at armed_for (UINT64_MAX: not
 * set) must be set again for the queue: only when the queue's earliest
 * deadline comes before it. A timer left set for a deadline that was
 * cancelled fires early, finds nothing expired and is set then. */
bool timerq_must_program(const struct timerq *q, uint64_t armed_for);

#endif
