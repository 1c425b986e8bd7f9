/*
 * virtio-scsi's waits (virtio 1.2, section 5.6.6): task management on the
 * control queue, the taking back of commands a device keeps (ABORT TASK,
 * then LOGICAL UNIT RESET, then a reset of the device), a block request's
 * abort, and the commands the scan sends and waits for one at a time.
 * Every wait is bounded by the device's timeout; the ring is looked at
 * now and then besides (virtio_blkreq.c), so a lost interrupt does not
 * stretch one.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtio/virtio_scsi_priv.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/waitq.h"

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

/*
 * Takes back what the device holds of p (or of the one command only):
 * ABORT TASK for each command, then LOGICAL UNIT RESET, then a reset of
 * the device, each only when what came before did not give it back.
 */
static void take_back(struct vtscsi *h, struct vbreq_parent *p, struct vbreq_slot *only, unsigned target, unsigned lun)
{
	for (unsigned i = 0; i < h->qsize; i++) {
		struct vbreq_slot *s = &h->q.slot[i];
		if (!s->in_flight || (only ? s != only : s->parent != p))
			continue;
		h->aborts++;
		int r = tmf(h, VIRTIO_SCSI_T_TMF_ABORT_TASK, target, lun, h->cmd[i].id);
		if (r < 0)
			break;
	}
	if (!vbreq_held(&h->q, p, only))
		return;
	h->lun_resets++;
	kwarn("%s: a command to %u:%u did not come back after ABORT TASK; the logical unit is reset\n", h->vd->name,
	      target, lun);
	tmf(h, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET, target, lun, 0);
	if (!vbreq_held(&h->q, p, only))
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
	struct vbreq_parent *p = vbreq_find(&h->q, req);
	if (p == NULL) {
		sched_unlock(irq);
		vbreq_run_done(&h->q);
		return;
	}
	/* Nothing more of it is posted; what the device holds is taken
	 * back below, and the request ends with -ECANCELED. */
	if (p->queued)
		vbreq_unlink_pending(&h->q, p);
	vbreq_stop(&h->q, p, -ECANCELED);
	bool held = p->in_flight > 0;
	sched_unlock(irq);
	if (held)
		take_back(h, p, NULL, disk->info.target, disk->info.lun);
	vbreq_run_done(&h->q);
}

/* --- commands waited for (the scan) --- */

/* vbreq_build_fn: cmd in slot s, its data read from the device. */
static int build_exec(struct vbreq *q, struct vbreq_slot *s, void *arg)
{
	const struct scsi_cmd *cmd = arg;
	struct vq_seg data = { cmd->data_len ? dma_phys(cmd->data) : 0, cmd->data_len };
	vtscsi_build(q->driver, s, cmd->target, cmd->lun, cmd->cdb, cmd->cdb_len, &data, cmd->data_len ? 1 : 0,
		     cmd->data_len, true);
	return vtscsi_post(q->driver, s);
}

int vtscsi_exec(void *ctx, const struct scsi_cmd *cmd, struct scsi_result *res)
{
	struct vtscsi *h = ctx;
	struct vtscsi_sync s;
	uint64_t deadline = deadline_after(virtio_timeout(h->vd));
	struct vbreq_slot *slot;
	int err = vbreq_exec_start(&h->q, &s.wait, build_exec, (void *)cmd, deadline, &slot);
	if (err)
		return err;
	err = vbreq_exec_wait(&h->q, &s.wait, deadline);
	if (err == -ETIMEDOUT) {
		take_back(h, NULL, slot, cmd->target, cmd->lun);
		vbreq_exec_give_up(&h->q, slot, &s.wait);
		return -ETIMEDOUT;
	}
	if (err)
		return err;
	enum scsi_resp_fault f = scsi_resp_parse(&s.resp, s.wait.len, true, cmd->data_len, res);
	if (f != SCSI_RESP_OK) {
		vtscsi_fault(h, VTSCSI_FAULT_RESP, scsi_resp_fault_name(f));
		/* An answer that cannot be believed fails like an error of
		 * the device, so the scan moves on. */
		memset(res, 0, sizeof(*res));
		res->response = VIRTIO_SCSI_S_FAILURE;
	}
	return 0;
}
