/*
 * Delivery of signals to handlers, as Linux on x86-64: on the way back to
 * the application from a system call (signal_syscall_exit) and from an
 * interrupt that struck application code (the trap exit hook), the
 * thread's next deliverable signal either takes its default action or
 * gets a frame on the application's stack (sys/sigframe.h): the saved
 * registers, FPU state and mask, then the handler runs with rdi = the
 * signal, rsi = &info, rdx = &uc, returning into sa_restorer (musl's
 * __restore_rt), which calls rt_sigreturn.
 *
 * Both paths work on a struct trap_frame and leave by iretq: unlike the
 * system-call exit (which rebuilds rcx and r11 from rip and rflags), it
 * restores all sixteen registers, which a context interrupted anywhere
 * needs. The frame is written below the red zone of the interrupted
 * stack pointer, so nothing the application keeps there is touched.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/sched.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/signal.h"
#include "sys/syscall.h"

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define SYSCALL_INSN_LEN 2

static void regs_to_sigcontext(const struct trap_frame *f, struct linux_sigcontext *c)
{
	c->r8 = f->r8, c->r9 = f->r9, c->r10 = f->r10, c->r11 = f->r11;
	c->r12 = f->r12, c->r13 = f->r13, c->r14 = f->r14, c->r15 = f->r15;
	c->rdi = f->rdi, c->rsi = f->rsi, c->rbp = f->rbp, c->rbx = f->rbx;
	c->rdx = f->rdx, c->rax = f->rax, c->rcx = f->rcx, c->rsp = f->rsp;
	c->rip = f->rip, c->eflags = f->rflags;
	c->cs = (uint16_t)f->cs, c->ss = (uint16_t)f->ss;
}

/* An interrupted call that a handler follows: -EINTR, or restarted (the
 * `syscall` instruction again, with its number back in rax) when the
 * handler has LINUX_SA_RESTART and the call allows it. */
static void fix_interrupted_call(struct trap_frame *f, long nr, bool restart)
{
	long r = (long)f->rax;
	if (nr < 0 || (r != -ERESTARTSYS && r != -ERESTARTNOHAND))
		return;
	if (r == -ERESTARTSYS && restart) {
		f->rax = (uint64_t)nr;
		f->rip -= SYSCALL_INSN_LEN;
	} else {
		f->rax = (uint64_t)-EINTR;
	}
}

/* What a CPU exception adds to its signal's frame: si_addr, and the
 * trap number, error code and CR2 of uc_mcontext. */
struct fault {
	uint64_t addr, trapno, err, cr2;
};

/* Builds sig's frame for handler act and points f at the handler; fault
 * is NULL but for a signal raised by a CPU exception. */
static void setup_frame(struct trap_frame *f, int sig, int code, const struct linux_sigaction *act,
			const struct fault *fault)
{
	struct thread *t = sched_current();
	uint64_t alt_sp = t->sig.altstack_sp, alt_size = t->sig.altstack_size;
	bool on_alt = sig_on_altstack(f->rsp, alt_sp, alt_size);
	bool use_alt = (act->flags & LINUX_SA_ONSTACK) && alt_size != 0 && !on_alt;
	uint64_t fpstate;
	uint64_t addr = sig_frame_place(f->rsp, use_alt, alt_sp, alt_size, &fpstate);
	if (!user_writable_ok((void *)addr, fpstate + SIG_FPSTATE_SIZE - addr)) {
		kprintf("keel: no room for the frame of signal %d at %#lx\n", sig, (unsigned long)addr);
		signal_die(SIGSEGV);
	}

	uint64_t old_mask = t->sig.mask_saved ? t->sig.saved_mask : t->sig.blocked;
	struct linux_rt_sigframe fr;
	memset(&fr, 0, sizeof(fr));
	fr.pretcode = (act->flags & LINUX_SA_RESTORER) ? act->restorer : 0;
	fr.uc.uc_stack.ss_sp = alt_sp;
	fr.uc.uc_stack.ss_size = alt_size;
	fr.uc.uc_stack.ss_flags = on_alt ? LINUX_SS_ONSTACK : alt_size == 0 ? LINUX_SS_DISABLE : 0;
	regs_to_sigcontext(f, &fr.uc.uc_mcontext);
	fr.uc.uc_mcontext.oldmask = old_mask;
	fr.uc.uc_mcontext.fpstate = fpstate;
	fr.uc.uc_sigmask = old_mask;
	signal_fill_info(&fr.info, sig, code);
	if (fault) {
		fr.info.u.fault.addr = fault->addr;
		fr.uc.uc_mcontext.trapno = fault->trapno;
		fr.uc.uc_mcontext.err = fault->err;
		fr.uc.uc_mcontext.cr2 = fault->cr2;
	}
	fpu_signal_save((void *)fpstate);
	fpu_signal_reset();
	memcpy((void *)addr, &fr, sizeof(fr));

	f->rsp = addr;
	f->rip = act->handler;
	f->rdi = (uint64_t)sig;
	f->rsi = addr + offsetof(struct linux_rt_sigframe, info);
	f->rdx = addr + offsetof(struct linux_rt_sigframe, uc);
	f->rax = 0;
	f->rflags &= ~(RFLAGS_DF | RFLAGS_TF);

	t->sig.blocked = sig_handler_mask(old_mask, act->mask, act->flags, sig);
	t->sig.mask_saved = false;
	if (act->flags & LINUX_SA_RESETHAND)
		signal_actions[sig].handler = SIG_DFL;
}

