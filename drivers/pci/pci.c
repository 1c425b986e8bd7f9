/*
 * PCI enumeration. Configuration space is reached through ECAM (memory
 * mapped, 4 KiB per function) where the ACPI MCFG describes it, else
 * through the legacy I/O ports 0xcf8/0xcfc (256 bytes per function).
 *
 * Every bus is scanned from bus 0 through the bridges found, each bus at
 * most once (a bridge that claims a bus already seen, or a lower one, is
 * reported and not followed), to a bounded depth.
 */
#include "drivers/pci/pci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/acpi.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

#define CONFIG_ADDRESS 0xcf8
#define CONFIG_DATA 0xcfc
#define MAX_BRIDGE_DEPTH 16

static struct pci_device *devices, *devices_tail;
static unsigned ndevices;

/* ECAM windows mapped at init, from the MCFG. */
static struct {
	volatile uint8_t *base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
} ecam[ACPI_MAX_ECAM];
static unsigned necam;

static volatile uint8_t *ecam_function(uint16_t seg, uint8_t bus, uint8_t slot, uint8_t func)
{
	for (unsigned i = 0; i < necam; i++)
		if (ecam[i].segment == seg && bus >= ecam[i].bus_start && bus <= ecam[i].bus_end)
			return ecam[i].base + (((uint64_t)(bus - ecam[i].bus_start) << 20) | ((uint64_t)slot << 15) |
					       ((uint64_t)func << 12));
	return NULL;
}

static uint32_t port_address(uint8_t bus, uint8_t slot, uint8_t func, uint16_t off)
{
	return 0x80000000u | (uint32_t)bus << 16 | (uint32_t)slot << 11 | (uint32_t)func << 8 | (off & 0xfc);
}

/* Reads and writes at any offset and width: ECAM takes them as they are;
 * the port mechanism reaches the first 256 bytes, a dword at a time. */
static uint32_t cfg_read(uint16_t seg, uint8_t bus, uint8_t slot, uint8_t func, uint16_t off, int width)
{
	volatile uint8_t *f = ecam_function(seg, bus, slot, func);
	if (f) {
		if (off > 4096 - (unsigned)width)
			return ~0u;
		switch (width) {
		case 1: return *(volatile uint8_t *)(f + off);
		case 2: return *(volatile uint16_t *)(f + off);
		default: return *(volatile uint32_t *)(f + off);
		}
	}
	if (seg != 0 || off > 256 - (unsigned)width)
		return ~0u;
	bool irq = irq_save();
	outl(CONFIG_ADDRESS, port_address(bus, slot, func, off));
	uint32_t v;
	switch (width) {
	case 1: v = inb((uint16_t)(CONFIG_DATA + (off & 3))); break;
	case 2: v = inw((uint16_t)(CONFIG_DATA + (off & 2))); break;
	default: v = inl(CONFIG_DATA); break;
	}
	irq_restore(irq);
	return v;
}

static void cfg_write(uint16_t seg, uint8_t bus, uint8_t slot, uint8_t func, uint16_t off, int width, uint32_t v)
{
	volatile uint8_t *f = ecam_function(seg, bus, slot, func);
	if (f) {
		if (off > 4096 - (unsigned)width)
			return;
		switch (width) {
		case 1: *(volatile uint8_t *)(f + off) = (uint8_t)v; break;
		case 2: *(volatile uint16_t *)(f + off) = (uint16_t)v; break;
		default: *(volatile uint32_t *)(f + off) = v; break;
		}
		return;
	}
	if (seg != 0 || off > 256 - (unsigned)width)
		return;
	bool irq = irq_save();
	outl(CONFIG_ADDRESS, port_address(bus, slot, func, off));
	switch (width) {
	case 1: outb((uint16_t)(CONFIG_DATA + (off & 3)), (uint8_t)v); break;
	case 2: outw((uint16_t)(CONFIG_DATA + (off & 2)), (uint16_t)v); break;
	default: outl(CONFIG_DATA, v); break;
	}
	irq_restore(irq);
}

