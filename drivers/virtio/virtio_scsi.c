/*
 * virtio-scsi (virtio 1.2, section 5.6): a SCSI host adapter with a
 * control queue (task management), an event queue (hot-plug) and one
 * request queue. Every logical unit that is a disk becomes a struct
 * blkdev (kernel/blkdev.h) named sda, sdb, ... as Linux names them: the
 * lowest letter free when it is found.
 *
 * At attach the driver scans every target up to max_target (scsi_scan.c:
 * INQUIRY, REPORT LUNS or probing, TEST UNIT READY through UNIT
 * ATTENTION, READ CAPACITY (16), the VPD pages), so the disks exist
 * before the root filesystem is looked for. With VIRTIO_SCSI_F_HOTPLUG
 * the device reports disks that come and go: a thread of the driver
 * reads the events (a transport reset with RESCAN or REMOVED) and scans
 * or removes that LUN, or everything when events were missed; with
 * VIRTIO_SCSI_F_CHANGE (or a UNIT ATTENTION saying so) it reads a
 * capacity that changed again. A disk removed fails its requests with
 * -ENODEV at once (those the device held it fails itself); its struct
 * stays, for users that still hold it.
 *
 * Nothing the device writes is trusted: responses are checked
 * (scsi_resp_parse) and so is everything the scan reads (scsi_cdb.c);
 * an event shorter than its structure, or naming no valid LUN, is
 * refused (a short one makes a full rescan). Each fault is counted
 * and logged once per kind; the command fails with -EIO.
 *
 * This file is the adapter and its disks; the commands on the queues are
 * virtio_scsi_queue.c's, the waits and task management virtio_scsi_tmf.c's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_scsi_priv.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/thread.h"
#include "kernel/waitq.h"

/* Names in use: sda .. sdzz. */
#define MAX_NAMES (26 * 27)
static uint8_t name_used[MAX_NAMES];

/* --- disks --- */

static const struct blkdev_ops vtscsi_ops = { vtscsi_submit, vtscsi_abort };

static struct vtscsi_disk *find_disk(struct vtscsi *h, unsigned target, unsigned lun)
{
	for (struct vtscsi_disk *d = h->disks; d; d = d->next)
		if (!d->removed && d->info.target == target && d->info.lun == lun)
			return d;
	return NULL;
}

static void add_disk(struct vtscsi *h, const struct scsi_lun_info *info)
{
	unsigned idx = 0;
	while (idx < MAX_NAMES && name_used[idx])
		idx++;
	if (idx == MAX_NAMES) {
		kwarn("%s: no disk name left for %u:%u\n", h->vd->name, info->target, info->lun);
		return;
	}
	struct vtscsi_disk *disk = calloc(1, sizeof(*disk));
	if (disk == NULL)
		return;
	disk->hba = h;
	disk->info = *info;
	disk->name_index = idx;
	uint32_t bs = info->cap.block_size;
	uint64_t most = h->max_cmd_bytes;
	if (info->lim.max_transfer && (uint64_t)info->lim.max_transfer * bs < most)
		most = (uint64_t)info->lim.max_transfer * bs;
	most -= most % bs;
	disk->lim = (struct vbreq_limits){
		.max_pieces = h->max_pieces,
		.max_piece = UINT32_MAX,
		.max_bytes = most ? (uint32_t)most : bs,
		.block_size = bs,
		.unit = bs, /* positions are logical blocks */
		.max_discard = info->lim.max_unmap_blocks,
		.max_write_zeroes = 0, /* not offered: the disk has no BLKDEV_F_WRITE_ZEROES */
	};

	struct blkdev *bd = &disk->bd;
	blkdev_disk_name(bd->reg.name, "sd", idx);
	bd->ops = &vtscsi_ops;
	bd->driver = disk;
	bd->sectors = info->cap.blocks * (bs / BLK_SECTOR_SIZE);
	bd->block_size = bs;
	/* SYNCHRONIZE CACHE is harmless on a disk without a volatile
	 * cache, and KeelFS's ordering needs it on one that has. */
	bd->features = BLKDEV_F_FLUSH | (info->unmap ? BLKDEV_F_DISCARD : 0);
	bd->queue_depth = h->qsize;
	/* The driver splits what one command cannot carry: blkdev sees no
	 * limit on segments or sizes. */
	bd->max_segs = UINT32_MAX;
	bd->max_seg_size = UINT32_MAX;
	bd->max_sectors = 0;
	int err = blkdev_register(bd);
	if (err) {
		kwarn("%s: %u:%u not registered (%d)\n", h->vd->name, info->target, info->lun, err);
		free(disk);
		return;
	}
	name_used[idx] = 1;
	disk->next = h->disks;
	h->disks = disk;
	uint64_t mib = info->cap.blocks * bs >> 20;
	kinfo("%s: scsi %u:%u on %s: Direct-Access %s %s %s, %lu %u-byte logical blocks (%lu MiB)%s%s\n", bd->reg.name,
	      info->target, info->lun, h->vd->name, info->inq.vendor[0] ? info->inq.vendor : "?",
	      info->inq.product[0] ? info->inq.product : "?", info->inq.revision[0] ? info->inq.revision : "?",
	      (unsigned long)info->cap.blocks, bs, (unsigned long)mib, info->unmap ? ", unmap" : "",
	      info->inq.removable ? ", removable" : "");
}

