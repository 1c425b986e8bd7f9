/*
 * virtio-rng (virtio 1.2, section 5.4): one queue of buffers the device
 * fills with entropy. keel_getrandom() reads every such device and mixes
 * in the CPU's RDSEED or RDRAND, so no single source is trusted alone:
 * the bytes are the XOR of independent sources, as random as the best
 * of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/console.h"
#include "kernel/public_devices.h"
#include "kernel/sync.h"
#include "arch/x86_64/random.h"

#define REQUEST_BYTES 4096u

struct vtrnd {
	struct virtio_device *vd;
	struct virtqueue *vq;
	struct sem used;   /* posted by the interrupt handler */
	struct mutex lock; /* one request at a time */
	uint8_t *buf;	   /* the device writes here */
	uint64_t buf_phys;
	/* A request the device has not answered within its bound: still
	 * the device's, waited for again by the next read. */
	bool pending;
	bool silence_reported;
	unsigned long bytes; /* delivered so far */
	struct vtrnd *next;
};

/* Every device, as many as the machine has. */
static struct vtrnd *rngs, **rngs_tail = &rngs;

static void vtrnd_interrupt(struct virtqueue *vq)
{
	struct vtrnd *r = vq->owner;
	sem_post(&r->used);
}

static int vtrnd_attach(struct virtio_device *vd)
{
	struct vtrnd *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->vd = vd;
	sem_init(&r->used, 0);
	mutex_init(&r->lock);
	int err = -ENOMEM;
	r->buf = virtio_dma_alloc(REQUEST_BYTES, &r->buf_phys);
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
	vd->driver = r;
	*rngs_tail = r;
	rngs_tail = &r->next;
	return 0;

fail:
	/* The device reset first: then nothing of it points at r->buf. */
	virtio_detach(vd);
	if (r->buf)
		virtio_dma_free(r->buf, REQUEST_BYTES);
	free(r);
	return err;
}

/* Entropy may come slowly from a rate-limited host, but a device silent
 * this long is not coming back soon: the default bound. */
static const struct virtio_driver virtio_rng_driver = { "rng", VIRTIO_ID_RNG, vtrnd_attach, VIRTIO_TIMEOUT_DEFAULT_NS };
VIRTIO_DRIVER(virtio_rng_driver);

/* One request: up to len bytes from the device into out. Returns the
 * count (which may be less, even 0), -ETIMEDOUT when the device kept the
 * request past its bound (vd->timeout_ns; the request stays posted, and
 * the next read waits for it again), or -EIO when it broke. */
static long vtrnd_read(struct vtrnd *r, uint8_t *out, size_t len)
{
	mutex_lock(&r->lock);
	long ret = 0;
	if (!r->pending) {
		/* A request that outlives its caller serves the next one,
		 * which takes what it brings up to what it asked. */
		struct vq_seg seg = { r->buf_phys, (uint32_t)(len < REQUEST_BYTES ? len : REQUEST_BYTES) };
		ret = virtqueue_enqueue(r->vq, r, &seg, 0, 1);
		if (ret == 0) {
			r->pending = true;
			virtqueue_kick(r->vq);
		}
	}
	if (r->pending) {
		void *cookie;
		uint32_t got;
		ret = virtio_wait(r->vd, r->vq, &r->used, &cookie, &got);
		if (ret == 0) {
			r->pending = false;
			r->silence_reported = false;
			if (got > len)
				got = (uint32_t)len;
			memcpy(out, r->buf, got);
			r->bytes += got;
			ret = got;
		} else if (ret == -ETIMEDOUT && !r->silence_reported) {
			r->silence_reported = true;
			kwarn("%s (%s): no entropy within %lu ms; reads fail with -ETIMEDOUT while it stays silent\n",
			      r->vd->name, r->vd->location, (unsigned long)(virtio_timeout(r->vd) / 1000000));
		}
	}
	mutex_unlock(&r->lock);
	return ret;
}

/* Fills out entirely from device r. */
static int fill_from(struct vtrnd *r, uint8_t *out, size_t len)
{
	size_t done = 0;
	int empty = 0;
	while (done < len) {
		long n = vtrnd_read(r, out + done, len - done);
		if (n < 0)
			return (int)n;
		/* A device that keeps answering with nothing is not a source. */
		if (n == 0 && ++empty > 100)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

long keel_getrandom(void *buf, size_t len)
{
	uint8_t chunk[256];
	uint8_t *out = buf;
	size_t done = 0;
	int sources = 0;
	for (struct vtrnd *r = rngs; r; r = r->next)
		if (!r->vd->broken && !r->vq->broken)
			sources++;
	if (sources == 0)
		return rngs ? -EIO : -ENODEV;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		memset(out + done, 0, n);
		int used = 0, err = -EIO;
		for (struct vtrnd *r = rngs; r; r = r->next) {
			int e = fill_from(r, chunk, n);
			if (e != 0) {
				/* A silent device says so, unless another broke. */
				if (e == -ETIMEDOUT)
					err = e;
				continue;
			}
			for (size_t k = 0; k < n; k++)
				out[done + k] ^= chunk[k];
			used++;
		}
		if (used == 0)
			return done ? (long)done : err;
		/* The CPU's generator, where it has one, on top. */
		for (size_t k = 0; k < n; k += 8) {
			uint64_t v;
			if (!cpu_rdseed64(&v) && !cpu_rdrand64(&v))
				break;
			for (size_t b = 0; b < 8 && k + b < n; b++)
				out[done + k + b] ^= (uint8_t)(v >> (8 * b));
		}
		done += n;
	}
	return (long)done;
}
