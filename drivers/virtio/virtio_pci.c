/*
 * Virtio over PCI: finding the devices (vendor 0x1af4, devices 0x1000 to
 * 0x107f), choosing the interface (modern when the device offers it, so
 * transitional devices are driven the modern way; legacy otherwise),
 * attaching the driver of the device's type, and its interrupts.
 *
 * Interrupts, in order of preference (virtio 1.2 section 4.1.5.1.2):
 * MSI-X with a vector per queue and one for configuration changes; one
 * MSI-X vector for everything; MSI; INTx, whose handler reads the ISR to
 * learn whether it was this device and why; polling from a timer.
 */
#include "drivers/virtio/virtio_pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/timer.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"

#define VP(vd) ((struct virtio_pci *)(vd)->transport)
#define VIRTIO_VENDOR 0x1af4
#define POLL_INTERVAL_NS 1000000ull

/* Kernel option virtio.irq=...: the most preferred mode to try, for
 * testing each fallback. */
static enum virtio_irq_mode virtio_irq_limit = VIRTIO_IRQ_MSIX_PER_VQ;

static void set_virtio_irq(const char *mode)
{
	static const struct {
		const char *name;
		enum virtio_irq_mode mode;
	} modes[] = {
		{ "msix", VIRTIO_IRQ_MSIX_PER_VQ }, { "msix-shared", VIRTIO_IRQ_MSIX_SHARED },
		{ "msi", VIRTIO_IRQ_MSI },	    { "intx", VIRTIO_IRQ_INTX },
		{ "poll", VIRTIO_IRQ_NONE },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(mode, modes[i].name) == 0) {
			virtio_irq_limit = modes[i].mode;
			return;
		}
	}
	kwarn("boot: virtio.irq=%s is none of msix, msix-shared, msi, intx, poll (ignored)\n", mode);
}
KERNEL_OPTION("virtio.irq=", set_virtio_irq);

/* --- interrupt handlers (interrupt context) --- */

static void on_queue_vector(void *ctx)
{
	struct virtqueue *vq = ctx;
	struct virtio_device *vd = vq->dev;
	vd->queue_interrupts++;
	if (vq->on_interrupt)
		vq->on_interrupt(vq);
}

static void on_config_vector(void *ctx) { virtio_dispatch(ctx, 2); }

/* One vector for everything: every queue is looked at; a configuration
 * change is told by the device's status and generation, which its
 * handler reads. */
static void on_shared_vector(void *ctx) { virtio_dispatch(ctx, 3); }

/* MSI and INTx: the ISR says whether (and why) this device interrupted;
 * reading it also lowers an INTx line. */
static void on_isr_vector(void *ctx)
{
	struct virtio_device *vd = ctx;
	uint8_t isr = vd->ops->read_isr(vd);
	if (isr)
		virtio_dispatch(vd, isr);
}

/* Devices without interrupts, looked at by one timer. The list is
 * changed with interrupts off, since the timer walks it from its handler. */
static struct timer poll_timer;
static struct virtio_pci *polled;

static void on_poll(struct timer *t, void *ctx)
{
	for (struct virtio_pci *vp = polled; vp; vp = vp->next_polled)
		virtio_dispatch(vp->vd, 3);
	if (polled)
		timer_arm(t, deadline_after(POLL_INTERVAL_NS), on_poll, NULL);
}

/* --- setting them up --- */

static void release_vectors(struct virtio_device *vd)
{
	struct virtio_pci *vp = VP(vd);
	if (vp->msix_on) {
		vd->ops->set_vector(vd, -1, VIRTIO_MSI_NO_VECTOR);
		for (unsigned q = 0; q < vd->nvqs; q++)
			if (vd->vq[q])
				vd->ops->set_vector(vd, (int)q, VIRTIO_MSI_NO_VECTOR);
		pci_msix_enable(&vp->msix, false);
		vp->msix_on = false;
	}
	if (vp->msi_on) {
		pci_msi_disable(vp->pci);
		vp->msi_on = false;
	}
	for (unsigned i = 0; i < vp->nvectors; i++)
		irq_free_vector(vp->vector[i]);
	vp->nvectors = 0;
	free(vp->vector);
	vp->vector = NULL;
}

