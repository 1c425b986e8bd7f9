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
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/sync.h"
#include "tests/host/vdev_sim.h"
#include "tests/host/virtio_fake.h"

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
	assert_int_equal(vd.nvqs, 0); /* the table did not even grow */
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

/* --- attach that unwinds ---------------------------------------------------------------- */

/* A driver's attach in the shape every Keel driver has (virtio_rng.c):
 * a buffer, negotiation, two queues, interrupts, and one exit that
 * undoes it all. */
#define MINI_BUF 4096
static void *mini_buf;

static int mini_attach(struct virtio_device *d)
{
	uint64_t phys;
	int err = -ENOMEM;
	void *buf = dma_alloc_pages(MINI_BUF, &phys);
	if (buf == NULL)
		goto fail;
	err = virtio_negotiate(d, VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX);
	if (err)
		goto fail;
	err = virtio_queue_setup(d, 0, 0, NULL, NULL);
	if (err)
		goto fail;
	err = virtio_queue_setup(d, 1, 0, NULL, NULL);
	if (err)
		goto fail;
	err = virtio_finish(d);
	if (err)
		goto fail;
	mini_buf = buf;
	return 0;

fail:
	virtio_detach(d);
	if (buf)
		dma_free_pages(buf, MINI_BUF);
	return err;
}

static const uint64_t mini_offer = VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX;

static void attach_unwinds_each_step(void **state)
{
	/* The attach that works, and the allocations it makes. */
	fresh(false, mini_offer);
	counting = true;
	assert_int_equal(mini_attach(&vd), 0);
	counting = false;
	unsigned total = allocs;
	assert_true(total >= 7); /* buffer; per queue: table, queue, ring, indirect, slots */
	assert_true(fk.irq_on);
	dma_free_pages(mini_buf, MINI_BUF);
	release();
	assert_false(fk.irq_on);

	/* Each allocation failing in turn. */
	for (unsigned n = 1; n <= total; n++) {
		fresh(false, mini_offer);
		counting = true;
		fail_alloc_at = n;
		int err = mini_attach(&vd);
		counting = false;
		assert_int_equal(err, -ENOMEM);
		assert_detached(err);
	}

	/* Each step the device can refuse. */
	fresh(false, mini_offer & ~VIRTIO_F_VERSION_1); /* negotiation */
	assert_detached(mini_attach(&vd));
	fresh(false, mini_offer); /* FEATURES_OK refused */
	fk.refuse_features = true;
	assert_detached(mini_attach(&vd));
	fresh(false, mini_offer); /* the second queue does not exist */
	fk.qsize[1] = 0;
	assert_detached(mini_attach(&vd));
	fresh(false, mini_offer); /* ... or has an impossible size */
	fk.qsize[1] = 96;
	assert_detached(mini_attach(&vd));
	fresh(false, mini_offer); /* its setup refused */
	fk.fail_queue_enable = 2;
	assert_detached(mini_attach(&vd));
	fresh(false, mini_offer); /* no interrupts */
	fk.fail_irq = true;
	assert_detached(mini_attach(&vd));
	fresh(true, mini_offer); /* the legacy interface, its queue size refused */
	fk.fail_queue_enable = 1;
	assert_detached(mini_attach(&vd));

	/* A device whose first reset never finishes: nothing was set up. */
	fresh(false, mini_offer);
	fk.reset_stuck = true;
	assert_int_equal(mini_attach(&vd), -ETIMEDOUT);
	assert_int_equal(dma_live, 0);
	assert_null(vd.vq);
	assert_true(fk.status & VIRTIO_STATUS_FAILED);
}

/* The device stops resetting after its queues were given: they may still
 * be written by it, so they stay allocated (and broken), and it says so. */
static void attach_stuck_device_keeps_its_rings(void **state)
{
	fresh(false, mini_offer);
	fk.resets_left = 1; /* negotiate's reset works; detach's does not */
	fk.fail_irq = true;
	assert_int_equal(mini_attach(&vd), -ENOSPC);
	assert_non_null(strstr(log_text, "did not finish its reset"));
	assert_int_equal(vd.nvqs, 2);
	assert_true(vd.vq[0]->broken && vd.vq[1]->broken);
	assert_int_equal(dma_live, 4); /* two rings, two indirect tables; not the buffer */
	assert_true(fk.status & VIRTIO_STATUS_FAILED);
	/* What the kernel would leave; the test takes it back. */
	fk.reset_stuck = false;
	release();
}

/* --- device faults named ------------------------------------------------------------------- */

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void ready_two_queues(void)
{
	fresh(false, VIRTIO_F_VERSION_1);
	assert_int_equal(virtio_negotiate(&vd, 0), 0);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, NULL, NULL), 0);
	assert_int_equal(virtio_queue_setup(&vd, 1, 0, NULL, NULL), 0);
	assert_int_equal(virtio_finish(&vd), 0);
}

static uint8_t fbuf[8][64];

static void post(struct virtqueue *vq, int i)
{
	struct vq_seg seg = { (uint64_t)(uintptr_t)fbuf[i], sizeof(fbuf[i]) };
	assert_int_equal(virtqueue_enqueue(vq, fbuf[i], &seg, 0, 1), 0);
	virtqueue_kick(vq);
}

