/*
 * The block request engine shared by virtio-blk and virtio-scsi (see
 * virtio_blkreq.h): requests cut into chunks, the lists they move
 * through, completions checked before they are believed, failures of a
 * broken device, and waited commands. Interrupts are off (sched_lock)
 * while the lists change; done callbacks run once the lists are
 * consistent again.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_blkreq.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"

/* How often a waiting thread looks at the ring itself: an interrupt that
 * was lost (or a polled device) must not stretch a wait. */
#define POLL_NS (10ull * 1000 * 1000)

/* --- slots and requests --- */

void vbreq_reinit(struct vbreq *q)
{
	q->free_slots = NULL;
	q->free_parents = NULL;
	q->pending = q->pending_tail = q->done = NULL;
	for (unsigned i = q->qsize; i-- > 0;) {
		struct vbreq_slot *s = &q->slot[i];
		s->dma = (uint8_t *)q->dma + i * q->dma_bytes;
		s->dma_phys = q->dma_phys + i * q->dma_bytes;
		s->parent = NULL;
		s->wait = NULL;
		s->in_flight = false;
		s->next_free = q->free_slots;
		q->free_slots = s;
		q->parent[i].active = false;
		q->parent[i].next = q->free_parents;
		q->free_parents = &q->parent[i];
	}
}

int vbreq_init(struct vbreq *q, const struct vbreq_ops *ops, void *driver, struct virtio_device *vd, uint16_t qsize,
	       size_t dma_bytes)
{
	q->ops = ops;
	q->driver = driver;
	q->vd = vd;
	q->qsize = qsize;
	q->dma_bytes = dma_bytes;
	q->slot = calloc(qsize, sizeof(*q->slot));
	q->parent = calloc(qsize, sizeof(*q->parent));
	q->dma = dma_alloc_pages(qsize * dma_bytes, &q->dma_phys);
	if (q->slot == NULL || q->parent == NULL || q->dma == NULL)
		return -ENOMEM;
	vbreq_reinit(q);
	return 0;
}

void vbreq_free(struct vbreq *q)
{
	if (q->dma)
		dma_free_pages(q->dma, q->qsize * q->dma_bytes);
	free(q->slot);
	free(q->parent);
	q->dma = NULL;
	q->slot = NULL;
	q->parent = NULL;
}

unsigned vbreq_max_pieces(struct virtio_device *vd, uint16_t qsize, uint32_t seg_max)
{
	unsigned n = VBREQ_MAX_PIECES;
	if (!virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC) && qsize - 2u < n)
		n = qsize - 2u;
	if (seg_max && seg_max < n)
		n = seg_max;
	return n;
}

static void free_slot(struct vbreq *q, struct vbreq_slot *s)
{
	s->in_flight = false;
	s->parent = NULL;
	s->wait = NULL;
	s->next_free = q->free_slots;
	q->free_slots = s;
}

/* --- cutting requests into chunks --- */

/*
 * The data pieces of p's next read or write chunk, from its cursor: at
 * most max_pieces, each at most max_piece bytes, their sum a multiple of
 * the block size and at most max_bytes. Returns the bytes and sets *n and
 * the cursor's next position (*seg, *off), or 0 when the memory cannot be
 * cut into a whole block within the limits.
 */
