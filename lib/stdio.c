/*
 * snprintf and its relatives: the formatter of format.c writing into a
 * caller's buffer, keeping what fits and counting what does not.
 */
#include <stdio.h>

#include <stdint.h>
#include <string.h>

#include "format.h"

struct buffer {
	char *buf;
	size_t capacity; /* characters that fit, not counting the NUL */
	size_t len;	 /* characters stored */
};

static void buffer_sink(void *ctx, const char *s, size_t n)
{
	struct buffer *b = ctx;
	size_t room = b->capacity - b->len;
	size_t k = n < room ? n : room;
	/* Once the buffer is full (or from the start when n is 0, and buf
	 * may be NULL) the rest is dropped; format_v still counts it. */
	if (k == 0)
		return;
	memcpy(b->buf + b->len, s, k);
	b->len += k;
}

int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap)
{
	struct buffer b = { .buf = buf, .capacity = n > 0 ? n - 1 : 0, .len = 0 };
	int ret = format_v(buffer_sink, &b, fmt, ap);
	if (n > 0)
		buf[b.len] = '\0';
	return ret;
}

int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return ret;
}

/* Without a size, the buffer is trusted to be large enough. */
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap) { return vsnprintf(buf, SIZE_MAX, fmt, ap); }

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int ret = vsnprintf(buf, SIZE_MAX, fmt, ap);
	va_end(ap);
	return ret;
}
