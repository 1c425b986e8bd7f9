/*
 * Leaving the VM. The status reaches the host through QEMU's (and bhyve's)
 * isa-debug-exit port; where it is missing the VM still has to stop, so
 * the ways down are tried in order of how much they tell the host.
 */
#include "kernel/power.h"

#include <stdint.h>

#include "kernel/console.h"
#include "kernel/cpu.h"

#define ISA_DEBUG_EXIT_PORT 0xf4
#define SLP_EN (1u << 13)
#define KBC_STATUS 0x64
#define KBC_RESET 0xfe

struct power_acpi power_acpi;

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
	if (power_acpi.have_s5) {
		kprintf("keel: no isa-debug-exit port; powering off through ACPI (the status is lost)\n");
		if (power_acpi.pm1b_cnt)
			outw(power_acpi.pm1b_cnt, (uint16_t)((power_acpi.slp_typb << 10) | SLP_EN));
		outw(power_acpi.pm1a_cnt, (uint16_t)((power_acpi.slp_typa << 10) | SLP_EN));
		for (volatile int i = 0; i < 1000000; i++)
			cpu_pause();
	}
	if (power_acpi.have_reset) {
		kprintf("keel: resetting through the ACPI reset register\n");
		if (power_acpi.reset_space == 1)
			outb((uint16_t)power_acpi.reset_addr, power_acpi.reset_value);
		else if (power_acpi.reset_space == 0)
			*(volatile uint8_t *)(uintptr_t)power_acpi.reset_addr = power_acpi.reset_value;
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
