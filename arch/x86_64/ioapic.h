#ifndef KEEL_IOAPIC_H
#define KEEL_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/acpi.h"

/* Maps every I/O APIC of the MADT and masks all its pins. Returns the
 * number found. */
int ioapic_init(const struct acpi_info *info);

/* Routes a global system interrupt to vector on the APIC dest, unmasked.
 * Returns 0 or -ENODEV when no I/O APIC has that GSI. */
int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low, uint32_t dest);
void ioapic_mask(uint32_t gsi, bool masked);

#endif
