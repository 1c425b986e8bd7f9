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
/* The most pieces of memory one command's data is made of: an indirect
 * table's room, less the header and the response. */
#define VTSCSI_MAX_PIECES (VQ_INDIRECT_MAX - 2)
/* The most data one command carries, whatever the device allows. */
#define VTSCSI_MAX_CMD_BYTES (4u << 20)

struct vtscsi;
struct vtscsi_req;

/* A command scan or hot-plug sends and waits for. */
struct vtscsi_sync {
	struct sem done;
	bool finished;
	bool failed; /* the device was reset or broke: no answer */
	uint32_t len;
	struct virtio_scsi_cmd_resp resp; /* copied out at completion */
};

/* One slot of the request queue. */
struct vtscsi_cmd {
	struct vtscsi_dma *dma;
	uint64_t dma_phys;
	struct vtscsi_req *parent; /* a block request's, or NULL */
	struct vtscsi_sync *sync;  /* a waited command's, or NULL */
	uint64_t id;		   /* the tag task management names */
	bool in_flight, data_in;
	uint32_t data_len;
	unsigned retries;
	struct vq_seg seg[VTSCSI_MAX_PIECES + 2]; /* as posted, for a retry */
	unsigned nreadable, nwritable;
	struct vtscsi_cmd *next_free;
};

/* A SCSI disk: a logical unit of type 0 behind the adapter. Never freed
 * once registered: after hot-unplug its users may still hold it, and its
 * requests fail with -ENODEV. */
struct vtscsi_disk {
	struct blkdev bd;
	struct vtscsi *hba;
	struct scsi_lun_info info;
	unsigned name_index;
	uint32_t max_bytes; /* data per READ or WRITE */
	uint32_t max_unmap; /* blocks per UNMAP */
	bool removed;
	bool capacity_changed; /* the disk said so: read again by the thread */
	unsigned errors_logged;
	struct vtscsi_disk *next;
};

/* A struct blkreq taken, on its way through the device in commands. */
struct vtscsi_req {
	struct vtscsi_disk *disk;
	struct blkreq *req;
	bool active, queued;
	uint64_t lba;
	unsigned seg;	  /* where the next command's data starts: segment, */
	uint32_t seg_off; /* and offset in it */
	uint64_t left;	  /* bytes (read, write), blocks (discard), commands (flush) */
	unsigned in_flight;
	int status;
	struct vtscsi_req *next; /* in the pending, done or free list */
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
	struct virtqueue *ctrlq, *eventq, *reqq;
	vq_fault_fn core_on_fault;
	uint64_t wanted;
	uint16_t qsize;
	unsigned max_target, max_lun;
	uint32_t max_cmd_bytes; /* the configuration's max_sectors, bounded */
	unsigned max_pieces;	/* data pieces per command */

	struct vtscsi_cmd *cmd; /* qsize of them */
	struct vtscsi_dma *dma;
	uint64_t dma_phys;
	struct vtscsi_cmd *free_cmds;
	struct vtscsi_req *reqs; /* qsize of them */
	struct vtscsi_req *free_reqs;
	struct vtscsi_req *pending, *pending_tail;
	struct vtscsi_req *done;
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

	bool ready;	/* completions go to their commands */
	bool resetting; /* the device is being set up again: nothing posted */
	unsigned faults_reported;
	unsigned long faults[VTSCSI_NFAULTS], resets, aborts, lun_resets, retries, len_quirks;
};

/* --- commands on the queues (virtio_scsi_queue.c) --- */

/* The request header and response of c for target:lun, its data the n
 * pieces at data (in or out), cdb copied, a new tag. */
void vtscsi_build(struct vtscsi *h, struct vtscsi_cmd *c, unsigned target, unsigned lun, const uint8_t *cdb,
		  unsigned cdb_len, const struct vq_seg *data, unsigned n, uint32_t len, bool data_in);
/* Puts c on the request queue: 0, -ENOSPC or -EIO (sched_lock held). */
int vtscsi_post(struct vtscsi *h, struct vtscsi_cmd *c);
/* Ends p with status once nothing of it is with the device (sched_lock). */
void vtscsi_stop_req(struct vtscsi *h, struct vtscsi_req *p, int status);
/* Takes p off the pending list (sched_lock). */
void vtscsi_unlink_pending(struct vtscsi *h, struct vtscsi_req *p);
/* Looks at the request queue from a thread (none while it is reset). */
void vtscsi_poll(struct vtscsi *h);

void vtscsi_queue_init(struct vtscsi *h);
/* A device fault: counted always, logged once per kind. */
void vtscsi_fault(struct vtscsi *h, enum vtscsi_fault f, const char *what);
/* blkdev_ops.submit. */
int vtscsi_submit(struct blkdev *bd, struct blkreq *req);
/* The queues' interrupt handlers. */
void vtscsi_request_interrupt(struct virtqueue *vq);
void vtscsi_control_interrupt(struct virtqueue *vq);
/* Fails every pending request of disk with status; those in flight are
 * the device's to finish. */
void vtscsi_fail_disk(struct vtscsi *h, struct vtscsi_disk *disk, int status);
/* Calls done for every finished request. */
void vtscsi_run_done(struct vtscsi *h);
/* Every command failed with status (after a reset), the lists as new. */
void vtscsi_fail_all(struct vtscsi *h, int status);
/* Requests taken and not yet done. */
unsigned vtscsi_taken(const struct vtscsi *h);

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
