/*
 * Virtio over MMIO (virtio 1.2, section 4.2): a register window per
 * device, version 1 (legacy) or 2 (modern), one interrupt line each. The
 * transport implements struct virtio_transport like the PCI ones, so every
 * driver works over it unchanged. Registers are reached through two
 * accessors, so host tests put a simulated window behind them.
 */
#ifndef KEEL_VIRTIO_MMIO_H
#define KEEL_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_mmio_regs.h"

struct virtio_mmio;

/* Register access: the kernel's reads and writes the mapped window; a host
 * test's plays a device. off is checked against the window by the caller. */
struct virtio_mmio_io {
	uint32_t (*read32)(struct virtio_mmio *vm, unsigned off);
	void (*write32)(struct virtio_mmio *vm, unsigned off, uint32_t v);
	uint8_t (*read8)(struct virtio_mmio *vm, unsigned off);
	void (*write8)(struct virtio_mmio *vm, unsigned off, uint8_t v);
};

struct virtio_mmio {
	const struct virtio_mmio_io *io;
	volatile uint8_t *base; /* the mapped window (kernel) */
	void *ctx;		/* the host test's device */
	uint64_t phys;
	uint32_t size; /* of the window: the configuration is what follows 0x100 */
	uint32_t gsi;
	bool level, active_low; /* the line's trigger, from where it was found */
	uint32_t version;	/* 1 or 2, once init accepted the window */
	uint32_t device_id;
	uint32_t vendor_id;
	struct virtio_device *vd;
	bool irq_on, polled;
	struct virtio_mmio *next_polled;
};

/* Why virtio_mmio_init turned a window down. */
enum virtio_mmio_verdict {
	VIRTIO_MMIO_OK,
	VIRTIO_MMIO_BAD_MAGIC,
	VIRTIO_MMIO_BAD_VERSION,
	VIRTIO_MMIO_NO_DEVICE, /* DeviceID 0: a transport with nothing behind it */
	VIRTIO_MMIO_TOO_SMALL,
};
const char *virtio_mmio_verdict_name(enum virtio_mmio_verdict v);

/* Reads and checks the window's identity (magic, version 1 or 2, a device
 * behind it) and chooses the matching operations for vd. */
enum virtio_mmio_verdict virtio_mmio_init(struct virtio_device *vd, struct virtio_mmio *vm);

extern const struct virtio_transport virtio_mmio_legacy_ops;
extern const struct virtio_transport virtio_mmio_modern_ops;

/* Interrupts: the device's line through the I/O APIC, or a timer that
 * looks at it when the line cannot be routed (virtio_mmio_probe.c; host
 * tests bring their own). */
int virtio_mmio_setup_irq(struct virtio_device *vd);
void virtio_mmio_teardown_irq(struct virtio_device *vd);

/* The interrupt line's handler: reads InterruptStatus, acknowledges it,
 * then runs what it names. From interrupt context. */
void virtio_mmio_interrupt(void *ctx);

/* A device's place as the command line gives it, in Linux's syntax, which
 * QEMU's microvm appends for each device when it has no ACPI:
 * virtio_mmio.device=SIZE@ADDR:IRQ[:ID]. SIZE and ADDR are numbers as C
 * writes them (0x for hex) with an optional K, M or G suffix; IRQ and ID
 * are decimal. */
struct virtio_mmio_desc {
	uint64_t base;
	uint64_t size;
	uint32_t gsi;
	int id; /* -1: none given */
};

/* The largest window accepted: the registers and a configuration space
 * far beyond any device's; a bigger SIZE is a typo or a lie. */
#define VIRTIO_MMIO_MAX_SIZE (1u << 20)
/* The highest GSI accepted: far beyond what the I/O APICs of a virtual
 * machine serve; ioapic_route refuses what none serves anyway. */
#define VIRTIO_MMIO_MAX_GSI 1023u

/* Parses the value of one virtio_mmio.device= word (what follows the
 * '='). Returns 0, or -EINVAL with *why saying what is wrong. */
int virtio_mmio_parse_device(const char *s, struct virtio_mmio_desc *d, const char **why);

/* The longest a reset may take before the device is given up on. */
#define VIRTIO_MMIO_RESET_TIMEOUT_NS (100ull * 1000 * 1000)

/* A legacy device is given its rings by page frame number, in pages of
 * this size, each ring aligned to it (the virtqueue engine's layout). */
#define VIRTIO_MMIO_LEGACY_PAGE 4096u

#endif
