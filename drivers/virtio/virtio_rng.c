/*
 * virtio-rng (virtio 1.2, section 5.4): one queue of buffers the device
 * fills with entropy. Each device registers as an entropy source
 * (kernel/entropy.h); keel_getrandom() mixes it with the others and with
 * the CPU's generator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/entropy.h"
#include "kernel/mm/dma.h"
#include "kernel/sync.h"

#define REQUEST_BYTES 4096u

struct vtrnd {
	struct entropy_source src;
	struct virtio_device *vd;
	struct virtqueue *vq;
	struct sem used; /* posted by the interrupt handler */
	uint8_t *buf;	 /* the device writes here */
	uint64_t buf_phys;
	/* A request the device has not answered within its bound: still
	 * the device's, waited for again by the next read rather than
	 * another posted over the same buffer. */
	bool pending;
	uint32_t pending_len;
	bool silence_reported;
};

static void vtrnd_interrupt(struct virtqueue *vq)
{
	struct vtrnd *r = vq->owner;
	sem_post(&r->used);
}

/* One request: up to len bytes from the device into out, waiting until
 * deadline and never past the device's own bound (vd->timeout_ns).
 * Returns the count (which may be less, even 0), -ETIMEDOUT when the
 * device kept the request (it stays posted, and the next read waits for
 * it again), or -EIO when it broke. The entropy registry calls it one
 * call at a time. */
static long vtrnd_read(struct entropy_source *src, void *out, size_t len, uint64_t deadline)
{
	struct vtrnd *r = src->state;
	if (r->vd->broken || r->vq->broken)
		return -EIO;
	if (!r->pending) {
		/* A request that outlives its caller serves the next one,
		 * which takes what it brings up to what it asked. */
		uint32_t n = (uint32_t)(len < REQUEST_BYTES ? len : REQUEST_BYTES);
		struct vq_seg seg = { r->buf_phys, n };
		long err = virtqueue_enqueue(r->vq, r, &seg, 0, 1);
		if (err)
			return err;
		r->pending = true;
		r->pending_len = n;
		virtqueue_kick(r->vq);
	}
	uint64_t now = clock_ns();
	uint64_t timeout = deadline > now ? deadline - now : 0;
	if (timeout > virtio_timeout(r->vd))
		timeout = virtio_timeout(r->vd);
	uint32_t got;
	if (virtio_wait_used(r->vd, r->vq, &r->used, timeout, &got) == NULL) {
		if (r->vq->broken || r->vd->broken)
			return -EIO;
		if (!r->silence_reported) {
			/* Once while it stays silent, with the device's bound
			 * (the registry's deadline is that bound too, set a
			 * moment before this read began). */
			r->silence_reported = true;
			kwarn("%s (%s): no entropy within %lu ms; reads fail with -ETIMEDOUT while it stays silent\n",
			      r->vd->name, r->vd->location, (unsigned long)(virtio_timeout(r->vd) / 1000000));
		}
		return -ETIMEDOUT;
	}
	r->pending = false;
	r->silence_reported = false;
	/* The device's word for how much it wrote, which the virtqueue
	 * engine has checked against the buffer: at most what the caller has
	 * room for (a request left from a timed-out read may have been larger
	 * than this one). */
	if (got > len)
		got = (uint32_t)len;
	memcpy(out, r->buf, got);
	return got;
}

static int vtrnd_attach(struct virtio_device *vd)
{
	struct vtrnd *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->vd = vd;
	sem_init(&r->used, 0);
	int err = -ENOMEM;
	r->buf = dma_alloc_pages(REQUEST_BYTES, &r->buf_phys);
	if (r->buf == NULL)
		goto fail;
	err = virtio_negotiate(vd, VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC);
	if (err)
		goto fail;
	err = virtio_queue_setup(vd, 0, 0, vtrnd_interrupt, r);
	if (err)
		goto fail;
	err = virtio_finish(vd);
	if (err)
		goto fail;
	r->vq = vd->vq[0];
	r->src.name = vd->name;
	r->src.read = vtrnd_read;
	r->src.state = r;
	r->src.timeout_ns = virtio_timeout(vd);
	/* Last: once registered, keel_getrandom may read it at any time. */
	err = entropy_register(&r->src);
	if (err)
		goto fail;
	vd->driver = r;
	return 0;

fail:
	/* The device reset first: then nothing of it points at r->buf. A
	 * device that did not reset may still write there: left to it. */
	if (!virtio_detach(vd))
		return err;
	if (r->buf)
		dma_free_pages(r->buf, REQUEST_BYTES);
	free(r);
	return err;
}

/* Entropy may come slowly from a rate-limited host, but a device silent
 * this long is not coming back soon: the default bound. */
static const struct virtio_driver virtio_rng_driver = { "rng", VIRTIO_ID_RNG, vtrnd_attach, VIRTIO_TIMEOUT_DEFAULT_NS };
VIRTIO_DRIVER(virtio_rng_driver);
