/*
 * The virtio-net driver's state, shared by its two files: virtio_net.c
 * (attach, transmit, the thread, the netdev) and virtio_net_rx.c (the
 * receive ring and the checks of what the device wrote into it).
 */
#ifndef KEEL_VIRTIO_NET_H
#define KEEL_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_net_hdr.h"
#include "kernel/mm/dma.h"
#include "kernel/netdev.h"
#include "kernel/sync.h"
#include "kernel/thread.h"

#define RX_QUEUE 0
#define TX_QUEUE 1
/* Receive buffers: a page each, where memory allows. A full-sized frame
 * and its header fit in one; a 64 KiB segment the host hands in
 * (GUEST_TSO4, MRG_RXBUF) spans 17 rather than 33 of half the size, and
 * the device takes each buffer from the ring at a cost: QEMU's receive
 * into the guest ran 15% faster with them (iperf 2, medians of 6
 * interleaved runs). Below RX_LARGE_MIN_RAM of memory, half a page: a
 * ring of pages would be too large a share of it (lighttpd in 8 MiB ran
 * out of memory). */
#define RX_BUF_SIZE_SMALL 2048u
#define RX_BUF_SIZE_LARGE 4096u
#define RX_LARGE_MIN_RAM (64ull << 20)
/* The most buffers a frame may span: 65,535 bytes of IP, the Ethernet
 * and VLAN headers and the virtio header, in RX_BUF_SIZE_SMALL pieces, with
 * room to spare. A device that says more is lying. */
#define RX_MAX_FRAME_BUFS 40u
/* Buffers lent to the stack or posted, at most, as a multiple of the
 * ring's capacity. */
#define RX_LIMIT_RINGS 4u

/* What a device may write wrong in a received frame, each named once. */
enum vtnet_fault {
	VTNET_FAULT_SHORT,	 /* shorter than the virtio and Ethernet headers */
	VTNET_FAULT_NUM_BUFFERS, /* num_buffers 0, beyond the ring or beyond what was posted */
	VTNET_FAULT_LEN,	 /* a used length beyond its buffer */
	VTNET_FAULT_OFFLOAD,	 /* flags, gso_type or checksum offsets that do not hold */
	VTNET_FAULT_OVERSIZE,	 /* longer than the MTU without segmentation offload */
	VTNET_NFAULTS
};

struct vtnet_tx {
	void *cookie; /* the stack's, while the frame is the device's */
	uint16_t next_free;
	bool busy;
};

struct vtnet {
	struct netdev nd;
	struct virtio_device *vd;
	struct virtqueue *rxq, *txq;
	unsigned hdr_len; /* 10 or 12 */
	bool mrg, rx_split;
	uint32_t rx_buf_size; /* RX_BUF_SIZE_SMALL or _LARGE */
	struct dma_pool *rx_pool;
	/* Buffers in the ring, the most it holds, lent to the stack, and the
	 * bound of the first and the last together. */
	unsigned rx_posted, rx_target, rx_held, rx_limit;

	struct vtnet_tx *tx; /* txq->size of them */
	struct virtio_net_hdr *tx_hdr;
	uint64_t tx_hdr_phys;
	size_t tx_hdr_bytes;
	uint16_t tx_free, tx_nfree;

	struct sem work; /* posted by the interrupt handlers */
	volatile bool config_changed;
	bool broken_reported;
	unsigned fault_reported; /* 1 << enum vtnet_fault */
	unsigned long faults[VTNET_NFAULTS];
	unsigned long rx_nomem;
	struct thread *thread;
};

/* A received frame lent to the stack: its segments, then the buffers. */
struct vtnet_rxframe {
	struct net_rxframe f;
	struct vtnet *n;
	unsigned nbufs;
	void **bufs;
	struct net_seg seg[];
};

/* Fresh buffers from the pool into the receive ring up to its capacity,
 * while the buffers out stay within rx_limit; one notification for all. */
void vtnet_rx_fill(struct vtnet *n);
/* Takes one frame from the receive ring and hands it up (or drops it,
 * counted and named); returns false when there was none. */
bool vtnet_rx_one(struct vtnet *n);

#endif
