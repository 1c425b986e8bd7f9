/*
 * virtio-scsi commands on the ring (virtio 1.2, section 5.6.6): each
 * struct blkreq cut into READ (16), WRITE (16), UNMAP or SYNCHRONIZE
 * CACHE commands within the disk's limits, posted oldest first as the
 * ring has room, completed by interrupt. What the device writes back is
 * checked (scsi_resp_parse) before it is believed; a command answered
 * with a condition that passes is sent again, a few times. Interrupts are
 * off (sched_lock) while the lists change; done callbacks run once the
 * lists are consistent. Waiting for commands, and taking back those a
 * device keeps, is virtio_scsi_tmf.c's.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtio/virtio_scsi_priv.h"
#include "kernel/console.h"
#include "kernel/devfault.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"

void vtscsi_fault(struct vtscsi *h, enum vtscsi_fault f, const char *what)
{
	h->faults[f]++;
	device_fault_count();
	if (h->faults_reported & (1u << f))
		return;
	h->faults_reported |= 1u << f;
	kwarn("%s (%s): device fault: %s; refused (a command fails with -EIO), further faults of this kind are only "
	      "counted\n",
	      h->vd->name, h->vd->location[0] ? h->vd->location : "?", what);
}

/* --- posting --- */

int vtscsi_post(struct vtscsi *h, struct vtscsi_cmd *c)
{
	int err = virtqueue_enqueue(h->reqq, c, c->seg, c->nreadable, c->nwritable);
	if (err)
		return err;
	c->in_flight = true;
	return 0;
}

/* The request header and response of c for target:lun, its data the n
 * pieces at data (in or out), cdb copied. */
void vtscsi_build(struct vtscsi *h, struct vtscsi_cmd *c, unsigned target, unsigned lun, const uint8_t *cdb,
		  unsigned cdb_len, const struct vq_seg *data, unsigned n, uint32_t len, bool data_in)
{
	struct vtscsi_dma *d = c->dma;
	memset(&d->req, 0, sizeof(d->req));
	virtio_scsi_lun(d->req.lun, target, lun);
	c->id = ++h->next_id;
	d->req.id = c->id;
	d->req.task_attr = VIRTIO_SCSI_S_SIMPLE;
	memcpy(d->req.cdb, cdb, cdb_len);
	/* A response the device never wrote reads as a failure. */
	memset(&d->resp, 0, sizeof(d->resp));
	d->resp.response = VIRTIO_SCSI_S_FAILURE;
	c->data_in = data_in;
	c->data_len = len;
	c->retries = 0;
	unsigned k = 0;
	c->seg[k++] = (struct vq_seg){ c->dma_phys + offsetof(struct vtscsi_dma, req), sizeof(d->req) };
	for (unsigned i = 0; !data_in && i < n; i++)
		c->seg[k++] = data[i];
	c->nreadable = k;
	c->seg[k++] = (struct vq_seg){ c->dma_phys + offsetof(struct vtscsi_dma, resp), sizeof(d->resp) };
	for (unsigned i = 0; data_in && i < n; i++)
		c->seg[k++] = data[i];
	c->nwritable = k - c->nreadable;
}

/*
 * The data pieces of p's next READ or WRITE, from its cursor: at most
 * max_pieces, their sum a multiple of the block size and at most the
 * disk's max_bytes. Returns the bytes and sets *n and the cursor's next
 * position (*seg, *off), or 0 when the memory cannot be cut into a whole
 * block within the limits.
 */
