/*
 * The floating-point units on: CR0.EM off (no emulation trap), CR0.MP and
 * CR0.NE (native error reporting, WAIT honours TS), CR0.TS off, and
 * CR4.OSFXSR with CR4.OSXMMEXCPT (SSE instructions and their exceptions
 * enabled, Intel SDM vol. 3 section 13.1.3). Then the reset state: x87
 * control word 0x37f (fninit) and MXCSR 0x1f80 (every exception masked,
 * round to nearest), what Linux gives a new process.
 */
#include "arch/x86_64/fpu.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define MXCSR_DEFAULT 0x1f80u

void fpu_init(void)
{
	uint64_t cr0 = read_cr0();
	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	uint32_t mxcsr = MXCSR_DEFAULT;
	__asm__ volatile("fninit; ldmxcsr %0" ::"m"(mxcsr) : "memory");
}
