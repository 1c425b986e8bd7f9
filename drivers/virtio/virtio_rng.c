/*
 * virtio-rng (virtio 1.2, section 5.4): one queue of buffers the device
 * fills with entropy. Each device registers as an entropy source
 * (kernel/entropy.h); keel_getrandom() mixes it with the others and with
 * the CPU's generator.
 */
#include <errno.h>
#include "kernel/clock.h"
#include "kernel/sync.h"
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/console.h"
#include "kernel/entropy.h"
#include "kernel/mm/dma.h"

#define REQUEST_BYTES 4096u

struct vtrnd {
	struct entropy_source src;
	struct virtio_device *vd;
	struct virtqueue *vq;
	struct sem used; /* posted by the interrupt handler */
	uint8_t *buf;	 /* the device writes here */
	uint64_t buf_phys;
	/* A request the device has not answered yet: a read that timed out
	 * leaves it posted, and the next read waits for it rather than post
	 * another over the same buffer. */
	bool pending;
	uint32_t pending_len;
};

static void vtrnd_interrupt(struct virtqueue *vq)
{
	struct vtrnd *r = vq->owner;
	sem_post(&r->used);
}

/* One request: up to len bytes from the device into out, by deadline.
 * Returns the count (which may be less, even 0) or a negative errno. The
 * entropy registry calls it one call at a time. */
static long vtrnd_read(struct entropy_source *src, void *out, size_t len, uint64_t deadline)
{
	struct vtrnd *r = src->state;
	if (r->vd->broken || r->vq->broken)
		return -EIO;
	if (!r->pending) {
		if (len > REQUEST_BYTES)
			len = REQUEST_BYTES;
		struct vq_seg seg = { r->buf_phys, (uint32_t)len };
		long err = virtqueue_enqueue(r->vq, r, &seg, 0, 1);
		if (err)
			return err;
		r->pending = true;
		r->pending_len = (uint32_t)len;
		virtqueue_kick(r->vq);
	}
	uint64_t now = clock_ns();
	uint32_t got;
	if (virtio_wait_used(r->vd, r->vq, &r->used, deadline > now ? deadline - now : 0, &got) == NULL)
		return r->vq->broken || r->vd->broken ? -EIO : -ETIMEDOUT;
	r->pending = false;
	/* The device's word for how much it wrote: at most what it was
	 * given, and at most what the caller has room for (a request left
	 * from a timed-out read may have been larger than this one). */
	if (got > r->pending_len) {
		virtqueue_break(r->vq, "the device wrote more than the buffer holds");
		return -EIO;
	}
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
	r->buf = dma_alloc_pages(REQUEST_BYTES, &r->buf_phys);
	int err = r->buf ? 0 : -ENOMEM;
	if (!err)
		err = virtio_negotiate(vd, VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC);
	if (!err)
		err = virtio_queue_setup(vd, 0, 0, vtrnd_interrupt, r);
	if (!err)
		err = virtio_finish(vd);
	if (!err) {
		r->vq = vd->vq[0];
		r->src.name = vd->name;
		r->src.read = vtrnd_read;
		r->src.state = r;
		err = entropy_register(&r->src);
	}
	if (err) {
		if (!vd->broken)
			virtio_fail(vd, "setup failed");
		if (r->buf)
			dma_free_pages(r->buf, REQUEST_BYTES);
		free(r);
		return err;
	}
	vd->driver = r;
	return 0;
}

static const struct virtio_driver virtio_rng_driver = { "rng", VIRTIO_ID_RNG, vtrnd_attach };
VIRTIO_DRIVER(virtio_rng_driver);
