/*
 * The dispatcher the system-call entry calls (arch/x86_64/syscall.S):
 * the number looked up among the SYSCALL entries (sys/syscall.h), the
 * handler run with preemption held off and interrupts as the application
 * had them, the result stored for the return.
 */
#include "sys/syscall.h"

#include <errno.h>

#define RFLAGS_IF (1u << 9)

void syscall_dispatch(struct syscall_frame *f);

static const struct syscall_entry *syscall_find(long nr)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++)
		if (e->nr == nr)
			return e;
	return NULL;
}

void syscall_dispatch(struct syscall_frame *f)
{
	struct thread *t = sched_current();
	void *outer = t->syscall_frame;
	t->syscall_frame = f;
	/* The kernel below is cooperative: a system call is not preempted
	 * (it may block, and it yields at preempt_enable when a preemption
	 * came due meanwhile). */
	preempt_disable();
	if (f->rflags & RFLAGS_IF)
		arch_irq_restore(true);
	const struct syscall_entry *e = syscall_find((long)f->rax);
	f->rax = e ? (uint64_t)e->fn((long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8, (long)f->r9)
		   : (uint64_t)-ENOSYS;
	preempt_enable();
	arch_irq_save();
	t->syscall_frame = outer;
}