void virtio_pci_teardown_irq(struct virtio_device *vd)
{
	struct virtio_pci *vp = VP(vd);
	release_vectors(vd);
	if (vp->intx_on) {
		pci_intx_enable(vp->pci, false);
		irq_detach_gsi(vp->gsi, on_isr_vector, vd);
		vp->intx_on = false;
	}
	if (vp->polled) {
		bool irq = irq_save();
		for (struct virtio_pci **p = &polled; *p; p = &(*p)->next_polled)
			if (*p == vp) {
				*p = vp->next_polled;
				break;
			}
		irq_restore(irq);
		vp->polled = false;
	}
}

/* Room for n vectors' numbers. */
static int vectors_alloc(struct virtio_pci *vp, unsigned n)
{
	vp->vector = calloc(n, sizeof(*vp->vector));
	return vp->vector ? 0 : -ENOMEM;
}

/* Programs table entry `entry` with a fresh vector for fn(ctx). */
static int msix_entry(struct virtio_pci *vp, unsigned entry, irq_handler_fn fn, void *ctx)
{
	struct msi_msg msg;
	int v = irq_alloc_msi(fn, ctx, &msg);
	if (v < 0)
		return v;
	vp->vector[vp->nvectors++] = v;
	pci_msix_set(&vp->msix, entry, &msg, false);
	return 0;
}

/* MSI-X with a vector per queue and one for configuration changes (entry
 * 0; queue q at entry q + 1), or one vector for everything. */
static int try_msix(struct virtio_device *vd, bool per_vq)
{
	struct virtio_pci *vp = VP(vd);
	if (vp->msix.size < (per_vq ? vd->nvqs + 1 : 1))
		return -ENOSPC;
	if (vectors_alloc(vp, per_vq ? vd->nvqs + 1 : 1) != 0)
		return -ENOMEM;
	if (msix_entry(vp, 0, per_vq ? on_config_vector : on_shared_vector, vd) != 0)
		return -ENOSPC;
	for (unsigned q = 0; per_vq && q < vd->nvqs; q++)
		if (vd->vq[q] && msix_entry(vp, q + 1, on_queue_vector, vd->vq[q]) != 0)
			return -ENOSPC;
	pci_msix_enable(&vp->msix, true);
	vp->msix_on = true;
	/* The device may refuse a vector (it reads back NO_VECTOR). */
	if (vd->ops->set_vector(vd, -1, 0) != 0)
		return -EIO;
	for (unsigned q = 0; q < vd->nvqs; q++) {
		uint16_t entry = per_vq ? (uint16_t)(q + 1) : 0;
		if (vd->vq[q] && vd->ops->set_vector(vd, (int)q, entry) != entry)
			return -EIO;
	}
	return 0;
}

int virtio_pci_setup_irq(struct virtio_device *vd)
{
	struct virtio_pci *vp = VP(vd);
	struct pci_device *d = vp->pci;
	bool have_msix = d->msix_cap && pci_msix_init(d, &vp->msix) == 0;

	for (int per_vq = 1; have_msix && per_vq >= 0; per_vq--) {
		enum virtio_irq_mode mode = per_vq ? VIRTIO_IRQ_MSIX_PER_VQ : VIRTIO_IRQ_MSIX_SHARED;
		if (virtio_irq_limit > mode)
			continue;
		if (try_msix(vd, per_vq) == 0) {
			vd->irq_mode = mode;
			return 0;
		}
		release_vectors(vd);
	}
	if (d->msi_cap && virtio_irq_limit <= VIRTIO_IRQ_MSI && vectors_alloc(vp, 1) == 0) {
		struct msi_msg msg;
		int v = irq_alloc_msi(on_isr_vector, vd, &msg);
		if (v >= 0) {
			vp->vector[vp->nvectors++] = v;
			pci_msi_enable(d, &msg);
			vp->msi_on = true;
			vd->irq_mode = VIRTIO_IRQ_MSI;
			return 0;
		}
		release_vectors(vd);
	}
	if (virtio_irq_limit <= VIRTIO_IRQ_INTX) {
		uint32_t gsi;
		bool level, active_low;
		if (pci_intx_route(d, &gsi, &level, &active_low) == 0 &&
		    irq_attach_gsi(gsi, level, active_low, on_isr_vector, vd) >= 0) {
			vp->gsi = gsi;
			vp->intx_on = true;
			pci_intx_enable(d, true);
			vd->irq_mode = VIRTIO_IRQ_INTX;
			return 0;
		}
	}
	/* Nothing delivers interrupts: a timer looks at the queues. */
	bool irq = irq_save();
	bool first = polled == NULL;
	vp->next_polled = polled;
	polled = vp;
	vp->polled = true;
	irq_restore(irq);
	if (first)
		timer_arm(&poll_timer, deadline_after(POLL_INTERVAL_NS), on_poll, NULL);
	vd->irq_mode = VIRTIO_IRQ_NONE;
	return 0;
}

