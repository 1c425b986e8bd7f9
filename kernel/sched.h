/*
 * The scheduler's side of threads (kernel/thread.h is their API): cooperative, one CPU. A thread runs until it
 * blocks, sleeps, yields or exits; interrupt handlers only make threads
 * runnable. When nothing can run, the CPU halts until an interrupt.
 *
 * Everything here runs with interrupts disabled (the arch layer saves and
 * restores them), since handlers touch the run queue and wait queues.
 */
#ifndef KEEL_SCHED_H
#define KEEL_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/clock.h"
#include "kernel/thread.h"
#include "kernel/timerq.h"
#include "kernel/waitq.h"

#define THREAD_NAME_MAX 16
#define THREAD_DEFAULT_STACK (64 * 1024)

enum thread_state {
	THREAD_RUNNABLE, /* running, or on the run queue */
	THREAD_BLOCKED,
	THREAD_EXITED,
};

struct thread {
	uint64_t saved_sp; /* the arch layer's: the stack pointer while switched out */
	void *arch;	   /* the arch layer's, for host tests */
	char name[THREAD_NAME_MAX];
	enum thread_state state;
	int (*fn)(void *);
	void *arg;
	int status; /* what fn returned */
	int errno_value;
	bool detached, joined;

	/* The stack: [stack, stack + stack_size), a guard page below. */
	uintptr_t stack;
	size_t stack_size;

	struct thread *run_next;	  /* run queue */
	struct thread *all_next;	  /* every thread, for reports */
	struct waitq *waiting_on;	  /* the queue it sleeps in */
	struct thread *wq_next, *wq_prev; /* its place in that queue */
	int wake_result;		  /* 0, or -ETIMEDOUT */
	struct timer timeout;
	struct waitq joiners;
};

/* The boot context becomes the thread "boot", on the given stack (whose
 * guard page is the page below it). */
void sched_init(uintptr_t boot_stack, size_t boot_stack_size);
struct thread *sched_current(void);

/* The thread whose stack guard page holds addr, or NULL. */
struct thread *sched_guard_owner(uint64_t addr);

/* Counts since boot, for reports and tests. */
extern unsigned long sched_switches, sched_idle_halts;

/* --- The arch layer (arch/x86_64/thread_arch.c; a host version for tests) --- */
bool arch_irq_save(void);
void arch_irq_restore(bool state);
/* Stack memory for a thread (with a guard page below when the platform
 * has one), and its release. */
int arch_stack_alloc(struct thread *t, size_t size);
void arch_stack_free(struct thread *t);
/* Prepares t to start in sched_thread_entry() when first switched to. */
void arch_thread_init(struct thread *t);
void arch_switch(struct thread *from, struct thread *to);
/* Waits for an interrupt with interrupts enabled, returning with them
 * disabled. */
void arch_idle(void);
/* Timers the scheduler uses (the clock is clock_ns, kernel/clock.h). */
void arch_timer_arm(struct timer *t, uint64_t deadline, timer_fn fn, void *ctx);
bool arch_timer_cancel(struct timer *t);

/* Where a new thread starts (with interrupts disabled). */
__attribute__((noreturn)) void sched_thread_entry(void);

#endif
