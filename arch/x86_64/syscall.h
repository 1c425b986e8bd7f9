/*
 * The `syscall` instruction at CPL 0: the application and the kernel share
 * the privilege level, so the instruction is a fast call into
 * syscall_entry (syscall.S), which moves to the calling thread's kernel
 * stack and back. Included by syscall.S: constants only outside C.
 */
#ifndef KEEL_ARCH_SYSCALL_H
#define KEEL_ARCH_SYSCALL_H

/* Where syscall.S finds the kernel stack in struct keel_thread; checked
 * against the structure in syscall_arch.c. */
#define THREAD_STACK_OFFSET 72
#define THREAD_STACK_SIZE_OFFSET 80

#ifndef __ASSEMBLY__
#include <stdint.h>

/* Sets EFER.SCE, STAR, LSTAR and FMASK. */
void syscall_arch_init(void);

/* Moves to stack sp (16-byte aligned) and calls fn(a0, a1, a2) there;
 * fn must not return. */
__attribute__((noreturn)) void app_enter(uint64_t sp, void *fn, void *a0, long a1, void *a2);

/* The application's text, from the linker script; empty for an
 * application on the kernel's C library. */
extern const char __app_text_start[], __app_text_end[];

/* Whether the interrupted rip follows a hlt of the application's own text
 * (a crash on purpose: musl's a_crash). */
int app_hlt_site(uint64_t rip);
#endif

#endif
