/*
 * The transport-independent virtio core (drivers/virtio/virtio.c) driven
 * through a fake transport: a host-side stand-in for the modern and the
 * legacy PCI interfaces, implementing struct virtio_transport, with the
 * simulated device of tests/host/vdev_sim.c behind each queue's rings.
 *
 * What it checks is the specification's order of things (virtio 1.2,
 * section 3.1.1) and the core's refusals: the status steps, feature
 * negotiation on both interfaces, queue sizes from the device checked,
 * no notification before DRIVER_OK, FAILED on errors, NEEDS_RESET noticed
 * by interrupt and by the status check of a wait.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/virtio.h"
#include "kernel/clock.h"
#include "kernel/sync.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "tests/host/vdev_sim.h"

/* --- what virtio.c needs of the kernel ---------------------------------------------- */

enum log_level console_log_level = LOG_WARN;
static char log_text[4096];

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(log_text);
	int r = vsnprintf(log_text + n, sizeof(log_text) - n, fmt, ap);
	va_end(ap);
	return r;
}

void *dma_alloc_pages(size_t bytes, uint64_t *phys)
{
	size_t rounded = (bytes + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, rounded);
	if (p == NULL)
		return NULL;
	memset(p, 0, rounded);
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

void dma_free_pages(void *p, size_t bytes) { free(p); }

/* Time and waiting, as virtio_wait_used uses them: a fake clock, and a
 * semaphore wait that lets the test's hook play the device meanwhile. */
static uint64_t now_ns;
static void (*while_waiting)(void);
static unsigned long waits;

uint64_t clock_ns(void) { return now_ns; }

int sem_timedwait(struct sem *s, uint64_t timeout_ns)
{
	waits++;
	if (while_waiting)
		while_waiting();
	if (s->count > 0) {
		s->count--;
		return 0;
	}
	now_ns += timeout_ns;
	return -ETIMEDOUT;
}

/* --- the fake transport ------------------------------------------------------------------ */

#define NQ 4

struct fake {
	bool legacy;
	uint64_t offered;
	uint64_t driver_features;
	uint8_t status;
	uint8_t status_log[16];
	unsigned nstatus;
	bool refuse_features; /* FEATURES_OK does not stick */
	bool reset_stuck;
	uint16_t qsize[NQ];
	struct vdev_sim sim[NQ];
	bool sim_live[NQ];
	unsigned long notifies[NQ];
	unsigned long notifies_before_ok;
	uint8_t isr;
	uint8_t config[16];
	unsigned irq_setups;
};

static struct fake fk;

#define F(vd) ((struct fake *)(vd)->transport)

static int f_reset(struct virtio_device *vd)
{
	if (F(vd)->reset_stuck)
		return -ETIMEDOUT;
	F(vd)->status = 0;
	F(vd)->status_log[F(vd)->nstatus++] = 0;
	return 0;
}

static uint8_t f_get_status(struct virtio_device *vd) { return F(vd)->status; }

static void f_set_status(struct virtio_device *vd, uint8_t s)
{
	struct fake *f = F(vd);
	if (f->refuse_features)
		s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	f->status = s;
	if (f->nstatus < sizeof(f->status_log))
		f->status_log[f->nstatus++] = s;
}

static uint64_t f_get_features(struct virtio_device *vd)
{
	return F(vd)->legacy ? F(vd)->offered & 0xffffffffu : F(vd)->offered;
}

static void f_set_features(struct virtio_device *vd, uint64_t v) { F(vd)->driver_features = v; }

static int f_read_config(struct virtio_device *vd, unsigned off, void *buf, unsigned len)
{
	if (off > sizeof(fk.config) || len > sizeof(fk.config) - off)
		return -EINVAL;
	memcpy(buf, F(vd)->config + off, len);
	return 0;
}

static int f_write_config(struct virtio_device *vd, unsigned off, const void *buf, unsigned len)
{
	if (off > sizeof(fk.config) || len > sizeof(fk.config) - off)
		return -EINVAL;
	memcpy(F(vd)->config + off, buf, len);
	return 0;
}

static uint16_t f_queue_max_size(struct virtio_device *vd, unsigned idx) { return idx < NQ ? F(vd)->qsize[idx] : 0; }

static int f_queue_enable(struct virtio_device *vd, struct virtqueue *vq)
{
	struct fake *f = F(vd);
	/* The legacy interface fixes the size (section 4.1.4.10). */
	if (f->legacy && vq->size != f->qsize[vq->index])
		return -EINVAL;
	vdev_sim_init(&f->sim[vq->index], (void *)vq->desc, vq->size, virtio_has(vd, VIRTIO_RING_F_EVENT_IDX),
		      virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC));
	f->sim_live[vq->index] = true;
	return 0;
}

