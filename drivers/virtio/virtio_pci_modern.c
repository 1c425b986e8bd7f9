/*
 * The modern virtio PCI interface (virtio 1.2, section 4.1.4): structures
 * in memory BARs located by vendor capabilities, 64-bit features, a
 * per-queue enable, and a configuration generation counter.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtio/virtio_pci.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"

#define VP(vd) ((struct virtio_pci *)(vd)->transport)
/* Attempts at a consistent read of a configuration that keeps changing. */
#define GENERATION_TRIES 16

static uint8_t cfg_read8(void *ctx, uint16_t off) { return pci_read8(ctx, off); }
static uint32_t cfg_read32(void *ctx, uint16_t off) { return pci_read32(ctx, off); }

int virtio_pci_modern_init(struct virtio_device *vd, struct virtio_pci *vp)
{
	struct pci_device *d = vp->pci;
	uint64_t bar_size[6];
	for (int i = 0; i < 6; i++) {
		bool mem = d->bar[i].type == PCI_BAR_MEM32 || d->bar[i].type == PCI_BAR_MEM64;
		bar_size[i] = mem && d->bar[i].base ? d->bar[i].size : 0;
	}
	struct pci_cfg_reader rd = { d, cfg_read8, cfg_read32 };
	struct virtio_pci_layout l;
	const char *why;
	if (virtio_pci_parse_caps(&rd, bar_size, &l, &why) != 0) {
		kdebug("%s: no modern interface (%s)\n", vd->name, why);
		return -ENODEV;
	}
	vp->common =
	    (volatile struct virtio_pci_common_cfg *)pci_map_bar(d, l.common.bar, l.common.offset, l.common.length);
	vp->notify_base = pci_map_bar(d, l.notify.bar, l.notify.offset, l.notify.length);
	vp->isr = pci_map_bar(d, l.isr.bar, l.isr.offset, l.isr.length);
	if (l.device.present) {
		vp->device_cfg = pci_map_bar(d, l.device.bar, l.device.offset, l.device.length);
		vp->device_cfg_len = vp->device_cfg ? l.device.length : 0;
	}
	if (vp->common == NULL || vp->notify_base == NULL || vp->isr == NULL) {
		kwarn("%s: cannot map the modern interface's structures\n", vd->name);
		return -ENODEV;
	}
	vp->notify_len = l.notify.length;
	vp->notify_mult = l.notify_off_multiplier;
	vd->ops = &virtio_pci_modern_ops;
	return 0;
}

