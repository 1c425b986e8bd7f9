/*
 * The printf formatter, shared by snprintf (lib/stdio.c) and the kernel's
 * console. It writes through a sink, in pieces, so that neither needs a
 * buffer for the whole output; it allocates nothing and keeps its own
 * stack use small, so it is safe in interrupt handlers and panics.
 *
 * The formats are those of <stdio.h>: C11's d i u o x X c s p and %%, with
 * the flags - + space # 0, width and precision (also as *), and the length
 * modifiers hh h l ll z j t on integers; each prints exactly as glibc's
 * printf does. No floating point, no %n, no wide characters, no positional
 * (%1$d) arguments: a conversion Keel does not support is output as it is
 * written, taking no argument.
 */
#ifndef KEEL_LIB_FORMAT_H
#define KEEL_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the next n characters of output (not terminated). */
typedef void (*format_sink_fn)(void *ctx, const char *s, size_t n);

/* Formats like vsnprintf, handing output to sink in pieces; returns the
 * number of characters produced, or -1 with errno set to EOVERFLOW when
 * that number (or a width or precision) would exceed INT_MAX. */
int format_v(format_sink_fn sink, void *ctx, const char *fmt, va_list ap);

#endif
