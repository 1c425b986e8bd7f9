/*
 * A simulated virtio device: the device side of a split virtqueue
 * (virtio 1.2, section 2.7), written from the specification and sharing
 * the ring memory with Keel's engine, for the host tests.
 *
 * "Physical" addresses are host pointers: the device follows them to read
 * descriptors, indirect tables and buffers. It is strict: whatever the
 * specification forbids a driver to do (a loop in a chain, a descriptor it
 * still holds offered again, flags it must not set, ...) is recorded as a
 * driver error in d->error, which the tests check is never set.
 *
 * Besides the honest device, hostile hooks write anything into the used
 * ring, as a broken or malicious device could.
 */
#ifndef KEEL_TESTS_VDEV_SIM_H
#define KEEL_TESTS_VDEV_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio_ring.h"

/* One buffer element of a chain as the device found it. */
struct vdev_seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

/* A chain the device took from the available ring and has not yet used. */
struct vdev_chain {
	uint16_t head;
	unsigned nsegs;
	struct vdev_seg *seg;
	unsigned ndescs; /* descriptors of the ring it occupies */
	uint16_t *descs;
	bool indirect;	   /* it ends in an indirect table */
	uint64_t readable; /* bytes */
	uint64_t writable; /* bytes */
};

/* What one completion did, for the test to compare with what it gets back. */
struct vdev_done {
	uint16_t head;
	uint32_t reported; /* the length put in the used element */
	uint32_t written;  /* bytes actually written */
	uint64_t readable;
	uint32_t read_sum; /* FNV-1a over every readable byte, in order */
	uint8_t fill;	   /* writable byte i was set to fill + i */
};

struct vdev_sim {
	uint16_t size;
	bool event_idx, indirect; /* the features negotiated */

	/* The three parts, located as section 2.7.2 lays them out. */
	volatile struct vring_desc *desc;
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	volatile uint16_t *used_event;
	volatile uint16_t *avail_event;

	uint16_t last_avail_idx; /* the next available entry to take */
	uint16_t used_idx;	 /* where the next used element goes */
	uint16_t published_idx;	 /* the used index the driver was shown */
	uint16_t kick_seen_idx;	 /* the available index at the last kick check */

	struct vdev_chain *chain; /* taken, not yet used, oldest first */
	unsigned nchains;
	uint8_t *desc_state; /* per descriptor: 0 free, 1 held by the device */

	bool auto_avail_event; /* with event idx: ask for a kick at the next buffer */
	uint8_t fill;	       /* the first byte value of the next completion */

	const char *error; /* the driver's first violation, or NULL */
	unsigned long kicks, interrupts, publishes, taken, completed;
	unsigned long owed_kicks, missed_kicks, needless_kicks;
	unsigned long kicks_checked; /* kicks at the last vdev_sim_check_kicks */
};

/* Sets the device up over ring memory already given to the engine. */
void vdev_sim_init(struct vdev_sim *d, void *ring, uint16_t size, bool event_idx, bool indirect);
void vdev_sim_fini(struct vdev_sim *d);

/* The spec's ring size in bytes (section 2.7.2, legacy layout), computed here on its own. */
uint64_t vdev_sim_ring_bytes(uint16_t size);

/* Takes every new chain from the available ring, validating each. Returns
 * how many, or -1 when the driver broke a rule (d->error). */
int vdev_sim_fetch(struct vdev_sim *d);

/* Uses chain i of those held (0: the oldest): reads every readable byte,
 * writes min(len, writable) bytes, and puts { head, len } in the used ring
 * (not yet published). len may exceed the chain (a lying device).
 * VDEV_ALL writes the whole writable part. */
#define VDEV_ALL UINT32_MAX
void vdev_sim_complete(struct vdev_sim *d, unsigned i, uint32_t len, struct vdev_done *done);

/* Publishes the used elements written so far (section 2.7.8) and decides,
 * as section 2.7.7 demands, whether to interrupt. Returns whether it did. */
bool vdev_sim_publish(struct vdev_sim *d);

/* Fetch, use every chain held in order with its whole writable part, publish. */
unsigned vdev_sim_run(struct vdev_sim *d);

/* The transport's notification reached the device. */
void vdev_sim_kicked(struct vdev_sim *d);

/* Whether the driver owed a notification for what it made available since
 * the last call, by the rules of section 2.7.10 and the device's current
 * flags or avail_event; counts missed (owed, not sent) and needless ones
 * against kicks received since the last call. */
bool vdev_sim_check_kicks(struct vdev_sim *d);

/* The device's side of notification suppression (section 2.7.10). */
void vdev_sim_set_used_flags(struct vdev_sim *d, uint16_t flags);
void vdev_sim_set_avail_event(struct vdev_sim *d, uint16_t idx);

/* --- hostile hooks --- */

/* Writes a used element at the device's used index and advances it. */
void vdev_sim_put_used(struct vdev_sim *d, uint32_t id, uint32_t len);
/* Writes the used index, whatever it is. */
void vdev_sim_set_used_idx(struct vdev_sim *d, uint16_t idx);
/* A descriptor that is in no chain the device holds, or -1. */
int vdev_sim_free_desc(const struct vdev_sim *d);
/* Forgets chain i without using it (after a hostile completion of it). */
void vdev_sim_drop(struct vdev_sim *d, unsigned i);

/* A hostile device's moves: each breaks one rule of section 2.7.8 that a
 * driver must not trust the device to keep. */
enum vdev_hostile {
	VDEV_ID_BEYOND,	  /* a used element naming a descriptor past the queue */
	VDEV_ID_NOT_HEAD, /* a used element naming a descriptor the driver holds free */
	VDEV_IDX_JUMP,	  /* the used index moved by more than the queue size */
	VDEV_LEN_BEYOND,  /* the oldest taken chain completed with a length past its writable bytes */
};
/* Does h once, published. VDEV_LEN_BEYOND needs a chain taken (fetch);
 * returns false when there is none, true otherwise. */
bool vdev_sim_misbehave(struct vdev_sim *d, enum vdev_hostile h);

#endif
