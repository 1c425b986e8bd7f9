/*
 * virtio-blk requests on the ring (virtio 1.2, section 5.2.6): each
 * struct blkreq cut into device requests ("chunks") within the device's
 * limits, posted oldest first as the ring has room, completed by
 * interrupt; what the device wrote back checked before it is believed.
 * Interrupts are off (sched_lock) while the lists change; done callbacks
 * run once the lists are consistent again.
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

/* --- building chunks --- */

/*
 * The data pieces of p's next read or write chunk, from its cursor: at
 * most max_pieces, each at most max_piece bytes, their sum a multiple of
 * the block size and at most MAX_CHUNK_BYTES. Returns the bytes and sets
 * *n and the cursor's next position (*seg, *off), or 0 when the memory
 * cannot be cut into a whole block within the limits.
 */
static uint32_t plan_rw(const struct vtblk *vb, const struct vtblk_parent *p, struct vq_seg *out, unsigned *n,
			unsigned *seg, uint32_t *off)
{
	const struct blkreq *req = p->req;
	unsigned s = p->seg, k = 0;
	uint32_t o = p->seg_off;
	uint64_t total = 0, room = p->left < MAX_CHUNK_BYTES ? p->left : MAX_CHUNK_BYTES;
	uint32_t lens[MAX_PIECES];
	while (k < vb->max_pieces && total < room && s < req->nsegs) {
		uint32_t len = req->segs[s].len - o;
		if (len > vb->max_piece)
			len = vb->max_piece;
		if (len > room - total)
			len = (uint32_t)(room - total);
		out[k].addr = dma_phys((const uint8_t *)req->segs[s].addr + o);
		out[k].len = len;
		lens[k] = len;
		k++;
		total += len;
		o += len;
		if (o == req->segs[s].len) {
			s++;
			o = 0;
		}
	}
	/* Whole blocks only (the device refuses the rest): give back the
	 * tail of a partial one, walking the cursor back with it. */
	uint32_t extra = (uint32_t)(total % vb->bd.block_size);
	total -= extra;
	while (extra > 0) {
		uint32_t last = lens[k - 1];
		uint32_t cut = extra < last ? extra : last;
		if (o == 0) {
			s--;
			o = req->segs[s].len;
		}
		o -= cut;
		extra -= cut;
		if (cut == last)
			k--;
		else
			out[k - 1].len = last - cut;
	}
	if (total == 0)
		return 0;
	*n = k;
	*seg = s;
	*off = o;
	return (uint32_t)total;
}

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

/*
 * Posts p's next chunk on c. Returns 0, -ENOSPC (no room in the ring now:
 * nothing changed), or another error that fails the request.
 */
static int post_chunk(struct vtblk *vb, struct vtblk_parent *p, struct vtblk_chunk *c)
{
	const struct blkreq *req = p->req;
	struct vq_seg seg[MAX_PIECES + 2];
	unsigned n = 0, next_seg = p->seg, nreadable, nwritable;
	uint32_t next_off = p->seg_off;
	uint64_t step = 0; /* bytes or sectors this chunk covers */

	c->dma->hdr.type = type_of(req->op);
	c->dma->hdr.ioprio = 0;
	c->dma->hdr.sector = p->sector;
	c->dma->status = STATUS_UNWRITTEN;
	c->data_len = 0;
	seg[0].addr = c->dma_phys + offsetof(struct vtblk_dma, hdr);
	seg[0].len = sizeof(c->dma->hdr);

	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE: {
		uint32_t bytes = plan_rw(vb, p, seg + 1, &n, &next_seg, &next_off);
		if (bytes == 0)
			return -EINVAL;
		step = bytes;
		if (req->op == BLK_READ) {
			c->data_len = bytes;
			nreadable = 1;
			nwritable = n + 1;
		} else {
			nreadable = n + 1;
			nwritable = 1;
		}
		break;
	}
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: {
		uint32_t most = req->op == BLK_DISCARD ? vb->max_discard : vb->max_write_zeroes;
		step = p->left < most ? p->left : most;
		c->dma->hdr.sector = 0; /* the range says where (section 5.2.6) */
		c->dma->range.sector = p->sector;
		c->dma->range.num_sectors = (uint32_t)step;
		c->dma->range.flags = 0; /* write-zeroes: no unmap */
		seg[1].addr = c->dma_phys + offsetof(struct vtblk_dma, range);
		seg[1].len = sizeof(c->dma->range);
		n = 1;
		nreadable = 2;
		nwritable = 1;
		break;
	}
	default: /* BLK_FLUSH: one chunk, left counts it */
		c->dma->hdr.sector = 0;
		step = 1;
		nreadable = 1;
		nwritable = 1;
		break;
	}
	seg[n + 1].addr = c->dma_phys + offsetof(struct vtblk_dma, status);
	seg[n + 1].len = 1;

	int err = virtqueue_enqueue(vb->vq, c, seg, nreadable, nwritable);
	if (err)
		return err;
	c->parent = p;
	c->in_flight = true;
	p->in_flight++;
	p->left -= step;
	if (req->op == BLK_READ || req->op == BLK_WRITE) {
		p->seg = next_seg;
		p->seg_off = next_off;
		p->sector += step / BLK_SECTOR_SIZE;
	} else if (req->op != BLK_FLUSH) {
		p->sector += step;
	}
	return 0;
}

