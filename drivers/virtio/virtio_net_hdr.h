/*
 * virtio-net as it lies in memory shared with the device (virtio 1.2,
 * section 5.1): the feature bits, the configuration space and the header
 * that precedes every frame. Little-endian on x86 (legacy devices use the
 * guest's order, which is the same); only <stdint.h> so the host tests
 * use it unchanged.
 */
#ifndef KEEL_VIRTIO_NET_HDR_H
#define KEEL_VIRTIO_NET_HDR_H

#include <stddef.h>
#include <stdint.h>

/* Feature bits (section 5.1.3). */
#define VIRTIO_NET_F_CSUM (1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1)
#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (1ull << 7)
#define VIRTIO_NET_F_GUEST_TSO6 (1ull << 8)
#define VIRTIO_NET_F_GUEST_ECN (1ull << 9)
#define VIRTIO_NET_F_HOST_TSO4 (1ull << 11)
#define VIRTIO_NET_F_HOST_TSO6 (1ull << 12)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_F_CTRL_VQ (1ull << 17)

/* The configuration space (section 5.1.4). */
struct virtio_net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
	uint16_t mtu;
};
_Static_assert(offsetof(struct virtio_net_config, status) == 6, "virtio_net_config.status");
_Static_assert(offsetof(struct virtio_net_config, mtu) == 10, "virtio_net_config.mtu");

/* virtio_net_config.status */
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_S_ANNOUNCE 2

/* The header of every frame (section 5.1.6). num_buffers is there with
 * VIRTIO_NET_F_MRG_RXBUF or VIRTIO_F_VERSION_1: 12 bytes, otherwise 10. */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio_net_hdr");
_Static_assert(offsetof(struct virtio_net_hdr, num_buffers) == 10, "virtio_net_hdr.num_buffers");
#define VIRTIO_NET_HDR_LEN_LEGACY 10u
#define VIRTIO_NET_HDR_LEN 12u

/* virtio_net_hdr.flags */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_F_RSC_INFO 4

/* virtio_net_hdr.gso_type */
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#define VIRTIO_NET_HDR_GSO_ECN 0x80

#endif
