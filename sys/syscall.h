/*
 * Keel's Linux system-call layer: the application's `syscall` instruction
 * arrives here (arch/x86_64/syscall.S) with the Linux x86-64 numbers and
 * argument registers. Each family (sys/files.c, sys/memory.c, ...) adds
 * its calls with SYSCALL(); nothing edits a central table.
 */
#ifndef KEEL_SYS_SYSCALL_H
#define KEEL_SYS_SYSCALL_H

#include <stdint.h>

/* Every handler has this shape and returns a result or -errno, as Linux. */
typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

struct syscall_entry {
	long nr;
	syscall_fn fn;
	const char *name;
};

/* Registers handler for system call NR (a SYS_* number of
 * sys/linux.h). The entry goes to the section .syscalls, which the linker
 * script gathers between __syscalls_start and __syscalls_end. */
#define SYSCALL(NR, handler)                                                                                           \
	static const struct syscall_entry syscall_entry_##handler                                                      \
	    __attribute__((used, section(".syscalls"), aligned(8))) = { (NR), (handler), #handler }

/* What arch/x86_64/syscall.S saves on the thread's kernel stack, lowest
 * address first: the arguments, the number, and the application's rip
 * (rcx), rflags (r11) and rsp. */
struct syscall_frame {
	uint64_t r9, r8, r10, rdx, rsi, rdi, rax;
	uint64_t rip, rflags, rsp;
};

/* Called from syscall.S with interrupts as the application had them. */
long syscall_dispatch(struct syscall_frame *f);

/* The name of Linux x86-64 system call nr, or NULL (sys/names.c,
 * generated from the host's Linux headers). */
const char *syscall_name(long nr);

/* How many distinct system calls were refused with -ENOSYS. */
extern unsigned long syscall_unknown_count;

#endif
