/*
 * virtio-scsi's waits (virtio 1.2, section 5.6.6): task management on the
 * control queue, the taking back of commands a device keeps (ABORT TASK,
 * then LOGICAL UNIT RESET, then a reset of the device), a block request's
 * abort, and the commands the scan sends and waits for one at a time.
 * Every wait is bounded by the device's timeout; the ring is looked at
 * every POLL_NS besides, so a lost interrupt does not stretch one.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtio/virtio_scsi_priv.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"

/* How often a waiting thread looks at the ring itself: an interrupt
 * that was lost (or a polled device) must not stretch a wait. */
#define POLL_NS (10ull * 1000 * 1000)

/*
 * Task management on the control queue (section 5.6.6.2), waited for:
 * the function's response, or -ETIMEDOUT / -EIO when none came.
 */
static int tmf(struct vtscsi *h, uint32_t subtype, unsigned target, unsigned lun, uint64_t id)
{
	if (h->ctrlq == NULL || h->ctrlq->broken)
		return -EIO;
	mutex_lock(&h->ctrl_lock);
	struct vtscsi_ctrl_dma *d = h->ctrl;
	memset(d, 0, sizeof(*d));
	d->tmf.type = VIRTIO_SCSI_T_TMF;
	d->tmf.subtype = subtype;
	virtio_scsi_lun(d->tmf.lun, target, lun);
	d->tmf.id = id;
	d->response = 0xff; /* none of the specification's */
	struct vq_seg seg[2] = {
		{ h->ctrl_phys + offsetof(struct vtscsi_ctrl_dma, tmf), sizeof(d->tmf) },
		{ h->ctrl_phys + offsetof(struct vtscsi_ctrl_dma, response), 1 },
	};
	int err = virtqueue_enqueue(h->ctrlq, d, seg, 1, 1);
	if (err == 0) {
		virtqueue_kick(h->ctrlq);
		void *cookie;
		uint32_t len;
		err = virtio_wait(h->vd, h->ctrlq, &h->ctrl_used, &cookie, &len);
		if (err == 0 && (cookie != d || len < 1)) {
			vtscsi_fault(h, VTSCSI_FAULT_TMF, "a task management answer without its response");
			err = -EIO;
		}
		if (err == 0)
			err = d->response;
	}
	mutex_unlock(&h->ctrl_lock);
	return err;
}

/* Whether any of p's (or, p NULL, the sync command's c) commands are
 * still with the device, after the ring was looked at once more. */
static bool still_held(struct vtscsi *h, struct vtscsi_req *p, struct vtscsi_cmd *only)
{
	vtscsi_poll(h);
	bool irq = sched_lock();
	bool held = false;
	for (unsigned i = 0; i < h->qsize && !held; i++) {
		struct vtscsi_cmd *c = &h->cmd[i];
		held = c->in_flight && (only ? c == only : c->parent == p);
	}
	sched_unlock(irq);
	return held;
}

/*
 * Takes back what the device holds of p (or of the one command only):
 * ABORT TASK for each command, then LOGICAL UNIT RESET, then a reset of
 * the device, each only when what came before did not give it back.
 */
static void take_back(struct vtscsi *h, struct vtscsi_req *p, struct vtscsi_cmd *only, unsigned target, unsigned lun)
{
	for (unsigned i = 0; i < h->qsize; i++) {
		struct vtscsi_cmd *c = &h->cmd[i];
		if (!c->in_flight || (only ? c != only : c->parent != p))
			continue;
		h->aborts++;
		int r = tmf(h, VIRTIO_SCSI_T_TMF_ABORT_TASK, target, lun, c->id);
		if (r < 0)
			break;
	}
	if (!still_held(h, p, only))
		return;
	h->lun_resets++;
	kwarn("%s: a command to %u:%u did not come back after ABORT TASK; the logical unit is reset\n", h->vd->name,
	      target, lun);
	tmf(h, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, target, lun, 0);
	if (!still_held(h, p, only))
		return;
	kwarn("%s: a command to %u:%u is still held after LOGICAL UNIT RESET; the device is reset and its commands "
	      "fail\n",
	      h->vd->name, target, lun);
	vtscsi_reset(h);
}

