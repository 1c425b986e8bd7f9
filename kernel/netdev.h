/*
 * Network devices as the network stack sees them, whatever drives them
 * (virtio-net to come): Ethernet frames sent as scatter-gather lists with
 * an offload descriptor and completed asynchronously, frames received as
 * lists of the driver's own buffers (lent to the stack without a copy and
 * given back through a release function), the link state, offloads and
 * counters.
 *
 * The driver fills in a struct netdev and calls netdev_register; the
 * stack finds it (by name, iteration, or a notifier that also tells of
 * devices that come later or go), attaches its callbacks with
 * netdev_open, and transmits with netdev_transmit.
 */
#ifndef KEEL_NETDEV_H
#define KEEL_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/devreg.h"

#define NETDEV_ETH_ALEN 6
#define NETDEV_ETH_HLEN 14
#define NETDEV_VLAN_HLEN 4

/* A piece of a frame; the driver takes its physical address with
 * dma_phys (kernel/mm/dma.h). */
struct net_seg {
	void *addr;
	uint32_t len;
};

/* net_offload.flags */
/* Transmit: the checksum from csum_start to the end of the frame is the
 * device's to compute and store at csum_start + csum_offset (the stack
 * has put the pseudo-header's sum there). Receive: the frame's checksum
 * was not computed, only that of the pseudo-header (a frame from
 * another guest of the host), and it is valid. */
#define NET_OFF_CSUM_PARTIAL 0x1
/* Receive: the device checked the frame's checksums. */
#define NET_OFF_CSUM_VALID 0x2
/* Transmit: more frames follow at once; the driver may hold back telling
 * the device until a frame without it, or netdev_tx_flush. */
#define NET_OFF_MORE 0x4

enum net_gso {
	NET_GSO_NONE,
	NET_GSO_TCPV4, /* transmit: cut into gso_size segments (TSO); receive: merged segments (LRO) */
	NET_GSO_TCPV6,
	NET_GSO_UDP_L4,
};

/* What the virtio-net header says, in Keel's terms. */
struct net_offload {
	uint8_t flags; /* NET_OFF_ */
	uint8_t gso_type;
	uint16_t hdr_len;  /* the headers repeated in each segment */
	uint16_t gso_size; /* the payload of each segment (the MSS) */
	uint16_t csum_start, csum_offset;
};

struct netdev;

/* A received frame, in the driver's buffers. The stack calls release
 * when it no longer needs them (at once after a copy, or later), from a
 * thread; until then the driver must not reuse them. */
struct net_rxframe {
	struct netdev *dev;
	const struct net_seg *segs;
	unsigned nsegs;
	uint32_t len; /* the sum of the segments' lengths */
	struct net_offload off;
	void (*release)(struct net_rxframe *f);
	void *driver_priv;
};

/* Offloads a device offers (netdev.features). */
#define NETDEV_F_TX_CSUM 0x01 /* NET_OFF_CSUM_PARTIAL on transmit */
#define NETDEV_F_RX_CSUM 0x02 /* received frames may say NET_OFF_CSUM_VALID or _PARTIAL */
#define NETDEV_F_TSO4 0x04    /* NET_GSO_TCPV4 on transmit */
#define NETDEV_F_TSO6 0x08    /* NET_GSO_TCPV6 on transmit */
#define NETDEV_F_USO 0x10     /* NET_GSO_UDP_L4 on transmit */
#define NETDEV_F_LRO4 0x20    /* received frames may be merged TCPv4 segments */
#define NETDEV_F_LRO6 0x40    /* and TCPv6 */

struct netdev_ops {
	/* Starts receiving (buffers posted, interrupts on). 0 or -errno. */
	int (*open)(struct netdev *nd);
	/* Stops receiving and transmitting; frames in flight complete or
	 * fail (tx_done) before it returns. */
	void (*stop)(struct netdev *nd);
	/* Queues a frame already checked against the device's limits.
	 * Returns 0 when taken (netdev_tx_complete is called once for
	 * cookie, maybe before this returns; the segments' memory is the
	 * device's until then), -EAGAIN when the queue is full (try again
	 * after a completion), -EIO when the device is broken. */
	int (*transmit)(struct netdev *nd, const struct net_seg *segs, unsigned nsegs, const struct net_offload *off,
			void *cookie);
	/* Optional: tells the device about frames queued with NET_OFF_MORE. */
	void (*tx_flush)(struct netdev *nd);
};

