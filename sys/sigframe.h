/*
 * Linux's x86-64 signal frame, as the kernel builds it on the application's
 * stack (arch/x86/include/uapi/asm/sigcontext.h, the kernel's
 * struct rt_sigframe and struct ucontext), and the pure logic around
 * delivery: which pending signal goes first, where the frame goes, what a
 * handler may change at rt_sigreturn. Only <stdint.h>-level types, so the
 * host tests use this header unchanged.
 */
#ifndef KEEL_SYS_SIGFRAME_H
#define KEEL_SYS_SIGFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The general registers in the order of uc_mcontext.gregs (REG_R8 = 0 ...
 * REG_CR2 = 22 in musl's and glibc's sys/ucontext.h). */
struct linux_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* the FXSAVE image's address */
	uint64_t reserved1[8];
};
_Static_assert(sizeof(struct linux_sigcontext) == 256, "sigcontext");
_Static_assert(offsetof(struct linux_sigcontext, rip) == 16 * 8, "REG_RIP is 16");
_Static_assert(offsetof(struct linux_sigcontext, fpstate) == 23 * 8, "fpregs after the 23 gregs");

struct linux_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};
_Static_assert(sizeof(struct linux_stack) == 24, "stack_t");

struct linux_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct linux_stack uc_stack;
	struct linux_sigcontext uc_mcontext;
	uint64_t uc_sigmask; /* the kernel's sigset: the first word of libc's */
};
_Static_assert(offsetof(struct linux_ucontext, uc_mcontext) == 40, "uc_mcontext");
_Static_assert(offsetof(struct linux_ucontext, uc_sigmask) == 296, "uc_sigmask");

struct linux_siginfo {
	int32_t si_signo, si_errno, si_code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
		} kill;
		struct {
			int32_t tid, overrun;
			uint64_t value;
		} timer;
		struct {
			uint64_t addr; /* si_addr of SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
		} fault;
		uint8_t bytes[112];
	} u;
};
_Static_assert(sizeof(struct linux_siginfo) == 128, "siginfo_t");

/* What the handler's stack pointer points to: its return address (the
 * restorer, musl's __restore_rt, which calls rt_sigreturn), then the
 * context, then the information; the FXSAVE image sits below, 64-byte
 * aligned. */
struct linux_rt_sigframe {
	uint64_t pretcode;
	struct linux_ucontext uc;
	struct linux_siginfo info;
};
_Static_assert(offsetof(struct linux_rt_sigframe, uc) == 8, "uc after the return address");
_Static_assert(offsetof(struct linux_rt_sigframe, info) == 312, "info after uc");

#define LINUX_SA_NOCLDSTOP 0x1u
#define LINUX_SA_SIGINFO 0x4u
#define LINUX_SA_ONSTACK 0x08000000u
#define LINUX_SA_RESTART 0x10000000u
#define LINUX_SA_NODEFER 0x40000000u
#define LINUX_SA_RESETHAND 0x80000000u
#define LINUX_SA_RESTORER 0x04000000u

#define LINUX_SS_ONSTACK 1
#define LINUX_SS_DISABLE 2
#define LINUX_MINSIGSTKSZ 2048

#define LINUX_SI_USER 0
/* si_code of the signals a CPU exception raises (Linux's
 * include/uapi/asm-generic/siginfo.h). */
#define LINUX_ILL_ILLOPN 2
#define LINUX_FPE_INTDIV 1
#define LINUX_SEGV_MAPERR 1
#define LINUX_SEGV_ACCERR 2
#define LINUX_BUS_ADRALN 1
#define LINUX_TRAP_TRACE 2
#define LINUX_SI_KERNEL 0x80
#define LINUX_SI_TKILL (-6)
#define LINUX_SI_TIMER (-2)

/* The kernel's internal answers of an interrupted call (never seen by
 * the application): restart when the handler has LINUX_SA_RESTART (or when no
 * handler runs), or only when no handler runs. */
#define ERESTARTSYS 512
#define ERESTARTNOHAND 514

#define SIG_RED_ZONE 128
#define SIG_FPSTATE_SIZE 512

static inline uint64_t sig_bit(int sig) { return 1ull << (sig - 1); }

/* Signals that can be neither caught nor blocked. */
#define SIG_UNBLOCKABLE (sig_bit(9) | sig_bit(19))

/* The next signal to deliver from pending minus blocked: a synchronous
 * one (SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV) first, as Linux, then
 * the lowest number; 0 when none. */
int sig_next(uint64_t pending, uint64_t blocked);

/* The mask while the handler of sig runs: its sa_mask, plus sig itself
 * unless LINUX_SA_NODEFER, never SIGKILL or SIGSTOP, added to the old mask. */
uint64_t sig_handler_mask(uint64_t old_mask, uint64_t sa_mask, uint64_t sa_flags, int sig);

/* Where the frame goes for a handler: below the red zone of rsp, or at
 * the top of the alternate stack [alt_sp, alt_sp + alt_size) when
 * use_alt. The FXSAVE image at *fpstate (64-byte aligned) and the frame
 * below it, placed so that the frame's address + 8 is 16-byte aligned
 * (the ABI's state right after a call). Returns the frame's address. */
uint64_t sig_frame_place(uint64_t rsp, bool use_alt, uint64_t alt_sp, uint64_t alt_size, uint64_t *fpstate);

/* Whether the alternate stack is in use at rsp (LINUX_SS_ONSTACK of
 * sigaltstack's answer). */
bool sig_on_altstack(uint64_t rsp, uint64_t alt_sp, uint64_t alt_size);

/* The flags rt_sigreturn loads: those the application may change (the
 * arithmetic flags, DF, AC, RF) from the frame, the rest (IF, IOPL, NT,
 * TF...) as they are now, so a handler cannot make the kernel's next
 * iretq a task return or mask interrupts. */
uint64_t sig_sanitize_rflags(uint64_t from_frame, uint64_t current);

/* The signal a CPU exception in the application's code raises, as
 * Linux's arch/x86/kernel/traps.c and fault.c: #DE SIGFPE (FPE_INTDIV),
 * #UD SIGILL (ILL_ILLOPN), #DB and #BP SIGTRAP, #NP, #SS and #AC SIGBUS,
 * #PF SIGSEGV (SEGV_ACCERR when the page is present or the address lies
 * in one of the application's regions, whose protection forbade the
 * access; else SEGV_MAPERR), #GP, #TS, #OF and #BR SIGSEGV, #MF and #XM
 * SIGFPE; others (NMI, #DF, #MC) are the machine's, never the
 * application's: 0. err is the CPU's error code, in_region whether the
 * faulting address belongs to the application. *code gets si_code. */
int sig_from_exception(unsigned vector, uint64_t err, bool in_region, int *code);

/* Whether addr is canonical (48-bit): a rip or rsp rt_sigreturn may load. */
bool sig_canonical(uint64_t addr);

#endif
