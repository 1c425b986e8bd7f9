/*
 * Interrupt routing: the legacy PICs masked, the local APIC enabled, the
 * I/O APICs set up from the MADT, and device vectors handed out from one
 * bitmap. Handlers only record work and wake threads (arch/x86_64/trap.h).
 */
#include "arch/x86_64/irq.h"

#include <errno.h>
#include <stdlib.h>

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

/* An image without a device interrupt (no drivers, a console that only
 * writes: hello) may leave the I/O APIC's driver out (app.mk:
 * KEEL_KERNEL_OUT): its pins stay as the machine reset them, all masked,
 * and a line asked for is refused with -ENODEV. */
extern __typeof__(ioapic_init) ioapic_init __attribute__((weak));
extern __typeof__(ioapic_route) ioapic_route __attribute__((weak));
extern __typeof__(ioapic_mask) ioapic_mask __attribute__((weak));

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
	ioapic_count = ioapic_init ? ioapic_init(&acpi) : 0;
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

/* Lines routed from I/O APIC pins, each with the handlers sharing it: as
 * many lines as drivers attach (at most one per pin of the I/O APICs the
 * MADT lists; ioapic_route refuses a GSI none of them serves) and as many
 * sharers per line as devices wired to it, both lists on the heap. The
 * lists change with interrupts off; a handler walks them as they are. */
struct sharer {
	struct sharer *next;
	irq_handler_fn fn;
	void *ctx;
};

struct line {
	struct line *next;
	bool level, active_low;
	uint32_t gsi;
	int vector;
	struct sharer *sharers;
};

static struct line *lines;

static void on_line(void *ctx)
{
	struct line *l = ctx;
	for (struct sharer *s = l->sharers; s; s = s->next)
		s->fn(s->ctx);
}

static struct line *find_line(uint32_t gsi)
{
	for (struct line *l = lines; l; l = l->next)
		if (l->gsi == gsi)
			return l;
	return NULL;
}

int irq_attach_gsi(uint32_t gsi, bool level, bool active_low, irq_handler_fn fn, void *ctx)
{
	/* Allocated first, since the heap is not for interrupts-off code;
	 * given back when the line already exists. */
	struct sharer *s = malloc(sizeof(*s));
	struct line *fresh = malloc(sizeof(*fresh));
	if (s == NULL || fresh == NULL) {
		free(s);
		free(fresh);
		return -ENOMEM;
	}
	*s = (struct sharer){ .fn = fn, .ctx = ctx };
	bool irq = irq_save();
	int ret;
	struct line *l = find_line(gsi);
	if (l) {
		if (l->level != level || l->active_low != active_low) {
			ret = -EBUSY;
		} else {
			s->next = l->sharers;
			l->sharers = s;
			s = NULL;
			ret = l->vector;
		}
	} else {
		l = fresh;
		ret = irq_alloc_vector(on_line, l);
		if (ret >= 0) {
			*l = (struct line){
				.level = level, .active_low = active_low, .gsi = gsi, .vector = ret, .sharers = s
			};
			int err =
			    ioapic_route ? ioapic_route(gsi, (uint8_t)ret, level, active_low, lapic_id()) : -ENODEV;
			if (err) {
				irq_free_vector(ret);
				ret = err;
			} else {
				l->next = lines;
				lines = l;
				fresh = NULL;
				s = NULL;
			}
		}
	}
	irq_restore(irq);
	free(s);
	free(fresh);
	return ret;
}

void irq_detach_gsi(uint32_t gsi, irq_handler_fn fn, void *ctx)
{
	struct sharer *gone = NULL;
	struct line *empty = NULL;
	bool irq = irq_save();
	for (struct line **lp = &lines; *lp; lp = &(*lp)->next) {
		struct line *l = *lp;
		if (l->gsi != gsi)
			continue;
		for (struct sharer **sp = &l->sharers; *sp; sp = &(*sp)->next) {
			if ((*sp)->fn == fn && (*sp)->ctx == ctx) {
				gone = *sp;
				*sp = gone->next;
				break;
			}
		}
		if (l->sharers == NULL) {
			if (ioapic_mask)
				ioapic_mask(gsi, true);
			irq_free_vector(l->vector);
			*lp = l->next;
			empty = l;
		}
		break;
	}
	irq_restore(irq);
	free(gone);
	free(empty);
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
