/*
 * The virtio-mmio transport (drivers/virtio/virtio_mmio.c) against a
 * simulated register window, version 1 and 2, through the virtio core as
 * drivers use it: identity checks (magic, version, DeviceID 0), feature
 * negotiation in two 32-bit halves, queue placement (page frame number,
 * or three addresses and QueueReady), a QueueNumMax that lies, the
 * configuration read under a changing ConfigGeneration, the interrupt
 * status acknowledged before the handlers run, a reset that never ends.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/virtio_mmio.h"
#include "tests/host/virtio_fake.h"

#define WQ 4

/* The device behind the window: what it shows and what it was told. */
static struct win {
	uint32_t magic, version, device_id, vendor;
	uint64_t dev_features, drv_features;
	uint32_t dfsel, drvsel;
	uint32_t status;
	bool status_stuck; /* a reset that never finishes */
	uint32_t qsel;
	struct {
		uint32_t num_max, num, ready, pfn, align;
		uint64_t desc, driver, device;
	} q[WQ];
	bool ready_stuck; /* QueueReady reads back 0 */
	uint32_t page_size;
	uint32_t isr, acked;
	uint32_t gen;
	int gen_flips; /* the generation changes on this many config reads; < 0: always */
	uint8_t config[64];
	unsigned notifies[WQ];
	uint32_t isr_at_dispatch; /* InterruptStatus as the queue's handler saw it */
} w;

static struct virtio_mmio vm;
static struct virtio_device dev;

static uint32_t w_read32(struct virtio_mmio *m, unsigned off)
{
	assert_ptr_equal(m, &vm);
	assert_true(off < VIRTIO_MMIO_CONFIG && off % 4 == 0);
	unsigned s = w.qsel < WQ ? w.qsel : 0;
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return w.magic;
	case VIRTIO_MMIO_VERSION: return w.version;
	case VIRTIO_MMIO_DEVICE_ID: return w.device_id;
	case VIRTIO_MMIO_VENDOR_ID: return w.vendor;
	case VIRTIO_MMIO_DEVICE_FEATURES: return w.dfsel ? (uint32_t)(w.dev_features >> 32) : (uint32_t)w.dev_features;
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return w.qsel < WQ ? w.q[s].num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY: return w.ready_stuck ? 0 : w.q[s].ready;
	case VIRTIO_MMIO_QUEUE_PFN: return w.q[s].pfn;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return w.isr;
	case VIRTIO_MMIO_STATUS:
		if (w.status_stuck)
			now_ns += 1000000; /* time passes while the driver polls */
		return w.status;
	case VIRTIO_MMIO_CONFIG_GENERATION: return w.gen;
	default: return 0;
	}
}

static void w_write32(struct virtio_mmio *m, unsigned off, uint32_t v)
{
	assert_true(off < VIRTIO_MMIO_CONFIG && off % 4 == 0);
	unsigned s = w.qsel < WQ ? w.qsel : 0;
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: w.dfsel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: w.drvsel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (w.drvsel)
			w.drv_features = (w.drv_features & 0xffffffffu) | (uint64_t)v << 32;
		else
			w.drv_features = (w.drv_features & ~0xffffffffull) | v;
		break;
	case VIRTIO_MMIO_GUEST_PAGE_SIZE: w.page_size = v; break;
	case VIRTIO_MMIO_QUEUE_SEL: w.qsel = v; break;
	case VIRTIO_MMIO_QUEUE_NUM: w.q[s].num = v; break;
	case VIRTIO_MMIO_QUEUE_ALIGN: w.q[s].align = v; break;
	case VIRTIO_MMIO_QUEUE_PFN: w.q[s].pfn = v; break;
	case VIRTIO_MMIO_QUEUE_READY: w.q[s].ready = v; break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < WQ)
			w.notifies[v]++;
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		w.acked |= v;
		w.isr &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		if (v == 0 && !w.status_stuck) {
			/* Section 4.2.2.1: a reset forgets the queues. */
			for (int i = 0; i < WQ; i++) {
				w.q[i].ready = 0;
				w.q[i].pfn = 0;
			}
		}
		if (!(v == 0 && w.status_stuck))
			w.status = v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW: w.q[s].desc = (w.q[s].desc & ~0xffffffffull) | v; break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH: w.q[s].desc = (w.q[s].desc & 0xffffffffu) | (uint64_t)v << 32; break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW: w.q[s].driver = (w.q[s].driver & ~0xffffffffull) | v; break;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: w.q[s].driver = (w.q[s].driver & 0xffffffffu) | (uint64_t)v << 32; break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW: w.q[s].device = (w.q[s].device & ~0xffffffffull) | v; break;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: w.q[s].device = (w.q[s].device & 0xffffffffu) | (uint64_t)v << 32; break;
	default: break;
	}
}