static void remove_disk(struct vtscsi *h, struct vtscsi_disk *disk)
{
	bool irq = sched_lock();
	disk->removed = true;
	sched_unlock(irq);
	/* What was not yet posted fails now; what the device holds it
	 * finishes (a device that unplugs a LUN cancels its commands). */
	vbreq_fail_pending(&h->q, disk, -ENODEV);
	blkdev_unregister(&disk->bd);
	name_used[disk->name_index] = 0;
	kinfo("%s: scsi %u:%u removed from %s\n", disk->bd.reg.name, disk->info.target, disk->info.lun, h->vd->name);
}

/* --- the scan --- */

static void scan_init(struct vtscsi *h, struct scsi_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->exec = vtscsi_exec;
	s->ctx = h;
	s->buf = h->scan_buf;
	s->buf_len = VTSCSI_SCAN_BUF;
	s->max_lun = h->max_lun;
}

/* Probes target:lun and adds it when it is a new disk; removes a disk
 * known there that no longer answers as one. */
static void rescan_lun(struct vtscsi *h, struct scsi_scan *s, unsigned target, unsigned lun)
{
	struct scsi_lun_info info;
	int err = scsi_probe_lun(s, target, lun, &info);
	struct vtscsi_disk *known = find_disk(h, target, lun);
	if (err == 0) {
		if (known == NULL)
			add_disk(h, &info);
		return;
	}
	if (err == -ENODEV) {
		if (known)
			remove_disk(h, known);
		return;
	}
	kwarn("%s: %u:%u: %s (%d)\n", h->vd->name, target, lun, s->why[0] ? s->why : "probe failed", err);
}

/* Every target: new disks added; with prune, disks that are gone removed. */
static void scan_all(struct vtscsi *h, bool prune)
{
	mutex_lock(&h->scan_lock);
	struct scsi_scan s;
	scan_init(h, &s);
	unsigned last = h->max_target < VTSCSI_MAX_TARGETS ? h->max_target : VTSCSI_MAX_TARGETS - 1;
	for (unsigned t = 0; t <= last; t++) {
		uint16_t luns[VTSCSI_MAX_LUNS];
		bool reported;
		int n = scsi_scan_target(&s, t, luns, VTSCSI_MAX_LUNS, &reported);
		if (n < 0 && s.no_answer) {
			kwarn("%s: the scan stops at target %u: %s\n", h->vd->name, t, s.why);
			break;
		}
		if (n < 0 && n != -ENODEV)
			kwarn("%s: target %u: %s (%d)\n", h->vd->name, t, s.why, n);
		/* Disks that went first, so their names are free for those
		 * that came. */
		for (struct vtscsi_disk *d = h->disks; prune && d; d = d->next) {
			if (d->removed || d->info.target != t)
				continue;
			bool listed = false;
			for (int i = 0; i < n; i++)
				listed |= luns[i] == d->info.lun;
			if (!listed)
				remove_disk(h, d);
		}
		for (int i = 0; i < n; i++)
			rescan_lun(h, &s, t, luns[i]);
	}
	mutex_unlock(&h->scan_lock);
}

