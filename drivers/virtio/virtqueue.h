/*
 * Keel's virtqueue engine: split rings (virtio 1.2, section 2.7), used by
 * every virtio driver through any transport, and built unchanged for the
 * host tests.
 *
 * The engine trusts nothing the device writes. A used element must name
 * the head of a chain Keel posted and has not reclaimed; its length is
 * clamped to what the chain offered to write; the used index may not run
 * ahead by more than the queue size. Chains are freed from a private
 * shadow of the descriptors, never by reading the shared table back. Any
 * violation but a length marks the queue broken: from then on it accepts
 * and returns nothing, and its driver fails requests with -EIO. Every
 * violation is counted and handed to the queue's on_fault hook, which
 * names the device in the log.
 */
#ifndef KEEL_VIRTQUEUE_H
#define KEEL_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio_ring.h"

/* One piece of a request: device-readable or device-writable memory. */
struct vq_seg {
	uint64_t addr; /* physical */
	uint32_t len;
};

/* Per-descriptor bookkeeping, private to Keel. */
struct vq_slot {
	void *cookie;	    /* the caller's, on a chain's head */
	uint32_t write_len; /* bytes the device may write (head) */
	uint16_t next;	    /* the chain, or the free list */
	uint16_t ndescs;    /* descriptors the chain holds in the table (head) */
	bool head;	    /* an outstanding chain starts here */
};

struct virtqueue;
typedef void (*vq_notify_fn)(struct virtqueue *vq);

/* What a device wrote that the engine refused. */
enum vq_fault {
	VQ_FAULT_ID_RANGE, /* a used id beyond the queue: breaks the queue */
	VQ_FAULT_NOT_HEAD, /* a used id heading no chain in flight: breaks it */
	VQ_FAULT_IDX_JUMP, /* the used index ran ahead by more than the size: breaks it */
	VQ_FAULT_LEN,	   /* a used length beyond the chain's writable bytes: clamped */
};
/* Called on each fault, where it is found (the dequeueing thread, or an
 * interrupt handler). got: the device's value; limit: what it may be. */
typedef void (*vq_fault_fn)(struct virtqueue *vq, enum vq_fault f, uint32_t got, uint32_t limit);
/* A sentence for a fault, for logs. */
const char *virtqueue_fault_name(enum vq_fault f);

/* The most segments an indirect table holds. */
#define VQ_INDIRECT_MAX 32

struct virtqueue {
	uint16_t index;
	uint16_t size;
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	volatile uint16_t *used_event;	/* in the avail ring, after it */
	volatile uint16_t *avail_event; /* in the used ring, after it */
	uint64_t desc_phys, avail_phys, used_phys;

	struct vq_slot *slot;
	uint16_t free_head, num_free;
	uint16_t avail_idx;	/* the next index Keel publishes */
	uint16_t last_used_idx; /* the next used element to read */
	uint16_t kicked_idx;	/* avail_idx at the last notification decision */
	bool event_idx, indirect;
	bool intr_disabled; /* the driver asked for no interrupts */
	bool broken;
	const char *broken_why;

	/* Indirect tables, one per descriptor: VQ_INDIRECT_MAX entries each. */
	struct vring_desc *indirect_tables;
	uint64_t indirect_phys;

	vq_notify_fn notify;
	vq_fault_fn on_fault;			    /* may be NULL */
	void *dev;				    /* the device, for notify */
	void *priv;				    /* the transport's (e.g. where to notify) */
	void *owner;				    /* the driver's */
	void (*on_interrupt)(struct virtqueue *vq); /* the driver's, from interrupt context */

	/* Counters. device_faults: every fault of enum vq_fault (clamped
	 * lengths included); fault_reported: the core logged one already. */
	unsigned long enqueued, dequeued, notifications, clamped_lengths;
	unsigned long device_faults;
	bool fault_reported;
};

/* Bytes and alignment of the ring memory for a queue of size entries. */
uint64_t virtqueue_ring_bytes(uint16_t size);
/* Bytes of the indirect tables (a multiple of 16), 0 without them. */
uint64_t virtqueue_indirect_bytes(uint16_t size);

/*
 * Sets vq up over ring memory the caller allocated: ring_bytes of zeroed
 * memory aligned to 4096 at ring (physical ring_phys), and, when indirect
 * descriptors were negotiated, indirect_bytes at indirect (physical
 * indirect_phys). size: a power of two up to 32768. The slot array is
 * taken from the heap. Returns 0, -EINVAL or -ENOMEM.
 */
int virtqueue_init(struct virtqueue *vq, uint16_t index, uint16_t size, void *ring, uint64_t ring_phys, void *indirect,
		   uint64_t indirect_phys, bool event_idx, vq_notify_fn notify);
void virtqueue_fini(struct virtqueue *vq);

/*
 * Posts a request: nreadable device-readable segments, then nwritable
 * device-writable ones, returned by dequeue with cookie (not NULL).
 * Returns 0, -EINVAL (no segments, a zero length, a NULL cookie), -ENOSPC
 * (no room now: dequeue first) or -EIO (broken). The device sees it at
 * the next kick.
 */
int virtqueue_enqueue(struct virtqueue *vq, void *cookie, const struct vq_seg *seg, unsigned nreadable,
		      unsigned nwritable);

/* Publishes what was enqueued; returns whether the device must be
 * notified (it asked, by flag or event index). */
bool virtqueue_kick_prepare(struct virtqueue *vq);
/* kick_prepare, then the transport's notification when needed. */
void virtqueue_kick(struct virtqueue *vq);

/* The next finished request's cookie and the bytes the device wrote
 * (clamped to what was offered), or NULL when there is none (or the queue
 * is broken: see vq->broken). */
void *virtqueue_dequeue(struct virtqueue *vq, uint32_t *len);

/* Interrupt suppression (section 2.7.7). disable asks the device not to
 * interrupt; enable asks it to again and returns true when used buffers
 * arrived in between, so the caller must dequeue again before waiting. */
void virtqueue_disable_intr(struct virtqueue *vq);
bool virtqueue_enable_intr(struct virtqueue *vq);

/* Whether nothing is outstanding. */
bool virtqueue_empty(const struct virtqueue *vq);

/* Marks the queue broken (also used by drivers for device errors). */
void virtqueue_break(struct virtqueue *vq, const char *why);

#endif