/* Each fault that breaks a queue: one line naming the device, where it
 * is, the queue and the fault; the counters count it; the device's other
 * queue goes on working. */
static void fault_breaks_queue_named_once(void **state)
{
	const enum vdev_hostile moves[] = { VDEV_ID_BEYOND, VDEV_ID_NOT_HEAD, VDEV_IDX_JUMP };
	const char *said[] = { "beyond the queue", "heads no outstanding chain", "ran ahead" };
	for (unsigned m = 0; m < 3; m++) {
		ready_two_queues();
		unsigned long before = virtio_device_faults();
		struct virtqueue *vq = vd.vq[1];
		post(vq, 0);
		assert_int_equal(vdev_sim_fetch(&fk.sim[1]), 1);
		assert_true(vdev_sim_misbehave(&fk.sim[1], moves[m]));
		uint32_t len;
		assert_null(virtqueue_dequeue(vq, &len));
		assert_null(virtqueue_dequeue(vq, &len)); /* broken: not looked at again */
		assert_true(vq->broken);
		assert_int_equal(vq->device_faults, 1);
		assert_int_equal(virtio_device_faults(), before + 1);
		assert_int_equal(count_of(log_text, "device fault"), 1);
		assert_non_null(strstr(log_text, "fake0 (fake slot 3): device fault on queue 1: "));
		assert_non_null(strstr(log_text, said[m]));
		assert_int_equal(virtqueue_enqueue(vq, fbuf[1], &(struct vq_seg){ 1, 1 }, 0, 1), -EIO);
		/* Queue 0 is not concerned. */
		post(vd.vq[0], 2);
		assert_int_equal(vdev_sim_run(&fk.sim[0]), 1);
		assert_ptr_equal(virtqueue_dequeue(vd.vq[0], &len), fbuf[2]);
		release();
	}
}

/* A length past the buffer is clamped, not fatal: every one is counted,
 * the first of each queue logged, and no more lines however many. */
static void fault_length_counted_logged_once(void **state)
{
	ready_two_queues();
	unsigned long before = virtio_device_faults();
	for (int round = 0; round < 5; round++) {
		for (int q = 0; q < 2; q++) {
			post(vd.vq[q], q);
			assert_int_equal(vdev_sim_fetch(&fk.sim[q]), 1);
			assert_true(vdev_sim_misbehave(&fk.sim[q], VDEV_LEN_BEYOND));
			uint32_t len = 0;
			assert_ptr_equal(virtqueue_dequeue(vd.vq[q], &len), fbuf[q]);
			assert_int_equal(len, sizeof(fbuf[q])); /* clamped */
		}
	}
	assert_int_equal(vd.vq[0]->device_faults, 5);
	assert_int_equal(vd.vq[1]->device_faults, 5);
	assert_int_equal(virtio_device_faults(), before + 10);
	assert_int_equal(count_of(log_text, "device fault"), 2); /* once per queue */
	assert_int_equal(count_of(log_text, "device fault on queue 0: a used length is beyond"), 1);
	assert_int_equal(count_of(log_text, "device fault on queue 1: a used length is beyond"), 1);
	assert_false(vd.vq[0]->broken || vd.vq[1]->broken);
	release();
}

/* --- every wait bounded -------------------------------------------------------------------- */

static void wait_bounded_by_device(void **state)
{
	ready_two_queues();
	struct sem sem = SEM_INIT(0);
	struct virtqueue *vq = vd.vq[0];
	void *cookie;
	uint32_t len;

	/* The default bound: 5 s, then -ETIMEDOUT; the device not broken. */
	post(vq, 0);
	uint64_t t = now_ns;
	assert_int_equal(virtio_wait(&vd, vq, &sem, &cookie, &len), -ETIMEDOUT);
	assert_int_equal(now_ns - t, VIRTIO_TIMEOUT_DEFAULT_NS);
	assert_false(vd.broken);

	/* A driver's own bound. The request kept by the device comes back
	 * later, to the wait after. */
	vd.timeout_ns = 250000000ull;
	t = now_ns;
	assert_int_equal(virtio_wait(&vd, vq, &sem, &cookie, &len), -ETIMEDOUT);
	assert_int_equal(now_ns - t, 250000000ull);
	vdev_sim_run(&fk.sim[0]);
	assert_int_equal(virtio_wait(&vd, vq, &sem, &cookie, &len), 0);
	assert_ptr_equal(cookie, fbuf[0]);

	/* A broken queue: -EIO at once. */
	virtqueue_break(vq, "test");
	t = now_ns;
	assert_int_equal(virtio_wait(&vd, vq, &sem, &cookie, &len), -EIO);
	assert_int_equal(now_ns, t);
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
		cmocka_unit_test(attach_unwinds_each_step),
		cmocka_unit_test(attach_stuck_device_keeps_its_rings),
		cmocka_unit_test(fault_breaks_queue_named_once),
		cmocka_unit_test(fault_length_counted_logged_once),
		cmocka_unit_test(wait_bounded_by_device),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
