/*
 * PCI interrupts: MSI-X (PCI Local Bus 3.0 section 6.8.2), MSI (6.8.1)
 * and INTx.
 *
 * INTx needs to know which I/O APIC pin a device's pin reaches. ACPI says
 * so in _PRT, which takes an AML interpreter to read; Keel has none, so
 * it follows the chipset, as QEMU wires it (and as QEMU's own _PRT
 * describes it):
 *  - Q35 (ICH9): INTA-D of a device in slot S on the root bus go to
 *    PIRQ E-H as (S + pin) mod 4, and PIRQ n reaches GSI 16 + n, level
 *    triggered, active high. Behind a bridge, the pin is swizzled at each
 *    level up to the root bus (PCI-to-PCI Bridge 1.2, section 9.1).
 *  - anything else (i440FX, bhyve): the firmware's interrupt line. Below
 *    16 it is an ISA IRQ, mapped through the MADT's overrides; above, a
 *    GSI. PCI interrupts are level triggered, active low unless the
 *    override says otherwise.
 * Drivers prefer MSI-X, which needs none of this.
 */
#include <errno.h>

#include "drivers/pci/pci.h"
#include "kernel/acpi.h"
#include "kernel/console.h"

#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_ENABLE (1u << 15)
#define MSIX_FUNCTION_MASK (1u << 14)
#define MSIX_ENTRY_SIZE 16
#define MSIX_VECTOR_MASKED 1u

#define MSI_CONTROL 2
#define MSI_ENABLE 1u
#define MSI_64BIT (1u << 7)

int pci_msix_init(struct pci_device *d, struct pci_msix *m)
{
	if (d->msix_cap == 0)
		return -ENODEV;
	uint16_t control = pci_read16(d, (uint16_t)(d->msix_cap + MSIX_CONTROL));
	uint32_t table = pci_read32(d, (uint16_t)(d->msix_cap + MSIX_TABLE));
	unsigned size = (control & 0x7ff) + 1;
	unsigned bir = table & 7;
	uint64_t offset = table & ~7u;
	/* The table is the device's input: it must lie in a memory BAR. */
	volatile void *t = bir < 6 ? pci_map_bar(d, bir, offset, (uint64_t)size * MSIX_ENTRY_SIZE) : NULL;
	if (t == NULL) {
		kwarn("pci %02x:%02x.%x: MSI-X table (BAR%u + 0x%lx, %u entries) is outside its BAR\n", d->bus, d->slot,
		      d->func, bir, offset, size);
		return -EINVAL;
	}
	/* The pending bit array: one bit per entry, also in a memory BAR.
	 * Keel never reads it, but a device that places it outside its BAR
	 * describes itself wrongly and is not trusted with MSI-X. */
	uint32_t pba = pci_read32(d, (uint16_t)(d->msix_cap + MSIX_PBA));
	unsigned pba_bir = pba & 7;
	uint64_t pba_off = pba & ~7u, pba_len = ((uint64_t)size + 63) / 64 * 8;
	const struct pci_bar *pb = pba_bir < 6 ? &d->bar[pba_bir] : NULL;
	if (pb == NULL || (pb->type != PCI_BAR_MEM32 && pb->type != PCI_BAR_MEM64) || pba_off > pb->size ||
	    pba_len > pb->size - pba_off) {
		kwarn("pci %02x:%02x.%x: MSI-X pending bits (BAR%u + 0x%lx) are outside their BAR\n", d->bus, d->slot,
		      d->func, pba_bir, pba_off);
		return -EINVAL;
	}
	m->dev = d;
	m->table = (volatile uint32_t *)t;
	m->size = size;
	/* Every entry masked until a driver sets it. */
	for (unsigned i = 0; i < size; i++)
		m->table[i * 4 + 3] |= MSIX_VECTOR_MASKED;
	return 0;
}

void pci_msix_set(struct pci_msix *m, unsigned i, const struct msi_msg *msg, bool masked)
{
	if (i >= m->size)
		return;
	volatile uint32_t *e = m->table + i * 4;
	e[3] |= MSIX_VECTOR_MASKED; /* never half-written while live */
	e[0] = (uint32_t)msg->address;
	e[1] = (uint32_t)(msg->address >> 32);
	e[2] = msg->data;
	if (!masked)
		e[3] &= ~MSIX_VECTOR_MASKED;
}

