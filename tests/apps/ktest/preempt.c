/*
 * Boot tests of preemption and of FPU/SSE state across it. This file is
 * compiled with SSE and the x87 enabled (APP_FPU_SRCS in app.mk), as an
 * application's code would be; the threads that compute here call
 * nothing of the kernel but the clock, which is safe while preemptible.
 */
#include <keel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ktest.h"

#define MS 1000000ull

static volatile int spin_stop;
static volatile unsigned long spin_loops;

/* Never blocks, never yields: only preemption lets others run. */
static int spinner(void *arg)
{
	uint64_t until = keel_clock_ns() + (uint64_t)(uintptr_t)arg;
	while (!spin_stop && keel_clock_ns() < until)
		spin_loops++;
	return 0;
}

/* A thread spins for 2 s while this one keeps a 10 ms period: each
 * wake-up's lateness is measured against its deadline. */
static int periodic_beside_spinner(void)
{
	keel_thread_t *t;
	if (keel_thread_create(&t, "spinner", spinner, (void *)(uintptr_t)(2200 * MS), 0) != 0)
		return 1;
	keel_thread_set_preemptible(t, true);
	keel_thread_yield(); /* the spinner starts first */
	uint64_t start = keel_clock_ns(), worst = 0, total = 0;
	unsigned n = 200, late_15ms = 0;
	unsigned long loops0 = spin_loops;
	for (unsigned i = 1; i <= n; i++) {
		uint64_t deadline = start + i * 10 * MS, now = keel_clock_ns();
		if (deadline > now)
			keel_sleep_ns(deadline - now);
		uint64_t late = keel_clock_ns() - deadline;
		total += late;
		late_15ms += late >= 15 * MS;
		if (late > worst)
			worst = late;
	}
	unsigned long spun = spin_loops - loops0;
	spin_stop = 1;
	keel_thread_join(t, NULL);
	/* Without preemption every wake-up would wait for the spinner's
	 * end (2 s); with slices alone, up to 10 ms. On a loaded host,
	 * QEMU itself may not run for tens of milliseconds now and then,
	 * which the guest sees as lateness it cannot help: 1% of the
	 * wake-ups may be 15 ms late, and the worst is printed. */
	int ok = late_15ms <= n / 100 && total / n < 5 * MS && spun > 0;
	printf("ktest: 10 ms period beside a spinning thread for 2 s: worst lateness %lu us, mean %lu us, "
	       "%u of %u wake-ups 15 ms late or more, %lu spins meanwhile: %s\n",
	       (unsigned long)(worst / 1000), (unsigned long)(total / n / 1000), late_15ms, n, spun,
	       ok ? "ok" : "FAIL");
	return !ok;
}

/* Two threads compute the same sums of doubles (SSE) and long doubles
 * (x87) in rounds, each under its own SSE rounding mode, and check that
 * every round gives bit for bit what the first gave. Only slices switch
 * between them; state leaking from one to the other would change a sum. */
struct fpu_worker {
	unsigned mxcsr; /* the rounding mode this thread computes in */
	double scale;	/* differs between the threads */
	volatile unsigned long rounds, bad, interleaved;
	volatile unsigned long *other_rounds;
	double first;
	long double first_x87;
};

__attribute__((noinline)) static double sum_sse(double scale, long double *x87)
{
	double s = 0.0;
	long double l = 0.0L;
	for (int i = 1; i <= 20000; i++) {
		double v = scale / ((double)i * (double)i + 0.5);
		s += v;
		l += (long double)v * 1.000001L;
	}
	*x87 = l;
	return s;
}

static int fpu_work(void *arg)
{
	struct fpu_worker *w = arg;
	__asm__ volatile("ldmxcsr %0" ::"m"(w->mxcsr));
	uint64_t until = keel_clock_ns() + 1500 * MS;
	unsigned long seen = *w->other_rounds;
	while (keel_clock_ns() < until) {
		long double l;
		double s = sum_sse(w->scale, &l);
		if (w->rounds == 0) {
			w->first = s;
			w->first_x87 = l;
		} else if (s != w->first || l != w->first_x87) {
			w->bad++;
		}
		w->rounds++;
		if (*w->other_rounds != seen) {
			seen = *w->other_rounds;
			w->interleaved++;
		}
	}
	/* The rounding mode and masks survived; the low six bits are sticky
	 * exception flags (inexact results set them). */
	unsigned m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	if ((m & ~0x3fu) != w->mxcsr)
		w->bad++;
	return 0;
}

static int fpu_beside_each_other(void)
{
	/* 0x1f80: round to nearest; 0x3f80: round down; all exceptions masked. */
	struct fpu_worker a = { .mxcsr = 0x1f80, .scale = 1.0 }, b = { .mxcsr = 0x3f80, .scale = 3.0 };
	a.other_rounds = &b.rounds;
	b.other_rounds = &a.rounds;
	struct keel_sched_stats before, after;
	keel_sched_stats(&before);
	keel_thread_t *ta, *tb;
	if (keel_thread_create(&ta, "fpu-a", fpu_work, &a, 0) != 0 ||
	    keel_thread_create(&tb, "fpu-b", fpu_work, &b, 0) != 0)
		return 1;
	keel_thread_set_preemptible(ta, true);
	keel_thread_set_preemptible(tb, true);
	keel_thread_join(ta, NULL);
	keel_thread_join(tb, NULL);
	keel_sched_stats(&after);
	unsigned long pre = after.preemptions - before.preemptions;
	/* The two threads round differently: their sums must differ. */
	int ok = a.rounds > 1 && b.rounds > 1 && a.bad == 0 && b.bad == 0 && a.interleaved > 10 && b.interleaved > 10 &&
		 pre >= 50 && a.first * 3.0 != b.first;
	printf("ktest: two FPU threads, 1.5 s each: %lu and %lu rounds, %lu and %lu wrong, interleaved %lu and %lu "
	       "times, %lu preemptions: %s\n",
	       a.rounds, b.rounds, a.bad, b.bad, a.interleaved, b.interleaved, pre, ok ? "ok" : "FAIL");
	return !ok;
}

int ktest_preempt(int argc, char **argv)
{
	int failed = periodic_beside_spinner();
	failed |= fpu_beside_each_other();
	return failed;
}
