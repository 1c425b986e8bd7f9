/*
 * virtio-scsi commands on the ring (virtio 1.2, section 5.6.6): what a
 * block request's chunk is to the device (READ (16), WRITE (16), UNMAP or
 * SYNCHRONIZE CACHE behind a request header) and what its answer means,
 * checked (scsi_resp_parse) before it is believed; a command answered
 * with a condition that passes is sent again, a few times. Cutting
 * requests into commands, the lists they move through and the failures
 * of a broken device are the shared engine's (virtio_blkreq.c); waiting
 * for commands, and taking back those a device keeps, virtio_scsi_tmf.c's.
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

int vtscsi_post(struct vtscsi *h, struct vbreq_slot *s)
{
	struct vtscsi_cmd *c = &h->cmd[vbreq_index(&h->q, s)];
	return virtqueue_enqueue(h->q.vq, s, c->seg, c->nreadable, c->nwritable);
}

/* The response preset to a failure: one the device never wrote reads as
 * one. */
static void preset_response(struct vtscsi_dma *d)
{
	memset(&d->resp, 0, sizeof(d->resp));
	d->resp.response = VIRTIO_SCSI_S_FAILURE;
}

void vtscsi_build(struct vtscsi *h, struct vbreq_slot *s, unsigned target, unsigned lun, const uint8_t *cdb,
		  unsigned cdb_len, const struct vq_seg *data, unsigned n, uint32_t len, bool data_in)
{
	struct vtscsi_dma *d = s->dma;
	struct vtscsi_cmd *c = &h->cmd[vbreq_index(&h->q, s)];
	memset(&d->req, 0, sizeof(d->req));
	virtio_scsi_lun(d->req.lun, target, lun);
	c->id = ++h->next_id;
	d->req.id = c->id;
	d->req.task_attr = VIRTIO_SCSI_S_SIMPLE;
	memcpy(d->req.cdb, cdb, cdb_len);
	preset_response(d);
	c->data_in = data_in;
	c->data_len = len;
	c->retries = 0;
	unsigned k = 0;
	c->seg[k++] = (struct vq_seg){ s->dma_phys + offsetof(struct vtscsi_dma, req), sizeof(d->req) };
	for (unsigned i = 0; !data_in && i < n; i++)
		c->seg[k++] = data[i];
	c->nreadable = k;
	c->seg[k++] = (struct vq_seg){ s->dma_phys + offsetof(struct vtscsi_dma, resp), sizeof(d->resp) };
	for (unsigned i = 0; data_in && i < n; i++)
		c->seg[k++] = data[i];
	c->nwritable = k - c->nreadable;
}

/* vbreq_ops.admit: a disk removed takes nothing more. */
static int admit(struct vbreq *q, void *owner)
{
	struct vtscsi_disk *disk = owner;
	return disk->removed ? -ENODEV : 0;
}

/* vbreq_ops.post: the command for chunk ch of p. */
static int post_chunk(struct vbreq *q, struct vbreq_parent *p, struct vbreq_slot *s, const struct vbreq_chunk *ch)
{
	struct vtscsi *h = q->driver;
	struct vtscsi_disk *disk = p->owner;
	unsigned target = disk->info.target, lun = disk->info.lun;
	uint8_t cdb[SCSI_CDB_MAX];
	unsigned len;
	switch (ch->op) {
	case BLK_READ:
	case BLK_WRITE: {
		bool write = ch->op == BLK_WRITE;
		len = scsi_cdb_rw_16(cdb, write, ch->pos, (uint32_t)(ch->count / disk->bd.block_size));
		vtscsi_build(h, s, target, lun, cdb, len, ch->data, ch->n, (uint32_t)ch->count, !write);
		break;
	}
	case BLK_DISCARD: {
		struct vtscsi_dma *d = s->dma;
		len = scsi_cdb_unmap(cdb);
		scsi_unmap_param(d->param, ch->pos, (uint32_t)ch->count);
		struct vq_seg param = { s->dma_phys + offsetof(struct vtscsi_dma, param), SCSI_UNMAP_PARAM_LEN };
		vtscsi_build(h, s, target, lun, cdb, len, &param, 1, SCSI_UNMAP_PARAM_LEN, false);
		break;
	}
	case BLK_FLUSH:
		len = scsi_cdb_synchronize_cache(cdb);
		vtscsi_build(h, s, target, lun, cdb, len, NULL, 0, 0, false);
		break;
	default: return -EOPNOTSUPP;
	}
	return vtscsi_post(h, s);
}