static uint32_t plan_rw(const struct vtscsi *h, const struct vtscsi_req *p, struct vq_seg *out, unsigned *n,
			unsigned *seg, uint32_t *off)
{
	const struct blkreq *req = p->req;
	uint32_t bs = p->disk->bd.block_size;
	unsigned s = p->seg, k = 0;
	uint32_t o = p->seg_off;
	uint64_t total = 0, room = p->left < p->disk->max_bytes ? p->left : p->disk->max_bytes;
	while (k < h->max_pieces && total < room && s < req->nsegs) {
		uint32_t len = req->segs[s].len - o;
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
	/* Whole blocks only: the tail of a partial one is given back, the
	 * cursor walked back with it. */
	uint32_t extra = (uint32_t)(total % bs);
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
 * Posts p's next command on c. Returns 0, -ENOSPC (no room in the ring:
 * nothing changed), or another error that fails the request.
 */
static int post_next(struct vtscsi *h, struct vtscsi_req *p, struct vtscsi_cmd *c)
{
	struct vtscsi_disk *disk = p->disk;
	const struct blkreq *req = p->req;
	unsigned target = disk->info.target, lun = disk->info.lun;
	uint32_t bs = disk->bd.block_size;
	uint8_t cdb[SCSI_CDB_MAX];
	unsigned len, next_seg = p->seg;
	uint32_t next_off = p->seg_off;
	uint64_t step;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE: {
		struct vq_seg data[VTSCSI_MAX_PIECES];
		unsigned n = 0;
		uint32_t bytes = plan_rw(h, p, data, &n, &next_seg, &next_off);
		if (bytes == 0)
			return -EINVAL;
		bool write = req->op == BLK_WRITE;
		len = scsi_cdb_rw_16(cdb, write, p->lba, bytes / bs);
		vtscsi_build(h, c, target, lun, cdb, len, data, n, bytes, !write);
		step = bytes;
		break;
	}
	case BLK_DISCARD: {
		step = p->left < disk->max_unmap ? p->left : disk->max_unmap;
		len = scsi_cdb_unmap(cdb);
		scsi_unmap_param(c->dma->param, p->lba, (uint32_t)step);
		struct vq_seg param = { c->dma_phys + offsetof(struct vtscsi_dma, param), SCSI_UNMAP_PARAM_LEN };
		vtscsi_build(h, c, target, lun, cdb, len, &param, 1, SCSI_UNMAP_PARAM_LEN, false);
		break;
	}
	case BLK_FLUSH:
		len = scsi_cdb_synchronize_cache(cdb);
		vtscsi_build(h, c, target, lun, cdb, len, NULL, 0, 0, false);
		step = 1;
		break;
	default: return -EOPNOTSUPP;
	}
	int err = vtscsi_post(h, c);
	if (err)
		return err;
	c->parent = p;
	c->sync = NULL;
	p->in_flight++;
	p->left -= step;
	if (req->op == BLK_READ || req->op == BLK_WRITE) {
		p->seg = next_seg;
		p->seg_off = next_off;
		p->lba += step / bs;
	} else if (req->op == BLK_DISCARD) {
		p->lba += step;
	}
	return 0;
}

/* --- the life of a request (interrupts off: sched_lock) --- */

static void maybe_finish(struct vtscsi *h, struct vtscsi_req *p)
{
	if (!p->active || p->queued || p->left > 0 || p->in_flight > 0)
		return;
	p->active = false;
	p->next = h->done;
	h->done = p;
}

void vtscsi_stop_req(struct vtscsi *h, struct vtscsi_req *p, int status)
{
	if (p->status == 0)
		p->status = status;
	p->left = 0;
	maybe_finish(h, p);
}

void vtscsi_unlink_pending(struct vtscsi *h, struct vtscsi_req *p)
{
	struct vtscsi_req **pp = &h->pending, *prev = NULL;
	while (*pp && *pp != p) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp == p) {
		*pp = p->next;
		if (h->pending_tail == p)
			h->pending_tail = prev;
	}
	p->queued = false;
}

static void post_pending(struct vtscsi *h)
{
	bool posted = false;
	while (h->pending) {
		struct vtscsi_req *p = h->pending;
		while (p->left > 0) {
			struct vtscsi_cmd *c = h->free_cmds;
			if (c == NULL)
				goto out;
			int err = post_next(h, p, c);
			if (err == -ENOSPC)
				goto out;
			if (err) {
				vtscsi_stop_req(h, p, err == -EOPNOTSUPP || err == -EINVAL ? err : -EIO);
				break;
			}
			h->free_cmds = c->next_free;
			posted = true;
		}
		h->pending = p->next;
		if (h->pending == NULL)
			h->pending_tail = NULL;
		p->queued = false;
		maybe_finish(h, p);
	}
out:
	if (posted)
		virtqueue_kick(h->reqq);
}

void vtscsi_run_done(struct vtscsi *h)
{
	while (h->done) {
		bool irq = sched_lock();
		struct vtscsi_req *p = h->done;
		h->done = p ? p->next : NULL;
		struct blkreq *req = p ? p->req : NULL;
		int status = p ? p->status : 0;
		if (p) {
			p->req = NULL;
			p->next = h->free_reqs;
			h->free_reqs = p;
		}
		sched_unlock(irq);
		if (req) {
			req->driver_priv = NULL;
			req->done(req, status);
		}
	}
}

static void free_cmd(struct vtscsi *h, struct vtscsi_cmd *c)
{
	c->in_flight = false;
	c->parent = NULL;
	c->sync = NULL;
	c->next_free = h->free_cmds;
	h->free_cmds = c;
}

