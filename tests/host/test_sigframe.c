/*
 * The pure logic of signal delivery (sys/sigframe.c) and the frame's
 * layout, checked against the host C library's own ucontext_t and
 * siginfo_t (glibc's, the same Linux x86-64 ABI musl reads): which signal
 * goes first, the handler's mask, where the frame goes and its
 * alignment, what rt_sigreturn may load.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ucontext.h>

#include <cmocka.h>

#include "sys/sigframe.h"

/* The libc's view of the same bytes. */
_Static_assert(offsetof(ucontext_t, uc_mcontext) == offsetof(struct linux_ucontext, uc_mcontext), "mcontext");
_Static_assert(offsetof(ucontext_t, uc_sigmask) == offsetof(struct linux_ucontext, uc_sigmask), "sigmask");
_Static_assert(offsetof(ucontext_t, uc_stack) == offsetof(struct linux_ucontext, uc_stack), "stack");
_Static_assert(offsetof(stack_t, ss_flags) == offsetof(struct linux_stack, ss_flags), "ss_flags");
_Static_assert(offsetof(stack_t, ss_size) == offsetof(struct linux_stack, ss_size), "ss_size");
_Static_assert(sizeof(siginfo_t) == sizeof(struct linux_siginfo), "siginfo");
_Static_assert(LINUX_SA_SIGINFO == SA_SIGINFO && LINUX_SA_ONSTACK == SA_ONSTACK && LINUX_SA_RESTART == SA_RESTART &&
		   LINUX_SA_NODEFER == SA_NODEFER && LINUX_SA_RESETHAND == SA_RESETHAND &&
		   LINUX_SS_ONSTACK == SS_ONSTACK && LINUX_SS_DISABLE == SS_DISABLE,
	       "flags as the libc's");

#define GREG(name) (offsetof(struct linux_sigcontext, name) / 8)

static void gregs_in_libc_order(void **state)
{
	(void)state;
	assert_int_equal(GREG(r8), REG_R8);
	assert_int_equal(GREG(r15), REG_R15);
	assert_int_equal(GREG(rdi), REG_RDI);
	assert_int_equal(GREG(rsi), REG_RSI);
	assert_int_equal(GREG(rbp), REG_RBP);
	assert_int_equal(GREG(rbx), REG_RBX);
	assert_int_equal(GREG(rdx), REG_RDX);
	assert_int_equal(GREG(rax), REG_RAX);
	assert_int_equal(GREG(rcx), REG_RCX);
	assert_int_equal(GREG(rsp), REG_RSP);
	assert_int_equal(GREG(rip), REG_RIP);
	assert_int_equal(GREG(eflags), REG_EFL);
	assert_int_equal(GREG(cs), REG_CSGSFS);
	assert_int_equal(GREG(err), REG_ERR);
	assert_int_equal(GREG(trapno), REG_TRAPNO);
	assert_int_equal(GREG(oldmask), REG_OLDMASK);
	assert_int_equal(GREG(cr2), REG_CR2);
	assert_int_equal(offsetof(struct linux_sigcontext, fpstate),
			 offsetof(mcontext_t, fpregs) - offsetof(mcontext_t, gregs));
	siginfo_t si;
	assert_int_equal((char *)&si.si_pid - (char *)&si, offsetof(struct linux_siginfo, u.kill.pid));
	assert_int_equal((char *)&si.si_code - (char *)&si, offsetof(struct linux_siginfo, si_code));
}

static void next_signal(void **state)
{
	(void)state;
	assert_int_equal(sig_next(0, 0), 0);
	assert_int_equal(sig_next(sig_bit(14) | sig_bit(10), 0), 10);
	/* Blocked ones wait. */
	assert_int_equal(sig_next(sig_bit(14) | sig_bit(10), sig_bit(10)), 14);
	assert_int_equal(sig_next(sig_bit(14), sig_bit(14)), 0);
	/* Synchronous ones first, whatever their number. */
	assert_int_equal(sig_next(sig_bit(2) | sig_bit(11), 0), 11);
	assert_int_equal(sig_next(sig_bit(2) | sig_bit(11), sig_bit(11)), 2);
	/* Real-time signals, up to 64. */
	assert_int_equal(sig_next(sig_bit(64), 0), 64);
	assert_int_equal(sig_next(sig_bit(64) | sig_bit(34), 0), 34);
}

static void handler_mask(void **state)
{
	(void)state;
	/* The signal itself is added unless SA_NODEFER, with sa_mask. */
	assert_int_equal(sig_handler_mask(0, 0, 0, 10), sig_bit(10));
	assert_int_equal(sig_handler_mask(0, 0, LINUX_SA_NODEFER, 10), 0);
	assert_int_equal(LINUX_SI_USER, SI_USER);
	assert_int_equal(LINUX_SI_TKILL, SI_TKILL);
	assert_int_equal(LINUX_SI_KERNEL, SI_KERNEL);
	assert_int_equal(sig_handler_mask(sig_bit(2), sig_bit(12), 0, 10), sig_bit(2) | sig_bit(10) | sig_bit(12));
	/* SIGKILL and SIGSTOP never. */
	assert_int_equal(sig_handler_mask(~0ull, ~0ull, 0, 10), ~SIG_UNBLOCKABLE);
}

