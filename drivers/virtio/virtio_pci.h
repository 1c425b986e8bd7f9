/*
 * The virtio PCI transports' shared state (drivers/virtio/virtio_pci*.c).
 */
#ifndef KEEL_VIRTIO_PCI_H
#define KEEL_VIRTIO_PCI_H

#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_pci_caps.h"

struct virtio_pci {
	struct pci_device *pci;
	struct virtio_device *vd;

	/* modern: the structures, mapped */
	volatile struct virtio_pci_common_cfg *common;
	volatile uint8_t *notify_base;
	uint32_t notify_len, notify_mult;
	volatile uint8_t *isr;
	volatile uint8_t *device_cfg;
	uint32_t device_cfg_len;

	/* legacy: the I/O BAR */
	uint16_t io;
	uint32_t io_len;

	/* interrupts */
	struct pci_msix msix;
	bool msix_on, msi_on, intx_on, polled;
	int *vector; /* [0] configuration or shared, [1 + q] queue q; from the heap */
	unsigned nvectors;
	uint32_t gsi;
	struct virtio_pci *next_polled;
};

extern const struct virtio_transport virtio_pci_modern_ops;
extern const struct virtio_transport virtio_pci_legacy_ops;

/* Maps the modern structures; 0 or -ENODEV (then try legacy). */
int virtio_pci_modern_init(struct virtio_device *vd, struct virtio_pci *vp);
/* Uses BAR0 as the legacy I/O interface; 0 or -ENODEV. */
int virtio_pci_legacy_init(struct virtio_device *vd, struct virtio_pci *vp);

/* Interrupt setup and teardown shared by both (virtio_pci.c). */
int virtio_pci_setup_irq(struct virtio_device *vd);
void virtio_pci_teardown_irq(struct virtio_device *vd);

/* Probes every virtio PCI device and attaches its driver. */
void virtio_pci_probe_all(void);

/* A bounded wait for a condition read from the device. */
#define VIRTIO_RESET_TIMEOUT_NS (100ull * 1000 * 1000)

#endif
