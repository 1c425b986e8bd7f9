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

/* The most pieces of memory one chunk carries: the indirect table's room
 * (header and status take two of its entries) or the ring's, and never
 * more than the device's seg_max. */
#define MAX_PIECES (VQ_INDIRECT_MAX - 2)
/* A chunk's data: kept far below the 4 GiB a chain may hold. */
#define MAX_CHUNK_BYTES (1u << 30)

struct vtblk_parent;

struct vtblk_chunk {
	struct vtblk_parent *parent; /* NULL: the driver's own (GET_ID) */
	struct vtblk_dma *dma;
	uint64_t dma_phys;
	uint32_t data_len; /* bytes the device must write before the status */
	bool in_flight;
	struct vtblk_chunk *next_free;
};

/* A struct blkreq taken, on its way through the device in chunks. */
struct vtblk_parent {
	struct blkreq *req;
	bool active, queued;
	/* Where the next chunk starts: segment, offset in it, sector; and
	 * what is left (bytes of data, or sectors of a range). */
	unsigned seg;
	uint32_t seg_off;
	uint64_t sector, left;
	unsigned in_flight;
	int status;
	struct vtblk_parent *next; /* in the pending, done or free list */
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
	struct virtqueue *vq;
	uint64_t wanted; /* the features asked for, again after a reset */
	uint16_t qsize;
	/* Limits of one chunk. */
	unsigned max_pieces;
	uint32_t max_piece, max_discard, max_write_zeroes;

	struct vtblk_chunk *chunk; /* qsize of them */
	struct vtblk_dma *dma;
	uint64_t dma_phys;
	struct vtblk_chunk *free_chunks;
	struct vtblk_parent *parent; /* qsize of them */
	struct vtblk_parent *free_parents;
	struct vtblk_parent *pending, *pending_tail; /* chunks left to post, oldest first */
	struct vtblk_parent *done;		     /* finished, done not yet called */

	bool ready;		  /* registered: completions go to requests */
	bool resetting;		  /* abort is setting the device up again */
	struct sem used;	  /* before ready: posted by the interrupt handler */
	unsigned faults_reported; /* a bit per enum vtblk_fault */
	unsigned long faults[NFAULTS], resets;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
};

/* --- requests on the ring (virtio_blk_queue.c) --- */

/* The free lists, every chunk and request slot in them. */
void vtblk_queue_init(struct vtblk *vb);
/* blkdev_ops.submit: the request queued, its first chunks posted. */
int vtblk_submit(struct blkdev *bd, struct blkreq *req);
/* The queue's interrupt handler. */
void vtblk_interrupt(struct virtqueue *vq);
/* Takes req back if none of it is with the device (its done called with
 * -ECANCELED), or if it finished already. False when the device holds
 * some of it: the queue then takes nothing more (resetting), for the
 * caller's reset. */
bool vtblk_take_back(struct vtblk *vb, struct blkreq *req);
/* Fails every request taken with status (the aborted one, when named,
 * with -ECANCELED), once the device let go of them (a reset). */
void vtblk_fail_all(struct vtblk *vb, struct blkreq *aborted, int status);
/* A broken queue or device: reset, every request failed with -EIO. */
void vtblk_fail_broken(struct vtblk *vb);
/* Calls done for every finished request. */
void vtblk_run_done(struct vtblk *vb);
/* The result of a chunk the device used with length len: 0, -EIO or
 * -EOPNOTSUPP, a lie reported as a device fault. */
int vtblk_chunk_result(struct vtblk *vb, struct vtblk_chunk *c, uint32_t len);
/* Requests taken, not yet done. */
unsigned vtblk_taken(const struct vtblk *vb);

#endif
