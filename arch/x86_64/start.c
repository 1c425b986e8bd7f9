/*
 * The first C code, called from boot/entry32.S on the boot stack. It sets
 * the stack protector's canary before anything that checks it runs: this
 * file is compiled without the protector, since its own frame opened
 * before the canary changed.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/random.h"

extern uint64_t __stack_chk_guard;
extern uint64_t boot_tsc;

__attribute__((noreturn)) void kernel_main(uint32_t magic, uint32_t info);
__attribute__((noreturn)) void kernel_start(uint32_t magic, uint32_t info);

void kernel_start(uint32_t magic, uint32_t info)
{
	uint64_t canary;
	if (!cpu_rdrand64(&canary)) {
		/* No RDRAND: the boot time and the TSC now are what is left;
		 * weak, but unlike a constant not known in advance. */
		uint64_t t = rdtsc();
		canary = (t * 0x9e3779b97f4a7c15ull) ^ (boot_tsc << 17) ^ (uintptr_t)&canary;
	}
	/* A zero byte first stops string overflows from reading past it. */
	__stack_chk_guard = canary & ~0xffull;
	kernel_main(magic, info);
}
