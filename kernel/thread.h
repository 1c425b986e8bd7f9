/*
 * Kernel threads (kernel/sched.c): cooperative, on one CPU. A thread runs
 * until it blocks, sleeps, yields or exits. Each has its own stack with
 * an unmapped guard page below it. include/keel.h offers the same to
 * applications through kernel/keel_api.c.
 */
#ifndef KEEL_THREAD_H
#define KEEL_THREAD_H

#include <stddef.h>
#include <stdint.h>

struct thread;

/* Starts fn(arg) in a new thread named name (copied; at most 15 bytes
 * kept) with a stack of stack_size bytes (0: 64 KiB; rounded up to pages).
 * The new thread runs when the caller next blocks or yields.
 * Returns 0 and *out, or -ENOMEM, -EINVAL (fn NULL). */
int thread_create(struct thread **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size);
/* Waits for t to end and frees it; *status (if not NULL) gets its status.
 * Returns 0, -EDEADLK (t is the caller), -EINVAL (detached or joined). */
int thread_join(struct thread *t, int *status);
/* t frees itself when it ends. Returns 0 or -EINVAL. */
int thread_detach(struct thread *t);
/* Lets every other runnable thread run once before the caller again. */
void thread_yield(void);
__attribute__((noreturn)) void thread_exit(int status);
struct thread *thread_self(void);
const char *thread_name(const struct thread *t);
/* Renames t (copied; at most 15 bytes kept, as thread_create keeps them). */
void thread_set_name(struct thread *t, const char *name);

/* Sleeps at least ns nanoseconds (relative, as every kernel timeout). */
void sleep_ns(uint64_t ns);

/* Counters since boot (arch/x86_64/thread_arch.c). */
struct sched_stats {
	unsigned long switches;		/* context switches */
	unsigned long idle_halts;	/* times the CPU halted with nothing to run */
	unsigned long timer_interrupts; /* from the local APIC timer */
	unsigned long interrupts;	/* all device and timer interrupts */
	unsigned long spurious;		/* spurious or unclaimed, counted and ignored */
	unsigned long preemptions;	/* preemptible threads switched away from */
};
void sched_stats(struct sched_stats *s);

/* For fault reports: the running thread's name, and the name of the
 * thread whose stack guard page holds addr (or NULL). */
const char *thread_current_name(void);
const char *thread_guard_owner(uint64_t addr);

#endif
