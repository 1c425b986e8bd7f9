/*
 * The host's arch layer for kernel/sched.c (tests/host/sched_host.c):
 * threads made of ucontexts on malloc'ed stacks, a fake "interrupts
 * enabled" flag, a fake monotonic clock that only moves while the CPU
 * would be halted, and timers on a kernel/timerq.c queue fired from that
 * halt as an interrupt would fire them.
 *
 * What the tests can see and steer of it is below.
 */
#ifndef KEEL_TESTS_SCHED_HOST_H
#define KEEL_TESTS_SCHED_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/sched.h"

/* For checks that run on a thread's stack, where cmocka's longjmp must
 * not go: reports and aborts the program. */
#define HOST_CHECK(cond) ((cond) ? (void)0 : host_fail(__FILE__, __LINE__, #cond))
__attribute__((noreturn)) void host_fail(const char *file, int line, const char *what);

/* Starts a test: sched_init(0, 0) and the clock set to start_ns. Returns
 * false when the previous test left something behind (a stack, a timer,
 * interrupts disabled, a thread other than boot running). */
bool host_reset(uint64_t start_ns);

/* Ends a test: true when everything is back as host_reset found it and no
 * thread but the caller (boot) is runnable. */
bool host_quiescent(void);

uint64_t host_clock(void);
bool host_irq_enabled(void);
bool host_in_interrupt(void);

/* Stacks handed out and not yet freed, and since the last reset. */
unsigned host_live_stacks(void);
unsigned long host_stacks_allocated(void);
/* The next n stack allocations fail. */
void host_fail_stack_allocs(unsigned n);
/* Larger requests fail, as they would for want of memory. */
#define HOST_STACK_MAX ((size_t)64 << 20)

unsigned host_timers_armed(void);
/* An interrupt strikes the running thread (interrupts enabled) at time
 * now (or at once when now has passed): timers due run, then the
 * scheduler may preempt the thread. */
void host_interrupt_at(uint64_t now);
/* Halts since the last reset, and how many of the next ones wake for an
 * interrupt that fires no timer (the scheduler must halt again). */
unsigned long host_idles(void);
void host_spurious_wakeups(unsigned n);

#endif