/* --- the life of a request (interrupts off: sched_lock) --- */

/* p is finished once nothing is left to post and nothing is in flight:
 * onto the done list, whose callbacks run when the driver's state is
 * consistent again (run_done). */
static void maybe_finish(struct vtblk *vb, struct vtblk_parent *p)
{
	if (!p->active || p->queued || p->left > 0 || p->in_flight > 0)
		return;
	p->active = false;
	p->next = vb->done;
	vb->done = p;
}

/* Stops posting p: a chunk failed, or it was aborted. */
static void stop_parent(struct vtblk *vb, struct vtblk_parent *p, int status)
{
	if (p->status == 0)
		p->status = status;
	p->left = 0;
	maybe_finish(vb, p);
}

/* Posts chunks of the pending requests, oldest first, while the ring has
 * room. */
static void post_pending(struct vtblk *vb)
{
	bool posted = false;
	while (vb->pending) {
		struct vtblk_parent *p = vb->pending;
		while (p->left > 0) {
			struct vtblk_chunk *c = vb->free_chunks;
			if (c == NULL)
				goto out;
			int err = post_chunk(vb, p, c);
			if (err == -ENOSPC)
				goto out;
			if (err) {
				p->status = err == -EINVAL ? -EINVAL : -EIO;
				p->left = 0;
				break;
			}
			vb->free_chunks = c->next_free;
			posted = true;
		}
		vb->pending = p->next;
		if (vb->pending == NULL)
			vb->pending_tail = NULL;
		p->queued = false;
		maybe_finish(vb, p);
	}
out:
	if (posted)
		virtqueue_kick(vb->vq);
}

/* Calls done for every finished request; their slots are free first, so
 * a callback may submit again. */
void vtblk_run_done(struct vtblk *vb)
{
	while (vb->done) {
		bool irq = sched_lock();
		struct vtblk_parent *p = vb->done;
		vb->done = p ? p->next : NULL;
		struct blkreq *req = p ? p->req : NULL;
		int status = p ? p->status : 0;
		if (p) {
			p->req = NULL;
			p->next = vb->free_parents;
			vb->free_parents = p;
		}
		sched_unlock(irq);
		if (req) {
			req->driver_priv = NULL;
			req->done(req, status);
		}
	}
}