static uint32_t plan_rw(const struct vbreq_parent *p, struct vq_seg *out, unsigned *n, unsigned *seg, uint32_t *off)
{
	const struct blkreq *req = p->req;
	const struct vbreq_limits *lim = p->lim;
	unsigned s = p->seg, k = 0;
	uint32_t o = p->seg_off;
	uint64_t total = 0, room = p->left < lim->max_bytes ? p->left : lim->max_bytes;
	while (k < lim->max_pieces && total < room && s < req->nsegs) {
		uint32_t len = req->segs[s].len - o;
		if (len > lim->max_piece)
			len = lim->max_piece;
		if (len > room - total)
			len = (uint32_t)(room - total);
		out[k].addr = dma_phys((const uint8_t *)req->segs[s].addr + o);
		out[k].len = len;
		k++;
		total += len;
		o += len;
		if (o == req->segs[s].len) {
			s++;
			o = 0;
		}
	}
	/* Whole blocks only (a device refuses the rest): the tail of a
	 * partial one is given back, the cursor walked back with it. */
	uint32_t extra = (uint32_t)(total % lim->block_size);
	total -= extra;
	while (extra > 0) {
		uint32_t last = out[k - 1].len;
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

/*
 * Posts p's next chunk on s. Returns 0, -ENOSPC (no room in the ring now:
 * nothing changed), or another error that fails the request.
 */
static int post_chunk(struct vbreq *q, struct vbreq_parent *p, struct vbreq_slot *s)
{
	const struct blkreq *req = p->req;
	struct vq_seg data[VBREQ_MAX_PIECES];
	struct vbreq_chunk ch = { req->op, p->pos, 0, NULL, 0 };
	unsigned next_seg = p->seg;
	uint32_t next_off = p->seg_off;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		ch.count = plan_rw(p, data, &ch.n, &next_seg, &next_off);
		if (ch.count == 0)
			return -EINVAL;
		ch.data = data;
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: {
		uint32_t most = req->op == BLK_DISCARD ? p->lim->max_discard : p->lim->max_write_zeroes;
		if (most == 0)
			return -EOPNOTSUPP;
		ch.count = p->left < most ? p->left : most;
		break;
	}
	default: ch.count = 1; break; /* BLK_FLUSH: one chunk, left counts it */
	}
	int err = q->ops->post(q, p, s, &ch);
	if (err)
		return err;
	s->parent = p;
	s->wait = NULL;
	s->in_flight = true;
	p->in_flight++;
	p->left -= ch.count;
	if (req->op == BLK_READ || req->op == BLK_WRITE) {
		p->seg = next_seg;
		p->seg_off = next_off;
		p->pos += ch.count / p->lim->unit;
	} else if (req->op == BLK_DISCARD || req->op == BLK_WRITE_ZEROES) {
		p->pos += ch.count;
	}
	return 0;
}

/* --- the life of a request (sched_lock) --- */

/* p is finished once nothing is left to post and nothing is in flight:
 * onto the done list, whose callbacks run when the lists are consistent
 * again (vbreq_run_done). */
static void maybe_finish(struct vbreq *q, struct vbreq_parent *p)
{
	if (!p->active || p->queued || p->left > 0 || p->in_flight > 0)
		return;
	p->active = false;
	p->next = q->done;
	q->done = p;
}

void vbreq_stop(struct vbreq *q, struct vbreq_parent *p, int status)
{
	if (p->status == 0)
		p->status = status;
	p->left = 0;
	maybe_finish(q, p);
}

void vbreq_unlink_pending(struct vbreq *q, struct vbreq_parent *p)
{
	struct vbreq_parent **pp = &q->pending, *prev = NULL;
	while (*pp && *pp != p) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == p) {
		*pp = p->next;
		if (q->pending_tail == p)
			q->pending_tail = prev;
	}
	p->queued = false;
}

/* Posts chunks of the pending requests, oldest first, while the ring has
 * room. */
static void post_pending(struct vbreq *q)
{
	bool posted = false;
	while (q->pending) {
		struct vbreq_parent *p = q->pending;
		while (p->left > 0) {
			struct vbreq_slot *s = q->free_slots;
			if (s == NULL)
				goto out;
			int err = post_chunk(q, p, s);
			if (err == -ENOSPC)
				goto out;
			if (err) {
				vbreq_stop(q, p, err == -EOPNOTSUPP || err == -EINVAL ? err : -EIO);
				break;
			}
			q->free_slots = s->next_free;
			posted = true;
		}
		q->pending = p->next;
		if (q->pending == NULL)
			q->pending_tail = NULL;
		p->queued = false;
		maybe_finish(q, p);
	}
out:
	if (posted)
		virtqueue_kick(q->vq);
}

void vbreq_run_done(struct vbreq *q)
{
	/* Each slot is free before its callback runs, so a callback may
	 * submit again. */
	while (q->done) {
		bool irq = sched_lock();
		struct vbreq_parent *p = q->done;
		q->done = p ? p->next : NULL;
		struct blkreq *req = p ? p->req : NULL;
		int status = p ? p->status : 0;
		if (p) {
			p->req = NULL;
			p->next = q->free_parents;
			q->free_parents = p;
		}
		sched_unlock(irq);
		if (req) {
			req->driver_priv = NULL;
			req->done(req, status);
		}
	}
}