/* --- answers --- */

/* The outcome of a block request's command: 0, VBREQ_AGAIN to send it
 * again, or a negative errno. The first few failures of a disk are
 * logged with what the disk said. */
static int block_result(struct vtscsi *h, struct vbreq_slot *s, uint32_t len)
{
	struct vtscsi_dma *d = s->dma;
	struct vtscsi_cmd *c = &h->cmd[vbreq_index(&h->q, s)];
	struct virtio_scsi_cmd_resp resp;
	memcpy(&resp, &d->resp, sizeof(resp)); /* read once */
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
	struct vtscsi_disk *disk = s->parent->owner;
	if (res.sense.valid && res.sense.key == SCSI_KEY_UNIT_ATTENTION && res.sense.asc == 0x2a &&
	    res.sense.ascq == 0x09) {
		/* CAPACITY DATA HAS CHANGED: the thread reads it again. */
		disk->capacity_changed = true;
		sem_post(&h->ev_sem);
	}
	if (v == SCSI_RETRY && c->retries < VTSCSI_RETRIES)
		return VBREQ_AGAIN;
	if (disk->errors_logged < 8 && !disk->removed) {
		disk->errors_logged++;
		char what[160];
		scsi_result_describe(&res, what, sizeof(what));
		kwarn("%s: command 0x%02x failed: %s\n", disk->bd.reg.name, d->req.cdb[0], what);
	}
	return err;
}

/* vbreq_ops.result: a waited command's response copied out for its
 * waiter; a block request's decoded, and sent again when it may pass. */
static int command_result(struct vbreq *q, struct vbreq_slot *s, uint32_t len)
{
	struct vtscsi *h = q->driver;
	struct vtscsi_dma *d = s->dma;
	if (s->wait) {
		/* The waiter's struct vtscsi_sync, whose first member it is. */
		struct vtscsi_sync *sync = (struct vtscsi_sync *)s->wait;
		memcpy(&sync->resp, &d->resp, sizeof(sync->resp));
		return 0;
	}
	int err = block_result(h, s, len);
	if (err == VBREQ_AGAIN && s->parent->status != 0)
		err = s->parent->status; /* the request failed or was aborted: not again */
	if (err == VBREQ_AGAIN) {
		/* The same command again, in the slot it holds. */
		h->retries++;
		h->cmd[vbreq_index(q, s)].retries++;
		preset_response(d);
		if (vtscsi_post(h, s) == 0) {
			virtqueue_kick(q->vq);
			return VBREQ_AGAIN;
		}
		err = -EIO;
	}
	return err;
}

static void stray(struct vbreq *q, unsigned index)
{
	vtscsi_fault(q->driver, VTSCSI_FAULT_STRAY, "a completion for a command not in flight");
}

const struct vbreq_ops vtscsi_queue_ops = { admit, post_chunk, command_result, stray };

void vtscsi_request_interrupt(struct virtqueue *vq)
{
	struct vtscsi *h = vq->owner;
	if (!h->q.ready || h->q.resetting)
		return;
	vbreq_interrupt(&h->q);
}

void vtscsi_control_interrupt(struct virtqueue *vq)
{
	struct vtscsi *h = vq->owner;
	sem_post(&h->ctrl_used);
}

int vtscsi_submit(struct blkdev *bd, struct blkreq *req)
{
	struct vtscsi_disk *disk = bd->driver;
	return vbreq_submit(&disk->hba->q, req, disk, &disk->lim);
}
