/*
 * I/O APICs (the 82093AA datasheet, and the ACPI MADT that says where
 * they are and which global system interrupts each serves). Registers are
 * reached through an index (IOREGSEL) and a window (IOWIN).
 */
#include "arch/x86_64/ioapic.h"

#include <errno.h>
#include <stdlib.h>

#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VERSION 0x01
#define REG_REDIR(pin) (0x10 + 2 * (pin))
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

/* Every I/O APIC the MADT lists that answers, each with as many pins as
 * its version register says. */
static struct ioapic {
	volatile uint32_t *mmio;
	uint32_t gsi_base;
	unsigned npins;
} * ioapics;
static unsigned count;

static uint32_t rd(volatile uint32_t *m, uint32_t reg)
{
	m[IOREGSEL / 4] = reg;
	return m[IOWIN / 4];
}

static void wr(volatile uint32_t *m, uint32_t reg, uint32_t v)
{
	m[IOREGSEL / 4] = reg;
	m[IOWIN / 4] = v;
}

/* Where the first I/O APIC of a PC sits unless a table says otherwise
 * (the MultiProcessor Specification 1.4, section 3.6.6): a machine
 * without ACPI (QEMU's microvm with acpi=off) still has it there, serving
 * GSIs from 0. */
#define IOAPIC_DEFAULT_PHYS 0xfec00000ull

int ioapic_init(const struct acpi_info *info)
{
	unsigned n = info->nioapics;
	bool fallback = n == 0 && !info->have_madt;
	if (fallback)
		n = 1;
	if (n == 0)
		return 0;
	ioapics = calloc(n, sizeof(*ioapics));
	if (ioapics == NULL) {
		kwarn("ioapic: no memory for %u I/O APICs; none used\n", n);
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t phys = fallback ? IOAPIC_DEFAULT_PHYS : info->ioapic[i].phys;
		volatile uint32_t *m = mmio_map(phys, 4096);
		if (m == NULL)
			continue;
		uint32_t ver = rd(m, REG_VERSION);
		unsigned npins = ((ver >> 16) & 0xff) + 1;
		/* Nothing there reads as all ones (or, for QEMU's unassigned
		 * memory, zeros: no I/O APIC has a version below 0x10). */
		if (ver == 0xffffffffu || (fallback && (ver & 0xff) < 0x10)) {
			if (!fallback)
				kwarn("ioapic: nothing answers at 0x%lx; ignored\n", phys);
			continue;
		}
		if (fallback)
			kinfo("ioapic: no MADT; the I/O APIC at its default address 0x%lx serves GSIs 0-%u\n", phys,
			      npins - 1);
		ioapics[count].mmio = m;
		ioapics[count].gsi_base = fallback ? 0 : info->ioapic[i].gsi_base;
		ioapics[count].npins = npins;
		for (unsigned pin = 0; pin < npins; pin++) {
			wr(m, REG_REDIR(pin) + 1, 0);
			wr(m, REG_REDIR(pin), REDIR_MASKED);
		}
		count++;
	}
	return (int)count;
}

static bool find(uint32_t gsi, unsigned *which, unsigned *pin)
{
	for (unsigned i = 0; i < count; i++) {
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].npins) {
			*which = i;
			*pin = gsi - ioapics[i].gsi_base;
			return true;
		}
	}
	return false;
}

int ioapic_route(uint32_t gsi, uint8_t vector, bool level, bool active_low, uint32_t dest)
{
	unsigned i, pin;
	if (!find(gsi, &i, &pin))
		return -ENODEV;
	bool irq = irq_save();
	/* Masked while both halves change, then unmasked. */
	wr(ioapics[i].mmio, REG_REDIR(pin), REDIR_MASKED);
	wr(ioapics[i].mmio, REG_REDIR(pin) + 1, dest << 24);
	uint32_t low = vector | (level ? REDIR_LEVEL : 0) | (active_low ? REDIR_ACTIVE_LOW : 0);
	wr(ioapics[i].mmio, REG_REDIR(pin), low);
	irq_restore(irq);
	return 0;
}

void ioapic_mask(uint32_t gsi, bool masked)
{
	unsigned i, pin;
	if (!find(gsi, &i, &pin))
		return;
	bool irq = irq_save();
	uint32_t low = rd(ioapics[i].mmio, REG_REDIR(pin));
	wr(ioapics[i].mmio, REG_REDIR(pin), masked ? low | REDIR_MASKED : low & ~REDIR_MASKED);
	irq_restore(irq);
}
