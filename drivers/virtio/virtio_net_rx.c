/*
 * virtio-net's receive ring (virtio 1.2, section 5.1.6.3 and 5.1.6.4):
 * buffers of rx_buf_size bytes from a DMA pool, a frame over num_buffers
 * of them with MRG_RXBUF, lent to the stack without a copy and taken back
 * through its release. Everything the device wrote is checked before use:
 * a frame that does not add up is dropped, counted as an error and a
 * device fault, and its kind named once in the log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_net.h"
#include "drivers/virtio/virtio_net_hdr.h"
#include "kernel/console.h"
#include "kernel/devfault.h"
#include "kernel/mm/dma.h"

static const char *const fault_names[VTNET_NFAULTS] = {
	[VTNET_FAULT_SHORT] = "a frame shorter than its headers",
	[VTNET_FAULT_NUM_BUFFERS] = "a num_buffers that does not match the buffers posted",
	[VTNET_FAULT_LEN] = "a used length beyond its buffer",
	[VTNET_FAULT_OFFLOAD] = "an offload header that does not hold",
	[VTNET_FAULT_OVERSIZE] = "a frame longer than the MTU without segmentation",
};

/* --- faults --- */

static void rx_fault(struct vtnet *n, enum vtnet_fault f, unsigned long got)
{
	n->faults[f]++;
	n->nd.stats.rx_errors++;
	/* The virtqueue engine counted a length beyond its buffer already. */
	if (f != VTNET_FAULT_LEN)
		device_fault_count();
	if (n->fault_reported & (1u << f))
		return;
	n->fault_reported |= 1u << f;
	kwarn("%s (%s, %s): dropped %s (%lu); further ones are only counted\n", n->nd.reg.name, n->vd->name,
	      n->vd->location, fault_names[f], got);
}

/* --- receive --- */

static int rx_post(struct vtnet *n, void *buf)
{
	uint64_t phys = dma_pool_phys(n->rx_pool, buf);
	struct vq_seg seg[2] = { { phys, n->rx_buf_size }, { 0, 0 } };
	unsigned nsegs = 1;
	if (n->rx_split) {
		/* A legacy device without ANY_LAYOUT wants the header in a
		 * descriptor of its own (section 5.1.6.5, legacy
		 * interface); the data follows in the same memory. */
		seg[0].len = n->hdr_len;
		seg[1].addr = phys + n->hdr_len;
		seg[1].len = n->rx_buf_size - n->hdr_len;
		nsegs = 2;
	}
	int err = virtqueue_enqueue(n->rxq, buf, seg, 0, nsegs);
	if (err == 0)
		n->rx_posted++;
	return err;
}

/* A buffer the driver holds again: back into the ring when it has room,
 * else to the pool. Returns whether it went into the ring. */
static bool rx_recycle(struct vtnet *n, void *buf)
{
	if (n->rx_posted < n->rx_target && rx_post(n, buf) == 0)
		return true;
	dma_pool_free(n->rx_pool, buf);
	return false;
}

void vtnet_rx_fill(struct vtnet *n)
{
	bool posted = false;
	while (n->rx_posted < n->rx_target && n->rx_posted + n->rx_held < n->rx_limit) {
		uint64_t phys;
		void *buf = dma_pool_alloc(n->rx_pool, &phys);
		if (buf == NULL)
			break;
		if (rx_post(n, buf) != 0) {
			dma_pool_free(n->rx_pool, buf);
			break;
		}
		posted = true;
	}
	if (posted)
		virtqueue_kick(n->rxq);
}

static void rx_release(struct net_rxframe *f)
{
	struct vtnet_rxframe *fr = (struct vtnet_rxframe *)f;
	struct vtnet *n = fr->n;
	bool posted = false;
	for (unsigned i = 0; i < fr->nbufs; i++)
		posted |= rx_recycle(n, fr->bufs[i]);
	n->rx_held -= fr->nbufs;
	free(fr);
	if (posted)
		virtqueue_kick(n->rxq);
}

/* The offload header of a received frame of len bytes (after the header)
 * in Keel's terms; -EINVAL when it does not hold. Only what was
 * negotiated may appear. */
static int rx_offload(const struct vtnet *n, const struct virtio_net_hdr *h, uint32_t len, struct net_offload *off)
{
	memset(off, 0, sizeof(*off));
	uint8_t known =
	    virtio_has(n->vd, VIRTIO_NET_F_GUEST_CSUM) ? VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID : 0;
	if (h->flags & ~known)
		return -EINVAL;
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if ((uint32_t)h->csum_start + h->csum_offset + 2 > len)
			return -EINVAL;
		off->flags = NET_OFF_CSUM_PARTIAL;
		off->csum_start = h->csum_start;
		off->csum_offset = h->csum_offset;
	} else if (h->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		off->flags = NET_OFF_CSUM_VALID;
	}
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE: return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		if (!virtio_has(n->vd, VIRTIO_NET_F_GUEST_TSO4))
			return -EINVAL;
		off->gso_type = NET_GSO_TCPV4;
		break;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (!virtio_has(n->vd, VIRTIO_NET_F_GUEST_TSO6))
			return -EINVAL;
		off->gso_type = NET_GSO_TCPV6;
		break;
	default: return -EINVAL; /* UDP, UDP_L4 and ECN were not negotiated */
	}
	if (h->gso_size == 0 || h->hdr_len > len)
		return -EINVAL;
	off->gso_size = h->gso_size;
	off->hdr_len = h->hdr_len;
	return 0;
}

