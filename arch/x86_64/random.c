/*
 * Randomness from the CPU. RDRAND can fail transiently (its carry flag
 * says so); Intel's guidance is ten retries before treating it as broken.
 */
#include "arch/x86_64/random.h"

#include "arch/x86_64/cpu.h"
#include "kernel/random.h"

#define RDRAND_RETRIES 10

bool cpu_has_rdrand(void) { return (cpuid(1, 0).ecx & CPUID_1_ECX_RDRAND) != 0; }

bool cpu_has_rdseed(void) { return cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & CPUID_7_EBX_RDSEED) != 0; }

bool cpu_rdrand64(uint64_t *v)
{
	if (!cpu_has_rdrand())
		return false;
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

bool cpu_rdseed64(uint64_t *v)
{
	if (!cpu_has_rdseed())
		return false;
	for (int i = 0; i < RDRAND_RETRIES; i++) {
		uint8_t ok;
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
		cpu_pause();
	}
	return false;
}

bool cpu_random64(uint64_t *v) { return cpu_rdrand64(v); }
