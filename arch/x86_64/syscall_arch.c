/*
 * The `syscall` instruction's set-up, and the application's deliberate
 * halts. See syscall.S for the entry itself.
 */
#include "arch/x86_64/syscall.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "boot/boot.h"

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define EFER_SCE (1ull << 0)

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_AC (1ull << 18)

void syscall_entry(void);

void syscall_arch_init(void)
{
	/* STAR[47:32]: CS on entry, with SS the next descriptor (Intel SDM
	 * vol. 2, SYSCALL); the kernel's own, since the application runs at
	 * CPL 0. STAR[63:48] serves only sysret, which Keel never uses. */
	wrmsr(MSR_STAR, (uint64_t)BOOT_CS << 32);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	/* Masked on entry: DF, which the C code assumes clear (musl's
	 * memmove sets it); TF, so a single-stepped application does not
	 * trap inside the kernel; AC, so the kernel's unaligned accesses
	 * never fault; NT, which would make the kernel's next iretq a task
	 * return. Not IF: every interrupt vector has a stack of its own
	 * (IST), so one that arrives before the entry's `cli` pushes nothing
	 * onto the application's red zone, and the constant calls go back
	 * without an `sti` (arch/x86_64/syscall.S). */
	wrmsr(MSR_FMASK, RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

uint64_t arch_hwcap(void) { return cpuid(1, 0).edx; }

/* From the image's symbol-table segment (tools/gen-hlt-sites.sh), sorted. */
extern const uint64_t app_hlt_count, app_hlt_after[];

#define CR0_WP (1ull << 16)
#define OPCODE_HLT 0xf4
#define OPCODE_INT3 0xcc

void app_hlt_sites_trap(void)
{
	/* The text is read-only: CR0.WP off lets CPL 0 write it, for these
	 * few bytes, with interrupts off. */
	bool irq = irq_save();
	uint64_t cr0 = read_cr0();
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0 & ~CR0_WP) : "memory");
	for (uint64_t i = 0; i < app_hlt_count; i++) {
		volatile uint8_t *op = (volatile uint8_t *)(uintptr_t)(app_hlt_after[i] - 1);
		if (*op == OPCODE_HLT)
			*op = OPCODE_INT3;
	}
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
	irq_restore(irq);
}

int app_hlt_site(uint64_t rip)
{
	if (rip <= (uintptr_t)__app_text_start || rip > (uintptr_t)__app_text_end)
		return 0;
	size_t lo = 0, hi = app_hlt_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (app_hlt_after[mid] == rip)
			return 1;
		if (app_hlt_after[mid] < rip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}