/* --- events (section 5.6.6.3) --- */

static void post_event(struct vtscsi *h, unsigned i)
{
	struct virtio_scsi_event *e = &h->events[i];
	memset(e, 0, sizeof(*e));
	struct vq_seg seg = { h->events_phys + i * sizeof(*e), sizeof(*e) };
	virtqueue_enqueue(h->eventq, e, &seg, 0, 1);
}

/* Every event buffer posted: at attach, and after a reset. */
static void post_events(struct vtscsi *h)
{
	bool irq = sched_lock();
	unsigned n = h->eventq->size < VTSCSI_EVENT_BUFS ? h->eventq->size : VTSCSI_EVENT_BUFS;
	for (unsigned i = 0; i < n; i++)
		post_event(h, i);
	virtqueue_kick(h->eventq);
	sched_unlock(irq);
}

static void vtscsi_event_interrupt(struct virtqueue *vq)
{
	struct vtscsi *h = vq->owner;
	if (!h->q.ready || h->q.resetting)
		return;
	bool irq = sched_lock();
	bool any = false;
	for (;;) {
		uint32_t len;
		struct virtio_scsi_event *e;
		while ((e = virtqueue_dequeue(vq, &len)) != NULL) {
			unsigned i = (unsigned)(e - h->events);
			struct virtio_scsi_event ev;
			memcpy(&ev, e, sizeof(ev)); /* read once */
			if (len < sizeof(ev)) {
				vtscsi_fault(h, VTSCSI_FAULT_EVENT, "an event shorter than its structure");
				/* What it meant is unknown: look at everything. */
				ev.event = VIRTIO_SCSI_T_EVENTS_MISSED;
			}
			if (h->ev_tail - h->ev_head < VTSCSI_EVENT_QUEUE)
				h->queued[h->ev_tail++ % VTSCSI_EVENT_QUEUE] = ev;
			else
				h->ev_overflow = true;
			post_event(h, i);
			any = true;
		}
		if (!virtqueue_enable_intr(vq))
			break;
	}
	if (any)
		virtqueue_kick(vq);
	sched_unlock(irq);
	if (any)
		sem_post(&h->ev_sem);
}

static void handle_event(struct vtscsi *h, const struct virtio_scsi_event *ev)
{
	if (ev->event & VIRTIO_SCSI_T_EVENTS_MISSED) {
		kinfo("%s: events were missed; every target is scanned again\n", h->vd->name);
		scan_all(h, true);
		return;
	}
	if (ev->event != VIRTIO_SCSI_T_TRANSPORT_RESET && ev->event != VIRTIO_SCSI_T_PARAM_CHANGE)
		return; /* asynchronous notifications: not asked for */
	unsigned target, lun;
	if (virtio_scsi_lun_decode(ev->lun, &target, &lun) != 0 || lun > h->max_lun) {
		vtscsi_fault(h, VTSCSI_FAULT_EVENT, "an event naming no valid LUN");
		return;
	}
	if (ev->event == VIRTIO_SCSI_T_PARAM_CHANGE) {
		/* Section 5.6.6.3.3: the reason is the sense code, ASC in
		 * the low byte, ASCQ above it. */
		struct vtscsi_disk *d = find_disk(h, target, lun);
		if (d && (ev->reason & 0xffff) == (0x2a | 0x09 << 8))
			d->capacity_changed = true;
		return;
	}
	mutex_lock(&h->scan_lock);
	struct scsi_scan s;
	scan_init(h, &s);
	struct vtscsi_disk *known = find_disk(h, target, lun);
	switch (ev->reason) {
	case VIRTIO_SCSI_EVT_RESET_RESCAN: rescan_lun(h, &s, target, lun); break;
	case VIRTIO_SCSI_EVT_RESET_REMOVED:
		if (known)
			remove_disk(h, known);
		break;
	default: break; /* a hard reset: the disks stay */
	}
	mutex_unlock(&h->scan_lock);
}

