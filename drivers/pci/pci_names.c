/*
 * Names for the boot log, in the style of lspci -nn: the classes (PCI Code
 * and ID Assignment 1.11) and the vendors and devices a virtual machine
 * shows; anything else prints by number.
 */
#include <stddef.h>
#include <stdint.h>

#include "drivers/pci/pci.h"

static const struct {
	uint8_t class_code, subclass;
	const char *name;
} classes[] = {
	{ 0x00, 0xff, "Unclassified device" },
	{ 0x01, 0x00, "SCSI storage controller" },
	{ 0x01, 0x01, "IDE interface" },
	{ 0x01, 0x06, "SATA controller" },
	{ 0x01, 0x08, "Non-Volatile memory controller" },
	{ 0x01, 0xff, "Mass storage controller" },
	{ 0x02, 0x00, "Ethernet controller" },
	{ 0x02, 0xff, "Network controller" },
	{ 0x03, 0x00, "VGA compatible controller" },
	{ 0x03, 0xff, "Display controller" },
	{ 0x04, 0xff, "Multimedia controller" },
	{ 0x05, 0xff, "Memory controller" },
	{ 0x06, 0x00, "Host bridge" },
	{ 0x06, 0x01, "ISA bridge" },
	{ 0x06, 0x04, "PCI bridge" },
	{ 0x06, 0x80, "Bridge" },
	{ 0x06, 0xff, "Bridge" },
	{ 0x07, 0x00, "Serial controller" },
	{ 0x07, 0x80, "Communication controller" },
	{ 0x07, 0xff, "Communication controller" },
	{ 0x08, 0xff, "System peripheral" },
	{ 0x0c, 0x03, "USB controller" },
	{ 0x0c, 0x05, "SMBus" },
	{ 0x0c, 0xff, "Serial bus controller" },
	{ 0x10, 0xff, "Encryption controller" },
	{ 0xff, 0xff, "Unassigned class" },
};

const char *pci_class_name(uint8_t class_code, uint8_t subclass)
{
	const char *fallback = "Device";
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (classes[i].class_code != class_code)
			continue;
		if (classes[i].subclass == subclass)
			return classes[i].name;
		if (classes[i].subclass == 0xff)
			fallback = classes[i].name;
	}
	return fallback;
}

const char *pci_vendor_name(uint16_t vendor)
{
	switch (vendor) {
	case 0x8086: return "Intel Corporation";
	case 0x1af4: return "Red Hat, Inc.";
	case 0x1b36: return "Red Hat, Inc.";
	case 0x1234: return "QEMU";
	case 0x1022: return "Advanced Micro Devices, Inc.";
	case 0x15ad: return "VMware";
	default: return "Vendor";
	}
}

const char *pci_device_name(uint16_t vendor, uint16_t device)
{
	static const struct {
		uint16_t vendor, device;
		const char *name;
	} devices[] = {
		{ 0x8086, 0x1237, "440FX - 82441FX PMC [Natoma]" },
		{ 0x8086, 0x7000, "82371SB PIIX3 ISA [Natoma/Triton II]" },
		{ 0x8086, 0x7010, "82371SB PIIX3 IDE [Natoma/Triton II]" },
		{ 0x8086, 0x7113, "82371AB/EB/MB PIIX4 ACPI" },
		{ 0x8086, 0x29c0, "82G33/G31/P35/P31 Express DRAM Controller" },
		{ 0x8086, 0x2918, "82801IB (ICH9) LPC Interface Controller" },
		{ 0x8086, 0x2922, "82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]" },
		{ 0x8086, 0x2930, "82801I (ICH9 Family) SMBus Controller" },
		{ 0x1234, 0x1111, "Bochs display" },
		{ 0x1b36, 0x000c, "QEMU PCIe Root port" },
		{ 0x1b36, 0x0001, "QEMU PCI-PCI bridge" },
		/* virtio: transitional IDs 0x1000-0x103f, modern 0x1040 + type */
		{ 0x1af4, 0x1000, "Virtio network device" },
		{ 0x1af4, 0x1001, "Virtio block device" },
		{ 0x1af4, 0x1002, "Virtio memory balloon" },
		{ 0x1af4, 0x1003, "Virtio console" },
		{ 0x1af4, 0x1004, "Virtio SCSI" },
		{ 0x1af4, 0x1005, "Virtio RNG" },
		{ 0x1af4, 0x1041, "Virtio 1.0 network device" },
		{ 0x1af4, 0x1042, "Virtio 1.0 block device" },
		{ 0x1af4, 0x1043, "Virtio 1.0 console" },
		{ 0x1af4, 0x1044, "Virtio 1.0 RNG" },
		{ 0x1af4, 0x1045, "Virtio 1.0 memory balloon" },
		{ 0x1af4, 0x1048, "Virtio 1.0 SCSI" },
	};
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (devices[i].vendor == vendor && devices[i].device == device)
			return devices[i].name;
	return NULL;
}
