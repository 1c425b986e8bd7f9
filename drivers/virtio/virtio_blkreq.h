/*
 * The block request engine shared by virtio-blk and virtio-scsi: each
 * struct blkreq taken is cut into device requests ("chunks") within the
 * limits its driver gives, posted oldest first as the ring has room, and
 * completed by interrupt; a request is done when its last chunk is. The
 * engine keeps the bookkeeping both drivers need and neither should
 * write twice: slots of the request queue and their DMA memory, requests
 * in flight, the pending and done lists, completions checked against the
 * slots in flight, a broken device reset and every request failed, and
 * commands of the driver's own waited for with a bound.
 *
 * What a chunk looks like on the ring (virtio-blk's header and status
 * byte, virtio-scsi's CDB and response) and what its answer means are the
 * driver's: it builds and posts each chunk (ops->post) and decodes each
 * answer (ops->result).
 *
 * Locking: functions named "(sched_lock)" are called with interrupts off;
 * the others take it themselves. Done callbacks run once the lists are
 * consistent again, never with the lock held.
 */
#ifndef KEEL_VIRTIO_BLKREQ_H
#define KEEL_VIRTIO_BLKREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio.h"
#include "kernel/blkdev.h"
#include "kernel/sync.h"

/* The most data pieces one chunk carries: an indirect table's room, less
 * the request header and the status (or response) around them. */
#define VBREQ_MAX_PIECES (VQ_INDIRECT_MAX - 2)
/* What a driver's result returns when it posted the chunk again. */
#define VBREQ_AGAIN 1

/* How a request of one disk is cut into chunks. */
struct vbreq_limits {
	unsigned max_pieces; /* data pieces per chunk, at most VBREQ_MAX_PIECES */
	uint32_t max_piece;  /* bytes per piece */
	uint32_t max_bytes;  /* data bytes per chunk, whole blocks of block_size */
	uint32_t block_size; /* a chunk's data is whole blocks */
	/* The unit of a position (the driver's sector or logical block), in
	 * bytes: a multiple of 512 that divides block_size. */
	uint32_t unit;
	/* Units per BLK_DISCARD or BLK_WRITE_ZEROES chunk. */
	uint32_t max_discard, max_write_zeroes;
};

/* A command of the driver's own that a thread waits for. */
struct vbreq_wait {
	struct sem done;
	bool finished;
	bool failed;  /* the device was reset or broke: no answer */
	uint32_t len; /* the used length */
};

struct vbreq_parent;

/* One slot of the request queue: what the device holds, as the engine
 * posted it. The driver's own per-slot state is in its array, at
 * vbreq_index. */
struct vbreq_slot {
	struct vbreq_parent *parent; /* a block request's chunk, or NULL */
	struct vbreq_wait *wait;     /* a waited command's, or NULL */
	void *dma;		     /* dma_bytes of the driver's, for the device */
	uint64_t dma_phys;
	bool in_flight;
	struct vbreq_slot *next_free;
};

/* A struct blkreq taken, on its way through the device in chunks. */
struct vbreq_parent {
	struct blkreq *req;
	void *owner; /* the driver's disk */
	const struct vbreq_limits *lim;
	bool active, queued;
	/* Where the next chunk starts: segment, offset in it, position (in
	 * lim->unit); and what is left: bytes of data, units of a range, or
	 * one flush. */
	unsigned seg;
	uint32_t seg_off;
	uint64_t pos, left;
	unsigned in_flight;
	int status;
	struct vbreq_parent *next; /* in the pending, done or free list */
};

/* One chunk for the driver to post. */
struct vbreq_chunk {
	enum blk_op op;
	uint64_t pos;		   /* where it starts, in lim->unit */
	uint64_t count;		   /* bytes (read, write), units (discard, write-zeroes), 1 (flush) */
	const struct vq_seg *data; /* read and write: the data pieces */
	unsigned n;
};

struct vbreq;

struct vbreq_ops {
	/* Whether a request for owner is taken now: 0 or a negative errno
	 * (sched_lock). May be NULL. */
	int (*admit)(struct vbreq *q, void *owner);
	/* Builds chunk ch of p in slot s and puts it on q->vq with s as its
	 * cookie (sched_lock). Returns 0, -ENOSPC (no room: nothing
	 * changed) or another error that fails the request. */
	int (*post)(struct vbreq *q, struct vbreq_parent *p, struct vbreq_slot *s, const struct vbreq_chunk *ch);
	/* The answer of slot s, used with length len: 0 or a negative
	 * errno for its request, or VBREQ_AGAIN when the driver put it on
	 * the ring again (sched_lock). For a waited command (s->parent
	 * NULL) it copies out what the waiter needs. */
	int (*result)(struct vbreq *q, struct vbreq_slot *s, uint32_t len);
	/* A completion for a slot not in flight: the driver counts and logs
	 * it (sched_lock). */
	void (*stray)(struct vbreq *q, unsigned index);
};

struct vbreq {
	const struct vbreq_ops *ops;
	void *driver;
	struct virtio_device *vd;
	struct virtqueue *vq; /* NULL while the device is set up again */
	uint16_t qsize;
	bool ready;	/* completions go to their requests and waiters */
	bool resetting; /* the device is being set up again: nothing posted */