#define D(d) (d)->segment, (d)->bus, (d)->slot, (d)->func
uint8_t pci_read8(const struct pci_device *d, uint16_t off) { return (uint8_t)cfg_read(D(d), off, 1); }
uint16_t pci_read16(const struct pci_device *d, uint16_t off) { return (uint16_t)cfg_read(D(d), off, 2); }
uint32_t pci_read32(const struct pci_device *d, uint16_t off) { return cfg_read(D(d), off, 4); }
void pci_write8(const struct pci_device *d, uint16_t off, uint8_t v) { cfg_write(D(d), off, 1, v); }
void pci_write16(const struct pci_device *d, uint16_t off, uint16_t v) { cfg_write(D(d), off, 2, v); }
void pci_write32(const struct pci_device *d, uint16_t off, uint32_t v) { cfg_write(D(d), off, 4, v); }

/* Sizes a BAR by writing all ones and reading back which bits stuck,
 * with decoding off meanwhile so the device never answers at a bogus
 * address. Returns how many BAR slots it took (2 for a 64-bit BAR). */
static unsigned probe_bar(struct pci_device *d, unsigned i, unsigned nbars)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint32_t lo = pci_read32(d, off);
	struct pci_bar *b = &d->bar[i];
	if (lo & 1) {
		pci_write32(d, off, ~0u);
		uint32_t mask = pci_read32(d, off) & ~3u & 0xffff;
		pci_write32(d, off, lo);
		if (mask == 0)
			return 1;
		b->type = PCI_BAR_IO;
		b->base = lo & ~3u;
		b->size = (uint64_t)(~mask & 0xffff) + 1;
		return 1;
	}
	bool is64 = ((lo >> 1) & 3) == 2;
	if (is64 && i + 1 >= nbars)
		return 1; /* a 64-bit BAR in the last slot: malformed */
	pci_write32(d, off, ~0u);
	uint64_t mask = pci_read32(d, off) & ~0xfu;
	pci_write32(d, off, lo);
	uint32_t hi = 0;
	if (is64) {
		hi = pci_read32(d, off + 4);
		pci_write32(d, off + 4, ~0u);
		mask |= (uint64_t)pci_read32(d, off + 4) << 32;
		pci_write32(d, off + 4, hi);
	} else if (mask != 0) {
		mask |= 0xffffffff00000000ull; /* a 32-bit BAR decodes no higher */
	}
	/* No bit stuck: the BAR is not implemented. */
	if (mask == 0)
		return is64 ? 2 : 1;
	b->type = is64 ? PCI_BAR_MEM64 : PCI_BAR_MEM32;
	b->prefetchable = (lo >> 3) & 1;
	b->base = ((uint64_t)hi << 32) | (lo & ~0xfu);
	b->size = ~(mask & ~0xfull) + 1;
	return is64 ? 2 : 1;
}

static void probe_bars(struct pci_device *d, unsigned nbars)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	pci_write16(d, PCI_COMMAND, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < nbars;)
		i += probe_bar(d, i, nbars);
	pci_write16(d, PCI_COMMAND, cmd);
}

uint8_t pci_find_cap(const struct pci_device *d, uint8_t id, uint8_t start)
{
	if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t off = start ? pci_read8(d, (uint16_t)(start + 1)) : pci_read8(d, PCI_CAP_PTR);
	/* 48 capabilities fill the 192 bytes after the header: any more
	 * means the list loops. */
	for (int n = 0; n < 48 && off >= 0x40; n++) {
		off &= 0xfc;
		if (pci_read8(d, off) == id)
			return off;
		off = pci_read8(d, (uint16_t)(off + 1));
	}
	return 0;
}

