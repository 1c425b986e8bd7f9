/*
 * Interrupts for drivers: a vector and a handler, routed from an I/O APIC
 * pin (INTx, ISA) or composed into an MSI/MSI-X message.
 */
#ifndef KEEL_IRQ_H
#define KEEL_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/msi.h"
#include "arch/x86_64/trap.h"

/* Device vectors: above the exceptions and the PICs' parking range, below
 * the APIC's own (timer 0xf0, error 0xfe, spurious 0xff). */
#define IRQ_VECTOR_FIRST 0x30
#define IRQ_VECTOR_LAST 0xef

/* Sets up the interrupt controllers from ACPI and enables interrupts. */
void irq_init(void);
/* How many I/O APICs were set up. */
extern int ioapic_count;

/* A free vector with fn as its handler; returns it or -ENOSPC. */
int irq_alloc_vector(irq_handler_fn fn, void *ctx);
void irq_free_vector(int vector);

/* A vector routed from the I/O APIC pin of a GSI (level or edge,
 * active low or high). A line already routed is shared: each handler
 * runs on every interrupt and must tell whether its device raised it.
 * Returns the vector or a negative errno (-EBUSY when the line is routed
 * with another trigger or polarity). */
int irq_attach_gsi(uint32_t gsi, bool level, bool active_low, irq_handler_fn fn, void *ctx);
/* Removes what irq_attach_gsi(gsi, ..., fn, ctx) added; the last handler
 * of a line masks its pin and frees its vector. */
void irq_detach_gsi(uint32_t gsi, irq_handler_fn fn, void *ctx);

/* A vector for MSI or MSI-X and the message that raises it. */
int irq_alloc_msi(irq_handler_fn fn, void *ctx, struct msi_msg *msg);

/* Interrupts that arrived on vectors nobody claimed. */
extern unsigned long trap_unhandled_count;

#endif