/* Delivers the thread's next deliverable signal into f (interrupts
 * disabled): signals that turned ignored are dropped, a default action
 * "terminate" ends the VM, one handler gets a frame. nr is the
 * interrupted system call's number, or -1. */
static void deliver(struct trap_frame *f, long nr)
{
	struct thread *t = sched_current();
	int sig;
	while ((sig = sig_next(t->sig.pending | signal_process_pending, t->sig.blocked)) != 0) {
		int code = signal_take(t, sig);
		struct linux_sigaction act = signal_actions[sig];
		if (signal_ignored(sig, act.handler))
			continue;
		if (act.handler == SIG_DFL)
			signal_die(sig);
		fix_interrupted_call(f, nr, act.flags & LINUX_SA_RESTART);
		setup_frame(f, sig, code, &act, NULL);
		signal_update_work(t);
		return;
	}
	/* No handler ran: an interrupted call starts again, with its mask. */
	if (nr >= 0 && ((long)f->rax == -ERESTARTSYS || (long)f->rax == -ERESTARTNOHAND)) {
		f->rax = (uint64_t)nr;
		f->rip -= SYSCALL_INSN_LEN;
	}
	if (t->sig.mask_saved) {
		t->sig.blocked = t->sig.saved_mask;
		t->sig.mask_saved = false;
	}
	signal_update_work(t);
}

static uint16_t read_cs(void)
{
	uint16_t v;
	__asm__("mov %%cs, %0" : "=r"(v));
	return v;
}

static uint16_t read_ss(void)
{
	uint16_t v;
	__asm__("mov %%ss, %0" : "=r"(v));
	return v;
}

void signal_syscall_exit(struct syscall_frame *sf, long nr)
{
	struct thread *t = sched_current();
	struct trap_frame f = {
		.r15 = sf->r15,
		.r14 = sf->r14,
		.r13 = sf->r13,
		.r12 = sf->r12,
		.rbp = sf->rbp,
		.rbx = sf->rbx,
		.r9 = sf->r9,
		.r8 = sf->r8,
		.r10 = sf->r10,
		.rdx = sf->rdx,
		.rsi = sf->rsi,
		.rdi = sf->rdi,
		.rax = sf->rax,
		.rip = sf->rip,
		.rflags = sf->rflags,
		.rsp = sf->rsp,
		/* What the `syscall` instruction leaves in them. */
		.rcx = sf->rip,
		.r11 = sf->rflags,
		.cs = read_cs(),
		.ss = read_ss(),
	};
	if (t->sig.restore) {
		/* rt_sigreturn: the whole interrupted context, not a call's result. */
		f.rcx = t->sig.restore_rcx;
		f.r11 = t->sig.restore_r11;
		t->sig.restore = false;
		nr = -1;
	}
	deliver(&f, nr);
	trap_return(&f);
}

static void signal_trap_exit(struct trap_frame *f) { deliver(f, -1); }

/* A CPU exception: when it struck the application's code and the
 * application has a handler for its signal, the handler gets a frame in
 * f (which the exception's iretq then enters), as Linux's force_sig_fault;
 * the handler may fix the cause (mprotect) and return to retry the
 * instruction, or leave by siglongjmp. Returns false for the kernel's
 * own faults, musl's deliberate crash (a_crash), and a signal with no
 * handler, blocked or ignored (Linux then resets it to its default
 * action): the exception's report follows and the VM ends. */
