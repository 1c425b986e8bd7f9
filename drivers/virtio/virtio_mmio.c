/*
 * The virtio MMIO transport (virtio 1.2, section 4.2), both versions
 * behind struct virtio_transport: version 2 has 64-bit features, queues
 * placed by three 64-bit addresses and enabled with QueueReady, and a
 * configuration generation; version 1 (legacy, section 4.2.4) has queues
 * placed by page frame number at a page size and alignment the driver
 * sets, and 32 feature bits as the core uses them. Everything read from
 * the window is the device's word: checked before it is used.
 */
#include "drivers/virtio/virtio_mmio.h"

#include <errno.h>

#include "kernel/clock.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"

#define VM(vd) ((struct virtio_mmio *)(vd)->transport)
/* Attempts at a consistent read of a configuration that keeps changing. */
#define GENERATION_TRIES 16

static uint32_t rd(struct virtio_mmio *vm, unsigned off) { return vm->io->read32(vm, off); }
static void wr(struct virtio_mmio *vm, unsigned off, uint32_t v) { vm->io->write32(vm, off, v); }

const char *virtio_mmio_verdict_name(enum virtio_mmio_verdict v)
{
	switch (v) {
	case VIRTIO_MMIO_OK: return "a device";
	case VIRTIO_MMIO_BAD_MAGIC: return "no virtio magic value";
	case VIRTIO_MMIO_BAD_VERSION: return "a version other than 1 or 2";
	case VIRTIO_MMIO_NO_DEVICE: return "no device (DeviceID 0)";
	default: return "a window too small for the registers";
	}
}