/* The capacity of the disks that said it changed, read again. */
static void reread_capacities(struct vtscsi *h)
{
	for (struct vtscsi_disk *d = h->disks; d; d = d->next) {
		if (d->removed || !d->capacity_changed)
			continue;
		d->capacity_changed = false;
		mutex_lock(&h->scan_lock);
		struct scsi_scan s;
		scan_init(h, &s);
		struct scsi_capacity cap;
		int err = scsi_read_capacity(&s, d->info.target, d->info.lun, &cap);
		mutex_unlock(&h->scan_lock);
		struct blkdev *bd = &d->bd;
		if (err) {
			kwarn("%s: capacity not read again: %s (%d)\n", bd->reg.name, s.why, err);
			continue;
		}
		if (cap.block_size != bd->block_size) {
			kwarn("%s: the block size changed from %u to %u bytes: the disk keeps the old capacity\n",
			      bd->reg.name, bd->block_size, cap.block_size);
			continue;
		}
		uint64_t sectors = cap.blocks * (cap.block_size / BLK_SECTOR_SIZE);
		if (sectors != bd->sectors) {
			kinfo("%s: capacity changed from %lu to %lu sectors\n", bd->reg.name,
			      (unsigned long)bd->sectors, (unsigned long)sectors);
			d->info.cap = cap;
			bd->sectors = sectors;
		}
	}
}

/* Acts on every event queued, in order; a queue that overflowed, or
 * events the device says it dropped, make a full rescan. Then the
 * capacities that changed. */
static void run_events(struct vtscsi *h)
{
	if (h->q.resetting || h->eventq == NULL)
		return;
	vtscsi_event_interrupt(h->eventq);
	for (;;) {
		bool irq = sched_lock();
		bool have = h->ev_head != h->ev_tail, missed = h->ev_overflow;
		struct virtio_scsi_event ev;
		if (have)
			ev = h->queued[h->ev_head++ % VTSCSI_EVENT_QUEUE];
		else
			h->ev_overflow = false;
		sched_unlock(irq);
		if (!have) {
			if (missed)
				scan_all(h, true);
			reread_capacities(h);
			return;
		}
		handle_event(h, &ev);
	}
}

/* The thread that acts on events: scans and removals wait for the
 * device, which an interrupt handler must not. */
static int event_thread(void *arg)
{
	struct vtscsi *h = arg;
	for (;;) {
		/* A second at most: an event whose interrupt was lost is
		 * found by looking at the ring. */
		sem_timedwait(&h->ev_sem, 1000ull * 1000 * 1000);
		run_events(h);
	}
	return 0;
}

/* --- the device --- */

/* The core's fault report, except for one length: QEMU reports a
 * request's used length as the data plus the response whatever the
 * direction, so a write's exceeds the writable part. The engine clamps
 * it; the driver reads only the response, checked on its own. */
static void request_queue_fault(struct virtqueue *vq, enum vq_fault f, uint32_t got, uint32_t limit)
{
	struct vtscsi *h = vq->owner;
	if (f == VQ_FAULT_LEN) {
		h->len_quirks++;
		return;
	}
	h->core_on_fault(vq, f, got, limit);
}

/* Negotiation, the three queues, the sizes Keel uses, DRIVER_OK, the
 * event buffers (section 3.1.1): at attach and after a reset. */