static bool signal_exception(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	uint64_t rip = v == 3 ? f->rip - 1 : f->rip; /* int3 reports the next instruction */
	if (rip < (uintptr_t)__app_text_start || rip >= (uintptr_t)__app_text_end)
		return false;
	if (v == 3 && app_hlt_site(f->rip))
		return false;
	struct fault fault = { .trapno = v, .err = f->error_code, .cr2 = v == 14 ? read_cr2() : 0 };
	int code;
	int sig = sig_from_exception(v, f->error_code, v == 14 && vm_find(&app_vm, fault.cr2) != NULL, &code);
	if (sig == 0)
		return false;
	fault.addr = v == 14 ? fault.cr2 : (v == 0 || v == 1 || v == 6) ? f->rip : 0;
	struct thread *t = sched_current();
	struct linux_sigaction act = signal_actions[sig];
	if (act.handler == SIG_DFL || act.handler == SIG_IGN || (t->sig.blocked & sig_bit(sig))) {
		kprintf("\nkeel: the application raised %s (code %d, address %#lx) and has no handler for it:"
			" the default action ends the VM\n",
			signal_name(sig), code, (unsigned long)fault.addr);
		return false;
	}
	setup_frame(f, sig, code, &act, &fault);
	signal_update_work(t);
	return true;
}

static void signal_init(void)
{
	trap_app_exit_hook = signal_trap_exit;
	trap_app_fault_hook = signal_exception;
}
INIT_CALL(INIT_ARCH, signal_init);

/* The frame a handler returned from: its return address was popped, so
 * it starts 8 bytes below the stack pointer. Anything that cannot be
 * restored safely ends the VM, as Linux sends SIGSEGV. */
static long sys_rt_sigreturn(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct syscall_frame *f = syscall_current_frame();
	struct thread *t = sched_current();
	const struct linux_rt_sigframe *uf = (const struct linux_rt_sigframe *)(f->rsp - 8);
	if (!user_range_ok(uf, sizeof(*uf))) {
		kprintf("keel: rt_sigreturn with no signal frame at %#lx\n", (unsigned long)uf);
		signal_die(SIGSEGV);
	}
	struct linux_ucontext uc;
	memcpy(&uc, &uf->uc, sizeof(uc));
	const struct linux_sigcontext *c = &uc.uc_mcontext;
	if (!sig_canonical(c->rip) || !sig_canonical(c->rsp)) {
		kprintf("keel: rt_sigreturn to a non-canonical rip %#lx or rsp %#lx\n", (unsigned long)c->rip,
			(unsigned long)c->rsp);
		signal_die(SIGSEGV);
	}
	if (c->fpstate) {
		if ((c->fpstate & 15) || !user_range_ok((void *)c->fpstate, SIG_FPSTATE_SIZE)) {
			kprintf("keel: rt_sigreturn with bad FPU state at %#lx\n", (unsigned long)c->fpstate);
			signal_die(SIGSEGV);
		}
		fpu_signal_restore((const void *)c->fpstate);
	}
	/* The segment selectors are not taken from the frame: the kernel's
	 * own are the only valid ones, and the flags only in part. */
	f->r8 = c->r8, f->r9 = c->r9, f->r10 = c->r10;
	f->r12 = c->r12, f->r13 = c->r13, f->r14 = c->r14, f->r15 = c->r15;
	f->rdi = c->rdi, f->rsi = c->rsi, f->rbp = c->rbp, f->rbx = c->rbx;
	f->rdx = c->rdx, f->rsp = c->rsp, f->rip = c->rip;
	f->rflags = sig_sanitize_rflags(c->eflags, f->rflags);
	bool irq = sched_lock();
	t->sig.restore = true;
	t->sig.restore_rcx = c->rcx;
	t->sig.restore_r11 = c->r11;
	t->sig.blocked = uc.uc_sigmask & ~SIG_UNBLOCKABLE;
	t->sig.mask_saved = false;
	signal_update_work(t);
	sched_unlock(irq);
	return (long)c->rax;
}
SYSCALL(SYS_rt_sigreturn, sys_rt_sigreturn);