static void frame_placement(void **state)
{
	(void)state;
	for (uint64_t rsp = 0x7000000; rsp < 0x7000000 + 64; rsp += 8) {
		uint64_t fp;
		uint64_t f = sig_frame_place(rsp, false, 0, 0, &fp);
		/* Below the red zone, the FPU image 64-byte aligned above the
		 * frame, and rsp + 8 16-byte aligned as after a call. */
		assert_true(fp + SIG_FPSTATE_SIZE <= rsp - SIG_RED_ZONE);
		assert_int_equal(fp % 64, 0);
		assert_true(f + sizeof(struct linux_rt_sigframe) <= fp);
		assert_int_equal((f + 8) % 16, 0);
		assert_true(fp - f < sizeof(struct linux_rt_sigframe) + 16);
	}
	/* On the alternate stack: from its top, nothing of rsp's stack. */
	uint64_t fp;
	uint64_t f = sig_frame_place(0x7000000, true, 0x100000, 16384, &fp);
	assert_true(f >= 0x100000 && fp + SIG_FPSTATE_SIZE <= 0x100000 + 16384);
	assert_int_equal((f + 8) % 16, 0);
}

static void altstack_membership(void **state)
{
	(void)state;
	assert_false(sig_on_altstack(0x1000, 0, 0));
	assert_true(sig_on_altstack(0x100000 + 16384, 0x100000, 16384)); /* the top: nothing pushed yet */
	assert_true(sig_on_altstack(0x100008, 0x100000, 16384));
	assert_false(sig_on_altstack(0x100000, 0x100000, 16384));
	assert_false(sig_on_altstack(0x100000 + 16385, 0x100000, 16384));
}

static void sigreturn_checks(void **state)
{
	(void)state;
	uint64_t cur = 0x202; /* IF and the reserved bit 1 */
	/* Arithmetic flags and DF come from the frame. */
	assert_int_equal(sig_sanitize_rflags(0x8d5 | 0x400, cur), 0x202 | 0x8d5 | 0x400);
	/* IF cleared, IOPL 3, NT, TF, VM in the frame: ignored. */
	assert_int_equal(sig_sanitize_rflags(0x3000 | 0x4000 | 0x100 | 0x20000, cur), cur);
	assert_int_equal(sig_sanitize_rflags(0, cur), cur);
	assert_true(sig_canonical(0x00007fffffffffffull));
	assert_true(sig_canonical(0xffff800000000000ull));
	assert_false(sig_canonical(0x0000800000000000ull));
	assert_false(sig_canonical(0xfff0000000000000ull));
}

static void exception_signals(void **state)
{
	(void)state;
	int code;
	assert_int_equal(sig_from_exception(0, 0, false, &code), 8);
	assert_int_equal(code, LINUX_FPE_INTDIV);
	assert_int_equal(sig_from_exception(6, 0, false, &code), 4);
	assert_int_equal(code, LINUX_ILL_ILLOPN);
	assert_int_equal(sig_from_exception(3, 0, false, &code), 5);
	assert_int_equal(code, LINUX_SI_KERNEL);
	assert_int_equal(sig_from_exception(13, 0, false, &code), 11);
	assert_int_equal(code, LINUX_SI_KERNEL);
	assert_int_equal(sig_from_exception(17, 0, false, &code), 7);
	assert_int_equal(code, LINUX_BUS_ADRALN);
	assert_int_equal(sig_from_exception(12, 0, false, &code), 7);
	/* A page fault: unmapped and outside every region, or a PROT_NONE
	 * region (not present, but the application's), or present. */
	assert_int_equal(sig_from_exception(14, 2, false, &code), 11);
	assert_int_equal(code, LINUX_SEGV_MAPERR);
	assert_int_equal(sig_from_exception(14, 2, true, &code), 11);
	assert_int_equal(code, LINUX_SEGV_ACCERR);
	assert_int_equal(sig_from_exception(14, 3, false, &code), 11);
	assert_int_equal(code, LINUX_SEGV_ACCERR);
	/* The machine's own: never a signal. */
	assert_int_equal(sig_from_exception(2, 0, false, &code), 0);
	assert_int_equal(sig_from_exception(8, 0, false, &code), 0);
	assert_int_equal(sig_from_exception(18, 0, false, &code), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gregs_in_libc_order), cmocka_unit_test(next_signal),
		cmocka_unit_test(handler_mask),	       cmocka_unit_test(frame_placement),
		cmocka_unit_test(altstack_membership), cmocka_unit_test(sigreturn_checks),
		cmocka_unit_test(exception_signals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
