/*
 * What the boot tells the rest of the kernel.
 */
#ifndef KEEL_INIT_H
#define KEEL_INIT_H

#include <stdint.h>

/* Microseconds from the kernel's first instruction to the call of main. */
uint64_t boot_time_us(void);

#endif
