/*
 * The transport-independent part of a virtio device's life (virtio 1.2,
 * section 3): the attach sequence, queues and the dispatch of interrupts.
 */
#include "drivers/virtio/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"

#include "kernel/console.h"
#include "kernel/devfault.h"
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

static unsigned long faults_total;

unsigned long virtio_device_faults(void) { return faults_total; }

/* The engine refused what the device wrote: one line per queue, naming
 * the device, where it is, the queue and the fault; every one counted. A
 * device that keeps doing it must not flood the console. */
static void on_device_fault(struct virtqueue *vq, enum vq_fault f, uint32_t got, uint32_t limit)
{
	struct virtio_device *vd = vq->dev;
	__atomic_fetch_add(&faults_total, 1, __ATOMIC_RELAXED);
	device_fault_count();
	if (vq->fault_reported)
		return;
	vq->fault_reported = true;
	kwarn("%s (%s): device fault on queue %u: %s (%u, at most %u); %s\n", vd->name,
	      vd->location[0] ? vd->location : "?", vq->index, virtqueue_fault_name(f), got, limit,
	      f == VQ_FAULT_LEN ? "clamped; further faults of this queue are only counted"
				: "the queue is broken, its requests fail");
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
	if (idx >= VIRTIO_MAX_QUEUES || (idx < vd->nvqs && vd->vq[idx]))
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

	/* Room for queue idx in the table: as many as the device has, no
	 * fixed limit of Keel's. */
	if (idx >= vd->nvqs) {
		struct virtqueue **t = realloc(vd->vq, (idx + 1) * sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		memset(t + vd->nvqs, 0, (idx + 1 - vd->nvqs) * sizeof(*t));
		vd->vq = t;
		vd->nvqs = idx + 1;
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
	vq->on_fault = on_device_fault;
	err = vd->ops->queue_enable(vd, vq);
	if (err)
		goto fail_vq;
	vd->vq[idx] = vq;
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

/* Frees queue vq's memory; the device no longer uses it (reset). */
static void queue_free(struct virtio_device *vd, struct virtqueue *vq)
{
	if (vq->indirect_tables)
		dma_free_pages(vq->indirect_tables, (size_t)virtqueue_indirect_bytes(vq->size));
	dma_free_pages((void *)vq->desc, (size_t)virtqueue_ring_bytes(vq->size));
	virtqueue_fini(vq);
	free(vq);
}

bool virtio_detach(struct virtio_device *vd)
{
	/* Section 2.4: after a reset the device uses none of its queues, and
	 * raises no interrupt; only then may their memory go. */
	bool reset = vd->ops->reset(vd) == 0;
	if (!reset)
		kwarn("%s: the device did not finish its reset; its queues' memory is left to it\n", vd->name);
	vd->driver_ok = false;
	if (vd->irq_on) {
		vd->ops->teardown_irq(vd);
		vd->irq_on = false;
	}
	for (unsigned i = 0; i < vd->nvqs; i++) {
		struct virtqueue *vq = vd->vq[i];
		if (vq == NULL)
			continue;
		if (reset)
			queue_free(vd, vq);
		else
			virtqueue_break(vq, "the device was given up");
	}
	if (reset) {
		free(vd->vq);
		vd->vq = NULL;
		vd->nvqs = 0;
	}
	vd->broken = true;
	/* Section 3.1.1: the driver gave up on the device. */
	vd->ops->set_status(vd, VIRTIO_STATUS_FAILED);
	return reset;
}

int virtio_finish(struct virtio_device *vd)
{
	int err = vd->ops->setup_irq(vd);
	if (err) {
		virtio_fail(vd, "no interrupts could be set up");
		return err;
	}
	vd->irq_on = true;
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
	uint64_t deadline = deadline_after(timeout_ns);
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

uint64_t virtio_timeout(const struct virtio_device *vd)
{
	return vd->timeout_ns ? vd->timeout_ns : VIRTIO_TIMEOUT_DEFAULT_NS;
}

int virtio_wait(struct virtio_device *vd, struct virtqueue *vq, void *sem, void **cookie, uint32_t *len)
{
	*cookie = virtio_wait_used(vd, vq, sem, virtio_timeout(vd), len);
	if (*cookie)
		return 0;
	return vq->broken || vd->broken ? -EIO : -ETIMEDOUT;
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
