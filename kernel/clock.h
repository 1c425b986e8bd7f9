/*
 * The kernel's monotonic clock and its deadlines.
 *
 * Kernel calls that wait take a relative timeout in nanoseconds (as the
 * public API does); each turns it into a deadline once, with
 * deadline_after, and waits on that deadline however often it is woken.
 * Code that waits in several steps (a loop of bounded slices) does the
 * same: one deadline_after, then clock_ns() against it. Nobody adds a
 * timeout to the clock by hand, so no deadline wraps around.
 */
#ifndef KEEL_CLOCK_H
#define KEEL_CLOCK_H

#include <stdint.h>

/* No deadline: a wait that only a wake-up ends. */
#define DEADLINE_NEVER UINT64_MAX

/* Nanoseconds since the kernel's first instruction; monotonic. The arch
 * layer provides it (arch/x86_64/tsc.c: the TSC). */
uint64_t clock_ns(void);

/* The deadline timeout_ns from now, or DEADLINE_NEVER when that lies
 * beyond what the clock can count (so UINT64_MAX means "no limit"). */
static inline uint64_t deadline_after(uint64_t timeout_ns)
{
	uint64_t now = clock_ns();
	return timeout_ns >= DEADLINE_NEVER - now ? DEADLINE_NEVER : now + timeout_ns;
}

#endif
