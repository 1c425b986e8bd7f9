/*
 * The transport-independent part of a virtio device's life (virtio 1.2,
 * section 3): the attach sequence, queues and the dispatch of interrupts.
 */
#include "drivers/virtio/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sync.h"

#include "kernel/console.h"
#include "kernel/mm/dma.h"

bool virtio_has(const struct virtio_device *vd, uint64_t feature) { return (vd->features & feature) != 0; }

void virtio_fail(struct virtio_device *vd, const char *why)
{
	kwarn("%s: %s; the device is marked failed\n", vd->name, why);
	vd->broken = true;
	vd->ops->set_status(vd, (uint8_t)(vd->ops->get_status(vd) | VIRTIO_STATUS_FAILED));
	for (unsigned i = 0; i < vd->nvqs; i++)
		if (vd->vq[i])
			virtqueue_break(vd->vq[i], why);
}

int virtio_negotiate(struct virtio_device *vd, uint64_t wanted)
{
	/* 1. Reset; 2. ACKNOWLEDGE: a guest noticed the device. */
	if (vd->ops->reset(vd) != 0) {
		kwarn("%s: the device did not finish its reset\n", vd->name);
		vd->broken = true;
		return -ETIMEDOUT;
	}
	vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE);
	/* 3. DRIVER: the guest knows how to drive it. */
	vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);

	/* 4. The features both sides know. */
	uint64_t offered = vd->ops->get_features(vd);
	if (vd->ops->legacy) {
		offered &= 0xffffffffu;
	} else {
		if (!(offered & VIRTIO_F_VERSION_1)) {
			virtio_fail(vd, "the modern interface without VIRTIO_F_VERSION_1");
			return -ENODEV;
		}
		wanted |= VIRTIO_F_VERSION_1;
	}
	vd->features = offered & wanted;
	vd->ops->set_features(vd, vd->features);
	if (vd->ops->legacy)
		return 0;

	/* 5. FEATURES_OK, and 6. its check: the device may refuse. */
	vd->ops->set_status(vd, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(vd->ops->get_status(vd) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_fail(vd, "the device refused the features offered back to it");
		return -ENODEV;
	}
	return 0;
}

/* A queue's notification, through the transport; never before DRIVER_OK
 * (section 3.1.1: the device may not be used before it). */
static void notify_device(struct virtqueue *vq)
{
	struct virtio_device *vd = vq->dev;
	if (vd->driver_ok && !vd->broken)
		vd->ops->notify(vd, vq);
}

int virtio_queue_setup(struct virtio_device *vd, unsigned idx, uint16_t max_size,
		       void (*on_interrupt)(struct virtqueue *vq), void *owner)
{
	if (idx >= VIRTIO_MAX_QUEUES || vd->vq[idx])
		return -EINVAL;
	uint16_t dev_size = vd->ops->queue_max_size(vd, idx);
	if (dev_size == 0) {
		kwarn("%s: queue %u does not exist\n", vd->name, idx);
		return -ENODEV;
	}
	/* The device's word: split queues are a power of two, at most
	 * 32768 (section 2.7). */
	if ((dev_size & (dev_size - 1)) != 0 || dev_size > VRING_MAX_SIZE) {
		kwarn("%s: queue %u has an impossible size (%u)\n", vd->name, idx, dev_size);
		return -EIO;
	}
	uint16_t size = dev_size;
	if (!vd->ops->legacy && max_size && max_size < size) {
		size = max_size;
		while (size & (size - 1))
			size &= (uint16_t)(size - 1); /* down to a power of two */
	}

	struct virtqueue *vq = calloc(1, sizeof(*vq));
	if (vq == NULL)
		return -ENOMEM;
	uint64_t ring_phys, ind_phys = 0;
	size_t ring_bytes = (size_t)virtqueue_ring_bytes(size);
	void *ring = dma_alloc_pages(ring_bytes, &ring_phys);
	bool indirect = virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC);
	size_t ind_bytes = indirect ? (size_t)virtqueue_indirect_bytes(size) : 0;
	void *ind = indirect ? dma_alloc_pages(ind_bytes, &ind_phys) : NULL;
	int err = -ENOMEM;
	if (ring == NULL || (indirect && ind == NULL))
		goto fail;
	err = virtqueue_init(vq, (uint16_t)idx, size, ring, ring_phys, ind, ind_phys,
			     virtio_has(vd, VIRTIO_RING_F_EVENT_IDX), notify_device);
	if (err)
		goto fail;
	vq->dev = vd;
	vq->owner = owner;
	vq->on_interrupt = on_interrupt;
	err = vd->ops->queue_enable(vd, vq);
	if (err)
		goto fail_vq;
	vd->vq[idx] = vq;
	if (idx + 1 > vd->nvqs)
		vd->nvqs = idx + 1;
	return 0;