enum virtio_mmio_verdict virtio_mmio_init(struct virtio_device *vd, struct virtio_mmio *vm)
{
	if (vm->size < VIRTIO_MMIO_MIN_SIZE)
		return VIRTIO_MMIO_TOO_SMALL;
	/* Section 4.2.2.2: the driver checks the magic and the version
	 * before anything else, and ignores a window whose DeviceID is 0. */
	if (rd(vm, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		return VIRTIO_MMIO_BAD_MAGIC;
	uint32_t version = rd(vm, VIRTIO_MMIO_VERSION);
	if (version != 1 && version != 2)
		return VIRTIO_MMIO_BAD_VERSION;
	uint32_t id = rd(vm, VIRTIO_MMIO_DEVICE_ID);
	if (id == 0)
		return VIRTIO_MMIO_NO_DEVICE;
	vm->version = version;
	vm->device_id = id;
	vm->vendor_id = rd(vm, VIRTIO_MMIO_VENDOR_ID);
	vm->vd = vd;
	vd->transport = vm;
	vd->ops = version == 1 ? &virtio_mmio_legacy_ops : &virtio_mmio_modern_ops;
	return VIRTIO_MMIO_OK;
}

static int mmio_reset(struct virtio_device *vd)
{
	struct virtio_mmio *vm = VM(vd);
	/* Section 4.2.2.1: writing 0 to Status resets; the device reads
	 * back 0 once it is done. */
	wr(vm, VIRTIO_MMIO_STATUS, 0);
	uint64_t start = clock_ns();
	while (rd(vm, VIRTIO_MMIO_STATUS) != 0) {
		if (clock_ns() - start > VIRTIO_MMIO_RESET_TIMEOUT_NS)
			return -ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}

static uint8_t mmio_get_status(struct virtio_device *vd) { return (uint8_t)rd(VM(vd), VIRTIO_MMIO_STATUS); }
static void mmio_set_status(struct virtio_device *vd, uint8_t s) { wr(VM(vd), VIRTIO_MMIO_STATUS, s); }

static uint64_t mmio_get_features(struct virtio_device *vd)
{
	struct virtio_mmio *vm = VM(vd);
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	uint64_t f = rd(vm, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(vm, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	return f | (uint64_t)rd(vm, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

static void mmio_set_features(struct virtio_device *vd, uint64_t f)
{
	struct virtio_mmio *vm = VM(vd);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)f);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(vm, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(f >> 32));
}

static int config_range(struct virtio_mmio *vm, unsigned off, unsigned len)
{
	unsigned room = vm->size - VIRTIO_MMIO_CONFIG;
	if (off > room || len > room - off)
		return -EINVAL;
	return 0;
}

static void config_copy(struct virtio_mmio *vm, unsigned off, uint8_t *b, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		b[i] = vm->io->read8(vm, VIRTIO_MMIO_CONFIG + off + i);
}

static int mmio_read_config(struct virtio_device *vd, unsigned off, void *buf, unsigned len)
{
	struct virtio_mmio *vm = VM(vd);
	int err = config_range(vm, off, len);
	if (err)
		return err;
	for (int tries = 0; tries < GENERATION_TRIES; tries++) {
		if (vm->version == 2) {
			/* Section 4.2.2.2: a read of several bytes is
			 * consistent when ConfigGeneration did not change
			 * across it. */
			uint32_t gen = rd(vm, VIRTIO_MMIO_CONFIG_GENERATION);
			config_copy(vm, off, buf, len);
			if (rd(vm, VIRTIO_MMIO_CONFIG_GENERATION) == gen)
				return 0;
			continue;
		}
		/* Legacy: no generation; two reads that agree. */
		uint8_t *b = buf;
		config_copy(vm, off, b, len);
		bool same = true;
		for (unsigned i = 0; i < len && same; i++)
			same = vm->io->read8(vm, VIRTIO_MMIO_CONFIG + off + i) == b[i];
		if (same)
			return 0;
	}
	kwarn("%s: its configuration kept changing while it was read\n", vd->name);
	return -EIO;
}

static int mmio_write_config(struct virtio_device *vd, unsigned off, const void *buf, unsigned len)
{
	struct virtio_mmio *vm = VM(vd);
	int err = config_range(vm, off, len);
	if (err)
		return err;
	const uint8_t *b = buf;
	for (unsigned i = 0; i < len; i++)
		vm->io->write8(vm, VIRTIO_MMIO_CONFIG + off + i, b[i]);
	return 0;
}

static uint16_t mmio_queue_max_size(struct virtio_device *vd, unsigned idx)
{
	struct virtio_mmio *vm = VM(vd);
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, idx);
	/* Section 4.2.3.2: a queue in use is not set up again. */
	if (vm->version == 2 && rd(vm, VIRTIO_MMIO_QUEUE_READY) != 0) {
		kwarn("%s: queue %u is already live before it was set up\n", vd->name, idx);
		return 0;
	}
	if (vm->version == 1 && rd(vm, VIRTIO_MMIO_QUEUE_PFN) != 0) {
		kwarn("%s: queue %u already has a ring before it was set up\n", vd->name, idx);
		return 0;
	}
	uint32_t max = rd(vm, VIRTIO_MMIO_QUEUE_NUM_MAX);
	/* A size no split queue can have (section 2.7: at most 32768) is
	 * passed on as one the core refuses, never cut down to 16 bits. */
	if (max > VRING_MAX_SIZE) {
		kwarn("%s: queue %u claims %u entries\n", vd->name, idx, max);
		return 0xffff;
	}
	return (uint16_t)max;
}

static int legacy_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
	struct virtio_mmio *vm = VM(vd);
	/* Section 4.2.4: the page size first, then the queue's size,
	 * alignment and the page number of its ring, which must fit 32 bits. */
	if ((vq->desc_phys & (VIRTIO_MMIO_LEGACY_PAGE - 1)) != 0 ||
	    vq->desc_phys / VIRTIO_MMIO_LEGACY_PAGE > 0xffffffffu)
		return -EINVAL;
	wr(vm, VIRTIO_MMIO_GUEST_PAGE_SIZE, VIRTIO_MMIO_LEGACY_PAGE);
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, vq->index);
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, vq->size);
	wr(vm, VIRTIO_MMIO_QUEUE_ALIGN, VRING_ALIGN);
	wr(vm, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(vq->desc_phys / VIRTIO_MMIO_LEGACY_PAGE));
	if (rd(vm, VIRTIO_MMIO_QUEUE_PFN) != (uint32_t)(vq->desc_phys / VIRTIO_MMIO_LEGACY_PAGE)) {
		kwarn("%s: queue %u did not keep its ring's address\n", vd->name, vq->index);
		return -EIO;
	}
	return 0;
}

static void wr64(struct virtio_mmio *vm, unsigned low, uint64_t v)
{
	wr(vm, low, (uint32_t)v);
	wr(vm, low + 4, (uint32_t)(v >> 32));
}

static int modern_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
	struct virtio_mmio *vm = VM(vd);
	/* Section 4.2.3.2: size, the three addresses, then QueueReady. */
	wr(vm, VIRTIO_MMIO_QUEUE_SEL, vq->index);
	wr(vm, VIRTIO_MMIO_QUEUE_NUM, vq->size);
	wr64(vm, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc_phys);
	wr64(vm, VIRTIO_MMIO_QUEUE_DRIVER_LOW, vq->avail_phys);
	wr64(vm, VIRTIO_MMIO_QUEUE_DEVICE_LOW, vq->used_phys);
	wr(vm, VIRTIO_MMIO_QUEUE_READY, 1);
	if (rd(vm, VIRTIO_MMIO_QUEUE_READY) != 1) {
		kwarn("%s: queue %u did not become ready\n", vd->name, vq->index);
		return -EIO;
	}
	return 0;
}

