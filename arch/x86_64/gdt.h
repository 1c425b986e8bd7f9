#ifndef KEEL_GDT_H
#define KEEL_GDT_H

#include <stdint.h>

/* Interrupt stack table slots (1-based, as the IDT gate encodes them). */
enum {
	IST_DOUBLE_FAULT = 1,
	IST_NMI = 2,
	IST_MACHINE_CHECK = 3,
	IST_PAGE_FAULT = 4,
};

/* Loads Keel's GDT and a TSS whose interrupt stacks give the faults that
 * can strike on a broken stack (a double fault, a page fault from an
 * overflow into a guard page, NMI, machine check) stacks of their own. */
void gdt_init(void);

/* The top of the interrupt stack for slot ist, for reports. */
uintptr_t gdt_ist_top(int ist);

#endif
