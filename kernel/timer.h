/*
 * Kernel timers: a callback at a time on the monotonic clock, run from the
 * local APIC timer's interrupt. No periodic tick: the APIC timer is set
 * for the earliest deadline only, and stopped when there is none.
 */
#ifndef KEEL_TIMER_H
#define KEEL_TIMER_H

#include "kernel/timerq.h"

void timer_init(void);

/* Arms t to call fn(t, ctx) at deadline (ns since boot) from interrupt
 * context; fn must only wake threads. Re-arming an armed timer moves it. */
void timer_arm(struct timer *t, uint64_t deadline, timer_fn fn, void *ctx);
/* Returns whether t was still armed. */
bool timer_cancel(struct timer *t);

/* Interrupts from the APIC timer so far (for tests and the idle report). */
extern volatile unsigned long timer_interrupts;

#endif
