/*
 * The memory report's thread (kernel/memreport.h): with mem.report=SECONDS
 * on the command line, a kernel thread prints what memory holds every
 * SECONDS seconds, for as long as the VM runs. Without the option nothing
 * runs and nothing is printed.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/memreport.h"
#include "kernel/mm/mm.h"
#include "kernel/mm/pmm.h"
#include "kernel/option.h"
#include "kernel/thread.h"

/* The option's value, kept as given: options are applied before the
 * console can report a bad one (kernel/option.h). */
static const char *interval_option;

static void set_mem_report(const char *value) { interval_option = value; }
KERNEL_OPTION("mem.report=", set_mem_report);

/* Registered sources, newest first. Kernel threads are cooperative and
 * subsystems register from their init calls, so the report never sees the
 * list change under it. */
static struct memreport_source *sources;

void memreport_register(struct memreport_source *src)
{
	src->next = sources;
	sources = src;
}

static int memwatch(void *arg)
{
	unsigned seconds = (unsigned)(uintptr_t)arg;
	/* A line is short: the sample's six numbers and a few sources. */
	static char line[512];
	uint64_t next = clock_ns();
	for (;;) {
		next += (uint64_t)seconds * 1000000000ull;
		uint64_t now = clock_ns();
		if (next > now)
			sleep_ns(next - now);
		else
			next = now; /* the thread ran late: no burst of reports to catch up */
		/* The sources first: a source that allocates while it reads
		 * shows in the same line's heap figures, not the next one's. */
		for (struct memreport_source *s = sources; s; s = s->next)
			s->value = s->read();
		struct mm_stats st;
		mm_stats(&st);
		struct memreport_sample sample = {
			.t_ns = clock_ns(),
			.heap_used = st.heap_used,
			.heap_bytes = st.heap_bytes,
			.heap_allocs = st.heap_allocs,
			.free_pages = st.free_bytes / PAGE_SIZE,
		};
		memreport_format(line, sizeof(line), &sample, sources);
		kprintf("%s", line);
	}
	return 0;
}

static void memwatch_start(void)
{
	if (interval_option == NULL)
		return;
	unsigned seconds;
	if (memreport_parse_interval(interval_option, &seconds) != 0) {
		kwarn("boot: mem.report=%s is not a whole number of seconds from 1 to %u (ignored)\n", interval_option,
		      MEMREPORT_MAX_SECONDS);
		return;
	}
	struct thread *t;
	int err = thread_create(&t, "memwatch", memwatch, (void *)(uintptr_t)seconds, 0);
	if (err != 0) {
		kwarn("boot: no memory report: cannot start its thread (%d)\n", err);
		return;
	}
	thread_detach(t);
}
/* INIT_LATE: the timers are up, so the thread can sleep. Sources may
 * register before or after it starts: each report reads the list anew. */
INIT_CALL(INIT_LATE, memwatch_start);
