/*
 * The monotonic clock: the TSC, counted from the kernel's first
 * instruction, converted to nanoseconds with a frequency found at boot.
 */
#ifndef KEEL_TSC_H
#define KEEL_TSC_H

#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "kernel/clock.h"

extern uint64_t boot_tsc;    /* read by the first instruction (boot/entry32.S) */
extern uint64_t tsc_ns_mult; /* ns = ticks * tsc_ns_mult >> 32, set by tsc_init */

struct acpi_info;

/* Finds the TSC's frequency: from CPUID where the CPU or hypervisor states
 * it, else by timing at least a millisecond on a reference clock: the ACPI
 * PM timer (from tsc_calibration_begin on), the HPET, or the PIT. The
 * kernel option tsc-calibrate= ("cpuid", "pmtimer", "hpet", "pit") picks
 * one source first, for testing each. */
void tsc_init(const struct acpi_info *acpi);

/* Starts timing the TSC against the ACPI PM timer (or, without one, the
 * PIT, or the PIT when tsc-calibrate=pit), to be finished by tsc_init: the interval is whatever the boot does
 * in between (at least a millisecond is waited for), so the measurement
 * costs nothing and is longer than a dedicated one would be. */
void tsc_calibration_begin(const struct acpi_info *acpi);
/* Called at each boot stage: keeps a PIT-based measurement counting. */
void tsc_calibration_sample(void);

uint64_t tsc_hz(void);
const char *tsc_source(void);

/* clock_ns (kernel/clock.h) counts from boot_tsc. */
static inline uint64_t tsc_to_ns(uint64_t ticks) { return (uint64_t)(((unsigned __int128)ticks * tsc_ns_mult) >> 32); }
uint64_t ns_to_tsc(uint64_t ns);

/* clock_ns() without the call, for the one path where a call costs as
 * much as the reading under an emulator: the vDSO's clock_gettime
 * (sys/time.c). */
static inline uint64_t clock_ns_inline(void) { return tsc_to_ns(rdtsc() - boot_tsc); }

#endif