void pci_msix_enable(struct pci_msix *m, bool on)
{
	struct pci_device *d = m->dev;
	uint16_t off = (uint16_t)(d->msix_cap + MSIX_CONTROL);
	uint16_t control = pci_read16(d, off);
	control = on ? (uint16_t)((control | MSIX_ENABLE) & ~MSIX_FUNCTION_MASK) : (uint16_t)(control & ~MSIX_ENABLE);
	pci_write16(d, off, control);
	pci_intx_enable(d, !on);
}

int pci_msi_enable(struct pci_device *d, const struct msi_msg *msg)
{
	if (d->msi_cap == 0)
		return -ENODEV;
	uint16_t c = d->msi_cap;
	uint16_t control = pci_read16(d, (uint16_t)(c + MSI_CONTROL));
	pci_write32(d, (uint16_t)(c + 4), (uint32_t)msg->address);
	if (control & MSI_64BIT) {
		pci_write32(d, (uint16_t)(c + 8), (uint32_t)(msg->address >> 32));
		pci_write16(d, (uint16_t)(c + 12), (uint16_t)msg->data);
	} else {
		pci_write16(d, (uint16_t)(c + 8), (uint16_t)msg->data);
	}
	/* One vector: multiple message enable (bits 6:4) zero. */
	control = (uint16_t)((control & ~(7u << 4)) | MSI_ENABLE);
	pci_write16(d, (uint16_t)(c + MSI_CONTROL), control);
	pci_intx_enable(d, false);
	return 0;
}

void pci_msi_disable(struct pci_device *d)
{
	if (d->msi_cap == 0)
		return;
	uint16_t c = d->msi_cap;
	uint16_t control = pci_read16(d, (uint16_t)(c + MSI_CONTROL));
	pci_write16(d, (uint16_t)(c + MSI_CONTROL), (uint16_t)(control & ~MSI_ENABLE));
}

void pci_intx_enable(struct pci_device *d, bool on)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	cmd = on ? (uint16_t)(cmd & ~PCI_COMMAND_INTX_DISABLE) : (uint16_t)(cmd | PCI_COMMAND_INTX_DISABLE);
	pci_write16(d, PCI_COMMAND, cmd);
}

#define INTEL 0x8086
#define Q35_HOST_BRIDGE 0x29c0

static bool chipset_is_q35(void)
{
	for (struct pci_device *d = pci_next(NULL); d; d = pci_next(d))
		if (d->bus == 0 && d->slot == 0 && d->func == 0)
			return d->vendor_id == INTEL && d->device_id == Q35_HOST_BRIDGE;
	return false;
}

int pci_intx_route(const struct pci_device *d, uint32_t *gsi, bool *level, bool *active_low)
{
	if (d->irq_pin == 0)
		return -ENODEV;
	if (chipset_is_q35()) {
		/* Swizzle the pin (0-3 for INTA-D) up to the root bus. */
		unsigned pin = d->irq_pin - 1u;
		const struct pci_device *at = d;
		while (at->bridge) {
			pin = (pin + at->slot) % 4;
			at = at->bridge;
		}
		if (at->slot >= 25)
			return -ENODEV; /* the chipset's own slots: set by registers Keel does not read */
		*gsi = 16 + 4 + (at->slot + pin) % 4;
		*level = true;
		*active_low = false;
		return 0;
	}
	uint8_t line = d->irq_line;
	if (line == 0 || line == 0xff)
		return -ENODEV;
	if (line < 16) {
		uint16_t flags;
		*gsi = acpi_isa_irq_to_gsi(&acpi, line, &flags);
		/* The override's flags when it has them (QEMU's say level,
		 * active high), else the PCI defaults. */
		*level = ((flags >> 2) & 3) != 1;
		*active_low = (flags & 3) == 0 || (flags & 3) == 3;
		return 0;
	}
	*gsi = line;
	*level = true;
	*active_low = true;
	return 0;
}
