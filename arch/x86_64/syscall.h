/*
 * The `syscall` instruction at CPL 0: the application and the kernel share
 * the privilege level, so the instruction is a fast call into
 * syscall_entry (syscall.S), which moves to the calling thread's kernel
 * stack and back. The entry is linked with the system-call layer (sys/).
 */
#ifndef KEEL_ARCH_SYSCALL_H
#define KEEL_ARCH_SYSCALL_H

/* Slots in the system-call table (sys/syscall.c), whose SYSCALL_FAST
 * entries the entry (syscall.S) calls itself: every Linux number fits. */
#define SYSCALL_TABLE_SIZE 512

#ifndef __ASSEMBLY__
#include <stdint.h>

/* Sets EFER.SCE, STAR, LSTAR and FMASK; the system-call layer runs it
 * once at boot (an init call of sys/syscall.c). The application's thread
 * pointer (its FS base) is per thread: arch_set_fs_base, kernel/sched.h. */
void syscall_arch_init(void);

/* AT_HWCAP: the CPU's feature flags, CPUID leaf 1 EDX as Linux gives. */
uint64_t arch_hwcap(void);

/* Moves to stack sp (16-byte aligned) and calls fn(a0, a1, a2) there;
 * fn must not return. */
__attribute__((noreturn)) void app_enter(uint64_t sp, void *fn, void *a0, long a1, void *a2);

/* The application's text, from the linker script; empty for an
 * application on the kernel's C library. */
extern const char __app_text_start[], __app_text_end[];

/* musl ends a failed check (the stack protector, the heap's) with hlt
 * (a_crash), which at CPL 0 would only wait for the next interrupt and
 * then go on. The build lists every hlt of the application's text
 * (tools/gen-hlt-sites.sh); this turns each into an int3 (one byte too),
 * whose exception ends the VM at once, without a periodic interrupt to
 * wake the CPU. */
void app_hlt_sites_trap(void);

/* Whether rip is just after one of those instructions. */
int app_hlt_site(uint64_t rip);

#endif /* __ASSEMBLY__ */

#endif
