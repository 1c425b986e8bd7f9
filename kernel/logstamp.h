/*
 * Timestamps at the start of each line of the kernel's log, as dmesg shows
 * them ("[    0.012345] "): seconds and microseconds since the kernel's
 * first instruction. Kernel option "timestamps" turns them on.
 */
#ifndef KEEL_LOGSTAMP_H
#define KEEL_LOGSTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for the widest stamp, its NUL included. */
#define LOGSTAMP_MAX 32

/* Writes the stamp of ns into buf (at least LOGSTAMP_MAX bytes); returns
 * its length. */
size_t logstamp_format(char *buf, uint64_t ns);

/* Hands s (n bytes) to put, with stamp (len bytes) before each line that
 * begins in it: at its start when *line_start, and after each newline
 * that more text follows. *line_start says afterwards whether s ended a
 * line. */
void logstamp_lines(void (*put)(void *ctx, const char *s, size_t n), void *ctx, const char *s, size_t n,
		    const char *stamp, size_t len, bool *line_start);

#endif
