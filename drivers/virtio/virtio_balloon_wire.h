/*
 * virtio-balloon's wire formats (virtio 1.2, section 5.5): the device
 * configuration, the feature bits and queues, and the statistics the
 * driver reports. Little-endian fixed-width fields; only <stdint.h>, so
 * host tests use the header unchanged.
 */
#ifndef KEEL_VIRTIO_BALLOON_WIRE_H
#define KEEL_VIRTIO_BALLOON_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Feature bits (section 5.5.3). */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST (1ull << 0)
#define VIRTIO_BALLOON_F_STATS_VQ (1ull << 1)
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM (1ull << 2)

/* Queues (section 5.5.2): the statistics queue exists with STATS_VQ. */
#define VIRTIO_BALLOON_Q_INFLATE 0
#define VIRTIO_BALLOON_Q_DEFLATE 1
#define VIRTIO_BALLOON_Q_STATS 2

/* Page frame numbers in the queues count 4096-byte pages whatever the
 * guest's page size (section 5.5.6). */
#define VIRTIO_BALLOON_PFN_SHIFT 12

/* The device configuration (section 5.5.4): the pages the device wants
 * the balloon to hold, and the driver's report of how many it does. */
struct virtio_balloon_config {
	uint32_t num_pages;
	uint32_t actual;
};
_Static_assert(sizeof(struct virtio_balloon_config) == 8, "virtio_balloon_config");
_Static_assert(offsetof(struct virtio_balloon_config, actual) == 4, "virtio_balloon_config.actual");

/* Statistic tags (section 5.5.6.3). */
#define VIRTIO_BALLOON_S_SWAP_IN 0
#define VIRTIO_BALLOON_S_SWAP_OUT 1
#define VIRTIO_BALLOON_S_MAJFLT 2
#define VIRTIO_BALLOON_S_MINFLT 3
#define VIRTIO_BALLOON_S_MEMFREE 4
#define VIRTIO_BALLOON_S_MEMTOT 5
#define VIRTIO_BALLOON_S_AVAIL 6
#define VIRTIO_BALLOON_S_CACHES 7
#define VIRTIO_BALLOON_S_HTLB_PGALLOC 8
#define VIRTIO_BALLOON_S_HTLB_PGFAIL 9
#define VIRTIO_BALLOON_S_NR 10

/* One statistic: a 16-bit tag and a 64-bit value, packed to 10 bytes
 * (section 5.5.6.3: the structure is packed). */
struct virtio_balloon_stat {
	uint16_t tag;
	uint64_t val;
} __attribute__((packed));
_Static_assert(sizeof(struct virtio_balloon_stat) == 10, "virtio_balloon_stat");
_Static_assert(offsetof(struct virtio_balloon_stat, val) == 2, "virtio_balloon_stat.val");

#endif
