/*
 * Transmit checksum offload on the frames lwIP sends (net/csum.c: pure,
 * host-tested). When a NIC computes TCP checksums, lwIP leaves the field
 * at zero (NETIF_CHECKSUM_GEN_TCP off); before the frame goes down, the
 * glue stores the pseudo-header's sum there and describes the rest for
 * the device (NET_OFF_CSUM_PARTIAL, kernel/netdev.h), as Linux does for
 * virtio-net.
 */
#ifndef KEEL_NET_CSUM_H
#define KEEL_NET_CSUM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/netdev.h"

/* When the frame in segs is TCP over IPv4 (not a fragment) or over IPv6
 * (no extension headers), stores the pseudo-header's sum in the TCP
 * checksum field, fills in off for the device, and returns true; leaves
 * any other frame (and off) alone and returns false. The headers may
 * span segments. */
bool netcsum_prepare_tcp(const struct net_seg *segs, unsigned nsegs, struct net_offload *off);

/* Does what the device would for a prepared frame: the checksum from
 * off->csum_start to the end, stored at csum_start + csum_offset. For a
 * frame whose device cannot take it after all. */
void netcsum_complete(const struct net_seg *segs, unsigned nsegs, const struct net_offload *off);

/* The ones' complement sum of len bytes starting at byte offset start of
 * the frame, added to sum, not folded (for the tests' own checks too). */
uint32_t netcsum_add(const struct net_seg *segs, unsigned nsegs, uint32_t start, uint32_t len, uint32_t sum);

#endif
