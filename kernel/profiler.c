/*
 * The sampling profiler's kernel side (kernel/profile.h): with profile=HZ
 * on the command line, a kernel timer fires HZ times a second and records
 * the instruction pointer its interrupt struck; the report is printed at
 * the VM's exit and, with profile.report=SECONDS, by a thread every
 * SECONDS seconds. Without the option nothing is allocated and no timer
 * runs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/ksyms.h"
#include "kernel/option.h"
#include "kernel/profile.h"
#include "kernel/thread.h"
#include "kernel/timer.h"

/* The options' values, kept as given: options are applied before the
 * console can report a bad one (kernel/option.h). */
static const char *hz_option, *report_option, *top_option;

static void set_hz(const char *value) { hz_option = value; }
static void set_report(const char *value) { report_option = value; }
static void set_top(const char *value) { top_option = value; }
KERNEL_OPTION("profile=", set_hz);
KERNEL_OPTION("profile.report=", set_report);
KERNEL_OPTION("profile.top=", set_top);

static struct profile_table table;
/* What a report groups: a copy of the table taken with interrupts off, so
 * the sampling goes on while the report resolves names. */
static struct profile_entry *taken;
static unsigned hz, top = PROFILE_DEFAULT_TOP;
static uint64_t period_ns, window_start_ns;
static struct timer sample_timer;
static volatile bool sampling;

/* From the APIC timer's interrupt: the innermost interrupted frame is the
 * one this tick struck (interrupts are off while a handler runs, so no
 * other handler is in between). */
static void sample(struct timer *t, void *ctx)
{
	(void)ctx;
	if (!sampling)
		return;
	const struct trap_frame *f = trap_current_frame;
	profile_record(&table, f ? f->rip : 0);
	/* The next tick from this one's deadline, not from now, so the rate
	 * does not drift; a tick that came late does not bring a burst. */
	uint64_t next = t->deadline + period_ns, now = clock_ns();
	if (next <= now)
		next = now + period_ns;
	timer_arm(t, next, sample, NULL);
}

static uint64_t resolve(uint64_t addr, void *ctx)
{
	(void)ctx;
	uint64_t offset;
	if (ksyms_lookup(addr, &offset) == NULL)
		return PROFILE_UNKNOWN;
	return addr - offset;
}

/* Only one report at a time: the exit's may come while the thread's runs
 * (kernel threads are cooperative, but the exit may come from an
 * application thread that preempted it). */
static volatile bool reporting;

static void report(const char *why)
{
	if (taken == NULL || reporting)
		return;
	reporting = true;
	uint64_t samples, dropped;
	bool irq = irq_save();
	size_t n = profile_take(&table, taken, &samples, &dropped);
	uint64_t now = clock_ns(), span = now - window_start_ns;
	window_start_ns = now;
	irq_restore(irq);
	n = profile_group(taken, n, resolve, NULL);
	kprintf("keel: profile%s: %lu samples at %u Hz over %lu.%02lu s, %lu dropped, %lu functions, top %u:\n", why,
		(unsigned long)samples, hz, (unsigned long)(span / 1000000000u),
		(unsigned long)(span % 1000000000u / 10000000u), (unsigned long)dropped, (unsigned long)n, top);
	for (size_t i = 0; i < n && i < top; i++) {
		uint64_t offset;
		const char *name = taken[i].addr == PROFILE_UNKNOWN ? NULL : ksyms_lookup(taken[i].addr, &offset);
		char line[160];
		profile_format_entry(line, sizeof(line), &taken[i], samples,
				     name ? name : "(outside the image's text)");
		kprintf("keel: profile: %s", line);
	}
	reporting = false;
}

void profile_exit_report(void)
{
	if (!sampling)
		return;
	sampling = false;
	report(" at exit");
}

static int reporter(void *arg)
{
	uint64_t interval = (uint64_t)(uintptr_t)arg * 1000000000ull, next = clock_ns();
	for (;;) {
		next += interval;
		uint64_t now = clock_ns();
		if (next > now)
			sleep_ns(next - now);
		else
			next = now;
		report("");
	}
	return 0;
}

static void profiler_start(void)
{
	if (hz_option == NULL)
		return;
	if (profile_parse_uint(hz_option, 1, PROFILE_MAX_HZ, &hz) != 0) {
		kwarn("boot: profile=%s is not a rate from 1 to %u Hz (no profile)\n", hz_option, PROFILE_MAX_HZ);
		return;
	}
	if (top_option && profile_parse_uint(top_option, 1, PROFILE_MAX_TOP, &top) != 0) {
		kwarn("boot: profile.top=%s is not a count from 1 to %u (%u instead)\n", top_option, PROFILE_MAX_TOP,
		      PROFILE_DEFAULT_TOP);
		top = PROFILE_DEFAULT_TOP;
	}
	/* Both tables now, so the interrupt never allocates. */
	table.slots = calloc(PROFILE_SLOTS, sizeof(*table.slots));
	taken = calloc(PROFILE_SLOTS, sizeof(*taken));
	if (table.slots == NULL || taken == NULL) {
		kwarn("boot: no profile: out of memory for its tables\n");
		free(table.slots);
		free(taken);
		taken = NULL;
		return;
	}
	period_ns = 1000000000ull / hz;
	unsigned seconds;
	if (report_option && profile_parse_uint(report_option, 1, PROFILE_MAX_REPORT_SECONDS, &seconds) != 0) {
		kwarn("boot: profile.report=%s is not a whole number of seconds from 1 to %u (reports at exit only)\n",
		      report_option, PROFILE_MAX_REPORT_SECONDS);
	} else if (report_option) {
		struct thread *t;
		int err = thread_create(&t, "profile", reporter, (void *)(uintptr_t)seconds, 0);
		if (err != 0)
			kwarn("boot: profile reports at exit only: cannot start its thread (%d)\n", err);
		else
			thread_detach(t);
	}
	kinfo("keel: profiling at %u Hz\n", hz);
	window_start_ns = clock_ns();
	sampling = true;
	timer_arm(&sample_timer, window_start_ns + period_ns, sample, NULL);
}
/* INIT_LATE: the timers are up; the samples then cover the rest of the
 * boot and the whole application. */
INIT_CALL(INIT_LATE, profiler_start);