static uint8_t w_read8(struct virtio_mmio *m, unsigned off)
{
	assert_true(off >= VIRTIO_MMIO_CONFIG && off < m->size);
	if (w.gen_flips != 0) {
		w.gen++;
		if (w.gen_flips > 0)
			w.gen_flips--;
	}
	return off - VIRTIO_MMIO_CONFIG < sizeof(w.config) ? w.config[off - VIRTIO_MMIO_CONFIG] : 0;
}

static void w_write8(struct virtio_mmio *m, unsigned off, uint8_t v)
{
	assert_true(off >= VIRTIO_MMIO_CONFIG && off < m->size);
	if (off - VIRTIO_MMIO_CONFIG < sizeof(w.config))
		w.config[off - VIRTIO_MMIO_CONFIG] = v;
}

static const struct virtio_mmio_io win_io = { w_read32, w_write32, w_read8, w_write8 };

/* Ring memory where a legacy device can reach it: the fake transport's
 * pages are the host's, whose addresses do not fit a 32-bit page frame
 * number, so their physical address is cut to 44 bits (the rings are
 * never read through it here); or, on request, put above 16 TiB. */
static bool high_phys;
void *__real_dma_alloc_pages(size_t bytes, uint64_t *phys);
void *__wrap_dma_alloc_pages(size_t bytes, uint64_t *phys)
{
	void *p = __real_dma_alloc_pages(bytes, phys);
	*phys &= (1ull << 44) - 1;
	if (high_phys)
		*phys |= 1ull << 44;
	return p;
}

/* Interrupts are the probe's (virtio_mmio_probe.c); here they only count. */
static unsigned irq_setups, irq_teardowns;
int virtio_mmio_setup_irq(struct virtio_device *d)
{
	irq_setups++;
	d->irq_mode = VIRTIO_IRQ_INTX;
	return 0;
}
void virtio_mmio_teardown_irq(struct virtio_device *d) { irq_teardowns++; }

/* A window of version `version` with an rng behind it. */
static void window(uint32_t version)
{
	memset(&w, 0, sizeof(w));
	memset(&vm, 0, sizeof(vm));
	memset(&dev, 0, sizeof(dev));
	log_text[0] = '\0';
	now_ns = 0;
	irq_setups = irq_teardowns = 0;
	w.magic = VIRTIO_MMIO_MAGIC;
	w.version = version;
	w.device_id = VIRTIO_ID_RNG;
	w.vendor = 0x554d4551;
	w.dev_features = VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | (1u << 5);
	for (int i = 0; i < WQ; i++)
		w.q[i].num_max = 256;
	vm.io = &win_io;
	vm.size = 0x200;
	strcpy(dev.name, "virtio-rng0");
}

static void identity(void **state)
{
	window(2);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	assert_ptr_equal(dev.ops, &virtio_mmio_modern_ops);
	assert_ptr_equal(dev.transport, &vm);
	assert_int_equal(vm.device_id, VIRTIO_ID_RNG);
	assert_false(dev.ops->legacy);

	window(1);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	assert_ptr_equal(dev.ops, &virtio_mmio_legacy_ops);
	assert_true(dev.ops->legacy);

	/* Each refusal leaves vd untouched. */
	window(2);
	w.magic = 0x74726975; /* "uirt" */
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_BAD_MAGIC);
	assert_null(dev.ops);
	w.magic = 0xffffffff; /* nothing answers */
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_BAD_MAGIC);
	window(2);
	for (uint32_t v = 0; v < 6; v++) {
		if (v == 1 || v == 2)
			continue;
		w.version = v;
		assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_BAD_VERSION);
	}
	w.version = 0xffffffff;
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_BAD_VERSION);
	window(2);
	w.device_id = 0;
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_NO_DEVICE);
	assert_null(dev.ops);
	window(2);
	vm.size = 0xfc;
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_TOO_SMALL);
	assert_string_equal(virtio_mmio_verdict_name(VIRTIO_MMIO_NO_DEVICE), "no device (DeviceID 0)");
}

