/*
 * virtio-rng (virtio 1.2, section 5.4): one queue of buffers the device
 * fills with entropy. keel_getrandom() reads every such device and mixes
 * in the CPU's RDSEED or RDRAND, so no single source is trusted alone:
 * the bytes are the XOR of independent sources, as random as the best
 * of them.
 */
#include <errno.h>
#include <keel.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "arch/x86_64/random.h"

#define REQUEST_BYTES 4096u
#define MAX_RNGS 4

struct vtrnd {
	struct virtio_device *vd;
	struct virtqueue *vq;
	keel_sem_t used;   /* posted by the interrupt handler */
	keel_mutex_t lock; /* one request at a time */
	uint8_t *buf;	   /* the device writes here */
	uint64_t buf_phys;
	unsigned long bytes; /* delivered so far */
};

static struct vtrnd *rngs[MAX_RNGS];
static unsigned nrngs;

static void vtrnd_interrupt(struct virtqueue *vq)
{
	struct vtrnd *r = vq->owner;
	keel_sem_post(&r->used);
}

static int vtrnd_attach(struct virtio_device *vd)
{
	if (nrngs == MAX_RNGS)
		return -ENOSPC;
	struct vtrnd *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->vd = vd;
	keel_sem_init(&r->used, 0);
	keel_mutex_init(&r->lock);
	r->buf = dma_alloc_pages(REQUEST_BYTES, &r->buf_phys);
	int err = r->buf ? 0 : -ENOMEM;
	if (!err)
		err = virtio_negotiate(vd, VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC);
	if (!err)
		err = virtio_queue_setup(vd, 0, 0, vtrnd_interrupt, r);
	if (!err)
		err = virtio_finish(vd);
	if (err) {
		if (!vd->broken)
			virtio_fail(vd, "setup failed");
		if (r->buf)
			dma_free_pages(r->buf, REQUEST_BYTES);
		free(r);
		return err;
	}
	r->vq = vd->vq[0];
	vd->driver = r;
	rngs[nrngs++] = r;
	return 0;
}

static const struct virtio_driver virtio_rng_driver = { "rng", VIRTIO_ID_RNG, vtrnd_attach };
VIRTIO_DRIVER(virtio_rng_driver);

/* One request: up to len bytes from the device into out. Returns the
 * count (which may be less, even 0) or a negative errno. */
static long vtrnd_read(struct vtrnd *r, uint8_t *out, size_t len)
{
	if (len > REQUEST_BYTES)
		len = REQUEST_BYTES;
	keel_mutex_lock(&r->lock);
	struct vq_seg seg = { r->buf_phys, (uint32_t)len };
	long ret = virtqueue_enqueue(r->vq, r, &seg, 0, 1);
	if (ret == 0) {
		virtqueue_kick(r->vq);
		/* Entropy may come slowly (a rate-limited host): wait as long
		 * as the device is healthy. */
		uint32_t got;
		if (virtio_wait_used(r->vd, r->vq, &r->used, UINT64_MAX, &got)) {
			memcpy(out, r->buf, got);
			r->bytes += got;
			ret = got;
		} else {
			ret = -EIO;
		}
	}
	keel_mutex_unlock(&r->lock);
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
	for (unsigned i = 0; i < nrngs; i++)
		if (!rngs[i]->vd->broken && !rngs[i]->vq->broken)
			sources++;
	if (sources == 0)
		return nrngs ? -EIO : -ENODEV;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		memset(out + done, 0, n);
		int used = 0;
		for (unsigned i = 0; i < nrngs; i++) {
			if (fill_from(rngs[i], chunk, n) != 0)
				continue;
			for (size_t k = 0; k < n; k++)
				out[done + k] ^= chunk[k];
			used++;
		}
		if (used == 0)
			return done ? (long)done : -EIO;
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
