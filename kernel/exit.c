/*
 * The end of the virtual machine (kernel/exit.h), and the C library's
 * ways there.
 */
#include "kernel/exit.h"

#include <stdlib.h>

#include "arch/x86_64/power.h"
#include "kernel/console.h"
#include "kernel/panic.h"

void kernel_exit(int status)
{
	if (status < 0 || status > KERNEL_EXIT_MAX_APP) {
		kprintf("keel: exit status %d is outside 0..%d; reporting %d\n", status, KERNEL_EXIT_MAX_APP,
			KERNEL_EXIT_OUT_OF_RANGE);
		status = KERNEL_EXIT_OUT_OF_RANGE;
	}
	power_exit(status);
}

void exit(int status) { kernel_exit(status); }

void abort(void) { panic("abort() called"); }

char *getenv(const char *name)
{
	(void)name;
	return NULL;
}