static void log_device(const struct pci_device *d)
{
	const char *dev_name = pci_device_name(d->vendor_id, d->device_id);
	kinfo("pci %02x:%02x.%x %s [%02x%02x]: %s %s [%04x:%04x] (rev %02x)", d->bus, d->slot, d->func,
	      pci_class_name(d->class_code, d->subclass), d->class_code, d->subclass, pci_vendor_name(d->vendor_id),
	      dev_name ? dev_name : "Device", d->vendor_id, d->device_id, d->revision);
	if (d->irq_pin)
		kinfo(", INT%c", 'A' + d->irq_pin - 1);
	if (d->msix_cap)
		kinfo(", MSI-X");
	if (d->msi_cap)
		kinfo(", MSI");
	if (d->driver)
		kinfo(", driver %s", d->driver);
	kinfo("\n");
	for (int i = 0; i < 6; i++) {
		const struct pci_bar *b = &d->bar[i];
		if (b->type == PCI_BAR_NONE)
			continue;
		kdebug("    BAR%d: %s at 0x%lx, %lu bytes%s\n", i,
		       b->type == PCI_BAR_IO	  ? "I/O"
		       : b->type == PCI_BAR_MEM64 ? "64-bit memory"
						  : "32-bit memory",
		       b->base, b->size, b->prefetchable ? ", prefetchable" : "");
	}
}

static uint8_t bus_seen[256 / 8];

static void scan_bus(uint16_t seg, uint8_t bus, struct pci_device *bridge, int depth);

static void add_function(uint16_t seg, uint8_t bus, uint8_t slot, uint8_t func, struct pci_device *bridge, int depth)
{
	struct pci_device *d = calloc(1, sizeof(*d));
	if (d == NULL) {
		kwarn("pci: out of memory; %02x:%02x.%x and later devices ignored\n", bus, slot, func);
		return;
	}
	d->segment = seg;
	d->bus = bus;
	d->slot = slot;
	d->func = func;
	d->bridge = bridge;
	d->vendor_id = pci_read16(d, PCI_VENDOR_ID);
	d->device_id = pci_read16(d, PCI_DEVICE_ID);
	uint32_t class_rev = pci_read32(d, PCI_REVISION);
	d->revision = (uint8_t)class_rev;
	d->prog_if = (uint8_t)(class_rev >> 8);
	d->subclass = (uint8_t)(class_rev >> 16);
	d->class_code = (uint8_t)(class_rev >> 24);
	d->header_type = pci_read8(d, PCI_HEADER_TYPE) & 0x7f;
	if (d->header_type == 0) {
		d->subsystem_vendor = pci_read16(d, PCI_SUBSYSTEM_VENDOR);
		d->subsystem_id = pci_read16(d, PCI_SUBSYSTEM_ID);
		probe_bars(d, 6);
	} else if (d->header_type == 1) {
		probe_bars(d, 2);
	}
	d->irq_pin = pci_read8(d, PCI_INTERRUPT_PIN);
	if (d->irq_pin > 4)
		d->irq_pin = 0;
	d->irq_line = pci_read8(d, PCI_INTERRUPT_LINE);
	d->msi_cap = pci_find_cap(d, PCI_CAP_ID_MSI, 0);
	d->msix_cap = pci_find_cap(d, PCI_CAP_ID_MSIX, 0);

	if (devices_tail)
		devices_tail->next = d;
	else
		devices = d;
	devices_tail = d;
	ndevices++;
	/* The device's line waits for its driver (pci_log_devices); what a
	 * boot that stops in an attach found is in the debug log. */
	kdebug("pci: found %02x:%02x.%x [%04x:%04x]\n", bus, slot, func, d->vendor_id, d->device_id);

	if (d->header_type == 1 && d->class_code == 0x06 && (d->subclass == 0x04 || d->subclass == 0x09)) {
		uint8_t secondary = pci_read8(d, PCI_SECONDARY_BUS);
		if (secondary <= bus || (bus_seen[secondary / 8] >> (secondary % 8)) & 1)
			kwarn("pci: bridge %02x:%02x.%x claims bus %02x, already scanned or below its own; not "
			      "followed\n",
			      bus, slot, func, secondary);
		else if (depth >= MAX_BRIDGE_DEPTH)
			kwarn("pci: bridges nested deeper than %d; bus %02x not scanned\n", MAX_BRIDGE_DEPTH,
			      secondary);
		else
			scan_bus(seg, secondary, d, depth + 1);
	}
}

