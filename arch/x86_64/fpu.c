/*
 * FPU, SSE and AVX state for threads, and the FS base (arch/x86_64/fpu.h).
 *
 * Users detected lazily: CR0.TS is set whenever the running thread has no
 * FPU state, so its first FPU or SIMD instruction raises #NM; the handler
 * gives it the initial state and marks it an FPU user. The FPU's registers
 * belong to one user, its owner, and are saved (FXSAVE, or XSAVE where the
 * CPU has it) only when another user runs: kernel threads never touch the
 * FPU (the kernel is built without it), so an application thread woken
 * through the network stack's and a driver's threads finds its registers
 * where it left them, without a save and a restore at each hand-over
 * (each a long helper under emulation). An FPU user runs only as the
 * owner, with TS clear; every other thread runs with TS set, and never
 * traps, as it never uses the FPU. No trap is taken at a hand-over, so
 * preemption and the syscall path need no special case; an owner that
 * exits leaves no owner.
 */
#include "arch/x86_64/fpu.h"

#include <string.h>

#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/sched.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)

#define CPUID_1_EDX_FXSR (1u << 24)
#define CPUID_1_EDX_SSE2 (1u << 26)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_7_EBX_FSGSBASE (1u << 0)

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)

#define MSR_FS_BASE 0xc0000100u

#define MXCSR_DEFAULT 0x1f80u
#define FCW_DEFAULT 0x037fu
/* The legacy region of FXSAVE/XSAVE (Intel SDM vol. 1, table 10-2). */
#define FX_FCW 0
#define FX_MXCSR 24
#define FXSAVE_SIZE 512
/* The largest area this file accepts: x87, SSE and AVX take 832 bytes. */
#define STATE_MAX 1024

static bool use_xsave, use_fsgsbase;
static uint64_t xcr0;
static size_t state_size;
static bool ts_set; /* CR0.TS as last written */
/* The FPU user whose state the registers hold, or NULL. */
static struct thread *owner;
static uint8_t initial_state[STATE_MAX] __attribute__((aligned(64)));

static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void clts(void) { __asm__ volatile("clts" ::: "memory"); }

static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void set_ts(bool on)
{
	if (on == ts_set)
		return;
	if (on)
		write_cr0(read_cr0() | CR0_TS);
	else
		clts();
	ts_set = on;
}