static void complete_slot(struct vbreq *q, struct vbreq_slot *s, uint32_t len)
{
	if (s < q->slot || s >= q->slot + q->qsize || !s->in_flight) {
		/* The virtqueue engine returns only cookies it holds: this
		 * would be Keel's bug, or memory the device overwrote. */
		q->ops->stray(q, (unsigned)(s - q->slot));
		return;
	}
	struct vbreq_parent *p = s->parent;
	struct vbreq_wait *w = s->wait;
	if (p == NULL && w == NULL) {
		/* A waited command given up on: nobody wants its answer. */
		free_slot(q, s);
		return;
	}
	int err = q->ops->result(q, s, len);
	if (err == VBREQ_AGAIN)
		return; /* on the ring again, in the same slot */
	free_slot(q, s);
	if (w) {
		w->len = len;
		w->finished = true;
		sem_post(&w->done);
		return;
	}
	p->in_flight--;
	if (err)
		vbreq_stop(q, p, err);
	else
		maybe_finish(q, p);
}

void vbreq_fail_all(struct vbreq *q, struct blkreq *aborted, int status)
{
	for (unsigned i = 0; i < q->qsize; i++) {
		struct vbreq_slot *s = &q->slot[i];
		if (!s->in_flight)
			continue;
		if (s->wait) {
			s->wait->failed = true;
			s->wait->finished = true;
			sem_post(&s->wait->done);
		} else if (s->parent) {
			s->parent->in_flight--;
		}
	}
	q->free_slots = NULL;
	for (unsigned i = q->qsize; i-- > 0;)
		free_slot(q, &q->slot[i]);
	q->pending = q->pending_tail = NULL;
	for (unsigned i = 0; i < q->qsize; i++) {
		struct vbreq_parent *p = &q->parent[i];
		if (!p->active)
			continue;
		p->queued = false;
		p->in_flight = 0;
		vbreq_stop(q, p, p->req == aborted ? -ECANCELED : status);
	}
}

void vbreq_fail_broken(struct vbreq *q)
{
	if (q->resetting || !((q->vq && q->vq->broken) || q->vd->broken))
		return;
	bool reset = q->vd->ops->reset(q->vd) == 0;
	q->vd->broken = true;
	if (!reset) {
		/* It may still write its buffers: what it holds stays until
		 * a wait ends in abort. */
		return;
	}
	vbreq_fail_all(q, NULL, -EIO);
}

void vbreq_fail_pending(struct vbreq *q, void *owner, int status)
{
	bool irq = sched_lock();
	struct vbreq_parent *p = q->pending;
	while (p) {
		struct vbreq_parent *next = p->next;
		if (p->owner == owner) {
			vbreq_unlink_pending(q, p);
			vbreq_stop(q, p, status);
		}
		p = next;
	}
	sched_unlock(irq);
	vbreq_run_done(q);
}

int vbreq_reset(struct vbreq *q, struct blkreq *aborted, const char *name, int (*setup)(void *driver))
{
	q->resetting = true;
	bool reset = virtio_detach(q->vd);
	q->vq = NULL;
	if (!reset)
		kwarn("%s: the device did not reset: it may still write the buffers of the requests failed\n", name);
	bool irq = sched_lock();
	vbreq_fail_all(q, aborted, -EIO);
	sched_unlock(irq);
	vbreq_run_done(q);
	int err = reset ? setup(q->driver) : -EIO;
	if (err) {
		kwarn("%s: the device could not be set up again (%d); its requests fail with -EIO\n", name, err);
		if (reset)
			virtio_detach(q->vd);
		q->vq = NULL;
		q->vd->broken = true;
		return err; /* resetting stays: nothing is taken */
	}
	q->ready = true;
	q->resetting = false;
	return 0;
}

/* --- interrupts --- */

void vbreq_interrupt(struct vbreq *q)
{
	struct virtqueue *vq = q->vq;
	if (vq == NULL)
		return;
	bool irq = sched_lock();
	for (;;) {
		uint32_t len;
		struct vbreq_slot *s;
		while ((s = virtqueue_dequeue(vq, &len)) != NULL)
			complete_slot(q, s, len);
		if (!virtqueue_enable_intr(vq))
			break;
	}
	vbreq_fail_broken(q);
	/* A device marked broken whose reset failed takes nothing more. */
	if (!vq->broken && !q->vd->broken)
		post_pending(q);
	sched_unlock(irq);
	vbreq_run_done(q);
}

void vbreq_poll(struct vbreq *q)
{
	/* The driver's handler: it knows when completions may be taken. */
	struct virtqueue *vq = q->vq;
	if (vq && vq->on_interrupt)
		vq->on_interrupt(vq);
}

/* --- taking requests --- */

