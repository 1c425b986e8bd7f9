/*
 * virtio-blk (virtio 1.2, section 5.2): one request queue, each disk a
 * struct blkdev (kernel/blkdev.h) named vda, vdb, ... in the order found.
 *
 * A struct blkreq may be larger than one device request can carry (more
 * segments than seg_max, a segment longer than size_max): the driver
 * splits it into as many device requests ("chunks") as it takes and
 * completes it when the last comes back, so blkdev sees no limit but the
 * queue depth. Chunks are posted from a queue of pending requests as room
 * appears in the ring; completions arrive by interrupt.
 *
 * Nothing the device writes is trusted: the status byte is preset to a
 * value outside the specification and must come back as one of its three,
 * the used length must cover the data and the status, and a completion
 * must name a chunk in flight. A chunk that fails these checks fails its
 * request with -EIO, and the fault is logged once per kind and counted
 * (kernel/devfault.h). A device that breaks its queue is reset and every
 * request in flight fails. A request that cannot be taken back one by one
 * (abort) resets the device, fails the others, and sets it up again.
 *
 * This file is the disk: attach, its limits, serial and capacity, the
 * reset. Its requests on the ring are virtio_blk_queue.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_blk_queue.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"

static unsigned disks_found;

/* A configuration change: the capacity may have moved (section 5.2.5). */
static void vtblk_config_change(struct virtio_device *vd)
{
	struct vtblk *vb = vd->driver;
	if (vb == NULL || !vb->q.ready)
		return;
	if (vd->broken) {
		bool irq = sched_lock();
		vtblk_fail_broken(vb);
		sched_unlock(irq);
		vbreq_run_done(&vb->q);
		return;
	}
	uint64_t cap;
	if (virtio_config_read(vd, VIRTIO_BLK_CFG_CAPACITY, &cap, sizeof(cap)) != 0)
		return;
	cap -= cap % (vb->bd.block_size / BLK_SECTOR_SIZE);
	if (cap != vb->bd.sectors) {
		kinfo("%s: capacity changed from %lu to %lu sectors\n", vb->bd.reg.name, (unsigned long)vb->bd.sectors,
		      (unsigned long)cap);
		vb->bd.sectors = cap;
	}
}

static int vtblk_setup_device(void *driver);

static void vtblk_abort(struct blkdev *bd, struct blkreq *req)
{
	struct vtblk *vb = bd->driver;
	if (vtblk_take_back(vb, req))
		return;
	/* A device request cannot be taken back (the specification has no
	 * such command): the device is reset, which makes it let go of
	 * every buffer, every request fails, and it is set up again. */
	kwarn("%s: a request did not complete in time; the device is reset and its %u requests fail\n", bd->reg.name,
	      vbreq_taken(&vb->q));
	vb->resets++;
	vbreq_reset(&vb->q, req, bd->reg.name, vtblk_setup_device);
}

static const struct blkdev_ops vtblk_ops = { vtblk_submit, vtblk_abort };

/* --- attach --- */

/* Negotiation, the queue and DRIVER_OK (section 3.1.1): at attach, and
 * again after the reset of an abort. */
static int vtblk_setup_device(void *driver)
{
	struct vtblk *vb = driver;
	struct virtio_device *vd = vb->vd;
	vd->broken = false;
	int err = virtio_negotiate(vd, vb->wanted);
	if (err)
		return err;
	err = virtio_queue_setup(vd, 0, vb->qsize, vtblk_interrupt, vb);
	if (err)
		return err;
	vb->q.vq = vd->vq[0];
	if (vb->qsize && vb->q.vq->size != vb->qsize)
		return -EIO; /* a device that changed under the driver */
	return virtio_finish(vd);
}