	struct vbreq_slot *slot; /* qsize of them */
	struct vbreq_parent *parent;
	void *dma;
	uint64_t dma_phys;
	size_t dma_bytes; /* per slot */
	struct vbreq_slot *free_slots;
	struct vbreq_parent *free_parents;
	struct vbreq_parent *pending, *pending_tail; /* chunks left to post, oldest first */
	struct vbreq_parent *done;		     /* finished, done not yet called */
};

/* The slots, requests and dma_bytes of DMA memory per slot, for qsize
 * slots: 0 or -ENOMEM (vbreq_free undoes what was done). */
int vbreq_init(struct vbreq *q, const struct vbreq_ops *ops, void *driver, struct virtio_device *vd, uint16_t qsize,
	       size_t dma_bytes);
void vbreq_free(struct vbreq *q);
/* Every slot and request free again (after a reset). */
void vbreq_reinit(struct vbreq *q);
static inline unsigned vbreq_index(const struct vbreq *q, const struct vbreq_slot *s)
{
	return (unsigned)(s - q->slot);
}

/* Data pieces per chunk: an indirect table's room, or without indirect
 * descriptors the ring's less header and status, and no more than the
 * device's seg_max (0: none). */
unsigned vbreq_max_pieces(struct virtio_device *vd, uint16_t qsize, uint32_t seg_max);

/* blkdev_ops.submit's work: req taken for owner, cut by lim, its first
 * chunks posted. 0, -EIO (the device is broken or being reset), -EAGAIN
 * (every request slot taken) or what ops->admit said. */
int vbreq_submit(struct vbreq *q, struct blkreq *req, void *owner, const struct vbreq_limits *lim);
/* The request queue's interrupt: completions, a broken device, more
 * chunks posted, done callbacks. */
void vbreq_interrupt(struct vbreq *q);
/* Looks at the ring from a thread, as the interrupt would. */
void vbreq_poll(struct vbreq *q);
/* Calls done for every finished request. */
void vbreq_run_done(struct vbreq *q);

/* The request req is, if it is taken and not finished (sched_lock). */
struct vbreq_parent *vbreq_find(struct vbreq *q, struct blkreq *req);
/* Ends p with status once nothing of it is with the device (sched_lock). */
void vbreq_stop(struct vbreq *q, struct vbreq_parent *p, int status);
/* Takes p off the pending list (sched_lock). */
void vbreq_unlink_pending(struct vbreq *q, struct vbreq_parent *p);
/* Fails every pending request of owner with status; those in flight are
 * the device's to finish. */
void vbreq_fail_pending(struct vbreq *q, void *owner, int status);
/* Fails every request taken with status (aborted, when named, with
 * -ECANCELED) and every waiter, once the device let go of them (a
 * reset): every slot free again (sched_lock). */
void vbreq_fail_all(struct vbreq *q, struct blkreq *aborted, int status);
/* A broken queue or device: it is reset so it lets go of every buffer,
 * and everything fails with -EIO; it stays broken. When the reset fails
 * what it holds stays, for an abort (sched_lock). */
void vbreq_fail_broken(struct vbreq *q);
/* The last resort when the device keeps what cannot be taken back (the
 * specification has no command for it): the device is reset, which makes
 * it let go of every buffer, everything taken fails (-EIO; aborted, when
 * named, -ECANCELED), and setup sets it up again. Returns 0, or setup's
 * error (-EIO when the device did not reset) with the device left broken
 * and q resetting: nothing is taken from then on. name is the log's. */
int vbreq_reset(struct vbreq *q, struct blkreq *aborted, const char *name, int (*setup)(void *driver));
/* Requests taken, not yet done. */
unsigned vbreq_taken(const struct vbreq *q);
/* Whether the device holds p's chunks (p NULL: slot only), after one
 * more look at the ring. */
bool vbreq_held(struct vbreq *q, struct vbreq_parent *p, struct vbreq_slot *only);

/* --- commands of the driver's own, waited for (from a thread) --- */

/* Builds and posts the driver's command in slot s (sched_lock): 0,
 * -ENOSPC or another error, as ops->post. */
typedef int (*vbreq_build_fn)(struct vbreq *q, struct vbreq_slot *s, void *arg);
/* Posts a command for w on a free slot, waiting until deadline for one
 * (block requests may hold them all for a moment): 0 with *slot set,
 * -ETIMEDOUT, or -EIO (the device is broken or being reset). */
int vbreq_exec_start(struct vbreq *q, struct vbreq_wait *w, vbreq_build_fn build, void *arg, uint64_t deadline,
		     struct vbreq_slot **slot);
/* Waits for w until deadline, looking at the ring itself now and then: 0
 * (answered), -EIO (failed: no answer) or -ETIMEDOUT (the device still
 * holds it; vbreq_exec_give_up once it is taken back). */
int vbreq_exec_wait(struct vbreq *q, struct vbreq_wait *w, uint64_t deadline);
/* w no longer waits: a late answer in s is thrown away. */
void vbreq_exec_give_up(struct vbreq *q, struct vbreq_slot *s, struct vbreq_wait *w);

#endif
