#ifndef KEEL_PIC_H
#define KEEL_PIC_H

/* Where the masked PICs' vectors land: 0x20-0x2f, never handed out. */
#define PIC_VECTOR_BASE 0x20

void pic_disable(void);

#endif
