/*
 * dmesg's timestamps for the kernel's log (kernel/logstamp.h).
 */
#include "kernel/logstamp.h"

#include <stdio.h>

size_t logstamp_format(char *buf, uint64_t ns)
{
	uint64_t us = ns / 1000;
	int n =
	    snprintf(buf, LOGSTAMP_MAX, "[%5lu.%06lu] ", (unsigned long)(us / 1000000), (unsigned long)(us % 1000000));
	return n < 0 ? 0 : (size_t)n;
}

void logstamp_lines(void (*put)(void *ctx, const char *s, size_t n), void *ctx, const char *s, size_t n,
		    const char *stamp, size_t len, bool *line_start)
{
	while (n > 0) {
		if (*line_start)
			put(ctx, stamp, len);
		size_t k = 0;
		while (k < n && s[k] != '\n')
			k++;
		/* The line's text, and its newline if it has one here. */
		bool ends = k < n;
		if (ends)
			k++;
		put(ctx, s, k);
		*line_start = ends;
		s += k;
		n -= k;
	}
}
