#ifndef KEEL_POWER_H
#define KEEL_POWER_H

#include <stdint.h>

/* Ends the VM with a status already in range: isa-debug-exit first, then
 * ACPI S5, then the ACPI reset register and the keyboard controller,
 * halting only when all of them failed. */
__attribute__((noreturn)) void power_exit(int status);

#endif