/* The outcome of a block request's command: 0, 1 to send it again, or a
 * negative errno. The first few failures of a disk are logged with what
 * the disk said. */
static int block_result(struct vtscsi *h, struct vtscsi_cmd *c, uint32_t len)
{
	struct virtio_scsi_cmd_resp resp;
	memcpy(&resp, &c->dma->resp, sizeof(resp)); /* read once */
	struct scsi_result res;
	enum scsi_resp_fault f = scsi_resp_parse(&resp, len, c->data_in, c->data_len, &res);
	if (f != SCSI_RESP_OK) {
		vtscsi_fault(h, VTSCSI_FAULT_RESP, scsi_resp_fault_name(f));
		return -EIO;
	}
	int err;
	enum scsi_verdict v = scsi_result_verdict(&res, &err);
	if (v == SCSI_DONE) {
		if (c->data_in && res.residual) {
			vtscsi_fault(h, VTSCSI_FAULT_RESP, "a read that succeeded short of its data");
			return -EIO;
		}
		return 0;
	}
	struct vtscsi_disk *disk = c->parent->disk;
	if (res.sense.valid && res.sense.key == SCSI_KEY_UNIT_ATTENTION && res.sense.asc == 0x2a &&
	    res.sense.ascq == 0x09) {
		/* CAPACITY DATA HAS CHANGED: the thread reads it again. */
		disk->capacity_changed = true;
		sem_post(&h->ev_sem);
	}
	if (v == SCSI_RETRY && c->retries < VTSCSI_RETRIES)
		return 1;
	if (disk->errors_logged < 8 && !disk->removed) {
		disk->errors_logged++;
		char what[160];
		scsi_result_describe(&res, what, sizeof(what));
		kwarn("%s: command 0x%02x failed: %s\n", disk->bd.reg.name, c->dma->req.cdb[0], what);
	}
	return err;
}

static void complete_cmd(struct vtscsi *h, struct vtscsi_cmd *c, uint32_t len)
{
	if (c < h->cmd || c >= h->cmd + h->qsize || !c->in_flight) {
		vtscsi_fault(h, VTSCSI_FAULT_STRAY, "a completion for a command not in flight");
		return;
	}
	if (c->sync == NULL && c->parent == NULL) {
		/* A waited command given up on: nobody wants its answer. */
		free_cmd(h, c);
		return;
	}
	if (c->sync) {
		struct vtscsi_sync *s = c->sync;
		memcpy(&s->resp, &c->dma->resp, sizeof(s->resp));
		s->len = len;
		s->finished = true;
		free_cmd(h, c);
		sem_post(&s->done);
		return;
	}
	struct vtscsi_req *p = c->parent;
	int err = block_result(h, c, len);
	if (err == 1 && p->status != 0)
		err = p->status; /* the request failed or was aborted: not again */
	if (err == 1) {
		/* The same command again: the slot it frees holds it. */
		h->retries++;
		c->retries++;
		memset(&c->dma->resp, 0, sizeof(c->dma->resp));
		c->dma->resp.response = VIRTIO_SCSI_S_FAILURE;
		c->in_flight = false;
		if (vtscsi_post(h, c) == 0) {
			virtqueue_kick(h->reqq);
			return;
		}
		err = -EIO;
	}
	free_cmd(h, c);
	p->in_flight--;
	if (err)
		vtscsi_stop_req(h, p, err);
	else
		maybe_finish(h, p);
}

/* A broken queue or device: every command fails (the caller resets). */
static void fail_in_flight(struct vtscsi *h, int status)
{
	for (unsigned i = 0; i < h->qsize; i++) {
		struct vtscsi_cmd *c = &h->cmd[i];
		if (!c->in_flight)
			continue;
		if (c->sync) {
			c->sync->failed = true;
			c->sync->finished = true;
			sem_post(&c->sync->done);
		} else if (c->parent) {
			c->parent->in_flight--;
			vtscsi_stop_req(h, c->parent, status);
		}
		c->in_flight = false;
	}
	h->free_cmds = NULL;
	for (unsigned i = h->qsize; i-- > 0;) {
		h->cmd[i].parent = NULL;
		h->cmd[i].sync = NULL;
		h->cmd[i].next_free = h->free_cmds;
		h->free_cmds = &h->cmd[i];
	}
	while (h->pending) {
		struct vtscsi_req *p = h->pending;
		vtscsi_unlink_pending(h, p);
		vtscsi_stop_req(h, p, status);
	}
}

