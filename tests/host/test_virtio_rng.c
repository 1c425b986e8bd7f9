/*
 * The virtio-rng driver (drivers/virtio/virtio_rng.c, built in here so its
 * static functions can be called) over the fake transport, under the
 * entropy registry (kernel/entropy.c): an attach that fails at any step
 * undoes itself and registers nothing, and entropy_getrandom is bounded
 * by the driver's timeout when the device stays silent.
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

#include "drivers/virtio/virtio_rng.c"
#include "tests/host/virtio_fake.h"

/* --- what the driver needs of the kernel beyond the fake's ---------------------------- */

void sem_init(struct sem *s, unsigned long count) { s->count = count; }
void sem_post(struct sem *s) { s->count++; }
void mutex_init(struct mutex *m) { m->owner = NULL; }
int mutex_lock(struct mutex *m) { return 0; }
int mutex_unlock(struct mutex *m) { return 0; }
/* No CPU generator: the device's bytes alone come out. */
bool cpu_rdrand64(uint64_t *v) { return false; }
bool cpu_rdseed64(uint64_t *v) { return false; }

static const uint64_t offer = VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX;

/* Gives the device up and frees the driver's state, as if never attached. */
static void rng_release(void)
{
	struct vtrnd *r = vd.driver;
	virtio_detach(&vd);
	assert_int_equal(entropy_unregister(&r->src), 0);
	dma_free_pages(r->buf, REQUEST_BYTES);
	free(r);
	assert_int_equal(dma_live, 0);
}

static void attach_unwinds(void **state)
{
	fresh(false, offer);
	counting = true;
	assert_int_equal(vtrnd_attach(&vd), 0);
	counting = false;
	unsigned total = allocs;
	assert_int_equal(entropy_source_count(), 1);
	rng_release();

	for (unsigned n = 1; n <= total; n++) {
		fresh(false, offer);
		counting = true;
		fail_alloc_at = n;
		int err = vtrnd_attach(&vd);
		counting = false;
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(entropy_source_count(), 0);
		/* Before the device was touched there is nothing to undo
		 * there; after, everything. */
		if (fk.nstatus == 0)
			assert_int_equal(dma_live, 0);
		else
			assert_detached(err);
	}
	fresh(false, offer & ~VIRTIO_F_VERSION_1);
	assert_detached(vtrnd_attach(&vd));
	fresh(false, offer);
	fk.refuse_features = true;
	assert_detached(vtrnd_attach(&vd));
	fresh(false, offer);
	fk.qsize[0] = 0;
	assert_detached(vtrnd_attach(&vd));
	fresh(false, offer);
	fk.fail_queue_enable = 1;
	assert_detached(vtrnd_attach(&vd));
	fresh(false, offer);
	fk.fail_irq = true;
	assert_detached(vtrnd_attach(&vd));
	assert_int_equal(entropy_source_count(), 0);
	assert_int_equal(entropy_getrandom((uint8_t[4]){ 0 }, 4), -ENODEV);
}

/* The device answers whatever is posted, and interrupts. */
static void device_answers(void)
{
	struct vtrnd *r = vd.driver;
	if (vdev_sim_run(&fk.sim[0]))
		r->used.count++;
}

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void reads_bounded(void **state)
{
	fresh(false, offer);
	assert_int_equal(vtrnd_attach(&vd), 0);
	struct vtrnd *r = vd.driver;
	uint8_t buf[1000];

	/* A working device: every byte from it. */
	while_waiting = device_answers;
	assert_int_equal(entropy_getrandom(buf, sizeof(buf)), sizeof(buf));
	assert_null(fk.sim[0].error);

	/* Silent: -ETIMEDOUT after the driver's bound, said once. */
	while_waiting = NULL;
	uint64_t t = now_ns;
	assert_int_equal(entropy_getrandom(buf, 16), -ETIMEDOUT);
	assert_int_equal(now_ns - t, VIRTIO_TIMEOUT_DEFAULT_NS);
	unsigned long posted = r->vq->enqueued;
	t = now_ns;
	assert_int_equal(entropy_getrandom(buf, 16), -ETIMEDOUT);
	assert_int_equal(now_ns - t, VIRTIO_TIMEOUT_DEFAULT_NS);
	assert_int_equal(r->vq->enqueued, posted); /* the request kept, not posted again */
	assert_int_equal(count_of(log_text, "no entropy within 5000 ms"), 1);
	assert_non_null(strstr(log_text, "fake0 (fake slot 3): no entropy"));

	/* Back: the kept request serves the next read. */
	while_waiting = device_answers;
	assert_int_equal(entropy_getrandom(buf, 16), 16);
	assert_false(vd.broken);

	/* A driver's own bound. */
	vd.timeout_ns = 100000000ull;
	while_waiting = NULL;
	t = now_ns;
	assert_int_equal(entropy_getrandom(buf, 16), -ETIMEDOUT);
	assert_int_equal(now_ns - t, 100000000ull);

	/* A device fault: -EIO from then on, at once. */
	vdev_sim_fetch(&fk.sim[0]);
	assert_true(vdev_sim_misbehave(&fk.sim[0], VDEV_ID_BEYOND));
	t = now_ns;
	assert_int_equal(entropy_getrandom(buf, 16), -EIO);
	assert_int_equal(entropy_getrandom(buf, 16), -EIO);
	assert_int_equal(now_ns, t);
	assert_int_equal(r->vq->device_faults, 1);
	rng_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_unwinds),
		cmocka_unit_test(reads_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
