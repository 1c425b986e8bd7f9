/*
 * PCI and PCI Express: configuration access (I/O ports 0xcf8/0xcfc or
 * ECAM from the ACPI MCFG), the devices found behind every bridge, their
 * BARs and capabilities, and their interrupts (MSI-X, MSI, INTx).
 */
#ifndef KEEL_PCI_H
#define KEEL_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/irq.h"

/* Configuration space registers (PCI Local Bus 3.0, section 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_SECONDARY_BUS 0x19

#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_CAP_LIST (1u << 4)

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VENDOR 0x09
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
	enum pci_bar_type type;
	bool prefetchable;
	uint64_t base;
	uint64_t size;
};

struct pci_device {
	uint16_t segment;
	uint8_t bus, slot, func;
	uint16_t vendor_id, device_id;
	uint16_t subsystem_vendor, subsystem_id;
	uint8_t class_code, subclass, prog_if, revision, header_type;
	uint8_t irq_pin, irq_line;
	struct pci_bar bar[6];
	uint8_t msi_cap, msix_cap; /* offsets in configuration space, 0 if none */
	struct pci_device *bridge; /* the bridge above, NULL on the root bus */
	bool claimed;		   /* a driver took it */
	const char *driver;	   /* the name the driver gave it (virtio-rng0), once attached */
	struct pci_device *next;
};

/* Enumerates every bus. Once the drivers have attached, a line per device
 * is logged, as lspci -nn -k would put it: address, class, vendor and
 * device with their IDs, interrupts, and the driver bound. */
void pci_init(void);

/* Iterates over the devices found: start with NULL. */
struct pci_device *pci_next(struct pci_device *after);
unsigned pci_count(void);

uint8_t pci_read8(const struct pci_device *d, uint16_t off);
uint16_t pci_read16(const struct pci_device *d, uint16_t off);
uint32_t pci_read32(const struct pci_device *d, uint16_t off);
void pci_write8(const struct pci_device *d, uint16_t off, uint8_t v);
void pci_write16(const struct pci_device *d, uint16_t off, uint16_t v);
void pci_write32(const struct pci_device *d, uint16_t off, uint32_t v);

/* Turns on memory and I/O decoding and bus mastering (DMA). */
void pci_enable(struct pci_device *d);
/* Turns them off again, INTx too: the device can no longer reach memory
 * nor interrupt (what a driver that gave up leaves behind). */
void pci_disable(struct pci_device *d);

/* Maps length bytes at offset into memory BAR bar, uncached; NULL when
 * the BAR is not memory or the range falls outside it. */
volatile void *pci_map_bar(const struct pci_device *d, unsigned bar, uint64_t offset, uint64_t length);

/* The I/O port of offset in I/O BAR bar; -EINVAL when the range falls
 * outside it. */
int pci_bar_port(const struct pci_device *d, unsigned bar, uint64_t offset, uint64_t length, uint16_t *port);

/* The first capability of a kind at or after offset start (0: from the
 * beginning), or 0. The walk is bounded: a list that loops ends. */
uint8_t pci_find_cap(const struct pci_device *d, uint8_t id, uint8_t start);

/* --- interrupts (drivers/pci/pci_irq.c) --- */

struct pci_msix {
	struct pci_device *dev;
	volatile uint32_t *table;
	unsigned size; /* entries */
};

/* Maps the MSI-X table (its BIR and offset checked against the BAR).
 * Returns 0, -ENODEV (no MSI-X), -EINVAL (table outside its BAR). */
int pci_msix_init(struct pci_device *d, struct pci_msix *m);
/* Programs entry i, masked or not. */
void pci_msix_set(struct pci_msix *m, unsigned i, const struct msi_msg *msg, bool masked);
/* MSI-X on (INTx off) or off. */
void pci_msix_enable(struct pci_msix *m, bool on);

/* Plain MSI with one vector. Returns 0 or -ENODEV. */
int pci_msi_enable(struct pci_device *d, const struct msi_msg *msg);
void pci_msi_disable(struct pci_device *d);

/* The global system interrupt that the device's INTx pin reaches, with
 * its trigger and polarity. Returns 0, or -ENODEV (no pin, or routing
 * unknown). */
int pci_intx_route(const struct pci_device *d, uint32_t *gsi, bool *level, bool *active_low);
void pci_intx_enable(struct pci_device *d, bool on);

/* Names for logs. */
const char *pci_class_name(uint8_t class_code, uint8_t subclass);
const char *pci_vendor_name(uint16_t vendor);
const char *pci_device_name(uint16_t vendor, uint16_t device);

#endif
