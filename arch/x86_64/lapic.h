/*
 * The local APIC: end of interrupt, the timer, and the identity used as
 * the destination of every interrupt (Keel runs on one CPU).
 */
#ifndef KEEL_LAPIC_H
#define KEEL_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_TIMER_VECTOR 0xf0
#define LAPIC_ERROR_VECTOR 0xfe
#define LAPIC_SPURIOUS_VECTOR 0xff

/* Enables the local APIC: x2APIC (MSRs) when the CPU has it, else xAPIC
 * (MMIO at phys, from the MADT or IA32_APIC_BASE). Returns 0 or -ENODEV. */
int lapic_init(uint64_t phys);

bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* The timer fires once at the TSC value deadline (in the past: at once).
 * TSC-deadline mode where the CPU has it, else one-shot mode with a count
 * computed from the calibrated APIC timer frequency. */
void lapic_timer_set(uint64_t deadline_tsc);
void lapic_timer_stop(void);
const char *lapic_timer_mode(void);
uint64_t lapic_timer_hz(void);

/* Counts of what the APIC delivered that nobody asked for. */
extern volatile unsigned long lapic_spurious_count, lapic_error_count;

#endif
