/*
 * The times applications pass (struct timespec, struct timeval) as
 * nanoseconds, and back: one place for the checks Linux makes (a
 * negative field, or a fraction of a second that is not one, is EINVAL)
 * and for the saturation of durations too long for the clock. Pure
 * logic: host-tested.
 */
#ifndef KEEL_SYS_TIMEVAL_H
#define KEEL_SYS_TIMEVAL_H

#include <stdint.h>

#include "sys/linux.h"

#define TV_NS_PER_S 1000000000ull
#define TV_NS_PER_US 1000ull
/* The longest duration a time converts to: half the clock's range (292
 * years), so that the clock's reading plus it never wraps. */
#define TV_NS_MAX (UINT64_MAX / 2)

/* *ns from ts: 0, or -EINVAL when a field is negative or tv_nsec is
 * 1e9 or more. Saturates at TV_NS_MAX. */
int timespec_to_ns(const struct linux_timespec *ts, uint64_t *ns);

/* *ns from tv: 0, or -EINVAL when a field is negative or tv_usec is
 * 1e6 or more. Saturates at TV_NS_MAX. */
int timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns);

/* select's timeval, which Linux takes with tv_usec of a million or more
 * (the excess folded into seconds): -EINVAL only for a negative field. */
int select_timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns);

/* Inline: the vDSO's clock_gettime (sys/time.c) answers through it, and
 * under an emulator a call costs as much as the conversion. */
static inline __attribute__((always_inline)) struct linux_timespec ns_to_timespec(uint64_t ns)
{
	/* ns / 10^9 as a multiply by its reciprocal, exact for every 64-bit
	 * ns (what an optimising compiler emits; the kernel's -Os emits a
	 * divide, which an emulator runs as a helper call). */
	uint64_t s = (uint64_t)(((unsigned __int128)(ns >> 9) * 0x44b82fa09b5a53ull) >> 64) >> 11;
	return (struct linux_timespec){ (int64_t)s, (int64_t)(ns - s * TV_NS_PER_S) };
}
/* Rounded down to the microsecond. */
struct linux_timeval ns_to_timeval(uint64_t ns);

#endif