void vtscsi_request_interrupt(struct virtqueue *vq)
{
	struct vtscsi *h = vq->owner;
	if (!h->ready || h->resetting)
		return;
	bool irq = sched_lock();
	for (;;) {
		uint32_t len;
		struct vtscsi_cmd *c;
		while ((c = virtqueue_dequeue(vq, &len)) != NULL)
			complete_cmd(h, c, len);
		if (!virtqueue_enable_intr(vq))
			break;
	}
	if (vq->broken || h->vd->broken) {
		/* Its buffers may still be written: the device is reset
		 * before anything of them is reused (the next wait's abort,
		 * or here when the reset works). */
		if (h->vd->ops->reset(h->vd) == 0)
			fail_in_flight(h, -EIO);
		h->vd->broken = true;
	} else {
		post_pending(h);
	}
	sched_unlock(irq);
	vtscsi_run_done(h);
}

void vtscsi_control_interrupt(struct virtqueue *vq)
{
	struct vtscsi *h = vq->owner;
	sem_post(&h->ctrl_used);
}

/* Looks at the request queue from a thread: an interrupt lost, or a
 * device that is polled, does not stretch a wait. Nothing to look at
 * while the device is being set up again, or after it failed to be. */
void vtscsi_poll(struct vtscsi *h)
{
	struct virtqueue *vq = h->reqq;
	if (vq)
		vtscsi_request_interrupt(vq);
}

/* --- block requests --- */

int vtscsi_submit(struct blkdev *bd, struct blkreq *req)
{
	struct vtscsi_disk *disk = bd->driver;
	struct vtscsi *h = disk->hba;
	bool irq = sched_lock();
	int err = 0;
	if (disk->removed)
		err = -ENODEV;
	else if (h->resetting || h->vd->broken || h->reqq == NULL || h->reqq->broken)
		err = -EIO;
	else if (h->free_reqs == NULL)
		err = -EAGAIN;
	if (err) {
		sched_unlock(irq);
		return err;
	}
	struct vtscsi_req *p = h->free_reqs;
	h->free_reqs = p->next;
	memset(p, 0, sizeof(*p));
	p->disk = disk;
	p->req = req;
	p->active = p->queued = true;
	uint32_t spb = bd->block_size / BLK_SECTOR_SIZE;
	p->lba = req->sector / spb;
	switch (req->op) {
	case BLK_READ:
	case BLK_WRITE:
		for (unsigned i = 0; i < req->nsegs; i++)
			p->left += req->segs[i].len;
		break;
	case BLK_DISCARD: p->left = req->nsectors / spb; break;
	default: p->left = 1; break;
	}
	req->driver_priv = p;
	if (h->pending_tail)
		h->pending_tail->next = p;
	else
		h->pending = p;
	h->pending_tail = p;
	post_pending(h);
	sched_unlock(irq);
	vtscsi_run_done(h);
	return 0;
}

/* --- the rest --- */

void vtscsi_fail_disk(struct vtscsi *h, struct vtscsi_disk *disk, int status)
{
	bool irq = sched_lock();
	struct vtscsi_req *p = h->pending;
	while (p) {
		struct vtscsi_req *next = p->next;
		if (p->disk == disk) {
			vtscsi_unlink_pending(h, p);
			vtscsi_stop_req(h, p, status);
		}
		p = next;
	}
	sched_unlock(irq);
	vtscsi_run_done(h);
}

void vtscsi_fail_all(struct vtscsi *h, int status)
{
	bool irq = sched_lock();
	fail_in_flight(h, status);
	sched_unlock(irq);
	vtscsi_run_done(h);
}

unsigned vtscsi_taken(const struct vtscsi *h)
{
	unsigned n = 0;
	for (unsigned i = 0; i < h->qsize; i++)
		n += h->reqs[i].active;
	return n;
}

void vtscsi_queue_init(struct vtscsi *h)
{
	h->free_cmds = NULL;
	h->free_reqs = NULL;
	for (unsigned i = h->qsize; i-- > 0;) {
		h->cmd[i].dma = &h->dma[i];
		h->cmd[i].dma_phys = h->dma_phys + (uint64_t)i * sizeof(struct vtscsi_dma);
		h->cmd[i].next_free = h->free_cmds;
		h->free_cmds = &h->cmd[i];
		h->reqs[i].next = h->free_reqs;
		h->reqs[i].active = false;
		h->free_reqs = &h->reqs[i];
	}
}