/* GET_ID, before the disk is registered: its one request, waited for. */
static void read_serial(struct vtblk *vb)
{
	/* The first slot: nothing else is on the ring yet. */
	struct vbreq_slot *s = &vb->q.slot[0];
	struct vtblk_dma *dma = s->dma;
	strcpy(vb->serial, "(none)");
	memset(dma, 0, sizeof(*dma));
	dma->hdr.type = VIRTIO_BLK_T_GET_ID;
	dma->status = STATUS_UNWRITTEN;
	vb->chunk[0].data_len = VIRTIO_BLK_ID_BYTES;
	struct vq_seg seg[3] = {
		{ s->dma_phys + offsetof(struct vtblk_dma, hdr), sizeof(dma->hdr) },
		{ s->dma_phys + offsetof(struct vtblk_dma, id), VIRTIO_BLK_ID_BYTES },
		{ s->dma_phys + offsetof(struct vtblk_dma, status), 1 },
	};
	if (virtqueue_enqueue(vb->q.vq, s, seg, 1, 2) != 0)
		return;
	virtqueue_kick(vb->q.vq);
	void *cookie;
	uint32_t len;
	if (virtio_wait(vb->vd, vb->q.vq, &vb->used, &cookie, &len) != 0)
		return; /* the caller sees the device broken or the chunk kept */
	if (cookie != s || vtblk_chunk_result(vb, s, len) != 0)
		return;
	/* Up to 20 bytes, NUL-terminated only when shorter (section
	 * 5.2.6); printable ones kept. */
	unsigned n = 0;
	for (; n < VIRTIO_BLK_ID_BYTES && dma->id[n]; n++)
		vb->serial[n] = dma->id[n] >= 0x20 && dma->id[n] < 0x7f ? (char)dma->id[n] : '?';
	vb->serial[n] = '\0';
	if (n == 0)
		strcpy(vb->serial, "(empty)");
}

/* The device's limits, from its configuration; -EIO when they make no sense. */
static int read_limits(struct vtblk *vb)
{
	struct virtio_device *vd = vb->vd;
	uint64_t cap = 0;
	uint32_t v = 0;
	if (virtio_config_read(vd, VIRTIO_BLK_CFG_CAPACITY, &cap, sizeof(cap)) != 0)
		return -EIO;
	vb->bd.block_size = BLK_SECTOR_SIZE;
	if (virtio_has(vd, VIRTIO_BLK_F_BLK_SIZE)) {
		if (virtio_config_read(vd, VIRTIO_BLK_CFG_BLK_SIZE, &v, sizeof(v)) != 0)
			return -EIO;
		if (v < BLK_SECTOR_SIZE || v > 65536 || (v & (v - 1)) != 0) {
			kwarn("%s: impossible block size %u\n", vd->name, v);
			return -EIO;
		}
		vb->bd.block_size = v;
	}
	uint32_t spb = vb->bd.block_size / BLK_SECTOR_SIZE;
	vb->bd.sectors = cap - cap % spb;

	struct vbreq_limits *lim = &vb->lim;
	v = 0;
	if (virtio_has(vd, VIRTIO_BLK_F_SEG_MAX) && virtio_config_read(vd, VIRTIO_BLK_CFG_SEG_MAX, &v, sizeof(v)) != 0)
		return -EIO;
	lim->max_pieces = vbreq_max_pieces(vd, vb->qsize, v);
	lim->max_piece = MAX_CHUNK_BYTES;
	if (virtio_has(vd, VIRTIO_BLK_F_SIZE_MAX)) {
		if (virtio_config_read(vd, VIRTIO_BLK_CFG_SIZE_MAX, &v, sizeof(v)) != 0)
			return -EIO;
		if (v && v < lim->max_piece)
			lim->max_piece = v;
	}
	if (lim->max_pieces == 0 || (uint64_t)lim->max_pieces * lim->max_piece < vb->bd.block_size) {
		kwarn("%s: a request of %u segments of %u bytes cannot carry a block\n", vd->name, lim->max_pieces,
		      lim->max_piece);
		return -EIO;
	}
	lim->max_bytes = MAX_CHUNK_BYTES;
	lim->block_size = vb->bd.block_size;
	lim->unit = BLK_SECTOR_SIZE; /* virtio-blk counts in 512-byte sectors */
	/* Ranges: at most what the device takes (0: no limit of its own),
	 * in whole blocks. */
	lim->max_discard = lim->max_write_zeroes = UINT32_MAX;
	if (virtio_has(vd, VIRTIO_BLK_F_DISCARD) &&
	    virtio_config_read(vd, VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, &v, sizeof(v)) == 0 && v)
		lim->max_discard = v;
	if (virtio_has(vd, VIRTIO_BLK_F_WRITE_ZEROES) &&
	    virtio_config_read(vd, VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS, &v, sizeof(v)) == 0 && v)
		lim->max_write_zeroes = v;
	lim->max_discard -= lim->max_discard % spb;
	lim->max_write_zeroes -= lim->max_write_zeroes % spb;
	if (lim->max_discard == 0 || lim->max_write_zeroes == 0)
		return -EIO;
	return 0;
}

