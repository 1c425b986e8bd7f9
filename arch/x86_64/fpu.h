/*
 * The x87 and SSE units, for application code: the kernel itself is built
 * without them (-mgeneral-regs-only), so their state is the application's
 * alone.
 */
#ifndef KEEL_FPU_H
#define KEEL_FPU_H

/* Turns on the x87 and SSE for code that uses them (musl, compiled for
 * ordinary user space) in their reset state. */
void fpu_init(void);

#endif