fail_vq:
	virtqueue_fini(vq);
fail:
	if (ring)
		dma_free_pages(ring, ring_bytes);
	if (ind)
		dma_free_pages(ind, ind_bytes);
	free(vq);
	return err;
}

int virtio_finish(struct virtio_device *vd)
{
	int err = vd->ops->setup_irq(vd);
	if (err) {
		virtio_fail(vd, "no interrupts could be set up");
		return err;
	}
	/* 8. DRIVER_OK: from here the device may be notified and used. */
	vd->ops->set_status(vd, (uint8_t)(vd->ops->get_status(vd) | VIRTIO_STATUS_DRIVER_OK));
	vd->driver_ok = true;
	/* Buffers posted during setup could not be announced then. */
	for (unsigned i = 0; i < vd->nvqs; i++)
		if (vd->vq[i] && !virtqueue_empty(vd->vq[i]))
			vd->ops->notify(vd, vd->vq[i]);
	uint8_t status = vd->ops->get_status(vd);
	if (status & VIRTIO_STATUS_NEEDS_RESET) {
		virtio_fail(vd, "the device needs a reset right after it was set up");
		return -EIO;
	}
	return 0;
}

int virtio_config_read(struct virtio_device *vd, unsigned off, void *buf, unsigned len)
{
	return vd->ops->read_config(vd, off, buf, len);
}

void virtio_dispatch(struct virtio_device *vd, uint8_t isr)
{
	if (isr & 1) {
		vd->queue_interrupts++;
		for (unsigned i = 0; i < vd->nvqs; i++)
			if (vd->vq[i] && vd->vq[i]->on_interrupt)
				vd->vq[i]->on_interrupt(vd->vq[i]);
	}
	if (isr & 2) {
		vd->config_interrupts++;
		/* Section 2.1.2: a device that needs a reset says so in its
		 * status and raises a configuration change. */
		virtio_check_broken(vd);
		if (vd->on_config_change)
			vd->on_config_change(vd);
	}
}

bool virtio_check_broken(struct virtio_device *vd)
{
	if (vd->broken)
		return true;
	if (!(vd->ops->get_status(vd) & VIRTIO_STATUS_NEEDS_RESET))
		return false;
	kwarn("%s: the device reports NEEDS_RESET; its requests now fail\n", vd->name);
	vd->broken = true;
	for (unsigned i = 0; i < vd->nvqs; i++)
		if (vd->vq[i])
			virtqueue_break(vd->vq[i], "the device needs a reset");
	return true;
}

#define STATUS_CHECK_NS 1000000000ull

void *virtio_wait_used(struct virtio_device *vd, struct virtqueue *vq, void *sem_arg, uint64_t timeout_ns,
		       uint32_t *len)
{
	struct sem *sem = sem_arg;
	uint64_t start = clock_ns();
	uint64_t deadline = timeout_ns >= UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	for (;;) {
		void *c = virtqueue_dequeue(vq, len);
		if (c || vq->broken)
			return c;
		if (virtqueue_enable_intr(vq))
			continue;
		uint64_t now = clock_ns();
		if (now >= deadline)
			return NULL;
		uint64_t slice = deadline - now < STATUS_CHECK_NS ? deadline - now : STATUS_CHECK_NS;
		if (sem_timedwait(sem, slice) == -ETIMEDOUT && virtio_check_broken(vd))
			return virtqueue_dequeue(vq, len);
	}
}

const char *virtio_irq_mode_name(enum virtio_irq_mode m)
{
	switch (m) {
	case VIRTIO_IRQ_MSIX_PER_VQ: return "MSI-X, a vector per queue";
	case VIRTIO_IRQ_MSIX_SHARED: return "MSI-X, one shared vector";
	case VIRTIO_IRQ_MSI: return "MSI";
	case VIRTIO_IRQ_INTX: return "INTx";
	default: return "polling";
	}
}
