/*
 * The interrupt descriptor table and the dispatch of every vector:
 * exceptions go to the report, interrupt vectors to their handlers.
 */
#include <errno.h>
#include <stddef.h>

#include "boot/boot.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/trap_stubs.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate");

#define GATE_INTERRUPT 0x8e /* present, ring 0, 64-bit interrupt gate: IF cleared on entry */

extern const char trap_stubs_start[];

/* Every gate is written by idt_init: not zeroed at boot. */
static struct idt_gate idt[256] __attribute__((aligned(16), section(".bss.nozero")));
static struct {
	irq_handler_fn fn;
	void *ctx;
} handlers[256];

void (*trap_eoi)(unsigned vector);
volatile int trap_depth;
struct trap_frame *trap_current_frame;
/* Until the first switch, every stack counts as the thread's own. */
uintptr_t trap_kstack_bottom, trap_kstack_top = UINTPTR_MAX;

void trap_set_kernel_stack(uintptr_t bottom, uintptr_t top)
{
	trap_kstack_bottom = bottom;
	trap_kstack_top = top;
}

static void set_gate(unsigned v, uintptr_t handler, uint8_t ist)
{
	idt[v] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = BOOT_CS,
		.ist = ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint8_t ist = v >= TRAP_FIRST_IRQ ? IST_INTERRUPT : IST_EXCEPTION;
		if (v == 8)
			ist = IST_DOUBLE_FAULT;
		else if (v == 2)
			ist = IST_NMI;
		else if (v == 18)
			ist = IST_MACHINE_CHECK;
		else if (v == TRAP_PAGE_FAULT)
			ist = IST_PAGE_FAULT;
		set_gate(v, (uintptr_t)trap_stubs_start + trap_stub_offset(v), ist);
	}
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(p));
}

int trap_set_handler(unsigned vector, irq_handler_fn fn, void *ctx)
{
	if (vector < TRAP_FIRST_IRQ || vector > 255)
		return -EINVAL;
	bool irq = irq_save();
	int ret = 0;
	if (handlers[vector].fn != NULL && (handlers[vector].fn != fn || handlers[vector].ctx != ctx)) {
		ret = -EBUSY;
	} else {
		handlers[vector].ctx = ctx;
		handlers[vector].fn = fn;
	}
	irq_restore(irq);
	return ret;
}

void trap_clear_handler(unsigned vector)
{
	if (vector < TRAP_FIRST_IRQ || vector > 255)
		return;
	bool irq = irq_save();
	handlers[vector].fn = NULL;
	handlers[vector].ctx = NULL;
	irq_restore(irq);
}

void (*trap_app_exit_hook)(struct trap_frame *f);
bool (*trap_app_fault_hook)(struct trap_frame *f);

/* The system-call exit's last two instructions (syscall.S), where
 * interrupts are already enabled but the stack is still the kernel's. */
extern const char syscall_exit_pop_rsp[] __attribute__((weak)), syscall_exit_jump[] __attribute__((weak));

/* Whether f interrupted application code, after moving an interrupt that
 * struck between the system-call exit's popfq and its popq %rsp to the
 * equivalent state one instruction later (rsp the application's), so a
 * signal that came due there is not left pending while the thread spins.
 * (Weak: an image without the system-call layer has neither.) */
static bool struck_app_code(struct trap_frame *f)
{
	if (f->rip == (uintptr_t)syscall_exit_pop_rsp) {
		f->rsp = *(const uint64_t *)(uintptr_t)f->rsp;
		f->rip = (uintptr_t)syscall_exit_jump;
	}
	return f->rsp < trap_kstack_bottom || f->rsp >= trap_kstack_top;
}

/* Interrupts on vectors nobody claimed: counted, acknowledged, ignored. */
unsigned long trap_unhandled_count;
unsigned long trap_irq_count;

void trap_dispatch(struct trap_frame *f)
{
	unsigned v = (unsigned)f->vector;
	if (v < TRAP_FIRST_IRQ) {
		if (v == TRAP_DEVICE_NOT_AVAILABLE && fpu_first_use())
			return;
		if (trap_app_fault_hook && trap_app_fault_hook(f))
			return;
		exception_report(f);
	}

	trap_depth++;
	trap_irq_count++;
	struct trap_frame *outer = trap_current_frame;
	trap_current_frame = f;
	if (handlers[v].fn)
		handlers[v].fn(handlers[v].ctx);
	else
		trap_unhandled_count++;
	trap_current_frame = outer;
	if (trap_eoi)
		trap_eoi(v);
	trap_depth--;
	/* On the interrupted thread's own stack (traps.S moved there), so
	 * switching away from it here is safe. */
	sched_interrupt_exit();
	/* Back on this thread (perhaps after other threads ran): signals for
	 * it are delivered before it resumes application code. */
	struct thread *t = sched_current();
	if (t->sig_work && trap_app_exit_hook && t->preempt_count == 0 && struck_app_code(f))
		trap_app_exit_hook(f);
}