static void f_notify(struct virtio_device *vd, struct virtqueue *vq)
{
	struct fake *f = F(vd);
	f->notifies[vq->index]++;
	if (!(f->status & VIRTIO_STATUS_DRIVER_OK))
		f->notifies_before_ok++;
	vdev_sim_kicked(&f->sim[vq->index]);
}

static uint16_t f_set_vector(struct virtio_device *vd, int queue, uint16_t vector) { return vector; }

static uint8_t f_read_isr(struct virtio_device *vd)
{
	uint8_t v = F(vd)->isr;
	F(vd)->isr = 0; /* reading clears it */
	return v;
}

static int f_setup_irq(struct virtio_device *vd)
{
	F(vd)->irq_setups++;
	vd->irq_mode = VIRTIO_IRQ_NONE;
	return 0;
}

static struct virtio_transport ops = {
	.name = "fake",
	.reset = f_reset,
	.get_status = f_get_status,
	.set_status = f_set_status,
	.get_features = f_get_features,
	.set_features = f_set_features,
	.read_config = f_read_config,
	.write_config = f_write_config,
	.queue_max_size = f_queue_max_size,
	.queue_enable = f_queue_enable,
	.notify = f_notify,
	.set_vector = f_set_vector,
	.read_isr = f_read_isr,
	.setup_irq = f_setup_irq,
};

static struct virtio_device vd;

static void fresh(bool legacy, uint64_t offered)
{
	memset(&fk, 0, sizeof(fk));
	fk.legacy = legacy;
	fk.offered = offered;
	for (int i = 0; i < NQ; i++)
		fk.qsize[i] = 64;
	ops.legacy = legacy;
	memset(&vd, 0, sizeof(vd));
	vd.ops = &ops;
	vd.transport = &fk;
	strcpy(vd.name, "fake0");
	log_text[0] = '\0';
	now_ns = 1000;
	while_waiting = NULL;
	waits = 0;
}

static void release(void)
{
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtqueue *vq = vd.vq[i];
		if (vq == NULL)
			continue;
		if (fk.sim_live[i])
			vdev_sim_fini(&fk.sim[i]);
		free((void *)vq->desc);
		free(vq->indirect_tables);
		virtqueue_fini(vq);
		free(vq);
		vd.vq[i] = NULL;
	}
}

/* --- the attach sequence --------------------------------------------------------------- */

static void attach_modern(void **state)
{
	fresh(false, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | (1ull << 3) | (1ull << 40));
	assert_int_equal(virtio_negotiate(&vd, VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC | (1ull << 3)), 0);
	/* Section 3.1.1: reset, ACKNOWLEDGE, DRIVER, FEATURES_OK. */
	const uint8_t want[] = { 0, 1, 3, 11 };
	assert_int_equal(fk.nstatus, 4);
	assert_memory_equal(fk.status_log, want, 4);
	/* What both know, with VERSION_1 added; never what the device did
	 * not offer (indirect), nor what the driver did not ask (bit 40). */
	assert_int_equal(vd.features, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | (1ull << 3));
	assert_int_equal(fk.driver_features, vd.features);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, NULL, NULL), 0);
	assert_int_equal(virtio_finish(&vd), 0);
	assert_int_equal(fk.status, 15); /* ... and DRIVER_OK */
	assert_true(vd.driver_ok);
	assert_int_equal(fk.irq_setups, 1);
	assert_false(vd.broken);
	release();
}

static void attach_legacy(void **state)
{
	/* Bits above 31 do not exist on the legacy interface. */
	fresh(true, VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC | 1);
	assert_int_equal(virtio_negotiate(&vd, VIRTIO_RING_F_INDIRECT_DESC | 1), 0);
	const uint8_t want[] = { 0, 1, 3 }; /* no FEATURES_OK step */
	assert_int_equal(fk.nstatus, 3);
	assert_memory_equal(fk.status_log, want, 3);
	assert_int_equal(vd.features, VIRTIO_RING_F_INDIRECT_DESC | 1);
	assert_false(virtio_has(&vd, VIRTIO_F_VERSION_1));
	assert_int_equal(virtio_finish(&vd), 0);
	assert_int_equal(fk.status, 7);
	release();
}