static void mmio_notify(struct virtio_device *vd, struct virtqueue *vq)
{
	wr(VM(vd), VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

/* No MSI-X here: every interrupt comes through the one line. */
static uint16_t mmio_set_vector(struct virtio_device *vd, int queue, uint16_t vector) { return VIRTIO_MSI_NO_VECTOR; }

/* The ISR's meaning (bit 0 a queue, bit 1 the configuration) is
 * InterruptStatus's; reading it does not clear it here, acknowledging
 * does, so the two go together. Every bit set is acknowledged, defined or
 * not: a level-triggered line stays raised while any is; only the
 * defined ones are acted on. */
static uint8_t mmio_read_isr(struct virtio_device *vd)
{
	struct virtio_mmio *vm = VM(vd);
	uint32_t st = rd(vm, VIRTIO_MMIO_INTERRUPT_STATUS);
	if (st)
		wr(vm, VIRTIO_MMIO_INTERRUPT_ACK, st);
	return (uint8_t)(st & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG));
}

void virtio_mmio_interrupt(void *ctx)
{
	struct virtio_device *vd = ctx;
	/* Acknowledged before the handlers run: a buffer the device adds
	 * after this raises the line again, one added before is seen by
	 * the handlers. */
	uint8_t isr = mmio_read_isr(vd);
	if (isr)
		virtio_dispatch(vd, isr);
}

const struct virtio_transport virtio_mmio_legacy_ops = {
	.name = "mmio v1 (legacy)",
	.reset = mmio_reset,
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.read_config = mmio_read_config,
	.write_config = mmio_write_config,
	.queue_max_size = mmio_queue_max_size,
	.queue_enable = legacy_queue_enable,
	.notify = mmio_notify,
	.set_vector = mmio_set_vector,
	.read_isr = mmio_read_isr,
	.setup_irq = virtio_mmio_setup_irq,
	.teardown_irq = virtio_mmio_teardown_irq,
	.legacy = true,
};

const struct virtio_transport virtio_mmio_modern_ops = {
	.name = "mmio v2",
	.reset = mmio_reset,
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.read_config = mmio_read_config,
	.write_config = mmio_write_config,
	.queue_max_size = mmio_queue_max_size,
	.queue_enable = modern_queue_enable,
	.notify = mmio_notify,
	.set_vector = mmio_set_vector,
	.read_isr = mmio_read_isr,
	.setup_irq = virtio_mmio_setup_irq,
	.teardown_irq = virtio_mmio_teardown_irq,
	.legacy = false,
};