static int setup_device(void *driver)
{
	struct vtscsi *h = driver;
	struct virtio_device *vd = h->vd;
	vd->broken = false;
	int err = virtio_negotiate(vd, h->wanted);
	if (err)
		return err;
	if ((err = virtio_queue_setup(vd, VIRTIO_SCSI_VQ_CONTROL, 0, vtscsi_control_interrupt, h)) != 0 ||
	    (err = virtio_queue_setup(vd, VIRTIO_SCSI_VQ_EVENT, 0, vtscsi_event_interrupt, h)) != 0 ||
	    (err = virtio_queue_setup(vd, VIRTIO_SCSI_VQ_REQUEST, h->qsize, vtscsi_request_interrupt, h)) != 0)
		return err;
	h->ctrlq = vd->vq[VIRTIO_SCSI_VQ_CONTROL];
	h->eventq = vd->vq[VIRTIO_SCSI_VQ_EVENT];
	h->q.vq = vd->vq[VIRTIO_SCSI_VQ_REQUEST];
	h->core_on_fault = h->q.vq->on_fault;
	h->q.vq->on_fault = request_queue_fault;
	if (h->qsize && h->q.vq->size != h->qsize)
		return -EIO; /* a device that changed under the driver */
	if (h->eventq->size < 1)
		return -EIO;
	/* Section 5.6.4: the driver may set the sizes; Keel's structures
	 * are laid out for these. */
	uint32_t v = VIRTIO_SCSI_CDB_SIZE;
	if (vd->ops->write_config(vd, VIRTIO_SCSI_CFG_CDB_SIZE, &v, sizeof(v)) != 0)
		return -EIO;
	v = VIRTIO_SCSI_SENSE_SIZE;
	if (vd->ops->write_config(vd, VIRTIO_SCSI_CFG_SENSE_SIZE, &v, sizeof(v)) != 0)
		return -EIO;
	uint32_t cdb = 0, sense = 0;
	if (virtio_config_read(vd, VIRTIO_SCSI_CFG_CDB_SIZE, &cdb, sizeof(cdb)) != 0 ||
	    virtio_config_read(vd, VIRTIO_SCSI_CFG_SENSE_SIZE, &sense, sizeof(sense)) != 0)
		return -EIO;
	if (cdb != VIRTIO_SCSI_CDB_SIZE || sense != VIRTIO_SCSI_SENSE_SIZE) {
		kwarn("%s: the device keeps CDBs of %u and sense data of %u bytes, not %u and %u\n", vd->name, cdb,
		      sense, VIRTIO_SCSI_CDB_SIZE, VIRTIO_SCSI_SENSE_SIZE);
		return -EIO;
	}
	err = virtio_finish(vd);
	if (err)
		return err;
	if (h->events)
		post_events(h);
	return 0;
}

int vtscsi_reset(struct vtscsi *h)
{
	h->resets++;
	/* The control and event queues go with the request queue. */
	h->ctrlq = h->eventq = NULL;
	int err = vbreq_reset(&h->q, NULL, h->vd->name, setup_device);
	if (err)
		h->ctrlq = h->eventq = NULL;
	return err;
}

/* The configuration's limits; -EIO when they make no sense. */
static int read_config(struct vtscsi *h)
{
	struct virtio_device *vd = h->vd;
	uint32_t num_queues = 0, max_sectors = 0, max_lun = 0, event_size = 0, seg_max = 0;
	uint16_t max_target = 0;
	if (virtio_config_read(vd, VIRTIO_SCSI_CFG_NUM_QUEUES, &num_queues, 4) != 0 ||
	    virtio_config_read(vd, VIRTIO_SCSI_CFG_MAX_SECTORS, &max_sectors, 4) != 0 ||
	    virtio_config_read(vd, VIRTIO_SCSI_CFG_EVENT_INFO_SIZE, &event_size, 4) != 0 ||
	    virtio_config_read(vd, VIRTIO_SCSI_CFG_MAX_TARGET, &max_target, 2) != 0 ||
	    virtio_config_read(vd, VIRTIO_SCSI_CFG_MAX_LUN, &max_lun, 4) != 0 ||
	    virtio_config_read(vd, VIRTIO_SCSI_CFG_SEG_MAX, &seg_max, 4) != 0)
		return -EIO;
	h->max_pieces = vbreq_max_pieces(vd, h->qsize, seg_max);
	if (num_queues == 0) {
		kwarn("%s: no request queue\n", vd->name);
		return -EIO;
	}
	h->max_target = max_target;
	/* LUNs of SAM's flat space (14 bits) only. */
	h->max_lun = max_lun < 0x3fff ? max_lun : 0x3fff;
	uint64_t bytes = max_sectors ? (uint64_t)max_sectors * BLK_SECTOR_SIZE : VTSCSI_MAX_CMD_BYTES;
	h->max_cmd_bytes = bytes < VTSCSI_MAX_CMD_BYTES ? (uint32_t)bytes : VTSCSI_MAX_CMD_BYTES;
	if (h->max_cmd_bytes < BLK_SECTOR_SIZE)
		h->max_cmd_bytes = BLK_SECTOR_SIZE;
	if (event_size < sizeof(struct virtio_scsi_event) && virtio_has(vd, VIRTIO_SCSI_F_HOTPLUG))
		kwarn("%s: events of %u bytes: hot-plug is not followed\n", vd->name, event_size);
	return 0;
}

