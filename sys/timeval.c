/*
 * Conversions between the application's times and nanoseconds
 * (sys/timeval.h).
 */
#include "sys/timeval.h"

#include <errno.h>

#define US_PER_S 1000000ull

/* sec seconds and sub nanoseconds (sub < 1e9), saturated. */
static uint64_t sum_ns(uint64_t sec, uint64_t sub)
{
	if (sec >= TV_NS_MAX / TV_NS_PER_S)
		return TV_NS_MAX;
	return sec * TV_NS_PER_S + sub;
}

int timespec_to_ns(const struct linux_timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || (uint64_t)ts->tv_nsec >= TV_NS_PER_S)
		return -EINVAL;
	*ns = sum_ns((uint64_t)ts->tv_sec, (uint64_t)ts->tv_nsec);
	return 0;
}

int timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || (uint64_t)tv->tv_usec >= US_PER_S)
		return -EINVAL;
	*ns = sum_ns((uint64_t)tv->tv_sec, (uint64_t)tv->tv_usec * TV_NS_PER_US);
	return 0;
}

int select_timeval_to_ns(const struct linux_timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0)
		return -EINVAL;
	uint64_t us = (uint64_t)tv->tv_usec, extra = us / US_PER_S;
	uint64_t sec = (uint64_t)tv->tv_sec;
	/* Both below 2^63: the sum cannot wrap. */
	*ns = sum_ns(sec + extra, us % US_PER_S * TV_NS_PER_US);
	return 0;
}

struct linux_timeval ns_to_timeval(uint64_t ns)
{
	return (struct linux_timeval){ (int64_t)(ns / TV_NS_PER_S), (int64_t)(ns % TV_NS_PER_S / TV_NS_PER_US) };
}
