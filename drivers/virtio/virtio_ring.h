/*
 * The split virtqueue as it lies in memory shared with the device
 * (virtio 1.2, section 2.7). Little-endian on x86; only <stdint.h> so the
 * host tests use it unchanged.
 */
#ifndef KEEL_VIRTIO_RING_H
#define KEEL_VIRTIO_RING_H

#include <stdint.h>

/* Section 2.7.5: descriptor flags. */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

/* Section 2.7.6 and 2.7.8: suppression flags. */
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY 1

/* The largest split queue (section 2.7: Queue Size is at most 32768). */
#define VRING_MAX_SIZE 32768

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct vring_desc) == 16, "vring_desc");

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[]; /* size entries, then used_event */
};
_Static_assert(sizeof(struct vring_avail) == 4, "vring_avail header");

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};
_Static_assert(sizeof(struct vring_used_elem) == 8, "vring_used_elem");

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[]; /* size entries, then avail_event */
};
_Static_assert(sizeof(struct vring_used) == 4, "vring_used header");

/* The legacy interface (section 4.1.5.1.4.1 / 2.7.2 "Legacy Interfaces")
 * fixes the layout: descriptors, then the available ring, then the used
 * ring on the next 4096-byte boundary. Keel uses it for both interfaces. */
#define VRING_ALIGN 4096u

static inline uint64_t vring_avail_offset(uint32_t size) { return 16ull * size; }

static inline uint64_t vring_used_offset(uint32_t size)
{
	uint64_t end_of_avail = 16ull * size + 4 + 2ull * size + 2; /* + used_event */
	return (end_of_avail + VRING_ALIGN - 1) & ~(uint64_t)(VRING_ALIGN - 1);
}

static inline uint64_t vring_total_bytes(uint32_t size)
{
	uint64_t end_of_used = vring_used_offset(size) + 4 + 8ull * size + 2; /* + avail_event */
	return (end_of_used + VRING_ALIGN - 1) & ~(uint64_t)(VRING_ALIGN - 1);
}

/* Section 2.7.10: whether the other side asked to be told, given its
 * event index and the index moving from old to new. */
static inline int vring_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
