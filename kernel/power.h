#ifndef KEEL_POWER_H
#define KEEL_POWER_H

#include <stdint.h>

/* Ends the VM with a status already in range: isa-debug-exit first, then
 * ACPI S5, then the ACPI reset register and the keyboard controller,
 * halting only when all of them failed. */
__attribute__((noreturn)) void power_exit(int status);

/* Set by the ACPI code when the FADT gives a way to power off / reset. */
struct power_acpi {
	int have_s5;
	uint16_t pm1a_cnt, pm1b_cnt; /* I/O ports; 0 when absent */
	uint16_t slp_typa, slp_typb;
	int have_reset;
	uint8_t reset_space; /* 0 memory, 1 I/O, 2 PCI configuration */
	uint64_t reset_addr;
	uint8_t reset_value;
};
extern struct power_acpi power_acpi;

#endif