static void scan_bus(uint16_t seg, uint8_t bus, struct pci_device *bridge, int depth)
{
	bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
	for (uint8_t slot = 0; slot < 32; slot++) {
		if ((uint16_t)cfg_read(seg, bus, slot, 0, PCI_VENDOR_ID, 2) == 0xffff)
			continue;
		bool multi = cfg_read(seg, bus, slot, 0, PCI_HEADER_TYPE, 1) & 0x80;
		for (uint8_t func = 0; func < (multi ? 8 : 1); func++)
			if ((uint16_t)cfg_read(seg, bus, slot, func, PCI_VENDOR_ID, 2) != 0xffff)
				add_function(seg, bus, slot, func, bridge, depth);
	}
}

void pci_init(void)
{
	for (unsigned i = 0; i < acpi.necam && necam < ACPI_MAX_ECAM; i++) {
		uint64_t base = acpi.ecam[i].base + ((uint64_t)acpi.ecam[i].bus_start << 20);
		uint64_t len = (uint64_t)(acpi.ecam[i].bus_end - acpi.ecam[i].bus_start + 1) << 20;
		volatile void *m = mmio_map(base, len);
		if (m == NULL) {
			kwarn("pci: cannot map ECAM at 0x%lx; using I/O ports\n", base);
			continue;
		}
		ecam[necam].base = m;
		ecam[necam].segment = acpi.ecam[i].segment;
		ecam[necam].bus_start = acpi.ecam[i].bus_start;
		ecam[necam].bus_end = acpi.ecam[i].bus_end;
		necam++;
	}
	kdebug("pci: configuration through %s\n", necam ? "ECAM (MCFG)" : "I/O ports 0xcf8/0xcfc");
	/* Segment 0, bus 0: the root; other segments only through ECAM. */
	scan_bus(0, 0, NULL, 0);
	for (unsigned i = 0; i < necam; i++)
		if (ecam[i].segment != 0)
			scan_bus(ecam[i].segment, ecam[i].bus_start, NULL, 0);
}
INIT_CALL(INIT_BUS, pci_init);

static void pci_log_devices(void)
{
	for (const struct pci_device *d = devices; d; d = d->next)
		log_device(d);
}
INIT_CALL(INIT_BOUND, pci_log_devices);

struct pci_device *pci_next(struct pci_device *after) { return after ? after->next : devices; }
unsigned pci_count(void) { return ndevices; }

void pci_enable(struct pci_device *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	for (int i = 0; i < 6; i++)
		if (d->bar[i].type == PCI_BAR_IO)
			cmd |= PCI_COMMAND_IO;
	pci_write16(d, PCI_COMMAND, cmd);
}

void pci_disable(struct pci_device *d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);
	cmd &= (uint16_t) ~(PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	pci_write16(d, PCI_COMMAND, (uint16_t)(cmd | PCI_COMMAND_INTX_DISABLE));
}

volatile void *pci_map_bar(const struct pci_device *d, unsigned bar, uint64_t offset, uint64_t length)
{
	if (bar >= 6)
		return NULL;
	const struct pci_bar *b = &d->bar[bar];
	if ((b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || b->base == 0 || offset > b->size ||
	    length > b->size - offset || length == 0)
		return NULL;
	return mmio_map(b->base + offset, length) ? (volatile void *)(uintptr_t)(b->base + offset) : NULL;
}

int pci_bar_port(const struct pci_device *d, unsigned bar, uint64_t offset, uint64_t length, uint16_t *port)
{
	if (bar >= 6)
		return -EINVAL;
	const struct pci_bar *b = &d->bar[bar];
	if (b->type != PCI_BAR_IO || b->base == 0 || offset > b->size || length > b->size - offset ||
	    b->base + b->size > 0x10000)
		return -EINVAL;
	*port = (uint16_t)(b->base + offset);
	return 0;
}
