/*
 * The system-call table: each handler registers itself with
 * SYSCALL(NR, handler) in a linker section (.syscalls, between
 * __syscalls_start and __syscalls_end); the entry looks the number up.
 * A handler takes the six argument registers and returns the result or
 * -errno, as Linux's x86-64 system calls do.
 */
#ifndef KEEL_SYS_SYSCALL_H
#define KEEL_SYS_SYSCALL_H

#include <stdint.h>

#include "kernel/sched.h"

struct syscall_entry {
	long nr;
	long (*fn)(long, long, long, long, long, long);
	const char *name;
};

#define SYSCALL(NR, handler)                                                                                           \
	static const struct syscall_entry syscall_entry_##handler                                                      \
	    __attribute__((used, section(".syscalls"), aligned(8))) = { (NR), (handler), #handler }

extern const struct syscall_entry __syscalls_start[], __syscalls_end[];

/*
 * What the entry (arch/x86_64/syscall.S) saves on the calling thread's
 * kernel stack, lowest address first: every general register of the
 * application as the `syscall` instruction left them (rcx and r11 hold
 * the return address and the flags), and its stack pointer. clone()
 * starts the child from a copy of this frame: musl's __clone keeps the
 * child's start function in r9 and its argument on the new stack, and
 * the child must see every register but rax (0) and rsp as they were.
 */
struct syscall_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx; /* callee-saved */
	uint64_t r9, r8, r10, rdx, rsi, rdi;   /* the arguments, in reverse */
	uint64_t rax;			       /* the number; the result on the way out */
	uint64_t rip;			       /* from rcx: where the call returns */
	uint64_t rflags;		       /* from r11 */
	uint64_t rsp;			       /* the application's stack pointer */
};
_Static_assert(sizeof(struct syscall_frame) == 16 * 8, "syscall_frame matches syscall.S");

/* The running thread's innermost system-call frame, or NULL: the
 * dispatcher records it in the thread (kernel/sched.h, syscall_frame)
 * before calling a handler, and puts back the previous one after. */
static inline struct syscall_frame *syscall_current_frame(void) { return sched_current()->syscall_frame; }

/* Loads every register from f and returns to the application as the
 * entry's exit does (rsp from f, then rflags, then a jump to rip): how a
 * clone child first enters the application. Interrupts disabled on
 * entry; f may be anywhere on the calling thread's kernel stack. */
__attribute__((noreturn)) void syscall_return_to_app(const struct syscall_frame *f);

#endif