static void refusals(void **state)
{
	/* A modern device must offer VERSION_1 (section 6.1). */
	fresh(false, VIRTIO_RING_F_EVENT_IDX);
	assert_int_equal(virtio_negotiate(&vd, VIRTIO_RING_F_EVENT_IDX), -ENODEV);
	assert_true(vd.broken);
	assert_true(fk.status & VIRTIO_STATUS_FAILED);

	/* The device may refuse the features: FEATURES_OK does not stick. */
	fresh(false, VIRTIO_F_VERSION_1);
	fk.refuse_features = true;
	assert_int_equal(virtio_negotiate(&vd, 0), -ENODEV);
	assert_true(vd.broken);
	assert_true(fk.status & VIRTIO_STATUS_FAILED);
	assert_non_null(strstr(log_text, "refused"));

	/* A reset that never finishes. */
	fresh(false, VIRTIO_F_VERSION_1);
	fk.reset_stuck = true;
	assert_int_equal(virtio_negotiate(&vd, 0), -ETIMEDOUT);
	assert_true(vd.broken);
}

/* --- queues ------------------------------------------------------------------------------ */

static void queue_sizes(void **state)
{
	fresh(false, VIRTIO_F_VERSION_1);
	assert_int_equal(virtio_negotiate(&vd, 0), 0);
	fk.qsize[0] = 0;   /* no such queue */
	fk.qsize[1] = 100; /* not a power of two: a broken device */
	fk.qsize[2] = 256;
	fk.qsize[3] = 256;
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, NULL, NULL), -ENODEV);
	assert_int_equal(virtio_queue_setup(&vd, 1, 0, NULL, NULL), -EIO);
	assert_null(vd.vq[0]);
	assert_null(vd.vq[1]);
	/* The driver may ask for less, taken down to a power of two. */
	assert_int_equal(virtio_queue_setup(&vd, 2, 100, NULL, NULL), 0);
	assert_int_equal(vd.vq[2]->size, 64);
	assert_int_equal(virtio_queue_setup(&vd, 2, 0, NULL, NULL), -EINVAL); /* set up already */
	assert_int_equal(virtio_queue_setup(&vd, VIRTIO_MAX_QUEUES, 0, NULL, NULL), -EINVAL);
	release();

	/* The legacy interface: the device's size, whatever is asked. */
	fresh(true, 0);
	assert_int_equal(virtio_negotiate(&vd, 0), 0);
	fk.qsize[0] = 128;
	assert_int_equal(virtio_queue_setup(&vd, 0, 16, NULL, NULL), 0);
	assert_int_equal(vd.vq[0]->size, 128);
	release();
}

static int cookie_a, cookie_b;

/* No notification before DRIVER_OK; what was posted during setup is
 * announced by virtio_finish; a request then goes all the way round. */
static void notifications_wait_for_driver_ok(void **state)
{
	fresh(false, VIRTIO_F_VERSION_1);
	assert_int_equal(virtio_negotiate(&vd, 0), 0);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, NULL, NULL), 0);
	assert_int_equal(virtio_queue_setup(&vd, 1, 0, NULL, NULL), 0);
	struct virtqueue *vq = vd.vq[0];
	static uint8_t buf[64];
	struct vq_seg seg = { (uint64_t)(uintptr_t)buf, sizeof(buf) };
	assert_int_equal(virtqueue_enqueue(vq, &cookie_a, &seg, 0, 1), 0);
	virtqueue_kick(vq);
	assert_int_equal(fk.notifies[0], 0);
	assert_int_equal(fk.notifies_before_ok, 0);
	assert_int_equal(virtio_finish(&vd), 0);
	assert_int_equal(fk.notifies[0], 1); /* the pending buffer announced */
	assert_int_equal(fk.notifies[1], 0); /* an empty queue is not */
	assert_int_equal(fk.notifies_before_ok, 0);

	assert_int_equal(vdev_sim_run(&fk.sim[0]), 1);
	assert_null(fk.sim[0].error);
	uint32_t len = 0;
	assert_ptr_equal(virtqueue_dequeue(vq, &len), &cookie_a);
	assert_int_equal(len, sizeof(buf));
	release();
}

/* --- interrupts -------------------------------------------------------------------------- */

static unsigned long queue_calls[NQ], config_calls;

static void on_queue(struct virtqueue *vq) { queue_calls[vq->index]++; }
static void on_config(struct virtio_device *d) { config_calls++; }

