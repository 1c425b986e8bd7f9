/*
 * Virtio devices as drivers see them: a transport (modern or legacy PCI,
 * or a host test's fake) behind one set of operations, feature
 * negotiation, virtqueues and their interrupts. Drivers never touch
 * registers.
 */
#ifndef KEEL_VIRTIO_H
#define KEEL_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtqueue.h"

/* Device status (virtio 1.2, section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* Reserved feature bits (section 6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY (1ull << 24)
#define VIRTIO_F_ANY_LAYOUT (1ull << 27)
#define VIRTIO_RING_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_RING_F_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ull << 33)
#define VIRTIO_F_RING_PACKED (1ull << 34)

/* Device types (section 5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_BALLOON 5
#define VIRTIO_ID_SCSI 8

/* The vector register value meaning "no MSI-X vector" (section 4.1.5.1.2). */
#define VIRTIO_MSI_NO_VECTOR 0xffff

/* How long a request may stay with a device before it is given up with
 * -ETIMEDOUT, unless the driver sets its own (struct virtio_driver's
 * timeout_ns, then vd->timeout_ns). QEMU answers in microseconds; a
 * device silent for seconds is not coming back in a useful time. */
#define VIRTIO_TIMEOUT_DEFAULT_NS (5ull * 1000 * 1000 * 1000)

/* The most queues a device may have: the index is 16 bits (section
 * 4.1.4.3, queue_select). The array of them grows as queues are set up. */
#define VIRTIO_MAX_QUEUES 65536u

struct virtio_device;

struct virtio_transport {
	const char *name;
	/* Writes 0 to status and waits (bounded) until the device reads
	 * back 0. Returns 0 or -ETIMEDOUT. */
	int (*reset)(struct virtio_device *vd);
	uint8_t (*get_status)(struct virtio_device *vd);
	void (*set_status)(struct virtio_device *vd, uint8_t status);
	uint64_t (*get_features)(struct virtio_device *vd);
	void (*set_features)(struct virtio_device *vd, uint64_t features);
	/* Device-specific configuration, with offsets checked against its
	 * length; a read of several fields is consistent (modern devices:
	 * the config_generation loop). Returns 0 or -EINVAL / -EIO. */
	int (*read_config)(struct virtio_device *vd, unsigned off, void *buf, unsigned len);
	int (*write_config)(struct virtio_device *vd, unsigned off, const void *buf, unsigned len);
	/* The size the device offers for queue idx, 0 when there is none. */
	uint16_t (*queue_max_size)(struct virtio_device *vd, unsigned idx);
	/* Tells the device where queue vq lives and its size, and enables
	 * it (before DRIVER_OK). Returns 0 or a negative errno. */
	int (*queue_enable)(struct virtio_device *vd, struct virtqueue *vq);
	void (*notify)(struct virtio_device *vd, struct virtqueue *vq);
	/* MSI-X vector for the configuration (queue < 0) or a queue; returns
	 * the value the device kept (VIRTIO_MSI_NO_VECTOR: refused). */
	uint16_t (*set_vector)(struct virtio_device *vd, int queue, uint16_t vector);
	/* Reads (and so clears) the ISR status: bit 0 a queue, bit 1 the
	 * configuration. */
	uint8_t (*read_isr)(struct virtio_device *vd);
	/* Sets up interrupts for the queues set up so far, recording the
	 * mode in vd->irq_mode. Returns 0 or a negative errno, having undone
	 * what it did. */
	int (*setup_irq)(struct virtio_device *vd);
	/* Undoes setup_irq: vectors released, MSI-X, MSI or INTx off, no
	 * handler left that names vd. Harmless when nothing was set up. */
	void (*teardown_irq)(struct virtio_device *vd);
	/* The legacy interface: 32 feature bits, no FEATURES_OK, queue sizes
	 * fixed by the device. */
	bool legacy;
};

/* In order of preference: each is tried when those before it fail. */
enum virtio_irq_mode {
	VIRTIO_IRQ_MSIX_PER_VQ, /* a vector per queue and one for the configuration */
	VIRTIO_IRQ_MSIX_SHARED, /* one vector for everything */
	VIRTIO_IRQ_MSI,
	VIRTIO_IRQ_INTX,
	VIRTIO_IRQ_NONE, /* polling */
};

struct virtio_device {
	const struct virtio_transport *ops;
	void *transport; /* the transport's state */
	struct pci_device *pci;
	uint16_t type;	   /* VIRTIO_ID_ */
	char name[16];	   /* e.g. "virtio-rng0" */
	char location[24]; /* where it is, for logs: "pci 00:04.0 blk", "mmio@0xfeb02e00 blk" */
	uint64_t features; /* negotiated */
	bool broken;
	bool driver_ok; /* DRIVER_OK set: notifications allowed */
	bool irq_on;	/* setup_irq succeeded and teardown_irq was not called */
	enum virtio_irq_mode irq_mode;
	struct virtqueue **vq; /* vq[i]: queue i or NULL; nvqs entries, from the heap */
	unsigned nvqs;
	/* The bound of a request (virtio_wait): VIRTIO_TIMEOUT_DEFAULT_NS
	 * unless its driver asked for another. */
	uint64_t timeout_ns;
	/* Called from interrupt context on a configuration change. */
	void (*on_config_change)(struct virtio_device *vd);
	void *driver; /* the driver's state */
	unsigned long config_interrupts, queue_interrupts;
	struct virtio_device *next_attached; /* the device list's (virtio_dev.c) */
};

