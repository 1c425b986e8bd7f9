/*
 * The legacy virtio PCI interface (virtio 0.9.5; virtio 1.2 section
 * 4.1.4.10): registers in I/O BAR0, 32 feature bits, queues placed by
 * page frame number with the device's own size, and the device
 * configuration after the registers, 4 bytes further when MSI-X is on.
 * bhyve offers only this interface.
 */
#include <errno.h>

#include "drivers/virtio/virtio_pci.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"

#define VP(vd) ((struct virtio_pci *)(vd)->transport)

#define REG_HOST_FEATURES 0
#define REG_GUEST_FEATURES 4
#define REG_QUEUE_PFN 8
#define REG_QUEUE_NUM 12
#define REG_QUEUE_SEL 14
#define REG_QUEUE_NOTIFY 16
#define REG_STATUS 18
#define REG_ISR 19
#define REG_MSIX_CONFIG 20
#define REG_MSIX_QUEUE 22
#define CONFIG_OFFSET(msix) ((msix) ? 24 : 20)
#define QUEUE_ADDR_SHIFT 12
#define LEGACY_MIN_BAR 20

int virtio_pci_legacy_init(struct virtio_device *vd, struct virtio_pci *vp)
{
	const struct pci_bar *b = &vp->pci->bar[0];
	uint16_t port;
	if (b->type != PCI_BAR_IO || pci_bar_port(vp->pci, 0, 0, b->size, &port) != 0 || b->size < LEGACY_MIN_BAR)
		return -ENODEV;
	vp->io = port;
	vp->io_len = (uint32_t)b->size;
	vd->ops = &virtio_pci_legacy_ops;
	return 0;
}

static int legacy_reset(struct virtio_device *vd)
{
	struct virtio_pci *vp = VP(vd);
	outb((uint16_t)(vp->io + REG_STATUS), 0);
	uint64_t start = clock_ns();
	while (inb((uint16_t)(vp->io + REG_STATUS)) != 0) {
		if (clock_ns() - start > VIRTIO_RESET_TIMEOUT_NS)
			return -ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}

static uint8_t legacy_get_status(struct virtio_device *vd) { return inb((uint16_t)(VP(vd)->io + REG_STATUS)); }
static void legacy_set_status(struct virtio_device *vd, uint8_t s) { outb((uint16_t)(VP(vd)->io + REG_STATUS), s); }
static uint64_t legacy_get_features(struct virtio_device *vd)
{
	return inl((uint16_t)(VP(vd)->io + REG_HOST_FEATURES));
}

static void legacy_set_features(struct virtio_device *vd, uint64_t f)
{
	outl((uint16_t)(VP(vd)->io + REG_GUEST_FEATURES), (uint32_t)f);
}

static int legacy_config_range(struct virtio_device *vd, unsigned off, unsigned len, uint16_t *port)
{
	struct virtio_pci *vp = VP(vd);
	unsigned base = CONFIG_OFFSET(vp->msix_on);
	if (base > vp->io_len || off > vp->io_len - base || len > vp->io_len - base - off)
		return -EINVAL;
	*port = (uint16_t)(vp->io + base + off);
	return 0;
}

static int legacy_read_config(struct virtio_device *vd, unsigned off, void *buf, unsigned len)
{
	uint16_t port;
	int err = legacy_config_range(vd, off, len, &port);
	if (err)
		return err;
	/* No generation counter here: read twice until two reads agree. */
	uint8_t *b = buf;
	for (int tries = 0; tries < 16; tries++) {
		bool same = true;
		for (unsigned i = 0; i < len; i++) {
			uint8_t v = inb((uint16_t)(port + i));
			if (tries > 0 && b[i] != v)
				same = false;
			b[i] = v;
		}
		if (tries > 0 && same)
			return 0;
	}
	return -EIO;
}

static int legacy_write_config(struct virtio_device *vd, unsigned off, const void *buf, unsigned len)
{
	uint16_t port;
	int err = legacy_config_range(vd, off, len, &port);
	if (err)
		return err;
	const uint8_t *b = buf;
	for (unsigned i = 0; i < len; i++)
		outb((uint16_t)(port + i), b[i]);
	return 0;
}

static uint16_t legacy_queue_max_size(struct virtio_device *vd, unsigned idx)
{
	struct virtio_pci *vp = VP(vd);
	outw((uint16_t)(vp->io + REG_QUEUE_SEL), (uint16_t)idx);
	return inw((uint16_t)(vp->io + REG_QUEUE_NUM));
}

static int legacy_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
	struct virtio_pci *vp = VP(vd);
	/* The device fixes the size and the layout; only the page number of
	 * the ring is given, which must fit 32 bits. */
	if ((vq->desc_phys & ((1u << QUEUE_ADDR_SHIFT) - 1)) != 0 || (vq->desc_phys >> QUEUE_ADDR_SHIFT) > 0xffffffffu)
		return -EINVAL;
	outw((uint16_t)(vp->io + REG_QUEUE_SEL), vq->index);
	if (inw((uint16_t)(vp->io + REG_QUEUE_NUM)) != vq->size)
		return -EINVAL;
	outl((uint16_t)(vp->io + REG_QUEUE_PFN), (uint32_t)(vq->desc_phys >> QUEUE_ADDR_SHIFT));
	return 0;
}

static void legacy_notify(struct virtio_device *vd, struct virtqueue *vq)
{
	outw((uint16_t)(VP(vd)->io + REG_QUEUE_NOTIFY), vq->index);
}

static uint16_t legacy_set_vector(struct virtio_device *vd, int queue, uint16_t vector)
{
	struct virtio_pci *vp = VP(vd);
	if (queue < 0) {
		outw((uint16_t)(vp->io + REG_MSIX_CONFIG), vector);
		return inw((uint16_t)(vp->io + REG_MSIX_CONFIG));
	}
	outw((uint16_t)(vp->io + REG_QUEUE_SEL), (uint16_t)queue);
	outw((uint16_t)(vp->io + REG_MSIX_QUEUE), vector);
	return inw((uint16_t)(vp->io + REG_MSIX_QUEUE));
}

static uint8_t legacy_read_isr(struct virtio_device *vd) { return inb((uint16_t)(VP(vd)->io + REG_ISR)); }

const struct virtio_transport virtio_pci_legacy_ops = {
	.name = "legacy",
	.reset = legacy_reset,
	.get_status = legacy_get_status,
	.set_status = legacy_set_status,
	.get_features = legacy_get_features,
	.set_features = legacy_set_features,
	.read_config = legacy_read_config,
	.write_config = legacy_write_config,
	.queue_max_size = legacy_queue_max_size,
	.queue_enable = legacy_queue_enable,
	.notify = legacy_notify,
	.set_vector = legacy_set_vector,
	.read_isr = legacy_read_isr,
	.setup_irq = virtio_pci_setup_irq,
	.teardown_irq = virtio_pci_teardown_irq,
	.legacy = true,
};