/* Whether anything may be posted: not while the device is set up again,
 * nor once it or its queue broke. */
static bool usable(const struct vbreq *q) { return !q->resetting && !q->vd->broken && q->vq && !q->vq->broken; }

int vbreq_submit(struct vbreq *q, struct blkreq *req, void *owner, const struct vbreq_limits *lim)
{
	bool irq = sched_lock();
	int err = q->ops->admit ? q->ops->admit(q, owner) : 0;
	if (err == 0 && !usable(q))
		err = -EIO;
	else if (err == 0 && q->free_parents == NULL)
		err = -EAGAIN;
	if (err) {
		sched_unlock(irq);
		return err;
	}
	struct vbreq_parent *p = q->free_parents;
	q->free_parents = p->next;
	memset(p, 0, sizeof(*p));
	p->req = req;
	p->owner = owner;
	p->lim = lim;
	p->active = p->queued = true;
	uint32_t sectors_per_unit = lim->unit / BLK_SECTOR_SIZE;
	p->pos = req->sector / sectors_per_unit;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		for (unsigned i = 0; i < req->nsegs; i++)
			p->left += req->segs[i].len;
		break;
	case BLK_DISCARD:
	case BLK_WRITE_ZEROES: p->left = req->nsectors / sectors_per_unit; break;
	default: p->left = 1; break; /* a flush: one chunk */
	}
	req->driver_priv = p;
	if (q->pending_tail)
		q->pending_tail->next = p;
	else
		q->pending = p;
	q->pending_tail = p;
	post_pending(q);
	sched_unlock(irq);
	vbreq_run_done(q);
	return 0;
}

struct vbreq_parent *vbreq_find(struct vbreq *q, struct blkreq *req)
{
	struct vbreq_parent *p = req->driver_priv;
	if (p == NULL || p < q->parent || p >= q->parent + q->qsize || p->req != req || !p->active)
		return NULL;
	return p;
}

unsigned vbreq_taken(const struct vbreq *q)
{
	unsigned n = 0;
	for (unsigned i = 0; i < q->qsize; i++)
		n += q->parent[i].active;
	return n;
}

bool vbreq_held(struct vbreq *q, struct vbreq_parent *p, struct vbreq_slot *only)
{
	vbreq_poll(q);
	bool irq = sched_lock();
	bool held = false;
	for (unsigned i = 0; i < q->qsize && !held; i++) {
		struct vbreq_slot *s = &q->slot[i];
		held = s->in_flight && (only ? s == only : s->parent == p);
	}
	sched_unlock(irq);
	return held;
}

/* --- commands of the driver's own --- */

int vbreq_exec_start(struct vbreq *q, struct vbreq_wait *w, vbreq_build_fn build, void *arg, uint64_t deadline,
		     struct vbreq_slot **slot)
{
	sem_init(&w->done, 0);
	w->finished = w->failed = false;
	w->len = 0;
	for (;;) {
		bool irq = sched_lock();
		int err = -EIO;
		struct vbreq_slot *s = NULL;
		if (usable(q)) {
			err = -ENOSPC;
			s = q->free_slots;
			if (s)
				err = build(q, s, arg);
			if (err == 0) {
				q->free_slots = s->next_free;
				s->parent = NULL;
				s->wait = w;
				s->in_flight = true;
				virtqueue_kick(q->vq);
			}
		}
		sched_unlock(irq);
		if (err == 0) {
			*slot = s;
			return 0;
		}
		if (err != -ENOSPC || clock_ns() >= deadline)
			return err == -ENOSPC ? -ETIMEDOUT : err;
		sem_timedwait(&w->done, POLL_NS);
		vbreq_poll(q);
	}
}

int vbreq_exec_wait(struct vbreq *q, struct vbreq_wait *w, uint64_t deadline)
{
	while (!w->finished && clock_ns() < deadline) {
		if (sem_timedwait(&w->done, POLL_NS) == 0)
			break;
		virtio_check_broken(q->vd);
		vbreq_poll(q);
	}
	if (!w->finished)
		return -ETIMEDOUT;
	return w->failed ? -EIO : 0;
}

void vbreq_exec_give_up(struct vbreq *q, struct vbreq_slot *s, struct vbreq_wait *w)
{
	/* Whatever comes back now is not an answer in time; a command still
	 * held must not name w when it does. */
	bool irq = sched_lock();
	if (s->in_flight && s->wait == w)
		s->wait = NULL;
	sched_unlock(irq);
}
