/*
 * The machine side of threads on x86-64: stacks from the page allocator
 * with an unmapped guard page below each, the context switch
 * (arch/x86_64/switch.S), halting while idle, and the clock and timers.
 */
#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/irq.h"
#include "arch/x86_64/lapic.h"
#include "kernel/mm/mm.h"
#include "arch/x86_64/paging.h"
#include "kernel/sched.h"
#include "kernel/thread.h"
#include "kernel/timer.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"

#define GUARD 4096u

void context_switch(uint64_t *save_sp, uint64_t load_sp);
void thread_start(void);

bool arch_irq_save(void) { return irq_save(); }
void arch_irq_restore(bool state) { irq_restore(state); }

int arch_stack_alloc(struct thread *t, size_t size)
{
	uint64_t pages = size / 4096 + 1;
	uint64_t base = mm_alloc_pages(pages);
	if (base == 0)
		return -ENOMEM;
	if (paging_map(base, GUARD, MAP_NONE) != 0) {
		mm_free_pages(base, pages);
		return -ENOMEM;
	}
	t->stack = base + GUARD;
	t->stack_size = size;
	return 0;
}

void arch_stack_free(struct thread *t)
{
	uint64_t base = t->stack - GUARD;
	/* The guard page becomes ordinary memory again before it goes back. */
	paging_map(base, GUARD, MAP_WRITE);
	mm_free_pages(base, t->stack_size / 4096 + 1);
	t->stack = 0;
}

void arch_thread_init(struct thread *t)
{
	/* The FPU save area sits at the top of the stack memory, 64-byte
	 * aligned as XSAVE wants; the stack proper starts below it. */
	uintptr_t top = t->stack + t->stack_size;
	size_t fpu = fpu_state_size();
	if (fpu) {
		top = (top - fpu) & ~(uintptr_t)63;
		t->fpu_area = (void *)top;
		fpu_state_init(t->fpu_area);
	}
	/* The creator's thread pointer: application code that starts a thread
	 * through the kernel's API (keel_thread_create) runs it with its own
	 * TLS, as it did before FS bases were per thread, and its stack
	 * protector reads a valid %fs:0x28. clone sets its own. */
	t->fs_base = arch_get_fs_base();
	uint64_t *sp = (uint64_t *)top;
	*--sp = 0;				   /* padding: thread_start realigns */
	*--sp = (uint64_t)(uintptr_t)thread_start; /* context_switch returns here */
	for (int i = 0; i < 6; i++)
		*--sp = 0; /* rbp, rbx, r12-r15 */
	t->saved_sp = (uint64_t)(uintptr_t)sp;
}

void arch_switch(struct thread *from, struct thread *to)
{
	fpu_switch(from, to);
	/* Interrupts that strike `to` off its own stack (on an application
	 * stack) run on the top of it, below the FPU area. */
	trap_set_kernel_stack(to->stack - GUARD, to->fpu_area ? (uintptr_t)to->fpu_area : to->stack + to->stack_size);
	context_switch(&from->saved_sp, to->saved_sp);
}

void arch_idle(void)
{
	irq_enable_and_halt();
	irq_disable();
}

void arch_timer_arm(struct timer *t, uint64_t deadline, timer_fn fn, void *ctx) { timer_arm(t, deadline, fn, ctx); }

bool arch_timer_cancel(struct timer *t) { return timer_cancel(t); }

void sched_stats(struct sched_stats *s)
{
	s->switches = sched_switches;
	s->idle_halts = sched_idle_halts;
	s->timer_interrupts = timer_interrupts;
	s->interrupts = trap_irq_count;
	s->spurious = lapic_spurious_count + trap_unhandled_count;
	s->preemptions = sched_preemptions;
}

/* --- for reports (kernel/thread.h) --- */

const char *thread_current_name(void) { return sched_current()->name; }

const char *thread_guard_owner(uint64_t addr)
{
	struct thread *t = sched_guard_owner(addr);
	return t ? t->name : NULL;
}
