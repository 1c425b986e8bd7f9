/*
 * The FPU, SSE (and AVX, where XSAVE offers it) for threads that compute
 * with them, and the FS base that musl's thread pointer lives in.
 *
 * The kernel itself is built -mgeneral-regs-only and never touches this
 * state. A thread's first FPU or SIMD instruction traps (#NM, CR0.TS set
 * while it runs); from then on its state is saved and restored eagerly at
 * every switch away from and back to it. Threads that never use the FPU
 * cost a CR0 write at most when the CPU passes between the two kinds.
 */
#ifndef KEEL_FPU_H
#define KEEL_FPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct thread;

/* Enables x87 and SSE (CR0.MP and NE set, EM clear; CR4.OSFXSR and
 * OSXMMEXCPT), XSAVE with the x87, SSE and AVX components when the CPU has
 * them, FSGSBASE when it has it; builds the initial state of a thread:
 * x87 as after FNINIT, MXCSR 0x1f80 (all exceptions masked, round to
 * nearest). Leaves CR0.TS set: the boot thread never uses the FPU. */
void fpu_init(void);

/* Bytes a thread's save area takes (64-byte aligned), 0 before fpu_init. */
size_t fpu_state_size(void);

/* Makes area (fpu_state_size() bytes, 64-byte aligned) the initial state. */
void fpu_state_init(void *area);

/* At every switch, interrupts disabled: saves from's FPU state and FS
 * base when it has them, loads to's. */
void fpu_switch(struct thread *from, struct thread *to);

/* The #NM exception: the running thread's first FPU instruction. Returns
 * false when the fault is not that (the report follows). */
bool fpu_first_use(void);

/* Signals: the running thread's x87 and SSE state in FXSAVE's 512-byte
 * format (what Linux's signal frame points to), area 16-byte aligned;
 * its initial state when the thread never used the FPU. Bytes 464-511
 * (software-available) are zeroed: no extended state follows. */
void fpu_signal_save(void *area);
/* The handler of a signal starts from the initial state (as Linux's
 * fpu__clear_user_states): MXCSR and the x87 control word as at start,
 * whatever the interrupted code had set. Nothing to do for a thread
 * that never used the FPU. Interrupts disabled. */
void fpu_signal_reset(void);
/* Loads the running thread's x87 and SSE state from such an image, with
 * MXCSR's reserved bits cleared (FXRSTOR would fault on them). The AVX
 * upper halves are left as they are. Interrupts disabled. */
void fpu_signal_restore(const void *area);

/* arch_set_fs_base and arch_get_fs_base are here, declared in
 * kernel/sched.h for the layers above. */

#endif