static void negotiate_modern(void **state)
{
	window(2);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	assert_int_equal(virtio_negotiate(&dev, VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC), 0);
	/* Both halves written: VERSION_1 in the high one. */
	assert_int_equal(w.drv_features, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(w.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void negotiate_legacy(void **state)
{
	window(1);
	w.dev_features = VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC;
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	assert_int_equal(virtio_negotiate(&dev, VIRTIO_RING_F_INDIRECT_DESC), 0);
	assert_int_equal(w.drv_features, VIRTIO_RING_F_INDIRECT_DESC);
	/* No FEATURES_OK in the legacy interface. */
	assert_int_equal(w.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
}

static void reset_never_ends(void **state)
{
	window(2);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	w.status = VIRTIO_STATUS_ACKNOWLEDGE;
	w.status_stuck = true;
	assert_int_equal(virtio_negotiate(&dev, 0), -ETIMEDOUT);
	assert_true(dev.broken);
	/* Bounded: given up soon after the limit, not long past it. */
	assert_true(now_ns >= VIRTIO_MMIO_RESET_TIMEOUT_NS && now_ns < 2 * VIRTIO_MMIO_RESET_TIMEOUT_NS);
}

static void on_queue(struct virtqueue *vq) { w.isr_at_dispatch = w.isr | 0x100; /* 0x100: the handler ran */ }

static void queues_modern(void **state)
{
	window(2);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	assert_int_equal(virtio_negotiate(&dev, 0), 0);
	/* The driver asks for fewer entries than the device offers. */
	assert_int_equal(virtio_queue_setup(&dev, 1, 64, on_queue, NULL), 0);
	struct virtqueue *vq = dev.vq[1];
	assert_int_equal(w.q[1].num, 64);
	assert_int_equal(w.q[1].desc, vq->desc_phys);
	assert_int_equal(w.q[1].driver, vq->avail_phys);
	assert_int_equal(w.q[1].device, vq->used_phys);
	assert_int_equal(w.q[1].ready, 1);
	/* A queue already live is not set up over. */
	assert_int_equal(virtio_queue_setup(&dev, 1, 0, on_queue, NULL), -EINVAL);
	w.q[2].ready = 1;
	assert_int_equal(virtio_queue_setup(&dev, 2, 0, on_queue, NULL), -ENODEV);
	w.q[2].ready = 0;
	/* A device that does not take the queue. */
	w.ready_stuck = true;
	assert_int_equal(virtio_queue_setup(&dev, 3, 0, on_queue, NULL), -EIO);
	w.ready_stuck = false;

	assert_int_equal(virtio_finish(&dev), 0);
	assert_int_equal(irq_setups, 1);
	assert_true(w.status & VIRTIO_STATUS_DRIVER_OK);
	virtio_mmio_interrupt(&dev);
	assert_int_equal(w.isr_at_dispatch, 0); /* nothing pending: no handler */
	/* A used buffer: acknowledged before the handler runs. */
	w.isr = VIRTIO_MMIO_INT_VRING;
	virtio_mmio_interrupt(&dev);
	assert_int_equal(w.acked, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(w.isr_at_dispatch, 0x100);
	/* Bits the specification does not define are acknowledged (a level
	 * line would stay raised otherwise) but run nothing. */
	w.acked = 0;
	w.isr_at_dispatch = 0;
	w.isr = 0xfc;
	virtio_mmio_interrupt(&dev);
	assert_int_equal(w.acked, 0xfc);
	assert_int_equal(w.isr, 0);
	assert_int_equal(w.isr_at_dispatch, 0);
	dev.ops->notify(&dev, vq);
	assert_int_equal(w.notifies[1], 1);
	assert_true(virtio_detach(&dev));
	assert_int_equal(irq_teardowns, 1);
	assert_int_equal(w.q[1].ready, 0);
}

static void queues_legacy(void **state)
{
	window(1);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	assert_int_equal(virtio_negotiate(&dev, 0), 0);
	/* Legacy: the device's size, whatever the driver asks. */
	assert_int_equal(virtio_queue_setup(&dev, 0, 64, on_queue, NULL), 0);
	struct virtqueue *vq = dev.vq[0];
	assert_int_equal(vq->size, 256);
	assert_int_equal(w.page_size, VIRTIO_MMIO_LEGACY_PAGE);
	assert_int_equal(w.q[0].num, 256);
	assert_int_equal(w.q[0].align, 4096);
	assert_int_equal((uint64_t)w.q[0].pfn * VIRTIO_MMIO_LEGACY_PAGE, vq->desc_phys);
	/* The used ring where a legacy device computes it: after the
	 * available ring, aligned to QueueAlign. */
	uint64_t avail_end = vq->desc_phys + 16ull * 256 + 6 + 2ull * 256;
	assert_int_equal(vq->used_phys, (avail_end + 4095) & ~4095ull);
	/* A ring already placed: not set up over. */
	w.q[1].pfn = 0x1234;
	assert_int_equal(virtio_queue_setup(&dev, 1, 0, on_queue, NULL), -ENODEV);
	w.q[1].pfn = 0;
	/* A ring whose page number does not fit 32 bits is not offered. */
	high_phys = true;
	assert_int_equal(virtio_queue_setup(&dev, 2, 0, on_queue, NULL), -EINVAL);
	high_phys = false;
	assert_int_equal(w.q[2].pfn, 0);
	assert_true(virtio_detach(&dev));
	assert_int_equal(w.q[0].pfn, 0);
}

static void lying_queue_size(void **state)
{
	static const uint32_t lies[] = { 0x10000, 0xffffffff, 65535, 3, 32769, 1u << 16 | 256 };
	for (int version = 1; version <= 2; version++) {
		for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
			window((uint32_t)version);
			assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
			assert_int_equal(virtio_negotiate(&dev, 0), 0);
			w.q[0].num_max = lies[i];
			assert_int_equal(virtio_queue_setup(&dev, 0, 0, on_queue, NULL), -EIO);
			assert_int_equal(w.q[0].ready | w.q[0].pfn, 0);
			virtio_detach(&dev);
		}
		window((uint32_t)version);
		assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
		assert_int_equal(virtio_negotiate(&dev, 0), 0);
		w.q[0].num_max = 0; /* no such queue */
		assert_int_equal(virtio_queue_setup(&dev, 0, 0, on_queue, NULL), -ENODEV);
		/* The largest a split queue may have is accepted. */
		w.q[0].num_max = 32768;
		assert_int_equal(virtio_queue_setup(&dev, 0, 0, on_queue, NULL), 0);
		virtio_detach(&dev);
	}
}

static void config_generation(void **state)
{
	window(2);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	for (int i = 0; i < 8; i++)
		w.config[i] = (uint8_t)(0x10 + i);
	uint8_t buf[8];
	assert_int_equal(virtio_config_read(&dev, 0, buf, 8), 0);
	assert_memory_equal(buf, w.config, 8);
	/* The generation moves during the first reads, then settles. */
	w.gen_flips = 5;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(virtio_config_read(&dev, 0, buf, 8), 0);
	assert_memory_equal(buf, w.config, 8);
	/* It never settles: given up, bounded. */
	w.gen_flips = -1;
	assert_int_equal(virtio_config_read(&dev, 0, buf, 8), -EIO);
	w.gen_flips = 0;
	/* Offsets checked against the window: 0x100 bytes of configuration. */
	assert_int_equal(virtio_config_read(&dev, 0xf8, buf, 8), 0);
	assert_int_equal(virtio_config_read(&dev, 0xf9, buf, 8), -EINVAL);
	assert_int_equal(virtio_config_read(&dev, 0x100, buf, 1), -EINVAL);
	assert_int_equal(virtio_config_read(&dev, 0xffffffffu, buf, 8), -EINVAL);
	assert_int_equal(dev.ops->write_config(&dev, 0xff, buf, 2), -EINVAL);
	uint8_t two[2] = { 0xaa, 0xbb };
	assert_int_equal(dev.ops->write_config(&dev, 2, two, 2), 0);
	assert_int_equal(w.config[3], 0xbb);

	/* Legacy: no generation, two reads that agree. */
	window(1);
	assert_int_equal(virtio_mmio_init(&dev, &vm), VIRTIO_MMIO_OK);
	w.config[0] = 7;
	assert_int_equal(virtio_config_read(&dev, 0, buf, 1), 0);
	assert_int_equal(buf[0], 7);
}

/* --- virtio_mmio.device= ------------------------------------------------------------ */

static void cmdline_good(void **state)
{
	struct virtio_mmio_desc d;
	const char *why = NULL;
	assert_int_equal(virtio_mmio_parse_device("512@0xfeb00e00:12", &d, &why), 0);
	assert_int_equal(d.size, 512);
	assert_int_equal(d.base, 0xfeb00e00);
	assert_int_equal(d.gsi, 12);
	assert_int_equal(d.id, -1);
	assert_int_equal(virtio_mmio_parse_device("4K@0xd0000000:5:3", &d, &why), 0);
	assert_int_equal(d.size, 4096);
	assert_int_equal(d.base, 0xd0000000);
	assert_int_equal(d.gsi, 5);
	assert_int_equal(d.id, 3);
	assert_int_equal(virtio_mmio_parse_device("1M@0XFEB00000:47", &d, &why), 0);
	assert_int_equal(d.size, 1 << 20);
	assert_int_equal(d.base, 0xfeb00000);
	assert_int_equal(virtio_mmio_parse_device("0x200@4026531840:0", &d, &why), 0);
	assert_int_equal(d.size, 0x200);
	assert_int_equal(d.base, 4026531840u);
	assert_int_equal(d.gsi, 0);
	assert_int_equal(virtio_mmio_parse_device("512@1G:9", &d, &why), 0);
	assert_int_equal(d.base, 1ull << 30);
	assert_int_equal(virtio_mmio_parse_device("512@0xfffffffffffffc00:9", &d, &why), 0);
	/* Linux's memparse takes a suffix on the address too. */
	assert_int_equal(virtio_mmio_parse_device("512@0xfeb00K:12", &d, &why), 0);
	assert_int_equal(d.base, 0xfeb00ull << 10);
}

static void cmdline_hostile(void **state)
{
	static const char *const bad[] = {
		"",
		"512",
		"512@",
		"512@0xfeb00e00",
		"512@0xfeb00e00:",
		"512@0xfeb00e00:x",
		"@0xfeb00e00:12",
		"512 @0xfeb00e00:12",
		"512@0xfeb00e00:12 ",
		"512@0xfeb00e00:12:",
		"512@0xfeb00e00:12:3:4",
		"512@0xfeb00e00:12x",
		"512@0x:12",
		"512@0xg:12",
		"-512@0xfeb00e00:12",
		"512@-1:12",
		"512@0xfeb00e00:-12",
		"0@0xfeb00e00:12",
		"2M@0xfeb00e00:12",	      /* above 1 MiB */
		"512@0:12",		      /* address 0 */
		"512@0xfffffffffffffe01:12",  /* wraps */
		"512@0x10000000000000000:12", /* 65 bits */
		"99999999999999999999@0x1000:1",
		"512@0xfeb00e00:1024",		       /* above the highest GSI */
		"512@0xfeb00e00:99999999999999999999", /* overflows */
		"512@0xfeb00e00:12:2147483648",
		"16777216T@0x1000:1",
		"18014398509481984K@0x1000:1", /* the suffix overflows */
		"512@0xfeb00e00:0x12",
		"512\0@0xfeb00e00:12",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtio_mmio_desc d = { .base = 77 };
		const char *why = NULL;
		if (virtio_mmio_parse_device(bad[i], &d, &why) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_non_null(why);
		assert_int_equal(d.base, 77); /* untouched */
	}
}

/* Every prefix of a good string is refused or parses to a number that was
 * in it; random bytes never crash the parser (ASan and UBSan watch). */
static void cmdline_fuzz(void **state)
{
	const char *good = "4K@0xfeb00e00:12:3";
	char buf[64];
	for (size_t n = 0; n < strlen(good); n++) {
		memcpy(buf, good, n);
		buf[n] = '\0';
		struct virtio_mmio_desc d;
		const char *why;
		int r = virtio_mmio_parse_device(buf, &d, &why);
		assert_true(r == -EINVAL || (r == 0 && d.base == 0xfeb00e00 && d.size == 4096));
	}
	unsigned seed = 12345;
	for (int i = 0; i < 20000; i++) {
		size_t n = (seed = seed * 1103515245 + 12345) % 40;
		for (size_t j = 0; j < n; j++) {
			static const char alphabet[] = "0123456789xXabcdefKMG@:-+ ";
			seed = seed * 1103515245 + 12345;
			buf[j] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		buf[n] = '\0';
		struct virtio_mmio_desc d;
		const char *why;
		if (virtio_mmio_parse_device(buf, &d, &why) == 0)
			assert_true(d.size > 0 && d.size <= VIRTIO_MMIO_MAX_SIZE && d.base != 0 &&
				    d.base + d.size > d.base && d.gsi <= VIRTIO_MMIO_MAX_GSI);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity),	    cmocka_unit_test(negotiate_modern),
		cmocka_unit_test(negotiate_legacy), cmocka_unit_test(reset_never_ends),
		cmocka_unit_test(queues_modern),    cmocka_unit_test(queues_legacy),
		cmocka_unit_test(lying_queue_size), cmocka_unit_test(config_generation),
		cmocka_unit_test(cmdline_good),	    cmocka_unit_test(cmdline_hostile),
		cmocka_unit_test(cmdline_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
