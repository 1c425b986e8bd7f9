/*
 * The memory report: with the kernel option mem.report=SECONDS, one line
 * on the console every SECONDS seconds saying what memory holds, for
 * soak tests that watch a long run for leaks:
 *
 *	keel: mem t=120.004 heap_used=183424 heap_bytes=2097152 heap_allocs=412 free_pages=55012 lent=3 tcp=52
 *
 * t is seconds since boot; heap_* are the kernel heap's (kernel/mm/heap.h:
 * bytes in allocated chunks, bytes taken from the page allocator, chunks
 * allocated); free_pages the page allocator's free pages. Then one
 * name=value per source registered by a subsystem (net/: frames lent to
 * lwIP, TCP connections). Every field is name=decimal, so a script reads
 * the line without knowing the fields.
 */
#ifndef KEEL_MEMREPORT_H
#define KEEL_MEMREPORT_H

#include <stddef.h>
#include <stdint.h>

/* The longest interval accepted: a day. */
#define MEMREPORT_MAX_SECONDS 86400u

/* A counter a subsystem adds to the report. The subsystem owns the
 * struct (static storage); read is called from the report's thread, which
 * may block. */
struct memreport_source {
	const char *name;
	unsigned long (*read)(void);
	unsigned long value; /* the last read, which the report prints */
	struct memreport_source *next;
};

/* Adds src to every report from now on. */
void memreport_register(struct memreport_source *src);

/* What one report shows besides the sources. */
struct memreport_sample {
	uint64_t t_ns;
	uint64_t heap_used, heap_bytes, heap_allocs, free_pages;
};

/* Reads the option's value: a whole number of seconds, 1 to
 * MEMREPORT_MAX_SECONDS, nothing else. Returns 0 and *seconds, or -EINVAL. */
int memreport_parse_interval(const char *s, unsigned *seconds);

/* Writes the report's line, with its "\n", into buf (size bytes, always
 * terminated): the sample, then each source of the list with its value.
 * Returns the line's length, or -ENOSPC when it did not fit (buf then
 * holds the line cut at a field's end, with its "\n", when size >= 2). */
int memreport_format(char *buf, size_t size, const struct memreport_sample *s, const struct memreport_source *sources);

#endif
