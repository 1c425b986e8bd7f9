/*
 * The dispatcher: the table of handlers by number, built once from the
 * entries every family registered with SYSCALL(), and the answer to the
 * calls nobody registered (-ENOSYS, logged once per number by name). The
 * handler runs with preemption held off, interrupts as the application
 * had them, and the frame recorded in the calling thread (clone copies
 * it).
 */
#include "sys/syscall.h"

#include <errno.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/syscall.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "sys/linux.h"
#include "sys/signal.h"

#define TABLE_SIZE SYSCALL_TABLE_SIZE
_Static_assert(SYSCALL_NAMES_MAX <= TABLE_SIZE, "every Linux system call has a slot");

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];

/* Read by the entry (arch/x86_64/syscall.S), which serves the
 * SYSCALL_FAST numbers itself and answers the SYSCALL_CONST ones from
 * syscall_const_value. */
syscall_fn syscall_table[TABLE_SIZE];
uint64_t syscall_fast_map[TABLE_SIZE / 64];
uint64_t syscall_const_map[TABLE_SIZE / 64];
long syscall_const_value[TABLE_SIZE];
static uint64_t logged[TABLE_SIZE / 64];
unsigned long syscall_unknown_count;

/* A registration the table cannot take stops the boot, naming the
 * handler when the image has its symbol table, else by address
 * (tools/symbolize names it). */
__attribute__((noreturn)) static void refuse(const struct syscall_entry *e, const char *how, const char *why)
{
	uint64_t off;
	const char *name = ksyms_lookup((uintptr_t)e->fn, &off);
	panic("syscall: %s (%p) registered %s number %d%s", name ? name : "the handler", (void *)e->fn, how, e->nr,
	      why);
}

static void build_table(void)
{
	for (const struct syscall_entry *e = __syscalls_start; e < __syscalls_end; e++) {
		if (e->nr < 0 || e->nr >= TABLE_SIZE)
			refuse(e, "for", ", outside the table");
		if (syscall_table[e->nr])
			refuse(e, "twice for", "");
		syscall_table[e->nr] = e->fn;
		uint64_t *map = e->kind == SYSCALL_KIND_FAST ? syscall_fast_map : syscall_const_map;
		if (e->kind == SYSCALL_KIND_CONST)
			syscall_const_value[e->nr] = e->fn(0, 0, 0, 0, 0, 0);
		if (e->kind != SYSCALL_KIND_FULL)
			map[e->nr / 64] |= 1ull << (e->nr % 64);
	}
}

/* The names' table (sys/names.c) may stay out of an image
 * (KEEL_SYSCALLS_OUT): the log line then gives the number alone. */
extern __typeof__(syscall_name) syscall_name __attribute__((weak));

static long unknown(long nr)
{
	if (nr >= 0 && nr < TABLE_SIZE) {
		uint64_t bit = 1ull << (nr % 64);
		if (logged[nr / 64] & bit)
			return -ENOSYS;
		logged[nr / 64] |= bit;
	}
	syscall_unknown_count++;
	const char *name = syscall_name ? syscall_name(nr) : NULL;
	kwarn("syscall: %s (%ld) is not implemented: -ENOSYS\n", name ? name : "unknown", nr);
	return -ENOSYS;
}

/* The table is built at boot, so that a number registered twice stops
 * the boot before the application runs, whatever it calls. */
static void syscall_init(void)
{
	build_table();
	syscall_arch_init();
}
INIT_CALL(INIT_ARCH, syscall_init);

/* The signal calls may stay out of an image (KEEL_SYSCALLS_OUT): then
 * nothing sets sig_work, and this is never called. */
extern __typeof__(signal_syscall_exit) signal_syscall_exit __attribute__((weak));

void syscall_dispatch(struct syscall_frame *f)
{
	long nr = (long)f->rax;
	struct thread *t = sched_current();
	void *outer = t->syscall_frame;
	t->syscall_frame = f;
	/* The kernel below is cooperative: a system call is not preempted
	 * (it may block, and it yields at preempt_enable when a preemption
	 * came due meanwhile). Preemption is held off before interrupts are
	 * let in, so none can switch away in between. */
	preempt_disable();
	if (f->rflags & RFLAGS_IF)
		irq_enable();
	syscall_fn fn = nr >= 0 && nr < TABLE_SIZE ? syscall_table[nr] : NULL;
	long ret =
	    fn ? fn((long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8, (long)f->r9) : unknown(nr);
	f->rax = (uint64_t)ret;
	preempt_enable();
	irq_disable();
	t->syscall_frame = outer;
	/* One load and a branch when no signal waits: the slow path leaves
	 * by iretq with the signal's frame built, or the context restored. */
	if (t->sig_work && signal_syscall_exit)
		signal_syscall_exit(f, nr);
}
