/*
 * Devices described in a DSDT by a hardware ID, a memory window and an
 * interrupt: what QEMU's microvm gives for each virtio-mmio transport
 * ("LNRO0005"). Not an AML interpreter: a bounded walk over the
 * definitions the firmware writes for such devices.
 */
#ifndef KEEL_ACPI_AML_H
#define KEEL_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_mmio_device {
	char name[5]; /* the device's NameSeg, e.g. "VR23" */
	uint64_t base;
	uint32_t length;
	uint32_t gsi;
	bool level, active_low;
};

/*
 * Finds every Device() in aml (a DSDT's body, untrusted) whose _HID is the
 * string hid and whose _CRS is a resource template with a Memory32Fixed
 * and an (extended) Interrupt descriptor. Stores the first max in out and
 * returns how many there are; a device whose definition is malformed or
 * cut short is skipped.
 */
unsigned acpi_find_mmio_devices(const uint8_t *aml, size_t len, const char *hid, struct acpi_mmio_device *out,
				unsigned max);

#endif
