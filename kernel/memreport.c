/*
 * The memory report's parsing and formatting (kernel/memreport.h): pure,
 * built for the host tests as it is. The thread that prints it is
 * kernel/memwatch.c.
 */
#include "kernel/memreport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int memreport_parse_interval(const char *s, unsigned *seconds)
{
	if (s == NULL || *s == '\0')
		return -EINVAL;
	unsigned long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
		/* Stop before the value can overflow, whatever its length. */
		if (v > MEMREPORT_MAX_SECONDS)
			return -EINVAL;
	}
	if (v == 0)
		return -EINVAL;
	*seconds = (unsigned)v;
	return 0;
}

/* Appends one formatted field to the line at *len when it fits with room
 * for the final "\n"; returns whether it did. */
__attribute__((format(printf, 4, 5))) static bool append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	/* Keep one byte for "\n" and one for the terminator. */
	if (n < 0 || (size_t)n + 2 > size - *len) {
		buf[*len] = '\0';
		return false;
	}
	*len += (size_t)n;
	return true;
}

int memreport_format(char *buf, size_t size, const struct memreport_sample *s, const struct memreport_source *sources)
{
	if (size < 2) {
		if (size == 1)
			buf[0] = '\0';
		return -ENOSPC;
	}
	size_t len = 0;
	uint64_t ms = s->t_ns / 1000000u;
	bool fits =
	    append(buf, size, &len, "keel: mem t=%lu.%03lu heap_used=%lu heap_bytes=%lu heap_allocs=%lu free_pages=%lu",
		   (unsigned long)(ms / 1000u), (unsigned long)(ms % 1000u), (unsigned long)s->heap_used,
		   (unsigned long)s->heap_bytes, (unsigned long)s->heap_allocs, (unsigned long)s->free_pages);
	for (const struct memreport_source *src = sources; fits && src; src = src->next)
		fits = append(buf, size, &len, " %s=%lu", src->name, src->value);
	buf[len++] = '\n';
	buf[len] = '\0';
	return fits ? (int)len : -ENOSPC;
}
