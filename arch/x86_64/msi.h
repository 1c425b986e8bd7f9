/*
 * The message a device writes to raise an MSI or MSI-X interrupt (Intel
 * SDM vol. 3, section 11.11): an address naming the destination APIC and
 * data naming the vector.
 */
#ifndef KEEL_MSI_H
#define KEEL_MSI_H

#include <stdbool.h>
#include <stdint.h>

struct msi_msg {
	uint64_t address;
	uint32_t data;
};

/* Fixed delivery, physical destination mode, edge-triggered. Returns
 * false when dest_apic does not fit the 8-bit destination field (an
 * x2APIC ID above 255 needs interrupt remapping). */
bool msi_compose(uint32_t dest_apic, uint8_t vector, struct msi_msg *msg);

#endif