static void vtblk_free(struct vtblk *vb)
{
	vbreq_free(&vb->q);
	free(vb->chunk);
	free(vb);
}

static int vtblk_attach(struct virtio_device *vd)
{
	struct vtblk *vb = calloc(1, sizeof(*vb));
	if (vb == NULL)
		return -ENOMEM;
	vb->vd = vd;
	vb->q.vd = vd;
	sem_init(&vb->used, 0);
	vb->wanted = VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE |
		     VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES |
		     VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX;
	int err = vtblk_setup_device(vb);
	if (err)
		goto fail;
	vb->qsize = vb->q.vq->size;
	err = -EIO;
	if (vb->qsize < 4)
		goto fail;
	err = read_limits(vb);
	if (err)
		goto fail;

	err = -ENOMEM;
	vb->chunk = calloc(vb->qsize, sizeof(*vb->chunk));
	if (vb->chunk == NULL)
		goto fail;
	err = vbreq_init(&vb->q, &vtblk_queue_ops, vb, vd, vb->qsize, sizeof(struct vtblk_dma));
	if (err)
		goto fail;

	/* Named before its first request, which a fault report may name. */
	struct blkdev *bd = &vb->bd;
	blkdev_disk_name(bd->reg.name, "vd", disks_found);
	read_serial(vb);
	err = -EIO;
	if (vd->broken || !virtqueue_empty(vb->q.vq))
		goto fail; /* it broke, or kept GET_ID past its bound */

	bd->ops = &vtblk_ops;
	bd->driver = vb;
	bd->read_only = virtio_has(vd, VIRTIO_BLK_F_RO);
	if (virtio_has(vd, VIRTIO_BLK_F_FLUSH))
		bd->features |= BLKDEV_F_FLUSH;
	if (virtio_has(vd, VIRTIO_BLK_F_DISCARD))
		bd->features |= BLKDEV_F_DISCARD;
	if (virtio_has(vd, VIRTIO_BLK_F_WRITE_ZEROES))
		bd->features |= BLKDEV_F_WRITE_ZEROES;
	bd->queue_depth = vb->qsize;
	/* The driver splits what the device cannot take in one request:
	 * blkdev sees no limit on segments or sizes. */
	bd->max_segs = UINT32_MAX;
	bd->max_seg_size = UINT32_MAX;
	bd->max_sectors = 0;
	vd->driver = vb;
	vd->on_config_change = vtblk_config_change;
	/* Completions go to requests from here: registering may hand the
	 * disk to a filesystem that submits at once. */
	vb->q.ready = true;
	err = blkdev_register(bd);
	if (err) {
		vb->q.ready = false;
		vd->driver = NULL;
		vd->on_config_change = NULL;
		goto fail;
	}
	disks_found++;
	kinfo("%s: %s, %lu sectors of 512 bytes, %u-byte blocks, serial %s%s%s%s%s; %u requests, %u segments of at "
	      "most %u bytes each\n",
	      bd->reg.name, vd->name, (unsigned long)bd->sectors, bd->block_size, vb->serial,
	      bd->read_only ? ", read-only" : "", (bd->features & BLKDEV_F_FLUSH) ? ", write-back cache" : "",
	      (bd->features & BLKDEV_F_DISCARD) ? ", discard" : "",
	      (bd->features & BLKDEV_F_WRITE_ZEROES) ? ", write-zeroes" : "", vb->qsize, vb->lim.max_pieces,
	      vb->lim.max_piece);
	return 0;

fail:
	/* The device reset first: then nothing of it points at the chunks'
	 * memory. A device that did not reset may still write there: left
	 * to it. */
	if (!virtio_detach(vd))
		return err;
	vtblk_free(vb);
	return err;
}

static const struct virtio_driver virtio_blk_driver = { "blk", VIRTIO_ID_BLOCK, vtblk_attach, 0 };
VIRTIO_DRIVER(virtio_blk_driver);