static void state_save(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void state_restore(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void fpu_init(void)
{
	struct cpuid_regs r1 = cpuid(1, 0);
	uint32_t max_leaf = cpuid(0, 0).eax;
	if (!(r1.edx & CPUID_1_EDX_FXSR) || !(r1.edx & CPUID_1_EDX_SSE2))
		return; /* not an x86-64 CPU: every 64-bit one has both */

	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (max_leaf >= 7 && (cpuid(7, 0).ebx & CPUID_7_EBX_FSGSBASE)) {
		cr4 |= CR4_FSGSBASE;
		use_fsgsbase = true;
	}
	state_size = FXSAVE_SIZE;
	if (max_leaf >= 0xd && (r1.ecx & CPUID_1_ECX_XSAVE)) {
		struct cpuid_regs d = cpuid(0xd, 0);
		uint64_t supported = ((uint64_t)d.edx << 32) | d.eax;
		xcr0 = supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX);
		write_cr4(cr4 | CR4_OSXSAVE);
		xsetbv(0, xcr0);
		/* EBX: the area's size for the components now enabled. */
		size_t size = cpuid(0xd, 0).ebx;
		if (size <= STATE_MAX) {
			use_xsave = true;
			state_size = size;
		} else {
			write_cr4(cr4);
		}
	} else {
		write_cr4(cr4);
	}
	state_size = (state_size + 63) & ~(size_t)63;

	/* The initial state, as the image a restore loads: x87 as FNINIT
	 * leaves it, MXCSR 0x1f80, every register zero. In the XSAVE header
	 * (offset 512) XSTATE_BV stays 0, which makes XRSTOR put every
	 * component in its initial state rather than read it. */
	memset(initial_state, 0, sizeof(initial_state));
	uint16_t fcw = FCW_DEFAULT;
	uint32_t mxcsr = MXCSR_DEFAULT;
	memcpy(initial_state + FX_FCW, &fcw, sizeof(fcw));
	memcpy(initial_state + FX_MXCSR, &mxcsr, sizeof(mxcsr));

	/* The boot thread never uses the FPU, so nothing is loaded now: a
	 * thread's first instruction traps and loads the initial state. */
	ts_set = false;
	set_ts(true);
	kdebug("cpu: FPU state by %s, %zu bytes%s\n", use_xsave ? "XSAVE" : "FXSAVE", state_size,
	       use_fsgsbase ? ", FSGSBASE" : "");
}

size_t fpu_state_size(void) { return state_size; }

void fpu_state_init(void *area) { memcpy(area, initial_state, state_size); }

/* Makes t, the running thread, the owner: the registers of the one
 * before it saved, and t's loaded. */
static void take_fpu(struct thread *t)
{
	set_ts(false);
	if (owner != t) {
		if (owner)
			state_save(owner->fpu_area);
		state_restore(t->fpu_area);
		owner = t;
	}
}

void fpu_switch(struct thread *from, struct thread *to)
{
	if (from == owner && from->state == THREAD_EXITED)
		owner = NULL;
	if (to->fpu_used)
		take_fpu(to);
	else
		set_ts(true);

	/* The FS base: what the kernel set for each thread, or what the
	 * thread set itself with WRFSBASE where CR4.FSGSBASE allows it. */
	if (use_fsgsbase)
		__asm__ volatile("rdfsbase %0" : "=r"(from->fs_base));
	if (to->fs_base != from->fs_base) {
		if (use_fsgsbase)
			__asm__ volatile("wrfsbase %0" ::"r"(to->fs_base));
		else
			wrmsr(MSR_FS_BASE, to->fs_base);
	}
}

bool fpu_first_use(void)
{
	struct thread *t = sched_current();
	if (!ts_set || t->fpu_used || t->fpu_area == NULL || state_size == 0)
		return false;
	take_fpu(t);
	t->fpu_used = true;
	return true;
}

/* Bits of MXCSR the CPU accepts (FXSAVE's MXCSR_MASK; 0xffbf when it
 * reports 0, Intel SDM vol. 1, 11.6.6). */
static uint32_t mxcsr_mask(void)
{
	static uint32_t mask;
	if (mask == 0) {
		uint8_t area[FXSAVE_SIZE] __attribute__((aligned(16)));
		bool irq = irq_save();
		bool ts = ts_set;
		set_ts(false);
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
		set_ts(ts);
		irq_restore(irq);
		memcpy(&mask, area + FX_MXCSR + 4, sizeof(mask));
		if (mask == 0)
			mask = 0xffbf;
	}
	return mask;
}

void fpu_signal_save(void *area)
{
	struct thread *t = sched_current();
	bool irq = irq_save();
	if (t->fpu_used)
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
	else
		memcpy(area, initial_state, FXSAVE_SIZE);
	irq_restore(irq);
	memset((uint8_t *)area + 464, 0, FXSAVE_SIZE - 464);
}

void fpu_signal_reset(void)
{
	if (sched_current()->fpu_used)
		state_restore(initial_state);
}

void fpu_signal_restore(const void *area)
{
	uint32_t mask = mxcsr_mask();
	uint8_t copy[FXSAVE_SIZE] __attribute__((aligned(16)));
	memcpy(copy, area, FXSAVE_SIZE);
	uint32_t mxcsr;
	memcpy(&mxcsr, copy + FX_MXCSR, sizeof(mxcsr));
	mxcsr &= mask;
	memcpy(copy + FX_MXCSR, &mxcsr, sizeof(mxcsr));
	struct thread *t = sched_current();
	if (t->fpu_area == NULL)
		return;
	bool irq = irq_save();
	if (!t->fpu_used) {
		/* First the whole initial state (the AVX part too), as #NM would. */
		take_fpu(t);
		t->fpu_used = true;
	}
	__asm__ volatile("fxrstor64 (%0)" ::"r"(copy) : "memory");
	irq_restore(irq);
}

void arch_set_fs_base(uint64_t base)
{
	bool irq = irq_save();
	sched_current()->fs_base = base;
	if (use_fsgsbase)
		__asm__ volatile("wrfsbase %0" ::"r"(base));
	else
		wrmsr(MSR_FS_BASE, base);
	irq_restore(irq);
}

uint64_t arch_get_fs_base(void)
{
	if (use_fsgsbase) {
		uint64_t v;
		__asm__ volatile("rdfsbase %0" : "=r"(v));
		return v;
	}
	return sched_current()->fs_base;
}
