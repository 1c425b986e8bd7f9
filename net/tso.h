/*
 * Transmit segmentation offload for lwIP's TCP segments (net/tso.c: pure,
 * host-tested). lwIP never builds a segment larger than the MTU allows;
 * the glue gathers a run of them, one flow's consecutive full-size
 * segments, into one frame that the device cuts again (NET_GSO_TCPV4).
 *
 * A batch keeps the headers of the frame to be sent: those of its first
 * segment, with the acknowledgement, window and PSH flag of its last and
 * the IPv4 total length of the whole. Cut again as the device does
 * (virtio 1.2, section 5.1.6.2; Linux's tcp_gso_segment: each piece gets
 * the headers, the sequence number advanced by gso_size per piece, the
 * IPv4 identification advanced by one, PSH and FIN only on the last,
 * lengths and checksums computed), the frame gives back exactly the
 * segments lwIP built, except that the earlier ones carry the last one's
 * acknowledgement and window.
 *
 * That is correct for TCP, and what Linux's own TSO does (it fills in
 * both when a large segment is sent, not when its data was queued): the
 * segments all leave when the batch does, and at that moment the last
 * segment's acknowledgement and window are lwIP's current ones. The
 * acknowledgement number only covers data lwIP has received, and a
 * window that goes with a later acknowledgement only tells the peer the
 * receiver's newest state earlier; a peer would see the same values on
 * the last segment anyway, a moment later.
 */
#ifndef KEEL_NET_TSO_H
#define KEEL_NET_TSO_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/netdev.h"

/* Ethernet, IPv4 without options, TCP with its options. */
#define TSO_HDR_MAX (14 + 20 + 60)
/* Segments gathered in one frame at most. */
#define TSO_SEGS_MAX 44

/* What tso_parse finds in a frame that may be gathered. */
struct tso_seg {
	uint16_t hdr_len; /* Ethernet, IPv4 and TCP headers */
	uint16_t payload; /* the TCP payload's bytes */
	uint16_t ip_id;
	uint32_t seq, ack;
	uint8_t flags; /* TCP flags */
};

struct tso_batch {
	uint8_t hdr[TSO_HDR_MAX]; /* the frame's headers (tso_finish completes them) */
	uint16_t hdr_len;
	uint16_t gso_size; /* the first segment's payload */
	unsigned count;	   /* segments gathered; 0: empty */
	uint32_t len;	   /* the frame's length: headers and every payload */
	uint32_t next_seq; /* the sequence number a following segment must have */
	uint16_t next_id;  /* and its IPv4 identification */
	uint32_t ack;
	bool closed; /* the last segment was short or pushed: nothing may follow */
};

/* Parses the headers of a frame of len bytes, the first avail of which
 * are at frame. True when the frame is one lwIP's TCP may send in a run:
 * IPv4 without options and not a fragment, TCP with only ACK (and PSH)
 * set, a payload, the headers all within avail. */
bool tso_parse(const uint8_t *frame, uint32_t avail, uint32_t len, struct tso_seg *s);

/* Starts b with the segment s whose headers are at hdr. */
void tso_start(struct tso_batch *b, const uint8_t *hdr, const struct tso_seg *s);

/* Adds the segment s (headers at hdr) when it continues b's run: the
 * same headers apart from the lengths, identification, sequence and
 * acknowledgement numbers, window, PSH and checksums; the next sequence
 * number and identification; an acknowledgement not behind b's; a
 * payload no larger than gso_size after full-size segments without PSH;
 * a frame that stays within max_len bytes and TSO_SEGS_MAX segments.
 * Returns whether it did. */
bool tso_add(struct tso_batch *b, const uint8_t *hdr, const struct tso_seg *s, uint32_t max_len);

/* Completes b's headers for the device (the IPv4 total length and
 * header checksum; the TCP checksum is left for netcsum_prepare_tcp) and
 * fills in off's segmentation fields (NET_GSO_TCPV4, gso_size, hdr_len)
 * when b holds more than one segment. */
void tso_finish(struct tso_batch *b, struct net_offload *off);

#endif
