/*
 * The virtio-scsi driver's own state, shared by its three files: the host
 * adapter (virtio_scsi.c: attach, scan, events, hot-plug, disks), the
 * commands on its request queue (virtio_scsi_queue.c), and the waits and
 * task management on its control queue (virtio_scsi_tmf.c). Private to
 * them and their host test.
 */
#ifndef KEEL_VIRTIO_SCSI_PRIV_H
#define KEEL_VIRTIO_SCSI_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/scsi_cdb.h"
#include "drivers/virtio/scsi_scan.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_blkreq.h"
#include "drivers/virtio/virtio_scsi.h"
#include "kernel/blkdev.h"
#include "kernel/sync.h"

/* The memory of one command the device reads and writes besides the data. */
struct vtscsi_dma {
	struct virtio_scsi_cmd_req req;
	uint8_t pad0[13];
	struct virtio_scsi_cmd_resp resp;
	uint8_t pad1[4];
	uint8_t param[SCSI_UNMAP_PARAM_LEN]; /* UNMAP's parameter list */
	uint8_t pad2[56];
};
_Static_assert(sizeof(struct vtscsi_dma) == 256, "vtscsi_dma");

/* Task management: one at a time, under ctrl_lock. */
struct vtscsi_ctrl_dma {
	struct virtio_scsi_ctrl_tmf tmf;
	uint8_t response;
	uint8_t pad[7];
};

/* Event buffers kept posted, and events queued for the thread. */
#define VTSCSI_EVENT_BUFS 8
#define VTSCSI_EVENT_QUEUE 32
/* A command that answers with a condition that passes (UNIT ATTENTION,
 * BUSY) is sent again this many times before its request fails. */
#define VTSCSI_RETRIES 5
/* Targets scanned at most, whatever max_target says. */
#define VTSCSI_MAX_TARGETS 256
/* LUNs taken from one REPORT LUNS. */
#define VTSCSI_MAX_LUNS 64
/* The scan's data buffer: REPORT LUNS' allocation. */
#define VTSCSI_SCAN_BUF 4096
/* The most data one command carries, whatever the device allows. */
#define VTSCSI_MAX_CMD_BYTES (4u << 20)

struct vtscsi;

/* A command scan or hot-plug sends and waits for. */
struct vtscsi_sync {
	struct vbreq_wait wait;		  /* first: the engine's pointer is the whole's */
	struct virtio_scsi_cmd_resp resp; /* copied out at completion */
};

/* The driver's own of each slot of the request queue, at vbreq_index. */
struct vtscsi_cmd {
	uint64_t id; /* the tag task management names */
	bool data_in;
	uint32_t data_len;
	unsigned retries;
	struct vq_seg seg[VBREQ_MAX_PIECES + 2]; /* as posted, for a retry */
	unsigned nreadable, nwritable;
};

/* A SCSI disk: a logical unit of type 0 behind the adapter. Never freed
 * once registered: after hot-unplug its users may still hold it, and its
 * requests fail with -ENODEV. */
struct vtscsi_disk {
	struct blkdev bd;
	struct vtscsi *hba;
	struct scsi_lun_info info;
	unsigned name_index;
	/* READ and WRITE carry whole blocks, at most max_bytes; UNMAP at
	 * most max_discard blocks; positions are logical blocks. */
	struct vbreq_limits lim;
	bool removed;
	bool capacity_changed; /* the disk said so: read again by the thread */
	unsigned errors_logged;
	struct vtscsi_disk *next;
};

enum vtscsi_fault {
	VTSCSI_FAULT_RESP,  /* scsi_resp_parse refused a response */
	VTSCSI_FAULT_EVENT, /* an event shorter than its structure */
	VTSCSI_FAULT_STRAY, /* a completion for a slot not in flight */
	VTSCSI_FAULT_TMF,   /* a task management answer missing or refused */
	VTSCSI_NFAULTS,
};

struct vtscsi {
	struct virtio_device *vd;
	struct virtqueue *ctrlq, *eventq;
	vq_fault_fn core_on_fault;
	uint64_t wanted;
	uint16_t qsize;
	unsigned max_target, max_lun;
	uint32_t max_cmd_bytes; /* the configuration's max_sectors, bounded */
	unsigned max_pieces;	/* data pieces per command */

	/* The commands of the request queue (q.vq): q.ready says their
	 * completions are taken, q.resetting that the device is set up
	 * again and nothing is posted. */
	struct vbreq q;
	struct vtscsi_cmd *cmd; /* qsize of them */
	uint64_t next_id;

	struct mutex ctrl_lock;
	struct vtscsi_ctrl_dma *ctrl;
	uint64_t ctrl_phys;
	struct sem ctrl_used;

	struct virtio_scsi_event *events; /* VTSCSI_EVENT_BUFS, posted */
	uint64_t events_phys;
	struct virtio_scsi_event queued[VTSCSI_EVENT_QUEUE];
	unsigned ev_head, ev_tail;
	bool ev_overflow;
	struct sem ev_sem;
	struct thread *thread;

	struct mutex scan_lock;
	uint8_t *scan_buf;
	uint64_t scan_phys;
	struct vtscsi_disk *disks;

	unsigned faults_reported;
	unsigned long faults[VTSCSI_NFAULTS], resets, aborts, lun_resets, retries, len_quirks;
};

/* --- commands on the queues (virtio_scsi_queue.c) --- */

extern const struct vbreq_ops vtscsi_queue_ops;
/* The request header and response of the command in slot s for
 * target:lun, its data the n pieces at data (in or out), cdb copied, a
 * new tag. */
void vtscsi_build(struct vtscsi *h, struct vbreq_slot *s, unsigned target, unsigned lun, const uint8_t *cdb,
		  unsigned cdb_len, const struct vq_seg *data, unsigned n, uint32_t len, bool data_in);
/* Puts the command built in s on the request queue: 0, -ENOSPC or -EIO
 * (sched_lock held). */
int vtscsi_post(struct vtscsi *h, struct vbreq_slot *s);
/* A device fault: counted always, logged once per kind. */
void vtscsi_fault(struct vtscsi *h, enum vtscsi_fault f, const char *what);
/* blkdev_ops.submit. */
int vtscsi_submit(struct blkdev *bd, struct blkreq *req);
/* The queues' interrupt handlers. */
void vtscsi_request_interrupt(struct virtqueue *vq);
void vtscsi_control_interrupt(struct virtqueue *vq);

/* --- waits (virtio_scsi_tmf.c) --- */

/* blkdev_ops.abort: what the device holds of the request taken back. */
void vtscsi_abort(struct blkdev *bd, struct blkreq *req);
/* Runs cmd and waits for it (bounded); scsi_exec_fn. From a thread. */
int vtscsi_exec(void *ctx, const struct scsi_cmd *cmd, struct scsi_result *res);

/* --- the adapter (virtio_scsi.c) --- */

/* The device reset and set up again, every command failed: the last
 * resort of a command that task management could not take back.
 * Returns 0, or a negative errno with the device left broken. */
int vtscsi_reset(struct vtscsi *h);

#endif
