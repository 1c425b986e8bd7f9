/*
 * The timer queue driven by the local APIC timer: when a deadline comes
 * before the one the APIC is set for, and after every interrupt, the
 * APIC is set for the earliest deadline. A cancellation leaves it as it
 * is: threads arm and cancel a timeout at every wait that a wakeup ends
 * first, and under a hypervisor each setting of the APIC is a trap,
 * dearer than the one early interrupt that finds nothing expired. A
 * deadline too far for the one-shot counter also fires early and is set
 * again.
 */
#include "kernel/timer.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"
#include "kernel/clock.h"
#include "kernel/init.h"

static struct timerq queue;
/* The deadline the APIC is set for, UINT64_MAX when it is not. */
static uint64_t armed_for = UINT64_MAX;
volatile unsigned long timer_interrupts;

static void program(void)
{
	if (!timerq_must_program(&queue, armed_for))
		return;
	uint64_t next = timerq_next_deadline(&queue);
	armed_for = next;
	/* From now rather than from boot, so the conversion's rounding
	 * error scales with the wait, not with the uptime; one tick late
	 * rather than early. */
	uint64_t tsc = rdtsc(), now = tsc_to_ns(tsc - boot_tsc);
	lapic_timer_set(tsc + (next > now ? ns_to_tsc(next - now) : 0) + 1);
}

static void on_timer(void *ctx)
{
	timer_interrupts++;
	armed_for = UINT64_MAX;
	struct timer *t;
	while ((t = timerq_pop_expired(&queue, clock_ns())) != NULL)
		t->fn(t, t->ctx);
	program();
}

void timer_init(void) { trap_set_handler(LAPIC_TIMER_VECTOR, on_timer, NULL); }
INIT_CALL(INIT_CORE, timer_init);

void timer_arm(struct timer *t, uint64_t deadline, timer_fn fn, void *ctx)
{
	bool irq = irq_save();
	timerq_cancel(&queue, t);
	timerq_add(&queue, t, deadline, fn, ctx);
	if (queue.head == t)
		program();
	irq_restore(irq);
}

bool timer_cancel(struct timer *t)
{
	bool irq = irq_save();
	bool armed = timerq_cancel(&queue, t);
	irq_restore(irq);
	return armed;
}
