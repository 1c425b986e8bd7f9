/*
 * Keel's Linux system-call layer: the application's `syscall` instruction
 * arrives here (arch/x86_64/syscall.S) with the Linux x86-64 numbers and
 * argument registers. Each family (sys/files.c, sys/memory.c, ...) adds
 * its calls with SYSCALL(); nothing edits a central table.
 */
#ifndef KEEL_SYS_SYSCALL_H
#define KEEL_SYS_SYSCALL_H

#include <stdint.h>

#include "kernel/sched.h"

/* Every handler has this shape and returns a result or -errno, as Linux. */
typedef long (*syscall_fn)(long a0, long a1, long a2, long a3, long a4, long a5);

/* 16 bytes, one per call in every image: the handler's name, for the
 * boot's check of the table, comes from the symbol table. */
struct syscall_entry {
	syscall_fn fn;
	int32_t nr;
	int32_t kind; /* SYSCALL_KIND_* */
};

enum {
	SYSCALL_KIND_FULL,  /* SYSCALL */
	SYSCALL_KIND_FAST,  /* SYSCALL_FAST: never blocks, takes a bounded few microseconds */
	SYSCALL_KIND_CONST, /* SYSCALL_CONST: the same answer every time */
};

/* Registers handler for system call NR (a SYS_* number of
 * sys/linux.h). The entry goes to the section .syscalls, which the linker
 * script gathers between __syscalls_start and __syscalls_end; a number
 * registered twice stops the boot. */
#define SYSCALL(NR, handler)                                                                                           \
	static const struct syscall_entry syscall_entry_##handler                                                      \
	    __attribute__((used, section(".syscalls"), aligned(8))) = { (handler), (NR), SYSCALL_KIND_FULL }

/* A call that never blocks and is over in a bounded few microseconds
 * (getpid, clock_gettime, ...): it runs as it arrived, with interrupts
 * off and nothing else around it, which under a hypervisor saves most of
 * the round trip (Linux gets the same effect for the time calls from its
 * vDSO). Everything else is a SYSCALL. */
#define SYSCALL_FAST(NR, handler)                                                                                      \
	static const struct syscall_entry syscall_entry_##handler                                                      \
	    __attribute__((used, section(".syscalls"), aligned(8))) = { (handler), (NR), SYSCALL_KIND_FAST }

/* A call whose answer never changes while the application runs (getpid,
 * getuid, ...): the entry answers it from a table without touching a
 * stack or saving a register, a few instructions between the `syscall`
 * and the jump back. The table takes the answer from the handler, called
 * once at boot; anything that calls through the table instead gets the
 * same. */
#define SYSCALL_CONST(NR, handler, VALUE)                                                                              \
	static long handler(long a0, long a1, long a2, long a3, long a4, long a5) { return (VALUE); }                  \
	static const struct syscall_entry syscall_entry_##handler                                                      \
	    __attribute__((used, section(".syscalls"), aligned(8))) = { (handler), (NR), SYSCALL_KIND_CONST }

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

/* Called from syscall.S with interrupts off, on the thread's kernel
 * stack; stores the result in f->rax and returns with interrupts off. In
 * between, the handler runs with interrupts as the application had them
 * and preemption held off (preempt_disable: the kernel below is
 * cooperative; a preemption that came due meanwhile happens on the way
 * out). */
void syscall_dispatch(struct syscall_frame *f);

/* The running thread's innermost system-call frame, or NULL: the
 * dispatcher records it in the thread (kernel/sched.h, syscall_frame)
 * before calling a handler, and puts back the previous one after. */
static inline struct syscall_frame *syscall_current_frame(void) { return sched_current()->syscall_frame; }

/* Loads every register from f and returns to the application as the
 * entry's exit does (rsp from f, then rflags, then a jump to rip): how a
 * clone child first enters the application. Interrupts disabled on
 * entry; f may be anywhere on the calling thread's kernel stack. */
__attribute__((noreturn)) void syscall_return_to_app(const struct syscall_frame *f);

/* The name of Linux x86-64 system call nr, or NULL (sys/names.c,
 * generated from the host's Linux headers). */
const char *syscall_name(long nr);

/* How many distinct system calls were refused with -ENOSYS. */
extern unsigned long syscall_unknown_count;

#endif
