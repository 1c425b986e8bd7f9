/*
 * The end of the virtual machine (kernel/exit.h), and the C library's
 * ways there.
 */
#include "kernel/exit.h"

#include <stdlib.h>

#include "arch/x86_64/power.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/panic.h"
#include "kernel/profile.h"

/* Weak: an image may leave the profiler out (app.mk: KEEL_KERNEL_OUT). */
extern void profile_exit_report(void) __attribute__((weak));

void kernel_exit(int status)
{
	/* How long the application ran, from the call of main: what a
	 * benchmark of the application (bench/) reads, boot excluded. */
	uint64_t now_us = clock_ns() / 1000, main_us = boot_time_us();
	if (profile_exit_report)
		profile_exit_report();
	kinfo("keel: main ran %lu us\n", now_us > main_us ? now_us - main_us : 0);
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
