/*
 * The glue between a struct netdev (kernel/netdev.h) and an lwIP netif
 * (net/netif.c): one netif per device, named en0, en1, ... in the order
 * the devices come. Received frames reach lwIP in the driver's own
 * buffers; sent pbuf chains go down as scatter-gather lists, both without
 * a copy.
 */
#ifndef KEEL_NET_NETIF_H
#define KEEL_NET_NETIF_H

#include <stdbool.h>

#include "kernel/netdev.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

/* Frames one interface may lend lwIP at once (in sockets' queues, in
 * TCP's out-of-order queue) before further frames are copied and given
 * back at once: the driver's receive ring must not run dry because an
 * application does not read. Twice a 256-entry ring: virtio-net refills
 * its ring from a pool of its own up to four rings' worth. Descriptors
 * for twice this many frames are shared by all interfaces. */
#define NET_IF_RX_LEND_MAX 512
/* Segments of a received frame passed on without a copy; a frame of
 * more is copied. Up to NET_IF_RX_SEGS_POOLED, its descriptor comes from
 * a pool; a longer one (a merged frame over many buffers) from the heap. */
#define NET_IF_RX_SEGS_MAX 48
#define NET_IF_RX_SEGS_POOLED 4
/* lwIP reads each header (Ethernet, IP, TCP or UDP) from one pbuf: a
 * frame whose first segment holds less than this (or than the whole
 * frame) is copied. */
#define NET_IF_RX_HEAD_MIN 128
/* Segments of a sent frame; a longer pbuf chain is copied into one. */
#define NET_IF_TX_SEGS_MAX 16
/* Frames held back while the device's queue is full (-EAGAIN), sent in
 * order after its next completion. With this many waiting the glue
 * refuses further frames (ERR_MEM, counted as refused): lwIP keeps a
 * refused TCP segment unsent, and the glue has every connection with
 * unsent data send again once the wait has halved. Dropping them
 * instead, as a queue with a hard bound would, cost lighttpd serving a
 * 1 MiB file to 10 clients 1.3 s at the 99th percentile: the
 * retransmission timeouts. */
#define NET_IF_TX_DEFER_MAX 64
/* Pieces of a frame gathered from several TCP segments (net/tso.h): its
 * headers and every segment's payload pbufs; the device's own limit
 * (netdev.max_tx_segs) may be lower. */
#define NET_IF_TX_GSO_SEGS_MAX 64

struct net_if_stats {
	unsigned long rx_lent, rx_copied, rx_dropped;
	unsigned long tx_sent, tx_copied, tx_deferred, tx_refused, tx_dropped, tx_failed, tx_csum_offloaded;
	unsigned long tx_gso_frames, tx_gso_segments; /* frames gathered, and the segments in them */
};

struct net_if;

/* Opens nd and adds its netif (not yet up, no address). Takes the core
 * lock itself. Returns 0 and *out, -ENOMEM, or the device's error. */
int net_if_attach(struct netdev *nd, struct net_if **out);
/* Removes the netif and closes the device (hot-unplug). The glue's
 * memory stays for frames still lent. Takes the core lock. */
void net_if_detach(struct net_if *g);

struct netif *net_if_netif(struct net_if *g);
struct netdev *net_if_netdev(struct net_if *g);
/* The glue of a netif this file made, or NULL (the loopback). */
struct net_if *net_if_of(struct netif *netif);
void net_if_stats(struct net_if *g, struct net_if_stats *out);
/* Frames lent to lwIP right now. */
unsigned net_if_rx_lent(struct net_if *g);

/* Sends what every interface gathered (net/tso.h); the core lock's
 * holder calls it as it gives the lock up. */
void net_if_flush_all(void);

/* Whether some interface refuses frames now (its queue is full: lwIP's
 * output answers ERR_MEM); when its wait has halved it calls
 * sendmem_room (net/sendmem.h). Under the core lock. */
bool net_if_tx_refusing(void);

/* lwIP's IP input hooks (lwipopts.h): picks the checksum checks for this
 * packet. Returns 0: lwIP goes on with the packet. */
int net_if_ip_input_hook(struct pbuf *p, struct netif *netif);

/* The IPv6 router configured for the interface (the command line's
 * gw6=), or NULL for none: then lwIP picks among the routers that
 * advertised themselves. Under the core lock. */
void net_if_set_ip6_gateway(struct net_if *g, const ip6_addr_t *gw);
/* lwIP's hook asking the next hop toward an off-link destination
 * (LWIP_HOOK_ND6_GET_GW, lwipopts.h): the configured router, or NULL. */
const ip6_addr_t *net_if_ip6_gateway_hook(struct netif *netif, const ip6_addr_t *dest);

#endif
