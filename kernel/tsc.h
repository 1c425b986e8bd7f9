/*
 * The monotonic clock: the TSC, counted from the kernel's first
 * instruction, converted to nanoseconds with a frequency found at boot.
 */
#ifndef KEEL_TSC_H
#define KEEL_TSC_H

#include <stdint.h>

extern uint64_t boot_tsc; /* read by the first instruction (boot/entry32.S) */

struct acpi_info;

/* Finds the TSC's frequency: from CPUID where the CPU or hypervisor states
 * it, else by timing a millisecond on a reference clock: the HPET, the ACPI
 * PM timer (both from ACPI), or the PIT. force ("cpuid", "hpet", "pmtimer",
 * "pit" or NULL) picks one source first, for testing each. */
void tsc_init(const struct acpi_info *acpi, const char *force);

uint64_t tsc_hz(void);
const char *tsc_source(void);

/* Nanoseconds since boot_tsc. */
uint64_t clock_ns(void);
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);

#endif
