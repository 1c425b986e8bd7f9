/*
 * The report of a CPU exception: which one, where (the faulting function
 * by name), the registers and a backtrace, then the VM's end with
 * KERNEL_EXIT_EXCEPTION. Keel does not page or emulate anything, so every
 * exception is a bug in the kernel or the application.
 */
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "arch/x86_64/power.h"
#include "kernel/thread.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"

#define NULL_GUARD_SIZE 0x10000 /* arch/x86_64/paging.c leaves the first 64 KiB unmapped */

/* Up to the last vector with a name: the rest are reserved. */
static const char *const exception_names[22] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range exceeded",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack-segment fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating-point error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating-point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
};

static void print_regs(const struct trap_frame *f)
{
	kprintf("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
	kprintf("r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
	kprintf("rip %016lx rflags %08lx cs %04lx ss %04lx cr3 %016lx\n", f->rip, f->rflags, f->cs, f->ss, read_cr3());
}

static void explain_page_fault(const struct trap_frame *f, uint64_t cr2)
{
	uint64_t e = f->error_code;
	kprintf("page fault: %s of address 0x%lx (%s%s%s)\n",
		(e & 16)  ? "instruction fetch"
		: (e & 2) ? "write"
			  : "read",
		cr2, (e & 1) ? "protection violation" : "page not mapped", (e & 8) ? ", reserved bit set" : "",
		(e & 4) ? ", user mode" : "");
	const char *who = thread_guard_owner(cr2);
	if (cr2 < NULL_GUARD_SIZE)
		kprintf("cause: a NULL pointer dereference (the first 64 KiB are never mapped)\n");
	else if (who)
		kprintf("cause: stack overflow in thread '%s': the access hit the guard page below its stack\n", who);
}

/* From the system-call layer's part of arch (syscall_arch.c), linked
 * with sys/: an image without it has no application hlt to recognise. */
extern __typeof__(app_hlt_site) app_hlt_site __attribute__((weak));

void exception_report(struct trap_frame *f)
{
	/* One of the application's hlt instructions, made an int3 at start
	 * (app_hlt_sites_trap): a crash on purpose, not a breakpoint. */
	if (f->vector == TRAP_BREAKPOINT && app_hlt_site && app_hlt_site(f->rip))
		app_crash_report(f);
	panic_begin();
	unsigned v = (unsigned)f->vector;
	uint64_t cr2 = read_cr2();
	const char *name = v < sizeof(exception_names) / sizeof(exception_names[0]) && exception_names[v]
			       ? exception_names[v]
			       : "reserved exception";
	uint64_t off;
	const char *fn = ksyms_lookup(f->rip, &off);

	kprintf("\n*** keel: CPU exception %u (%s), error code 0x%lx\n", v, name, f->error_code);
	if (fn)
		kprintf("in %s+0x%lx (rip 0x%lx), thread '%s'\n", fn, off, f->rip, thread_current_name());
	else if (ksyms_in_text(f->rip))
		kprintf("at rip 0x%lx, thread '%s'\n", f->rip, thread_current_name());
	else
		kprintf("at rip 0x%lx (outside the kernel's text), thread '%s'\n", f->rip, thread_current_name());
	if (v == TRAP_PAGE_FAULT)
		explain_page_fault(f, cr2);
	else
		kprintf("cr2 %016lx\n", cr2);
	print_regs(f);
	backtrace_print_interrupted(f->rip, f->rbp, f->rsp);
	power_exit(KERNEL_EXIT_EXCEPTION);
}

void app_crash_report(struct trap_frame *f)
{
	panic_begin();
	uint64_t off = 0;
	const char *fn = ksyms_lookup(f->rip - 1, &off);
	if (fn)
		kprintf("\n*** keel: the application crashed: hlt in %s+0x%lx (rip 0x%lx), thread '%s'\n", fn, off,
			f->rip - 1, thread_current_name());
	else
		kprintf("\n*** keel: the application crashed: hlt at rip 0x%lx, thread '%s'\n", f->rip - 1,
			thread_current_name());
	kprintf("cause: a check in the C library failed (musl's a_crash: the stack protector, the heap's checks)\n");
	print_regs(f);
	backtrace_print_interrupted(f->rip - 1, f->rbp, f->rsp);
	power_exit(KERNEL_EXIT_EXCEPTION);
}