/* What the stack gives netdev_open. */
struct netdev_stack {
	/* A frame arrived; from a thread (the driver's), never an interrupt
	 * handler. The frame is the stack's until it calls f->release. */
	void (*rx)(struct netdev *nd, struct net_rxframe *f);
	/* The frame of cookie was sent (0) or not (-EIO...); from a thread
	 * or an interrupt handler: only what a handler may do. */
	void (*tx_done)(struct netdev *nd, void *cookie, int status);
	/* The link went up or down; from a thread. May be NULL. */
	void (*link_changed)(struct netdev *nd, bool up);
};

struct netdev_stats {
	unsigned long rx_packets, rx_bytes, rx_dropped, rx_errors;
	unsigned long tx_packets, tx_bytes, tx_errors, tx_busy, tx_rejected;
};

struct netdev {
	struct devreg_entry reg; /* reg.name: e.g. "eth0" */
	const struct netdev_ops *ops;
	void *driver;

	uint8_t mac[NETDEV_ETH_ALEN];
	uint32_t mtu;	      /* the largest payload of a frame, 1500 usually */
	unsigned features;    /* NETDEV_F_ */
	unsigned max_tx_segs; /* segments per transmitted frame */
	uint32_t max_gso_len; /* the largest frame a GSO transmit may carry (0: 65535 + headers) */
	bool link_up;

	/* The stack's, between netdev_open and netdev_close. */
	const struct netdev_stack *stack;
	void *stack_ctx;
	bool open;

	struct netdev_stats stats; /* kept by netdev.c */
};

/* --- for drivers --- */

/* Checks the fields the driver set and adds nd under nd->reg.name.
 * Returns 0, -EINVAL or -EEXIST. */
int netdev_register(struct netdev *nd);
/* Removes nd (hot-unplug): users are told first, and must have closed it
 * by the time their notifier returns. 0 or -ENOENT. */
int netdev_unregister(struct netdev *nd);

/* Hands a received frame up, from the driver's thread. A frame that does
 * not add up (segments against len, offload flags the device does not
 * offer, longer than the MTU without LRO) is released at once and counted
 * as an error; without a stack (closed), as dropped. */
void netdev_input(struct netdev *nd, struct net_rxframe *f);
/* The frame of cookie is done: status 0 or -errno. From a thread or an
 * interrupt handler. */
void netdev_tx_complete(struct netdev *nd, void *cookie, int status);
/* Records the link state and tells the stack when it changed; from a
 * thread. */
void netdev_set_link(struct netdev *nd, bool up);

/* --- for the stack --- */

struct netdev *netdev_find(const char *name);
int netdev_foreach(int (*fn)(struct netdev *nd, void *arg), void *arg);

struct netdev_notifier {
	/* Each may be NULL. */
	void (*added)(struct netdev_notifier *n, struct netdev *nd);
	void (*removed)(struct netdev_notifier *n, struct netdev *nd);
	struct devreg_notifier reg;
};
void netdev_notifier_register(struct netdev_notifier *n);
int netdev_notifier_unregister(struct netdev_notifier *n);

/* Attaches the stack's callbacks (rx and tx_done required) and starts
 * the device. Returns 0, -EBUSY (open already), -EINVAL, or the
 * driver's error. */
int netdev_open(struct netdev *nd, const struct netdev_stack *stack, void *ctx);
void netdev_close(struct netdev *nd);

/* Checks a frame against the device and queues it. Returns 0 (tx_done
 * will be called for cookie), -ENETDOWN (not open), -EINVAL (no
 * segments, too many, too long for the MTU without GSO, an offload
 * the device lacks or a descriptor that does not fit the frame),
 * -EAGAIN (the queue is full), -EIO. */
int netdev_transmit(struct netdev *nd, const struct net_seg *segs, unsigned nsegs, const struct net_offload *off,
		    void *cookie);

/* Tells the device about every frame queued with NET_OFF_MORE: the
 * sender's last call after a run of them. */
void netdev_tx_flush(struct netdev *nd);

#endif
