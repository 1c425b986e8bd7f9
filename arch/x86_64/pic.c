/*
 * The legacy 8259 PICs. Keel routes interrupts through the APICs, so the
 * PICs are remapped away from the exception vectors (a spurious IRQ 7 or
 * 15 then lands on 0x27 or 0x2f, not on #NM or a reserved exception) and
 * every line is masked.
 */
#include "arch/x86_64/pic.h"

#include "arch/x86_64/cpu.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, PIC_VECTOR_BASE); /* ICW2: vector offsets */
	outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
	outb(PIC1_DATA, 0x04); /* ICW3: the slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff); /* mask everything */
	outb(PIC2_DATA, 0xff);
}