static int modern_reset(struct virtio_device *vd)
{
	struct virtio_pci *vp = VP(vd);
	vp->common->device_status = 0;
	/* Section 4.1.4.3.2: the reset is done when status reads 0. */
	uint64_t start = clock_ns();
	while (vp->common->device_status != 0) {
		if (clock_ns() - start > VIRTIO_RESET_TIMEOUT_NS)
			return -ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}

static uint8_t modern_get_status(struct virtio_device *vd) { return VP(vd)->common->device_status; }
static void modern_set_status(struct virtio_device *vd, uint8_t s) { VP(vd)->common->device_status = s; }

static uint64_t modern_get_features(struct virtio_device *vd)
{
	volatile struct virtio_pci_common_cfg *c = VP(vd)->common;
	c->device_feature_select = 0;
	uint64_t lo = c->device_feature;
	c->device_feature_select = 1;
	uint64_t hi = c->device_feature;
	return hi << 32 | lo;
}

static void modern_set_features(struct virtio_device *vd, uint64_t f)
{
	volatile struct virtio_pci_common_cfg *c = VP(vd)->common;
	c->driver_feature_select = 0;
	c->driver_feature = (uint32_t)f;
	c->driver_feature_select = 1;
	c->driver_feature = (uint32_t)(f >> 32);
}

static int modern_read_config(struct virtio_device *vd, unsigned off, void *buf, unsigned len)
{
	struct virtio_pci *vp = VP(vd);
	if (off > vp->device_cfg_len || len > vp->device_cfg_len - off)
		return -EINVAL;
	/* Section 4.1.4.3.1: a read of several fields is consistent when the
	 * generation did not change across it. */
	for (int tries = 0; tries < GENERATION_TRIES; tries++) {
		uint8_t gen = vp->common->config_generation;
		uint8_t *b = buf;
		for (unsigned i = 0; i < len; i++)
			b[i] = vp->device_cfg[off + i];
		if (vp->common->config_generation == gen)
			return 0;
	}
	return -EIO;
}

static int modern_write_config(struct virtio_device *vd, unsigned off, const void *buf, unsigned len)
{
	struct virtio_pci *vp = VP(vd);
	if (off > vp->device_cfg_len || len > vp->device_cfg_len - off)
		return -EINVAL;
	const uint8_t *b = buf;
	for (unsigned i = 0; i < len; i++)
		vp->device_cfg[off + i] = b[i];
	return 0;
}

static uint16_t modern_queue_max_size(struct virtio_device *vd, unsigned idx)
{
	volatile struct virtio_pci_common_cfg *c = VP(vd)->common;
	if (idx >= c->num_queues)
		return 0;
	c->queue_select = (uint16_t)idx;
	return c->queue_size;
}

static void write64(volatile uint64_t *reg, uint64_t v)
{
	/* Two 32-bit writes, low first: allowed by section 4.1.3.1. */
	volatile uint32_t *r = (volatile uint32_t *)reg;
	r[0] = (uint32_t)v;
	r[1] = (uint32_t)(v >> 32);
}

static int modern_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
	struct virtio_pci *vp = VP(vd);
	volatile struct virtio_pci_common_cfg *c = vp->common;
	c->queue_select = vq->index;
	uint16_t off = c->queue_notify_off;
	/* The notification address must fall inside the notify structure
	 * (section 4.1.4.4): the device's offset times its multiplier. */
	uint64_t at = (uint64_t)off * vp->notify_mult;
	if (at + 2 > vp->notify_len) {
		kwarn("%s: queue %u's notification address (offset %u) is outside the notify structure\n", vd->name,
		      vq->index, off);
		return -EIO;
	}
	/* Where this queue's notifications go, kept with the queue. */
	vq->priv = (void *)(uintptr_t)(vp->notify_base + at);
	c->queue_size = vq->size;
	write64(&c->queue_desc, vq->desc_phys);
	write64(&c->queue_driver, vq->avail_phys);
	write64(&c->queue_device, vq->used_phys);
	c->queue_enable = 1;
	return 0;
}

static void modern_notify(struct virtio_device *vd, struct virtqueue *vq)
{
	*(volatile uint16_t *)vq->priv = vq->index;
}

static uint16_t modern_set_vector(struct virtio_device *vd, int queue, uint16_t vector)
{
	volatile struct virtio_pci_common_cfg *c = VP(vd)->common;
	if (queue < 0) {
		c->config_msix_vector = vector;
		return c->config_msix_vector;
	}
	c->queue_select = (uint16_t)queue;
	c->queue_msix_vector = vector;
	return c->queue_msix_vector;
}

static uint8_t modern_read_isr(struct virtio_device *vd) { return *VP(vd)->isr; }

const struct virtio_transport virtio_pci_modern_ops = {
	.name = "modern",
	.reset = modern_reset,
	.get_status = modern_get_status,
	.set_status = modern_set_status,
	.get_features = modern_get_features,
	.set_features = modern_set_features,
	.read_config = modern_read_config,
	.write_config = modern_write_config,
	.queue_max_size = modern_queue_max_size,
	.queue_enable = modern_queue_enable,
	.notify = modern_notify,
	.set_vector = modern_set_vector,
	.read_isr = modern_read_isr,
	.setup_irq = virtio_pci_setup_irq,
	.teardown_irq = virtio_pci_teardown_irq,
	.legacy = false,
};
