/*
 * The sampling profiler's table, grouping and report lines
 * (kernel/profile.h): pure, built for the host tests as it is. The
 * sampling itself is kernel/profiler.c.
 */
#include "kernel/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fibonacci hashing: nearby addresses (the instructions of one loop)
 * spread over the table instead of clustering in one run of slots. */
static size_t slot_of(uint64_t addr) { return (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 52) & (PROFILE_SLOTS - 1); }
_Static_assert(PROFILE_SLOTS == 1u << 12, "slot_of takes the hash's top 12 bits");

void profile_record(struct profile_table *t, uint64_t addr)
{
	t->samples++;
	if (addr == 0) {
		t->dropped++;
		return;
	}
	size_t i = slot_of(addr);
	for (unsigned probe = 0; probe < PROFILE_PROBES; probe++) {
		struct profile_entry *s = &t->slots[(i + probe) & (PROFILE_SLOTS - 1)];
		if (s->addr == addr) {
			s->count++;
			return;
		}
		if (s->addr == 0) {
			s->addr = addr;
			s->count = 1;
			return;
		}
	}
	t->dropped++;
}

size_t profile_take(struct profile_table *t, struct profile_entry *out, uint64_t *samples, uint64_t *dropped)
{
	size_t n = 0;
	for (size_t i = 0; i < PROFILE_SLOTS; i++)
		if (t->slots[i].addr != 0)
			out[n++] = t->slots[i];
	memset(t->slots, 0, PROFILE_SLOTS * sizeof(t->slots[0]));
	*samples = t->samples;
	*dropped = t->dropped;
	t->samples = t->dropped = 0;
	return n;
}

static int by_addr(const void *a, const void *b)
{
	const struct profile_entry *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int busiest_first(const void *a, const void *b)
{
	const struct profile_entry *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return by_addr(a, b);
}

size_t profile_group(struct profile_entry *e, size_t n, profile_resolve_fn resolve, void *ctx)
{
	for (size_t i = 0; i < n; i++)
		e[i].addr = resolve(e[i].addr, ctx);
	if (n == 0)
		return 0;
	/* Sorted by function, each run of one function becomes one entry. */
	qsort(e, n, sizeof(*e), by_addr);
	size_t m = 0;
	for (size_t i = 1; i < n; i++) {
		if (e[i].addr == e[m].addr)
			e[m].count += e[i].count;
		else
			e[++m] = e[i];
	}
	m++;
	qsort(e, m, sizeof(*e), busiest_first);
	return m;
}

int profile_format_entry(char *buf, size_t size, const struct profile_entry *e, uint64_t total, const char *name)
{
	/* Tenths of a percent, rounded to the nearest. */
	uint64_t tenths = total ? (e->count * 1000 + total / 2) / total : 0;
	return snprintf(buf, size, "%3lu.%lu%% %8lu  %s\n", (unsigned long)(tenths / 10), (unsigned long)(tenths % 10),
			(unsigned long)e->count, name);
}

int profile_parse_uint(const char *s, unsigned min, unsigned max, unsigned *v)
{
	if (s == NULL || *s == '\0')
		return -EINVAL;
	unsigned long x = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		x = x * 10 + (unsigned long)(*p - '0');
		/* Stop before the value can overflow, whatever its length. */
		if (x > max)
			return -EINVAL;
	}
	if (x < min)
		return -EINVAL;
	*v = (unsigned)x;
	return 0;
}
