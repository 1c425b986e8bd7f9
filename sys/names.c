/*
 * The names of Linux's x86-64 system calls, for the log line of a call
 * Keel does not implement. The names are generated at build time from the
 * host's Linux headers (tools/gen-syscall-names.sh), packed one after
 * another in order of number.
 */
#include <stddef.h>
#include <string.h>

#include "sys/linux.h"
#include "sys/syscall.h"

static const char packed[] = SYSCALL_NAMES_PACKED;

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= SYSCALL_NAMES_MAX)
		return NULL;
	const char *p = packed;
	for (long i = 0; i < nr; i++)
		p += strlen(p) + 1;
	return *p ? p : NULL;
}