static void vtscsi_free(struct vtscsi *h)
{
	vbreq_free(&h->q);
	if (h->ctrl)
		dma_free_pages(h->ctrl, 4096);
	if (h->events)
		dma_free_pages(h->events, 4096);
	if (h->scan_buf)
		dma_free_pages(h->scan_buf, VTSCSI_SCAN_BUF);
	free(h->cmd);
	free(h);
}

static int vtscsi_attach(struct virtio_device *vd)
{
	struct vtscsi *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	h->vd = vd;
	h->q.vd = vd;
	mutex_init(&h->ctrl_lock);
	mutex_init(&h->scan_lock);
	sem_init(&h->ctrl_used, 0);
	sem_init(&h->ev_sem, 0);
	h->wanted =
	    VIRTIO_SCSI_F_HOTPLUG | VIRTIO_SCSI_F_CHANGE | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX;
	int err = setup_device(h);
	if (err)
		goto fail;
	h->qsize = h->q.vq->size;
	err = -EIO;
	if (h->qsize < 4)
		goto fail;
	err = read_config(h);
	if (err)
		goto fail;

	err = vbreq_init(&h->q, &vtscsi_queue_ops, h, vd, h->qsize, sizeof(struct vtscsi_dma));
	if (err)
		goto fail;
	err = -ENOMEM;
	h->cmd = calloc(h->qsize, sizeof(*h->cmd));
	h->ctrl = dma_alloc_pages(4096, &h->ctrl_phys);
	h->events = dma_alloc_pages(4096, &h->events_phys);
	h->scan_buf = dma_alloc_pages(VTSCSI_SCAN_BUF, &h->scan_phys);
	if (!h->cmd || !h->ctrl || !h->events || !h->scan_buf)
		goto fail;
	vd->driver = h;
	h->q.ready = true;
	bool hotplug = virtio_has(vd, VIRTIO_SCSI_F_HOTPLUG);
	post_events(h);
	kinfo("%s: SCSI host adapter, targets 0 to %u, LUNs 0 to %u, %u requests, %u bytes per command%s\n", vd->name,
	      h->max_target, h->max_lun, h->qsize, h->max_cmd_bytes, hotplug ? ", hot-plug" : "");

	scan_all(h, false);
	if (vd->broken) {
		kwarn("%s: the device broke during the scan\n", vd->name);
		return 0; /* its disks, if any, fail with -EIO */
	}
	if (hotplug && thread_create(&h->thread, "virtio-scsi", event_thread, h, 0) != 0)
		kwarn("%s: no thread for events: hot-plug is not followed\n", vd->name);
	return 0;

fail:
	/* The device reset first: then nothing of it points at the
	 * commands' memory. A device that did not reset keeps it. */
	vd->driver = NULL;
	if (!virtio_detach(vd))
		return err;
	vtscsi_free(h);
	return err;
}

static const struct virtio_driver virtio_scsi_driver = { "scsi", VIRTIO_ID_SCSI, vtscsi_attach, 0 };
VIRTIO_DRIVER(virtio_scsi_driver);