/*
 * The attach sequence of section 3.1.1, steps 1 to 5: reset, ACKNOWLEDGE,
 * DRIVER, negotiate (the device's features and wanted; VERSION_1 added for
 * modern transports), FEATURES_OK and its check. Returns 0 or a negative
 * errno (then FAILED is set).
 */
int virtio_negotiate(struct virtio_device *vd, uint64_t wanted);

/* Sets up queue idx with at most max_size entries (0: the device's size)
 * and on_interrupt as its handler (interrupt context; may be NULL for a
 * polled queue). Before DRIVER_OK. Returns 0 or a negative errno. */
int virtio_queue_setup(struct virtio_device *vd, unsigned idx, uint16_t max_size,
		       void (*on_interrupt)(struct virtqueue *vq), void *owner);

/* Interrupts for every queue set up (MSI-X per queue, MSI-X shared,
 * MSI, INTx, in that order of preference); then DRIVER_OK. */
int virtio_finish(struct virtio_device *vd);

/* Marks the device failed after a driver's error during attach. */
void virtio_fail(struct virtio_device *vd, const char *why);

/*
 * Undoes everything the core did for the device, in the order that makes
 * it safe: reset (the device stops using its queues: section 2.4), the
 * transport's interrupts released, every queue's memory freed, then
 * FAILED set (section 3.1.1: the driver has given up). A device whose
 * reset does not finish may still write its rings: they are then left
 * allocated (a leak, reported) rather than handed to someone else. The
 * exit of every driver's attach that failed after virtio_negotiate.
 * Returns whether the device reset: only then may the driver free the
 * buffers it had given the device.
 */
bool virtio_detach(struct virtio_device *vd);

/* Runs every queue's interrupt handler and the configuration handler:
 * what an interrupt that does not say which (shared MSI-X, INTx, polling)
 * leads to. isr: the ISR status read (bit 1: configuration), or 0xff
 * when unknown. From interrupt context. */
void virtio_dispatch(struct virtio_device *vd, uint8_t isr);

/* Reads the device status; on NEEDS_RESET marks the device and its queues
 * broken (with a report) and returns true. Also true when already broken. */
bool virtio_check_broken(struct virtio_device *vd);

/*
 * Waits for the next used buffer of vq, whose interrupt handler posts sem:
 * dequeue; else interrupts on and a last look; else sleep. While waiting,
 * the device's status is checked every second, since a device that needs
 * a reset may not be able to say so by interrupt. Returns the cookie, or
 * NULL when timeout_ns passed (UINT64_MAX: never) or the queue or device
 * broke (vq->broken then says why).
 */
void *virtio_wait_used(struct virtio_device *vd, struct virtqueue *vq, void *sem, uint64_t timeout_ns, uint32_t *len);

/*
 * The wait every request of a driver ends in: virtio_wait_used bounded by
 * vd->timeout_ns. Returns 0 with *cookie and *len set, -ETIMEDOUT when
 * the device kept the request past the bound (the buffer stays the
 * device's: the caller must not reuse it until it comes back), or -EIO
 * when the queue or the device broke.
 */
int virtio_wait(struct virtio_device *vd, struct virtqueue *vq, void *sem, void **cookie, uint32_t *len);
/* The bound virtio_wait applies: vd->timeout_ns, or the default when 0. */
uint64_t virtio_timeout(const struct virtio_device *vd);

/* How many times a device wrote something the virtqueue engine refused
 * (enum vq_fault), over every device since boot. Each queue's first is
 * logged with the device's name and location; the rest only counted. */
unsigned long virtio_device_faults(void);

/* Reads of the device configuration, for drivers. */
int virtio_config_read(struct virtio_device *vd, unsigned off, void *buf, unsigned len);

bool virtio_has(const struct virtio_device *vd, uint64_t feature);

const char *virtio_irq_mode_name(enum virtio_irq_mode m);

/* The devices whose driver attached (drivers/virtio/virtio_dev.c): a
 * transport adds each, in order of attachment, as many as the machine
 * has (the link is in the device, so adding cannot fail); find gives the
 * n-th of a type, or NULL. */
void virtio_device_add(struct virtio_device *vd);
struct virtio_device *virtio_device_find(uint16_t type, unsigned n);

/* The driver the image holds for a device type, or NULL; the type's short
 * name for logs ("blk", "net", ...); the next number of a device of that
 * type, for its name (virtio-blk0, virtio-blk1, ...), counted across every
 * transport (drivers/virtio/virtio_dev.c). */
const struct virtio_driver *virtio_driver_find(uint16_t type);
const char *virtio_type_name(uint16_t type);
unsigned virtio_device_number(uint16_t type);

/* Drivers, matched by device type (drivers/virtio/virtio_dev.c). Each
 * registers with VIRTIO_DRIVER, which puts it in a section the probe
 * walks: an image holds the drivers its application was linked with
 * (app.mk: KEEL_DRIVERS), and no table names them all. */
struct virtio_driver {
	const char *name;
	uint16_t type;
	/* Returns 0, or a negative errno having undone what it did (its one
	 * exit: virtio_detach). */
	int (*attach)(struct virtio_device *vd);
	/* The bound of its requests; 0: VIRTIO_TIMEOUT_DEFAULT_NS. */
	uint64_t timeout_ns;
};
#define VIRTIO_DRIVER(d)                                                                                               \
	static const struct virtio_driver *const d##_entry __attribute__((section(".virtio_drivers"), used)) = &(d)

#endif
