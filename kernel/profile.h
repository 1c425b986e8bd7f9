/*
 * The sampling profiler: with the kernel option profile=HZ, a timer
 * interrupt HZ times a second records the instruction pointer it
 * interrupted, the application's code and the kernel's alike (and the
 * idle loop's, when the CPU waited), in a fixed table; a report groups
 * the samples by function, with the image's own symbol table, and prints
 * the busiest first:
 *
 *	keel: profile: 10012 samples at 1000 Hz over 10.01 s, 0 dropped, 412 addresses, top 20:
 *	keel: profile:  41.2%     4125  tcp_output
 *	keel: profile:  12.0%     1201  memcpy
 *
 * The report is printed when the VM exits, and every SECONDS seconds with
 * profile.report=SECONDS (each report then covers the samples since the
 * previous one); profile.top=N sets how many functions it lists.
 *
 * This file is the pure part (the table, the grouping, the lines), built
 * for the host tests as it is; kernel/profiler.c takes the samples.
 */
#ifndef KEEL_PROFILE_H
#define KEEL_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* Distinct addresses the table holds (a power of two), and how many slots
 * a sample looks at before it is counted as dropped: a bounded time in
 * the interrupt, whatever the table holds. */
#define PROFILE_SLOTS 4096u
#define PROFILE_PROBES 16u

#define PROFILE_MAX_HZ 10000u
#define PROFILE_DEFAULT_TOP 20u
#define PROFILE_MAX_TOP 200u
/* The longest report interval accepted: a day. */
#define PROFILE_MAX_REPORT_SECONDS 86400u

/* An address and its samples; also, after grouping, a function's start
 * (PROFILE_UNKNOWN for addresses outside every function) and its
 * samples. */
struct profile_entry {
	uint64_t addr;
	uint64_t count;
};
#define PROFILE_UNKNOWN 0

struct profile_table {
	struct profile_entry *slots; /* PROFILE_SLOTS of them, addr 0 = free */
	uint64_t samples;	     /* every sample since the last take */
	uint64_t dropped;	     /* samples that found no slot */
};

/* Counts one sample at addr: no allocation, at most PROFILE_PROBES slots
 * looked at; a sample that finds none (or addr 0) is counted as dropped. */
void profile_record(struct profile_table *t, uint64_t addr);

/* Moves the table's addresses into out (PROFILE_SLOTS entries) and
 * empties it; *samples and *dropped receive its counters, which restart
 * from zero. Returns how many entries out holds. */
size_t profile_take(struct profile_table *t, struct profile_entry *out, uint64_t *samples, uint64_t *dropped);

/* The start of the function holding addr, or PROFILE_UNKNOWN. */
typedef uint64_t (*profile_resolve_fn)(uint64_t addr, void *ctx);

/* Replaces each of the n entries' address by its function's start, adds
 * up the entries of each function, and sorts them busiest first (equal
 * counts by address). Returns how many functions remain. */
size_t profile_group(struct profile_entry *e, size_t n, profile_resolve_fn resolve, void *ctx);

/* One report line for an entry, with its "\n": percentage of total (one
 * decimal), samples, name. Always terminated; returns snprintf's
 * length. */
int profile_format_entry(char *buf, size_t size, const struct profile_entry *e, uint64_t total, const char *name);

/* Reads a whole decimal number from min to max, nothing else. Returns 0
 * and *v, or -EINVAL. */
int profile_parse_uint(const char *s, unsigned min, unsigned max, unsigned *v);

/* Stops the sampling and prints the last report (kernel/profiler.c), when
 * profile= is set: called by kernel_exit. */
void profile_exit_report(void);

#endif
