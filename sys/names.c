/*
 * The names of Linux's x86-64 system calls, for the log line of a call
 * Keel does not implement. The names are generated at build time from the
 * host's Linux headers (tools/gen-syscall-names.sh), packed one after
 * another in order of number, byte-pair encoded (kernel/bpe.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "kernel/bpe.h"
#include "sys/linux.h"
#include "sys/syscall.h"

static const uint8_t tokens[] = SYSCALL_NAME_TOKENS;
static const uint8_t packed[] = SYSCALL_NAMES_PACKED;

/* Calls are not preempted, and the one caller logs the name at once:
 * one buffer does. */
static char name_buf[32];

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= SYSCALL_NAMES_MAX)
		return NULL;
	const uint8_t *p = packed;
	for (long i = 0; i < nr; i++)
		p += 1 + p[0];
	if (p[0] == 0)
		return NULL;
	bpe_decode(tokens, p + 1, p[0], name_buf, sizeof(name_buf));
	return name_buf;
}
