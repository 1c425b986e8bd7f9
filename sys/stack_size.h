/*
 * The size of the application's main stack: 8 MiB, as Linux gives a
 * program under its default limit, unless the kernel option stack=SIZE
 * says otherwise (sys/start.c). Keel maps the whole stack when the
 * application starts, so a small appliance that needs little stack
 * boots in less memory with a smaller one.
 */
#ifndef KEEL_SYS_STACK_SIZE_H
#define KEEL_SYS_STACK_SIZE_H

#include <stdint.h>

#define STACK_SIZE_DEFAULT (UINT64_C(8) << 20)
#define STACK_SIZE_MIN (UINT64_C(64) << 10)
#define STACK_SIZE_MAX (UINT64_C(1) << 30)

/* Parses a size in bytes, with an optional suffix K, M or G (powers of
 * 1024), rounded up to whole 4 KiB pages: 0 and the size in *bytes, or
 * -EINVAL (not a size, or outside STACK_SIZE_MIN..STACK_SIZE_MAX). */
int stack_size_parse(const char *text, uint64_t *bytes);

#endif