/* The result of chunk c, which the device used with length len. */
int vtblk_chunk_result(struct vtblk *vb, struct vtblk_chunk *c, uint32_t len)
{
	uint8_t status = c->dma->status; /* read once */
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

static void complete_chunk(struct vtblk *vb, struct vtblk_chunk *c, uint32_t len)
{
	if (c < vb->chunk || c >= vb->chunk + vb->qsize || !c->in_flight) {
		/* The engine returns only cookies it holds: this would be
		 * Keel's bug or memory the device overwrote. */
		vtblk_fault(vb, FAULT_STRAY, (uint32_t)(c - vb->chunk), vb->qsize);
		return;
	}
	int err = vtblk_chunk_result(vb, c, len);
	struct vtblk_parent *p = c->parent;
	c->in_flight = false;
	c->parent = NULL;
	c->next_free = vb->free_chunks;
	vb->free_chunks = c;
	p->in_flight--;
	if (err)
		stop_parent(vb, p, err);
	else
		maybe_finish(vb, p);
}

/* Fails every request taken with status (the aborted one, when named,
 * with -ECANCELED): the device was reset, or is dead. */
void vtblk_fail_all(struct vtblk *vb, struct blkreq *aborted, int status)
{
	for (unsigned i = 0; i < vb->qsize; i++) {
		struct vtblk_chunk *c = &vb->chunk[i];
		if (!c->in_flight)
			continue;
		c->in_flight = false;
		if (c->parent)
			c->parent->in_flight--;
		c->parent = NULL;
	}
	vb->free_chunks = NULL;
	for (unsigned i = vb->qsize; i-- > 0;) {
		vb->chunk[i].next_free = vb->free_chunks;
		vb->free_chunks = &vb->chunk[i];
	}
	vb->pending = vb->pending_tail = NULL;
	for (unsigned i = 0; i < vb->qsize; i++) {
		struct vtblk_parent *p = &vb->parent[i];
		if (!p->active)
			continue;
		p->queued = false;
		p->in_flight = 0;
		stop_parent(vb, p, p->req == aborted ? -ECANCELED : status);
	}
}

/* The queue or the device broke: it is reset so it lets go of every
 * buffer, and every request fails with -EIO. It stays broken. */
void vtblk_fail_broken(struct vtblk *vb)
{
	if (!(vb->vq->broken || vb->vd->broken) || vb->resetting)
		return;
	bool reset = vb->vd->ops->reset(vb->vd) == 0;
	vb->vd->broken = true;
	if (!reset) {
		/* It may still write its buffers: its requests stay until
		 * their waits end in abort. */
		return;
	}
	vtblk_fail_all(vb, NULL, -EIO);
}

void vtblk_interrupt(struct virtqueue *vq)
{
	struct vtblk *vb = vq->owner;
	if (!vb->ready) {
		sem_post(&vb->used);
		return;
	}
	if (vb->resetting)
		return;
	bool irq = sched_lock();
	for (;;) {
		uint32_t len;
		struct vtblk_chunk *c;
		while ((c = virtqueue_dequeue(vq, &len)) != NULL)
			complete_chunk(vb, c, len);
		if (!virtqueue_enable_intr(vq))
			break;
	}
	vtblk_fail_broken(vb);
	/* A device marked broken whose reset failed takes nothing more. */
	if (!vq->broken && !vb->vd->broken)
		post_pending(vb);
	sched_unlock(irq);
	vtblk_run_done(vb);
}

/* --- blkdev operations --- */

int vtblk_submit(struct blkdev *bd, struct blkreq *req)
{
	struct vtblk *vb = bd->driver;
	bool irq = sched_lock();
	int err = 0;
	if (vb->resetting || vb->vd->broken || vb->vq->broken)
		err = -EIO;
	else if (vb->free_parents == NULL)
		err = -EAGAIN;
	if (err) {
		sched_unlock(irq);
		return err;
	}
	struct vtblk_parent *p = vb->free_parents;
	vb->free_parents = p->next;
	memset(p, 0, sizeof(*p));
	p->req = req;
	p->active = p->queued = true;
	p->sector = req->sector;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		for (unsigned i = 0; i < req->nsegs; i++)
			p->left += req->segs[i].len;
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: p->left = req->nsectors; break;
	default: p->left = 1; break; /* a flush: one chunk */
	}
	req->driver_priv = p;
	if (vb->pending_tail)
		vb->pending_tail->next = p;
	else
		vb->pending = p;
	vb->pending_tail = p;
	post_pending(vb);
	sched_unlock(irq);
	vtblk_run_done(vb);
	return 0;
}

bool vtblk_take_back(struct vtblk *vb, struct blkreq *req)
{
	bool irq = sched_lock();
	struct vtblk_parent *p = req->driver_priv;
	if (p == NULL || p->req != req || !p->active) {
		/* Finished already; its done may be about to run. */
		sched_unlock(irq);
		vtblk_run_done(vb);
		return true;
	}
	if (p->in_flight > 0) {
		/* The device holds part of it: the queue stops here, for
		 * the caller's reset. */
		vb->resetting = true;
		vb->ready = false;
		sched_unlock(irq);
		return false;
	}
	/* Nothing of it is with the device: off the pending queue. */
	struct vtblk_parent **pp = &vb->pending, *prev = NULL;
	while (*pp && *pp != p) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == p) {
		*pp = p->next;
		if (vb->pending_tail == p)
			vb->pending_tail = prev;
	}
	p->queued = false;
	stop_parent(vb, p, -ECANCELED);
	sched_unlock(irq);
	vtblk_run_done(vb);
	return true;
}

unsigned vtblk_taken(const struct vtblk *vb)
{
	unsigned n = 0;
	for (unsigned i = 0; i < vb->qsize; i++)
		n += vb->parent[i].active;
	return n;
}

void vtblk_queue_init(struct vtblk *vb)
{
	vb->free_chunks = NULL;
	vb->free_parents = NULL;
	for (unsigned i = vb->qsize; i-- > 0;) {
		vb->chunk[i].dma = &vb->dma[i];
		vb->chunk[i].dma_phys = vb->dma_phys + (uint64_t)i * sizeof(struct vtblk_dma);
		vb->chunk[i].next_free = vb->free_chunks;
		vb->free_chunks = &vb->chunk[i];
		vb->parent[i].next = vb->free_parents;
		vb->free_parents = &vb->parent[i];
	}
}
