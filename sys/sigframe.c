/*
 * The pure logic of signal delivery (sys/sigframe.h): no kernel state, so
 * the host tests run it as it is.
 */
#include "sys/sigframe.h"

#define SYNCHRONOUS (sig_bit(4) | sig_bit(5) | sig_bit(7) | sig_bit(8) | sig_bit(11))

int sig_next(uint64_t pending, uint64_t blocked)
{
	uint64_t ready = pending & ~blocked;
	if (ready == 0)
		return 0;
	if (ready & SYNCHRONOUS)
		ready &= SYNCHRONOUS;
	return __builtin_ctzll(ready) + 1;
}

uint64_t sig_handler_mask(uint64_t old_mask, uint64_t sa_mask, uint64_t sa_flags, int sig)
{
	uint64_t m = old_mask | sa_mask;
	if (!(sa_flags & LINUX_SA_NODEFER))
		m |= sig_bit(sig);
	return m & ~SIG_UNBLOCKABLE;
}

bool sig_on_altstack(uint64_t rsp, uint64_t alt_sp, uint64_t alt_size)
{
	return alt_size != 0 && rsp > alt_sp && rsp - alt_sp <= alt_size;
}

uint64_t sig_frame_place(uint64_t rsp, bool use_alt, uint64_t alt_sp, uint64_t alt_size, uint64_t *fpstate)
{
	uint64_t sp = use_alt ? alt_sp + alt_size : rsp - SIG_RED_ZONE;
	sp = (sp - SIG_FPSTATE_SIZE) & ~(uint64_t)63;
	*fpstate = sp;
	sp -= sizeof(struct linux_rt_sigframe);
	return ((sp + 8) & ~(uint64_t)15) - 8;
}

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_AC (1ull << 18)
#define RFLAGS_USER                                                                                                    \
	(RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_DF | RFLAGS_OF | RFLAGS_RF | RFLAGS_AC)

uint64_t sig_sanitize_rflags(uint64_t from_frame, uint64_t current)
{
	return (from_frame & RFLAGS_USER) | (current & ~RFLAGS_USER);
}

bool sig_canonical(uint64_t addr)
{
	uint64_t top = addr >> 47;
	return top == 0 || top == 0x1ffff;
}

#define PF_PRESENT 1u
#define SIGILL 4
#define SIGTRAP 5
#define SIGBUS 7
#define SIGFPE 8
#define SIGSEGV 11

int sig_from_exception(unsigned vector, uint64_t err, bool in_region, int *code)
{
	*code = LINUX_SI_KERNEL;
	switch (vector) {
	case 0: *code = LINUX_FPE_INTDIV; return SIGFPE;
	case 1: *code = LINUX_TRAP_TRACE; return SIGTRAP;
	case 3: return SIGTRAP;
	case 4:	 /* #OF */
	case 5:	 /* #BR */
	case 10: /* #TS */
	case 13: /* #GP */ return SIGSEGV;
	case 6: *code = LINUX_ILL_ILLOPN; return SIGILL;
	case 11: /* #NP */
	case 12: /* #SS */ return SIGBUS;
	case 14: *code = (err & PF_PRESENT) || in_region ? LINUX_SEGV_ACCERR : LINUX_SEGV_MAPERR; return SIGSEGV;
	case 16: /* #MF */
	case 19: /* #XM */
		/* Linux derives the code from the FPU's status; 0 when it cannot. */
		*code = 0;
		return SIGFPE;
	case 17: *code = LINUX_BUS_ADRALN; return SIGBUS;
	default: return 0;
	}
}
