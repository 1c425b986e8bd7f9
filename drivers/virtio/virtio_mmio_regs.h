/*
 * The virtio MMIO register window (virtio 1.2, section 4.2.2; the legacy
 * interface, version 1, in section 4.2.4): fixed offsets from the start of
 * the window, each register 32 bits wide and little-endian, the device's
 * configuration from offset 0x100. Only <stdint.h>, so host tests use it
 * as it is.
 */
#ifndef KEEL_VIRTIO_MMIO_REGS_H
#define KEEL_VIRTIO_MMIO_REGS_H

#include <stdint.h>

enum virtio_mmio_reg {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000, /* "virt", little-endian */
	VIRTIO_MMIO_VERSION = 0x004,	 /* 1 legacy, 2 modern */
	VIRTIO_MMIO_DEVICE_ID = 0x008,	 /* 0: no device behind this window */
	VIRTIO_MMIO_VENDOR_ID = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_GUEST_PAGE_SIZE = 0x028, /* legacy only */
	VIRTIO_MMIO_QUEUE_SEL = 0x030,
	VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
	VIRTIO_MMIO_QUEUE_NUM = 0x038,
	VIRTIO_MMIO_QUEUE_ALIGN = 0x03c, /* legacy only */
	VIRTIO_MMIO_QUEUE_PFN = 0x040,	 /* legacy only */
	VIRTIO_MMIO_QUEUE_READY = 0x044, /* modern only */
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
	VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
	VIRTIO_MMIO_STATUS = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080, /* modern only, to QUEUE_DEVICE_HIGH */
	VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
	VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc, /* modern only */
	VIRTIO_MMIO_CONFIG = 0x100,
};

/* "virt" read as a little-endian 32-bit value. */
#define VIRTIO_MMIO_MAGIC 0x74726976u

/* InterruptStatus bits: a used buffer, a configuration change. */
#define VIRTIO_MMIO_INT_VRING 1u
#define VIRTIO_MMIO_INT_CONFIG 2u

/* The smallest window that holds every register up to the configuration. */
#define VIRTIO_MMIO_MIN_SIZE 0x100u

#endif
