/*
 * Leaving the VM. The status reaches the host through QEMU's (and bhyve's)
 * isa-debug-exit port; where it is missing the VM still has to stop, so
 * the ways down are tried in order of how much they tell the host.
 */
#include "arch/x86_64/power.h"

#include <stdint.h>

#include "kernel/acpi.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

#define ISA_DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)
#define KBC_STATUS 0x64
#define KBC_RESET 0xfe

/* Reads what the FADT points at, mapping it read-only where it is not
 * mapped yet (firmware tables often sit in reserved memory). */
static const void *map_for_reading(uint64_t phys, size_t len)
{
	if (phys == 0 || phys + len < phys)
		return NULL;
	for (uint64_t page = phys & ~0xfffull; page < phys + len; page += 4096)
		if (!paging_is_mapped(page) && paging_map(page, 4096, MAP_READ) != 0)
			return NULL;
	return (const void *)(uintptr_t)phys;
}

static void quiet_log(const char *fmt, ...) { (void)fmt; }

void power_exit(int status)
{
	irq_disable();
	/* The line run-qemu.sh looks for to tell this exit from QEMU's own
	 * failures, which share exit code 1 with status 0. */
	kprintf("keel: exit status %d\n", status);
	/* Consoles that queue (a virtio console) get their output out
	 * before the VM is gone. */
	console_flush();

	outl(ISA_DEBUG_EXIT_PORT, (uint32_t)status);

	/* Still here: no debug-exit device. ACPI S5 (ACPI 6.4 section
	 * 16.1.7): SLP_TYP from \_S5 with SLP_EN into PM1a/PM1b control. */
	if (acpi_read_s5(&acpi, map_for_reading, quiet_log)) {
		kprintf("keel: no isa-debug-exit port; powering off through ACPI (the status is lost)\n");
		if (acpi.pm1b_cnt)
			outw(acpi.pm1b_cnt, (uint16_t)((acpi.s5_typb << 10) | SLP_EN));
		outw(acpi.pm1a_cnt, (uint16_t)((acpi.s5_typa << 10) | SLP_EN));
		for (volatile int i = 0; i < 1000000; i++)
			cpu_pause();
	}
	const struct acpi_gas *r = &acpi.reset_reg;
	if (acpi.have_reset &&
	    (r->space == ACPI_SPACE_IO || (r->space == ACPI_SPACE_MEMORY && mmio_map(r->address, 1)))) {
		kprintf("keel: resetting through the ACPI reset register\n");
		if (r->space == ACPI_SPACE_IO)
			outb((uint16_t)r->address, acpi.reset_value);
		else
			*(volatile uint8_t *)(uintptr_t)r->address = acpi.reset_value;
		for (volatile int i = 0; i < 1000000; i++)
			cpu_pause();
	}
	/* The keyboard controller's reset line, on any PC. */
	outb(KBC_STATUS, KBC_RESET);
	for (volatile int i = 0; i < 1000000; i++)
		cpu_pause();
	kprintf("keel: could not power off or reset; halting\n");
	cpu_halt_forever();
}