static void dispatch(void **state)
{
	fresh(false, VIRTIO_F_VERSION_1);
	memset(queue_calls, 0, sizeof(queue_calls));
	config_calls = 0;
	assert_int_equal(virtio_negotiate(&vd, 0), 0);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, on_queue, NULL), 0);
	assert_int_equal(virtio_queue_setup(&vd, 2, 0, on_queue, NULL), 0);
	vd.on_config_change = on_config;
	assert_int_equal(virtio_finish(&vd), 0);

	virtio_dispatch(&vd, 0); /* not this device: nothing */
	assert_int_equal(queue_calls[0] + queue_calls[2] + config_calls, 0);
	virtio_dispatch(&vd, 1); /* a queue: every queue's handler looks */
	assert_int_equal(queue_calls[0], 1);
	assert_int_equal(queue_calls[2], 1);
	assert_int_equal(config_calls, 0);
	virtio_dispatch(&vd, 2); /* a configuration change */
	assert_int_equal(config_calls, 1);
	assert_false(vd.broken);

	/* A configuration interrupt with NEEDS_RESET in the status: the
	 * device and its queues break, requests fail, the rest goes on. */
	fk.status |= VIRTIO_STATUS_NEEDS_RESET;
	virtio_dispatch(&vd, 2);
	assert_true(vd.broken);
	assert_true(vd.vq[0]->broken);
	assert_true(vd.vq[2]->broken);
	assert_int_equal(config_calls, 2);
	assert_non_null(strstr(log_text, "NEEDS_RESET"));
	static uint8_t buf[8];
	struct vq_seg seg = { (uint64_t)(uintptr_t)buf, sizeof(buf) };
	assert_int_equal(virtqueue_enqueue(vd.vq[0], &cookie_a, &seg, 0, 1), -EIO);
	assert_int_equal(vd.config_interrupts, 2);
	release();
}

/* --- waiting --------------------------------------------------------------------------- */

static int device_answers_on_wait;
static struct sem *irq_sem;

/* The device finishes during the n-th wait, and its interrupt handler
 * posts the semaphore. */
static void device_works(void)
{
	if (--device_answers_on_wait == 0) {
		vdev_sim_run(&fk.sim[0]);
		irq_sem->count++;
	}
}

static void device_needs_reset(void) { fk.status |= VIRTIO_STATUS_NEEDS_RESET; }

static void wait_used(void **state)
{
	fresh(false, VIRTIO_F_VERSION_1);
	assert_int_equal(virtio_negotiate(&vd, 0), 0);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, NULL, NULL), 0);
	assert_int_equal(virtio_finish(&vd), 0);
	struct virtqueue *vq = vd.vq[0];
	struct sem sem = SEM_INIT(0);
	static uint8_t buf[32];
	struct vq_seg seg = { (uint64_t)(uintptr_t)buf, sizeof(buf) };
	uint32_t len;

	/* A slow device: three seconds of waiting, then the answer. The
	 * status is looked at every second meanwhile; nothing breaks. */
	assert_int_equal(virtqueue_enqueue(vq, &cookie_a, &seg, 0, 1), 0);
	virtqueue_kick(vq);
	device_answers_on_wait = 4;
	irq_sem = &sem;
	while_waiting = device_works;
	assert_ptr_equal(virtio_wait_used(&vd, vq, &sem, UINT64_MAX, &len), &cookie_a);
	assert_int_equal(len, sizeof(buf));
	assert_int_equal(waits, 4);
	assert_int_equal(now_ns, 1000 + 3000000000ull);
	assert_false(vd.broken);

	/* A timeout of its own, with the device silent. */
	uint64_t t = now_ns;
	waits = 0;
	while_waiting = NULL;
	assert_int_equal(virtqueue_enqueue(vq, &cookie_b, &seg, 0, 1), 0);
	assert_null(virtio_wait_used(&vd, vq, &sem, 2500000000ull, &len));
	assert_int_equal(now_ns, t + 2500000000ull);
	assert_false(vd.broken);

	/* A device that needs a reset but cannot say so by interrupt: the
	 * status check of the wait finds it. */
	while_waiting = device_needs_reset;
	assert_null(virtio_wait_used(&vd, vq, &sem, UINT64_MAX, &len));
	assert_true(vd.broken);
	assert_true(vq->broken);
	release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_modern),
		cmocka_unit_test(attach_legacy),
		cmocka_unit_test(refusals),
		cmocka_unit_test(queue_sizes),
		cmocka_unit_test(notifications_wait_for_driver_ok),
		cmocka_unit_test(dispatch),
		cmocka_unit_test(wait_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
