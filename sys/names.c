/*
 * The names of Linux's x86-64 system calls, for the log line of a call
 * Keel does not implement. The table is generated at build time from the
 * host's Linux headers (tools/gen-syscall-names.sh).
 */
#include <stddef.h>

#include "sys/linux.h"
#include "sys/syscall.h"

static const char *const names[SYSCALL_NAMES_MAX] = { SYSCALL_NAMES_INIT };

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= SYSCALL_NAMES_MAX)
		return NULL;
	return names[nr];
}