/* The next used buffer and its length; *clamped when the engine cut a
 * length the device reported beyond the buffer. */
static void *rx_dequeue(struct vtnet *n, uint32_t *len, bool *clamped)
{
	unsigned long before = n->rxq->clamped_lengths;
	void *buf = virtqueue_dequeue(n->rxq, len);
	if (buf) {
		n->rx_posted--;
		*clamped |= n->rxq->clamped_lengths != before;
	}
	return buf;
}

static void rx_drop(struct vtnet *n, void **bufs, unsigned nbufs)
{
	bool posted = false;
	for (unsigned i = 0; i < nbufs; i++)
		posted |= rx_recycle(n, bufs[i]);
	if (posted)
		virtqueue_kick(n->rxq);
}

bool vtnet_rx_one(struct vtnet *n)
{
	void *bufs[RX_MAX_FRAME_BUFS];
	uint32_t lens[RX_MAX_FRAME_BUFS];
	bool clamped = false;
	bufs[0] = rx_dequeue(n, &lens[0], &clamped);
	if (bufs[0] == NULL)
		return false;
	unsigned nbufs = 1;
	if (lens[0] < n->hdr_len) {
		rx_fault(n, VTNET_FAULT_SHORT, lens[0]);
		rx_drop(n, bufs, nbufs);
		return true;
	}
	/* Device memory read once: the header is copied, then checked. */
	struct virtio_net_hdr h = { 0 };
	memcpy(&h, bufs[0], n->hdr_len);
	if (n->mrg) {
		/* The rest of the frame is in the buffers the device used
		 * next, published with this one (section 5.1.6.4.2). */
		unsigned want = h.num_buffers;
		if (want == 0 || want > RX_MAX_FRAME_BUFS || want - 1 > n->rx_posted) {
			rx_fault(n, VTNET_FAULT_NUM_BUFFERS, want);
			rx_drop(n, bufs, nbufs);
			return true;
		}
		while (nbufs < want) {
			bufs[nbufs] = rx_dequeue(n, &lens[nbufs], &clamped);
			if (bufs[nbufs] == NULL)
				break;
			nbufs++;
		}
		if (nbufs < want) {
			rx_fault(n, VTNET_FAULT_NUM_BUFFERS, want);
			rx_drop(n, bufs, nbufs);
			return true;
		}
	}
	if (clamped) {
		rx_fault(n, VTNET_FAULT_LEN, lens[0]);
		rx_drop(n, bufs, nbufs);
		return true;
	}
	uint32_t len = lens[0] - n->hdr_len;
	for (unsigned i = 1; i < nbufs; i++)
		len += lens[i];
	if (len < NETDEV_ETH_HLEN) {
		rx_fault(n, VTNET_FAULT_SHORT, len);
		rx_drop(n, bufs, nbufs);
		return true;
	}
	struct net_offload off;
	if (rx_offload(n, &h, len, &off) != 0) {
		rx_fault(n, VTNET_FAULT_OFFLOAD, h.gso_type << 8 | h.flags);
		rx_drop(n, bufs, nbufs);
		return true;
	}
	if (off.gso_type == NET_GSO_NONE && len > n->nd.mtu + NETDEV_ETH_HLEN + NETDEV_VLAN_HLEN) {
		rx_fault(n, VTNET_FAULT_OVERSIZE, len);
		rx_drop(n, bufs, nbufs);
		return true;
	}

	struct vtnet_rxframe *fr = malloc(sizeof(*fr) + nbufs * (sizeof(struct net_seg) + sizeof(void *)));
	if (fr == NULL) {
		n->rx_nomem++;
		n->nd.stats.rx_dropped++;
		rx_drop(n, bufs, nbufs);
		return true;
	}
	fr->n = n;
	fr->nbufs = nbufs;
	fr->bufs = (void **)(fr->seg + nbufs);
	unsigned nsegs = 0;
	for (unsigned i = 0; i < nbufs; i++) {
		fr->bufs[i] = bufs[i];
		uint32_t skip = i == 0 ? n->hdr_len : 0;
		/* A buffer holding only the header carries no segment. */
		if (lens[i] > skip)
			fr->seg[nsegs++] = (struct net_seg){ (char *)bufs[i] + skip, lens[i] - skip };
	}
	fr->f = (struct net_rxframe){ .segs = fr->seg, .nsegs = nsegs, .len = len, .off = off, .release = rx_release };
	n->rx_held += nbufs;
	netdev_input(&n->nd, &fr->f);
	return true;
}
