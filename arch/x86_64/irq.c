/*
 * Interrupt routing: the legacy PICs masked, the local APIC enabled, the
 * I/O APICs set up from the MADT, and device vectors handed out from one
 * bitmap. Handlers only record work and wake threads (arch/x86_64/trap.h).
 */
#include "arch/x86_64/irq.h"

#include <errno.h>

#include "kernel/acpi.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ioapic.h"
#include "arch/x86_64/lapic.h"
#include "kernel/panic.h"
#include "arch/x86_64/pic.h"

static uint64_t used[4]; /* one bit per vector 0..255 */
int ioapic_count;

static void eoi(unsigned vector)
{
	/* A spurious interrupt is not in service: no EOI (SDM 11.9). The
	 * masked PICs' vectors never reach the local APIC. */
	if (vector == LAPIC_SPURIOUS_VECTOR || (vector >= PIC_VECTOR_BASE && vector < PIC_VECTOR_BASE + 16))
		return;
	lapic_eoi();
}

static void on_pic_spurious(void *ctx) { trap_unhandled_count++; }

void irq_init(void)
{
	pic_disable();
	/* A PIC that raised its line before being masked delivers its
	 * spurious IRQ 7 or 15 on these: counted, ignored. */
	trap_set_handler(PIC_VECTOR_BASE + 7, on_pic_spurious, NULL);
	trap_set_handler(PIC_VECTOR_BASE + 15, on_pic_spurious, NULL);
	if (lapic_init(acpi.lapic_phys) != 0)
		panic("irq: this CPU has no local APIC");
	trap_eoi = eoi;
	ioapic_count = ioapic_init(&acpi);
	irq_enable();
}
INIT_CALL(INIT_ARCH, irq_init);

int irq_alloc_vector(irq_handler_fn fn, void *ctx)
{
	bool irq = irq_save();
	int v = -ENOSPC;
	for (int i = IRQ_VECTOR_FIRST; i <= IRQ_VECTOR_LAST; i++) {
		if (!(used[i / 64] >> (i % 64) & 1)) {
			used[i / 64] |= 1ull << (i % 64);
			trap_set_handler((unsigned)i, fn, ctx);
			v = i;
			break;
		}
	}
	irq_restore(irq);
	return v;
}

void irq_free_vector(int vector)
{
	if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
		return;
	bool irq = irq_save();
	trap_clear_handler((unsigned)vector);
	used[vector / 64] &= ~(1ull << (vector % 64));
	irq_restore(irq);
}

/* Lines routed from I/O APIC pins, each with the handlers sharing it. */
#define MAX_LINES 24
#define MAX_SHARING 8

static struct line {
	bool used, level, active_low;
	uint32_t gsi;
	int vector;
	unsigned n;
	struct {
		irq_handler_fn fn;
		void *ctx;
	} h[MAX_SHARING];
} lines[MAX_LINES];

static void on_line(void *ctx)
{
	struct line *l = ctx;
	for (unsigned i = 0; i < l->n; i++)
		l->h[i].fn(l->h[i].ctx);
}

int irq_attach_gsi(uint32_t gsi, bool level, bool active_low, irq_handler_fn fn, void *ctx)
{
	bool irq = irq_save();
	struct line *l = NULL, *free_line = NULL;
	for (unsigned i = 0; i < MAX_LINES; i++) {
		if (lines[i].used && lines[i].gsi == gsi)
			l = &lines[i];
		else if (!lines[i].used && free_line == NULL)
			free_line = &lines[i];
	}
	int ret;
	if (l) {
		if (l->level != level || l->active_low != active_low)
			ret = -EBUSY;
		else if (l->n == MAX_SHARING)
			ret = -ENOSPC;
		else {
			l->h[l->n].fn = fn;
			l->h[l->n].ctx = ctx;
			l->n++;
			ret = l->vector;
		}
		irq_restore(irq);
		return ret;
	}
	if (free_line == NULL) {
		irq_restore(irq);
		return -ENOSPC;
	}
	l = free_line;
	int v = irq_alloc_vector(on_line, l);
	if (v < 0) {
		irq_restore(irq);
		return v;
	}
	*l = (struct line){ .used = true, .level = level, .active_low = active_low, .gsi = gsi, .vector = v, .n = 1 };
	l->h[0].fn = fn;
	l->h[0].ctx = ctx;
	ret = ioapic_route(gsi, (uint8_t)v, level, active_low, lapic_id());
	if (ret) {
		irq_free_vector(v);
		l->used = false;
	} else {
		ret = v;
	}
	irq_restore(irq);
	return ret;
}

void irq_detach_gsi(uint32_t gsi, irq_handler_fn fn, void *ctx)
{
	bool irq = irq_save();
	for (unsigned i = 0; i < MAX_LINES; i++) {
		struct line *l = &lines[i];
		if (!l->used || l->gsi != gsi)
			continue;
		for (unsigned k = 0; k < l->n; k++) {
			if (l->h[k].fn != fn || l->h[k].ctx != ctx)
				continue;
			l->h[k] = l->h[--l->n];
			break;
		}
		if (l->n == 0) {
			ioapic_mask(gsi, true);
			irq_free_vector(l->vector);
			l->used = false;
		}
	}
	irq_restore(irq);
}

int irq_alloc_msi(irq_handler_fn fn, void *ctx, struct msi_msg *msg)
{
	int v = irq_alloc_vector(fn, ctx);
	if (v < 0)
		return v;
	if (!msi_compose(lapic_id(), (uint8_t)v, msg)) {
		irq_free_vector(v);
		return -ENODEV;
	}
	return v;
}
