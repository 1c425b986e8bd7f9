/*
 * The virtio-blk driver's own state, shared by its two halves: the disk
 * (virtio_blk.c: attach, limits, capacity, reset) and its requests on the
 * ring (virtio_blk_queue.c). Private to them and their host test.
 */
#ifndef KEEL_VIRTIO_BLK_QUEUE_H
#define KEEL_VIRTIO_BLK_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_blk.h"
#include "drivers/virtio/virtio_blkreq.h"
#include "kernel/blkdev.h"
#include "kernel/sync.h"

/* What the status byte holds until the device writes it: none of the
 * specification's values, so a device that never wrote it is caught. */
#define STATUS_UNWRITTEN 0xff

/* The memory of one chunk the device reads and writes besides the data. */
struct vtblk_dma {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes range;
	uint8_t id[VIRTIO_BLK_ID_BYTES];
	uint8_t status;
	uint8_t pad[11];
};
_Static_assert(sizeof(struct vtblk_dma) == 64, "vtblk_dma");

/* A chunk's data: kept far below the 4 GiB a chain may hold. */
#define MAX_CHUNK_BYTES (1u << 30)

/* The driver's own of each slot of the engine, at vbreq_index. */
struct vtblk_chunk {
	uint32_t data_len; /* bytes the device must write before the status */
};

enum vtblk_fault {
	FAULT_SHORT_LEN,  /* the used length does not cover the data and status */
	FAULT_BAD_STATUS, /* a status outside OK, IOERR, UNSUPP */
	FAULT_STRAY,	  /* a completion for a chunk not in flight */
	NFAULTS,
};

struct vtblk {
	struct blkdev bd;
	struct virtio_device *vd;
	uint64_t wanted; /* the features asked for, again after a reset */
	uint16_t qsize;
	struct vbreq_limits lim; /* of one chunk */

	/* The requests; q.vq is the request queue, q.ready says the disk
	 * is registered, q.resetting that an abort sets it up again. */
	struct vbreq q;
	struct vtblk_chunk *chunk; /* qsize of them */

	struct sem used;	  /* before ready: posted by the interrupt handler */
	unsigned faults_reported; /* a bit per enum vtblk_fault */
	unsigned long faults[NFAULTS], resets;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
};

/* --- requests on the ring (virtio_blk_queue.c) --- */

extern const struct vbreq_ops vtblk_queue_ops;
/* blkdev_ops.submit. */
int vtblk_submit(struct blkdev *bd, struct blkreq *req);
/* The queue's interrupt handler. */
void vtblk_interrupt(struct virtqueue *vq);
/* Takes req back if none of it is with the device (its done called with
 * -ECANCELED), or if it finished already. False when the device holds
 * some of it: the queue then takes nothing more (resetting), for the
 * caller's reset. */
bool vtblk_take_back(struct vtblk *vb, struct blkreq *req);
/* A broken queue or device: reset, every request failed with -EIO. */
void vtblk_fail_broken(struct vtblk *vb);
/* The result of the chunk in slot s, which the device used with length
 * len: 0, -EIO or -EOPNOTSUPP, a lie reported as a device fault. */
int vtblk_chunk_result(struct vtblk *vb, struct vbreq_slot *s, uint32_t len);

#endif