void vtscsi_abort(struct blkdev *bd, struct blkreq *req)
{
	struct vtscsi_disk *disk = bd->driver;
	struct vtscsi *h = disk->hba;
	bool irq = sched_lock();
	struct vtscsi_req *p = req->driver_priv;
	if (p == NULL || p->req != req || !p->active) {
		sched_unlock(irq);
		vtscsi_run_done(h);
		return;
	}
	/* Nothing more of it is posted; what the device holds is taken
	 * back below, and the request ends with -ECANCELED. */
	if (p->queued)
		vtscsi_unlink_pending(h, p);
	vtscsi_stop_req(h, p, -ECANCELED);
	bool held = p->in_flight > 0;
	sched_unlock(irq);
	if (held)
		take_back(h, p, NULL, disk->info.target, disk->info.lun);
	vtscsi_run_done(h);
}

/* --- commands waited for (the scan) --- */

int vtscsi_exec(void *ctx, const struct scsi_cmd *cmd, struct scsi_result *res)
{
	struct vtscsi *h = ctx;
	struct vtscsi_sync s;
	sem_init(&s.done, 0);
	s.finished = s.failed = false;
	s.len = 0;
	uint64_t deadline = deadline_after(virtio_timeout(h->vd));

	/* A free slot and room in the ring: block requests may hold them
	 * all for a moment. */
	struct vtscsi_cmd *c = NULL;
	for (;;) {
		bool irq = sched_lock();
		int err = -EIO;
		if (!h->resetting && !h->vd->broken && h->reqq && !h->reqq->broken) {
			err = -ENOSPC;
			c = h->free_cmds;
			if (c) {
				struct vq_seg data = { cmd->data_len ? dma_phys(cmd->data) : 0, cmd->data_len };
				vtscsi_build(h, c, cmd->target, cmd->lun, cmd->cdb, cmd->cdb_len, &data,
					     cmd->data_len ? 1 : 0, cmd->data_len, true);
				c->sync = &s;
				c->parent = NULL;
				err = vtscsi_post(h, c);
				if (err == 0) {
					h->free_cmds = c->next_free;
					virtqueue_kick(h->reqq);
				}
			}
		}
		sched_unlock(irq);
		if (err == 0)
			break;
		if (err != -ENOSPC || clock_ns() >= deadline)
			return err == -ENOSPC ? -ETIMEDOUT : err;
		sem_timedwait(&s.done, POLL_NS);
		vtscsi_poll(h);
	}
	while (!s.finished && clock_ns() < deadline) {
		if (sem_timedwait(&s.done, POLL_NS) == 0)
			break;
		virtio_check_broken(h->vd);
		vtscsi_poll(h);
	}
	if (!s.finished) {
		take_back(h, NULL, c, cmd->target, cmd->lun);
		/* Whatever came back after the abort is not an answer in
		 * time; a command still held must not name s when it does. */
		bool irq = sched_lock();
		if (c->in_flight && c->sync == &s)
			c->sync = NULL;
		sched_unlock(irq);
		return -ETIMEDOUT;
	}
	if (s.failed)
		return -EIO;
	enum scsi_resp_fault f = scsi_resp_parse(&s.resp, s.len, true, cmd->data_len, res);
	if (f != SCSI_RESP_OK) {
		vtscsi_fault(h, VTSCSI_FAULT_RESP, scsi_resp_fault_name(f));
		/* An answer that cannot be believed fails like an error of
		 * the device, so the scan moves on. */
		memset(res, 0, sizeof(*res));
		res->response = VIRTIO_SCSI_S_FAILURE;
	}
	return 0;
}
