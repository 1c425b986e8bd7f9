/*
 * Threads and the scheduler, one CPU. Kernel threads are cooperative: one
 * runs until it blocks, sleeps, yields or exits, and drivers rely on it.
 * Application threads (marked preemptible) are also preempted: after a
 * time slice (SCHED_SLICE_NS) when another thread is runnable, and at
 * once when an interrupt wakes a kernel thread. Preemption happens only
 * at the end of an interrupt that struck the thread with interrupts
 * enabled and preempt_count zero, or at preempt_enable(). Interrupt
 * handlers only make threads runnable. When nothing can run, the CPU
 * halts until an interrupt.
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
/* How long a preemptible thread runs while another waits: 10 ms, short
 * enough for interactive latency between application threads, long
 * enough that switching costs little. The timer is armed only while a
 * preemptible thread runs and another thread is runnable. */
#define SCHED_SLICE_NS (10 * 1000000ull)

enum thread_state {
	THREAD_RUNNABLE, /* running, or on the run queue */
	THREAD_BLOCKED,
	THREAD_EXITED,
};

/* The system-call layer's per-thread signal state (sys/signals.c); the
 * scheduler only holds it. */
struct thread_signals {
	uint64_t blocked, pending; /* bit n-1 for signal n */
	uint64_t saved_mask;	   /* rt_sigsuspend's mask to put back */
	bool mask_saved;
	bool restore; /* rt_sigreturn: rcx and r11 below go back too */
	uint64_t restore_rcx, restore_r11;
	uint64_t altstack_sp, altstack_size;
	uint64_t waitset; /* rt_sigtimedwait's set, which wakes it blocked */
	int8_t code[64];  /* si_code of each pending signal */
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

	/* The arch layer's machine state besides the stack: the FPU/SIMD save
	 * area (NULL for the boot thread), whether the thread has used the
	 * FPU, its FS base (arch/x86_64/fpu.c). */
	void *fpu_area;
	bool fpu_used;
	uint64_t fs_base;

	/* Preemption: whether the thread may be preempted at all, and how
	 * many preempt_disable() calls it holds. */
	bool preemptible;
	int preempt_count;
	/* The system-call layer's: the innermost syscall frame, the address
	 * cleared and woken at exit (set_tid_address), its thread id. */
	void *syscall_frame;
	uint32_t *clear_child_tid;
	int tid;
	/* Nonzero when the way back to the application has work (a signal
	 * to deliver, a context to restore): the one word the system-call
	 * exit tests. Set and cleared by the system-call layer only. */
	uint32_t sig_work;
	/* Whether the thread sleeps in waitq_wait_interruptible, which
	 * sched_interrupt may end early. */
	bool wait_interruptible;
	struct thread_signals sig;
};

/* The boot context becomes the thread "boot", on the given stack (whose
 * guard page is the page below it). */
void sched_init(uintptr_t boot_stack, size_t boot_stack_size);
struct thread *sched_current(void);

/* Marks t preemptible (an application thread) or cooperative (the
 * default). A preemptible thread must call kernel code that is not
 * interrupt-safe (the heap, the console, drivers) only between
 * preempt_disable() and preempt_enable(); the system-call entry does so
 * for every system call. */
void sched_set_preemptible(struct thread *t, bool preemptible);

/* Holds off preemption of the running thread; nests. preempt_enable()
 * yields when a preemption came due meanwhile. Cheap: a counter in the
 * thread. Kernel threads may call them too (they are never preempted). */
void preempt_disable(void);
void preempt_enable(void);

/* Called by the arch layer at the end of every interrupt, interrupts
 * disabled, on the interrupted thread's stack: switches away when the
 * interrupted thread is preemptible, holds no preempt_disable, and a
 * slice ended or a kernel thread was woken. */
void sched_interrupt_exit(void);

/* The thread whose stack guard page holds addr, or NULL. */
struct thread *sched_guard_owner(uint64_t addr);

/* The first live thread (newest first) for which match(t, ctx) holds,
 * or NULL. Interrupts disabled. */
struct thread *sched_thread_find(bool (*match)(const struct thread *t, const void *ctx), const void *ctx);

/* Like waitq_wait (interrupts disabled), but answers -EINTR at once when
 * the caller's sig_work is set, and when sched_interrupt ends the wait. */
int waitq_wait_interruptible(struct waitq *q, uint64_t deadline);
/* Ends t's wait with -EINTR when it sleeps in waitq_wait_interruptible;
 * otherwise does nothing. Interrupts disabled; safe from handlers. */
void sched_interrupt(struct thread *t);

/* Counts since boot, for reports and tests. */
extern unsigned long sched_switches, sched_idle_halts, sched_preemptions;

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

/* The running thread's FS base (the thread pointer of musl's TLS), kept
 * across switches: arch_prctl(ARCH_SET_FS) and clone's TLS. */
void arch_set_fs_base(uint64_t base);
uint64_t arch_get_fs_base(void);

/* Where a new thread starts (with interrupts disabled). */
__attribute__((noreturn)) void sched_thread_entry(void);

#endif
