/*
 * Interrupts and exceptions: the IDT, the saved register frame, and the
 * table of handlers for interrupt vectors.
 */
#ifndef KEEL_TRAP_H
#define KEEL_TRAP_H

#include <stdbool.h>
#include <stdint.h>

/* What arch/x86_64/traps.S pushes, lowest address first, followed by what the
 * CPU pushed. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame matches traps.S");

#define TRAP_DEVICE_NOT_AVAILABLE 7
#define TRAP_BREAKPOINT 3
#define TRAP_PAGE_FAULT 14
#define TRAP_FIRST_IRQ 32

void idt_init(void);

/* Called from traps.S for every vector. */
void trap_dispatch(struct trap_frame *f);

/* Handlers for vectors 32..255. A handler runs with interrupts off and
 * must only record work and wake threads. ctx is passed back. */
typedef void (*irq_handler_fn)(void *ctx);
int trap_set_handler(unsigned vector, irq_handler_fn fn, void *ctx);
void trap_clear_handler(unsigned vector);

/* Called after the handler of an interrupt vector (the interrupt
 * controller's end-of-interrupt); set by the APIC code. */
extern void (*trap_eoi)(unsigned vector);

/* Exceptions: the report and the exit (arch/x86_64/exception.c). */
void exception_report(struct trap_frame *f) __attribute__((noreturn));
/* The application reached one of its hlt instructions (musl's a_crash):
 * a crash, reported like an exception. */
void app_crash_report(struct trap_frame *f) __attribute__((noreturn));

/* The running thread's kernel stack, [bottom, top) (bottom: its guard
 * page), set at every switch. An interrupt that strikes with the stack
 * pointer inside it continues below the interrupted frame (past 128
 * bytes, a red zone); one that strikes elsewhere (on an application's
 * stack) continues from top, which the thread does not use meanwhile.
 * A system-call entry may switch to trap_kstack_top too. */
extern uintptr_t trap_kstack_bottom, trap_kstack_top;
void trap_set_kernel_stack(uintptr_t bottom, uintptr_t top);

/* Loads every register from f and returns by iretq (traps.S); f on the
 * running thread's kernel stack, interrupts disabled. */
__attribute__((noreturn)) void trap_return(const struct trap_frame *f);

/* Called at the end of an interrupt that struck application code (not
 * the kernel stack, no preempt_disable held) of a thread whose sig_work
 * is set: the system-call layer delivers signals there by editing f.
 * NULL when no such layer is linked. */
extern void (*trap_app_exit_hook)(struct trap_frame *f);

/* Called for a CPU exception (vectors 0-31 but #NM) before its report:
 * the system-call layer turns one that struck the application's code
 * into a signal for its handler by editing f, and returns true; false
 * lets the report end the VM. NULL when no such layer is linked. */
extern bool (*trap_app_fault_hook)(struct trap_frame *f);

/* Interrupts taken on vectors 32-255 since boot. */
extern unsigned long trap_irq_count;

/* The frame of the interrupt whose handler runs (the innermost), NULL
 * outside handlers: the sampling profiler reads the interrupted rip. */
extern struct trap_frame *trap_current_frame;

/* Nonzero while a handler runs: sleeping is not allowed there. */
extern volatile int trap_depth;

#endif
