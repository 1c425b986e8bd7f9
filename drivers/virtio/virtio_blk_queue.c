/*
 * virtio-blk requests on the ring (virtio 1.2, section 5.2.6): what a
 * chunk is to the device (a header, the data or a range, a status byte)
 * and what its answer means, checked before it is believed. Cutting
 * requests into chunks, the lists they move through and the failures of
 * a broken device are the shared engine's (virtio_blkreq.c).
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtio/virtio_blk_queue.h"
#include "kernel/console.h"
#include "kernel/devfault.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"

static const char *fault_name(enum vtblk_fault f)
{
	switch (f) {
	case FAULT_SHORT_LEN: return "a used length that does not cover the data and status";
	case FAULT_BAD_STATUS: return "a status byte outside the specification";
	case FAULT_STRAY: return "a completion for a request not in flight";
	default: return "an unknown fault";
	}
}

/* Counted always, logged once per kind and disk. */
static void vtblk_fault(struct vtblk *vb, enum vtblk_fault f, uint32_t got, uint32_t want)
{
	vb->faults[f]++;
	device_fault_count();
	if (vb->faults_reported & (1u << f))
		return;
	vb->faults_reported |= 1u << f;
	kwarn("%s (%s, %s): device fault: %s (%u, expected %u); the request fails with -EIO, further faults of this "
	      "kind are only counted\n",
	      vb->bd.reg.name, vb->vd->name, vb->vd->location[0] ? vb->vd->location : "?", fault_name(f), got, want);
}

/* --- chunks --- */

static uint32_t type_of(enum blk_op op)
{
	switch (op) {
	case BLK_READ: return VIRTIO_BLK_T_IN;
	case BLK_WRITE: return VIRTIO_BLK_T_OUT;
	case BLK_FLUSH: return VIRTIO_BLK_T_FLUSH;
	case BLK_DISCARD: return VIRTIO_BLK_T_DISCARD;
	case BLK_WRITE_ZEROES: return VIRTIO_BLK_T_WRITE_ZEROES;
	}
	return VIRTIO_BLK_T_GET_ID;
}

/* vbreq_ops.post: the header, the data or range, the status byte. */
static int post_chunk(struct vbreq *q, struct vbreq_parent *p, struct vbreq_slot *s, const struct vbreq_chunk *ch)
{
	struct vtblk *vb = q->driver;
	struct vtblk_dma *dma = s->dma;
	struct vtblk_chunk *c = &vb->chunk[vbreq_index(q, s)];
	struct vq_seg seg[VBREQ_MAX_PIECES + 2];
	unsigned n = 0, nreadable = 1, nwritable = 1;

	dma->hdr.type = type_of(ch->op);
	dma->hdr.ioprio = 0;
	dma->hdr.sector = ch->pos;
	dma->status = STATUS_UNWRITTEN;
	c->data_len = 0;
	seg[0].addr = s->dma_phys + offsetof(struct vtblk_dma, hdr);
	seg[0].len = sizeof(dma->hdr);

	switch (ch->op) {
	case BLK_READ:
	case BLK_WRITE:
		n = ch->n;
		memcpy(seg + 1, ch->data, n * sizeof(seg[0]));
		if (ch->op == BLK_READ) {
			c->data_len = (uint32_t)ch->count;
			nwritable = n + 1;
		} else {
			nreadable = n + 1;
		}
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES:
		dma->hdr.sector = 0; /* the range says where (section 5.2.6) */
		dma->range.sector = ch->pos;
		dma->range.num_sectors = (uint32_t)ch->count;
		dma->range.flags = 0; /* write-zeroes: no unmap */
		seg[1].addr = s->dma_phys + offsetof(struct vtblk_dma, range);
		seg[1].len = sizeof(dma->range);
		n = 1;
		nreadable = 2;
		break;
	default: /* BLK_FLUSH */ dma->hdr.sector = 0; break;
	}
	seg[n + 1].addr = s->dma_phys + offsetof(struct vtblk_dma, status);
	seg[n + 1].len = 1;
	return virtqueue_enqueue(q->vq, s, seg, nreadable, nwritable);
}

int vtblk_chunk_result(struct vtblk *vb, struct vbreq_slot *s, uint32_t len)
{
	struct vtblk_dma *dma = s->dma;
	struct vtblk_chunk *c = &vb->chunk[vbreq_index(&vb->q, s)];
	uint8_t status = dma->status; /* read once */
	if (len < c->data_len + 1) {
		vtblk_fault(vb, FAULT_SHORT_LEN, len, c->data_len + 1);
		return -EIO;
	}
	switch (status) {
	case VIRTIO_BLK_S_OK: return 0;
	case VIRTIO_BLK_S_IOERR: return -EIO;
	case VIRTIO_BLK_S_UNSUPP: return -EOPNOTSUPP;
	default: vtblk_fault(vb, FAULT_BAD_STATUS, status, VIRTIO_BLK_S_UNSUPP); return -EIO;
	}
}

static int chunk_result(struct vbreq *q, struct vbreq_slot *s, uint32_t len)
{
	return vtblk_chunk_result(q->driver, s, len);
}

static void stray(struct vbreq *q, unsigned index) { vtblk_fault(q->driver, FAULT_STRAY, index, q->qsize); }

const struct vbreq_ops vtblk_queue_ops = { NULL, post_chunk, chunk_result, stray };

/* --- the queue --- */

void vtblk_fail_broken(struct vtblk *vb) { vbreq_fail_broken(&vb->q); }

void vtblk_interrupt(struct virtqueue *vq)
{
	struct vtblk *vb = vq->owner;
	if (!vb->q.ready) {
		/* GET_ID, before the disk is registered, is waited for. */
		sem_post(&vb->used);
		return;
	}
	if (vb->q.resetting)
		return;
	vbreq_interrupt(&vb->q);
}

int vtblk_submit(struct blkdev *bd, struct blkreq *req)
{
	struct vtblk *vb = bd->driver;
	return vbreq_submit(&vb->q, req, vb, &vb->lim);
}

bool vtblk_take_back(struct vtblk *vb, struct blkreq *req)
{
	struct vbreq *q = &vb->q;
	bool irq = sched_lock();
	struct vbreq_parent *p = vbreq_find(q, req);
	if (p == NULL) {
		/* Finished already; its done may be about to run. */
		sched_unlock(irq);
		vbreq_run_done(q);
		return true;
	}
	if (p->in_flight > 0) {
		/* The device holds part of it: the queue stops here, for
		 * the caller's reset. */
		q->resetting = true;
		q->ready = false;
		sched_unlock(irq);
		return false;
	}
	/* Nothing of it is with the device: off the pending queue. */
	vbreq_unlink_pending(q, p);
	vbreq_stop(q, p, -ECANCELED);
	sched_unlock(irq);
	vbreq_run_done(q);
	return true;
}
