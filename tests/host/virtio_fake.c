/*
 * The fake transport of virtio_fake.h.
 */
#include "tests/host/virtio_fake.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"

/* --- what virtio.c needs of the kernel ---------------------------------------------- */

enum log_level console_log_level = LOG_WARN;
char log_text[4096];

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = strlen(log_text);
	int r = vsnprintf(log_text + n, sizeof(log_text) - n, fmt, ap);
	va_end(ap);
	return r;
}

/* Allocation failures on demand: every allocation of the code under test
 * (the rings and buffers here; calloc and realloc through the linker's
 * --wrap, see host.mk) is counted while `counting`, and the one numbered
 * fail_alloc_at fails. */
bool counting;
unsigned allocs, fail_alloc_at;
long dma_live; /* rings and buffers not yet freed */

static bool alloc_fails(void)
{
	if (!counting)
		return false;
	return ++allocs == fail_alloc_at;
}

void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_calloc(size_t n, size_t size) { return alloc_fails() ? NULL : __real_calloc(n, size); }
void *__wrap_realloc(void *p, size_t size) { return alloc_fails() ? NULL : __real_realloc(p, size); }

void *dma_alloc_pages(size_t bytes, uint64_t *phys)
{
	if (alloc_fails())
		return NULL;
	dma_live++;
	size_t rounded = (bytes + 4095) & ~(size_t)4095;
	void *p = aligned_alloc(4096, rounded);
	if (p == NULL)
		return NULL;
	memset(p, 0, rounded);
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

void dma_free_pages(void *p, size_t bytes)
{
	dma_live--;
	free(p);
}

/* Time and waiting, as virtio_wait_used uses them: a fake clock, and a
 * semaphore wait that lets the test's hook play the device meanwhile. */
uint64_t now_ns;
void (*while_waiting)(void);
unsigned long waits;

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

struct fake fk;

#define F(vd) ((struct fake *)(vd)->transport)

static int f_reset(struct virtio_device *vd)
{
	struct fake *f = F(vd);
	if (f->reset_stuck)
		return -ETIMEDOUT;
	/* This reset works; the next may not. */
	if (f->resets_left > 0 && --f->resets_left == 0)
		f->reset_stuck = true;
	f->status = 0;
	if (f->nstatus < sizeof(f->status_log))
		f->status_log[f->nstatus++] = 0;
	/* Section 2.4: a reset device forgets its queues. */
	for (int i = 0; i < NQ; i++) {
		if (f->sim_live[i])
			vdev_sim_fini(&f->sim[i]);
		f->sim_live[i] = false;
		f->enabled[i] = false;
	}
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
	if (f->fail_queue_enable == vq->index + 1)
		return -EIO;
	f->enabled[vq->index] = true;
	/* The simulated device's own memory is not the code under test's. */
	bool was = counting;
	counting = false;
	vdev_sim_init(&f->sim[vq->index], (void *)vq->desc, vq->size, virtio_has(vd, VIRTIO_RING_F_EVENT_IDX),
		      virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC));
	counting = was;
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
	if (F(vd)->fail_irq)
		return -ENOSPC;
	F(vd)->irq_on = true;
	vd->irq_mode = VIRTIO_IRQ_NONE;
	return 0;
}

static void f_teardown_irq(struct virtio_device *vd) { F(vd)->irq_on = false; }

struct virtio_transport ops = {
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
	.teardown_irq = f_teardown_irq,
};

struct virtio_device vd;

void fresh(bool legacy, uint64_t offered)
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
	strcpy(vd.location, "fake slot 3");
	log_text[0] = '\0';
	counting = false;
	allocs = fail_alloc_at = 0;
	now_ns = 1000;
	while_waiting = NULL;
	waits = 0;
}

/* What every test ends with: the device given up, everything freed. */
void release(void)
{
	virtio_detach(&vd);
	assert_null(vd.vq);
	assert_int_equal(dma_live, 0);
}

/* After a failed attach nothing of it is left: no memory (LeakSanitizer
 * checks the heap at exit, dma_live the rings), no queue the device
 * would use, no interrupts, the device reset and then told FAILED. */
void assert_detached(int err)
{
	assert_true(err < 0);
	assert_int_equal(dma_live, 0);
	assert_null(vd.vq);
	assert_int_equal(vd.nvqs, 0);
	for (int i = 0; i < NQ; i++)
		assert_false(fk.enabled[i]);
	assert_false(fk.irq_on);
	assert_false(vd.driver_ok);
	assert_true(vd.broken);
	assert_int_equal(fk.status, VIRTIO_STATUS_FAILED);
	/* Reset (status 0) came before FAILED. */
	assert_true(fk.nstatus >= 2);
	assert_int_equal(fk.status_log[fk.nstatus - 2], 0);
	assert_int_equal(fk.status_log[fk.nstatus - 1], VIRTIO_STATUS_FAILED);
}
