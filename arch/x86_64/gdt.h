#ifndef KEEL_GDT_H
#define KEEL_GDT_H

#include <stdint.h>

/* Interrupt stack table slots (1-based, as the IDT gate encodes them). */
enum {
	IST_DOUBLE_FAULT = 1,
	IST_NMI = 2,
	IST_MACHINE_CHECK = 3,
	IST_PAGE_FAULT = 4,
	IST_EXCEPTION = 5, /* every other exception */
	IST_INTERRUPT = 6, /* vectors 32-255, left at once (arch/x86_64/traps.S) */
	IST_COUNT = 6,
};

/* Loads Keel's GDT and a TSS whose interrupt stack table gives every
 * vector a stack of its own: applications run in ring 0, so without one
 * an interrupt would push its frame onto the application's stack, over
 * the 128-byte red zone below its stack pointer that the System V ABI
 * lets code use (the kernel is built -mno-red-zone; musl and applications
 * are not). The faults that can strike on a broken stack (a double
 * fault, a page fault from an overflow into a guard page, NMI, machine
 * check) have separate stacks, so one striking while another vector's
 * stack is in use does not overwrite it. */
void gdt_init(void);

/* The top of the interrupt stack for slot ist, for reports. */
uintptr_t gdt_ist_top(int ist);

#endif