/* --- probing --- */

/* Sets up device d for driver drv, or leaves it as it was found: no
 * memory kept, bus mastering off, not claimed. FreeBSD's attach shape:
 * one exit that undoes what was done. */
static void virtio_pci_attach(struct pci_device *d, const struct virtio_driver *drv, uint16_t type, unsigned n)
{
	struct virtio_device *vd = calloc(1, sizeof(*vd));
	struct virtio_pci *vp = calloc(1, sizeof(*vp));
	if (vd == NULL || vp == NULL) {
		kwarn("virtio: out of memory; %02x:%02x.%x ignored\n", d->bus, d->slot, d->func);
		goto fail;
	}
	vd->transport = vp;
	vd->pci = d;
	vd->type = type;
	vd->timeout_ns = drv->timeout_ns ? drv->timeout_ns : VIRTIO_TIMEOUT_DEFAULT_NS;
	vp->pci = d;
	vp->vd = vd;
	snprintf(vd->name, sizeof(vd->name), "virtio-%s%u", drv->name, n);
	snprintf(vd->location, sizeof(vd->location), "pci %02x:%02x.%x %s", d->bus, d->slot, d->func,
		 virtio_type_name(type));
	d->claimed = true;
	pci_enable(d);
	if (virtio_pci_modern_init(vd, vp) != 0 && virtio_pci_legacy_init(vd, vp) != 0) {
		kwarn("%s: %02x:%02x.%x offers neither a usable modern nor a legacy interface; ignored\n", vd->name,
		      d->bus, d->slot, d->func);
		goto fail_pci;
	}
	int err = drv->attach(vd);
	if (err) {
		kwarn("%s: attach failed (%d); the device is left reset and alone\n", vd->name, err);
		/* A driver that failed has detached: its queues freed,
		 * unless the device would not reset, when they stay. */
		if (vd->nvqs)
			goto fail_pci_keep;
		goto fail_pci;
	}
	kinfo("%s: %02x:%02x.%x, %s interface, %s, features 0x%lx\n", vd->name, d->bus, d->slot, d->func, vd->ops->name,
	      virtio_irq_mode_name(vd->irq_mode), vd->features);
	d->driver = vd->name;
	virtio_device_add(vd);
	return;

fail_pci_keep:
	/* The device would not reset: no more DMA from it, and its memory
	 * (vd, the rings) stays where it may still point. */
	pci_disable(d);
	return;
fail_pci:
	pci_disable(d);
	d->claimed = false;
fail:
	free(vp);
	free(vd);
}

void virtio_pci_probe_all(void)
{
	for (struct pci_device *d = pci_next(NULL); d; d = pci_next(d)) {
		if (d->vendor_id != VIRTIO_VENDOR || d->device_id < 0x1000 || d->device_id > 0x107f || d->claimed)
			continue;
		/* Modern IDs carry the type; transitional ones keep it in the
		 * subsystem ID (section 4.1.2). */
		uint16_t type = d->device_id >= 0x1040 ? (uint16_t)(d->device_id - 0x1040) : d->subsystem_id;
		const struct virtio_driver *drv = virtio_driver_find(type);
		if (drv == NULL) {
			kinfo("virtio: %02x:%02x.%x is a virtio %s (type %u); no driver, left alone\n", d->bus, d->slot,
			      d->func, virtio_type_name(type), type);
			continue;
		}
		virtio_pci_attach(d, drv, type, virtio_device_number(type));
	}
}
INIT_CALL(INIT_DEVICE, virtio_pci_probe_all);
