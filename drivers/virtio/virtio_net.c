/*
 * virtio-net (virtio 1.2, section 5.1): one receive and one transmit
 * queue per device, each device a struct netdev ("eth0", "eth1"...).
 *
 * Receive: buffers of a page, or half one in a small guest, from a DMA pool, one descriptor
 * each (two, header and data, on a legacy device without ANY_LAYOUT); a
 * frame spans num_buffers of them with MRG_RXBUF. Frames go up without a
 * copy, as the ring's own buffers; a fresh buffer from the pool takes the
 * place of each one lent, so the ring stays full while the stack holds
 * many, up to rx_limit buffers in all. A released buffer goes back to the
 * ring when it has room, else to the pool. Everything the device wrote
 * is checked before use: a frame that does not add up is dropped,
 * counted as an error and its kind named once in the log. (The receive
 * ring is virtio_net_rx.c's.)
 *
 * Transmit: the header in a descriptor of its own (from a table, one per
 * ring entry) followed by the stack's segments, without a copy. Finished
 * frames are reclaimed by the next transmit and by the thread's rounds;
 * the device interrupts for them only while the ring is full.
 *
 * A thread per device does the work; interrupt handlers only wake it.
 * Kernel threads are cooperative and no handler touches a queue, so the
 * queues need no lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_net.h"
#include "drivers/virtio/virtio_net_hdr.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/entropy.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/mm.h"
#include "kernel/thread.h"

/* Segments of one transmitted frame at most, besides the header: a TCP
 * frame gathered from 44 full segments (net/tso.h) has 44, each in a
 * buffer of its own. Up to VQ_INDIRECT_MAX - 1 take one ring descriptor
 * (an indirect table); a longer chain takes one descriptor each. */
#define TX_SEGS_MAX 63u

/* Frames handled in one round before the thread lets others run. */
#define RX_BUDGET 256u
/* How often an idle thread looks at the device's status. */
#define IDLE_CHECK_NS 1000000000ull

static unsigned eth_count;

/* --- transmit --- */

static void tx_reclaim(struct vtnet *n)
{
	struct vtnet_tx *t;
	while ((t = virtqueue_dequeue(n->txq, NULL)) != NULL) {
		void *cookie = t->cookie;
		t->busy = false;
		t->cookie = NULL;
		t->next_free = n->tx_free;
		n->tx_free = (uint16_t)(t - n->tx);
		n->tx_nfree++;
		netdev_tx_complete(&n->nd, cookie, 0);
	}
}

/* The header the device reads before the frame (section 5.1.6.2). */
static void tx_header(const struct net_offload *off, struct virtio_net_hdr *h)
{
	static const uint8_t gso[] = { [NET_GSO_NONE] = VIRTIO_NET_HDR_GSO_NONE,
				       [NET_GSO_TCPV4] = VIRTIO_NET_HDR_GSO_TCPV4,
				       [NET_GSO_TCPV6] = VIRTIO_NET_HDR_GSO_TCPV6,
				       [NET_GSO_UDP_L4] = VIRTIO_NET_HDR_GSO_UDP_L4 };
	memset(h, 0, sizeof(*h));
	if (off == NULL)
		return;
	if (off->flags & NET_OFF_CSUM_PARTIAL) {
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = off->csum_start;
		h->csum_offset = off->csum_offset;
	}
	if (off->gso_type < sizeof(gso) && off->gso_type != NET_GSO_NONE) {
		h->gso_type = gso[off->gso_type];
		h->gso_size = off->gso_size;
		h->hdr_len = off->hdr_len;
	}
}

/* The ring is full: the device's next completion is to wake the thread,
 * whose reclaim lets the stack send what waited. Returns -EAGAIN. */
static int tx_full(struct vtnet *n)
{
	/* The device must know of every frame it holds before the driver
	 * waits for it (some may have been queued with NET_OFF_MORE). */
	virtqueue_kick(n->txq);
	/* What completed before the interrupts were back on raises none. */
	if (virtqueue_enable_intr(n->txq))
		sem_post(&n->work);
	return -EAGAIN;
}

static int vtnet_transmit(struct netdev *nd, const struct net_seg *segs, unsigned nsegs, const struct net_offload *off,
			  void *cookie)
{
	struct vtnet *n = nd->driver;
	if (n->vd->broken || n->txq->broken)
		return -EIO;
	tx_reclaim(n);
	if (nsegs > nd->max_tx_segs)
		return -EINVAL;
	if (n->tx_nfree == 0)
		return tx_full(n);
	/* While there is room, completions are reclaimed here and by the
	 * thread's rounds (a TCP peer's acknowledgement arrives after what
	 * it acknowledges), not announced by an interrupt each: under
	 * emulation every interrupt and wakeup costs the sender. */
	virtqueue_disable_intr(n->txq);
	uint16_t i = n->tx_free;
	struct vtnet_tx *t = &n->tx[i];
	tx_header(off, &n->tx_hdr[i]);
	struct vq_seg seg[TX_SEGS_MAX + 1];
	seg[0] = (struct vq_seg){ n->tx_hdr_phys + (uint64_t)i * sizeof(struct virtio_net_hdr), n->hdr_len };
	for (unsigned k = 0; k < nsegs; k++)
		seg[k + 1] = (struct vq_seg){ dma_phys(segs[k].addr), segs[k].len };
	int err = virtqueue_enqueue(n->txq, t, seg, nsegs + 1, 0);
	if (err == -ENOSPC)
		return tx_full(n);
	if (err)
		return err == -EIO ? -EIO : -EINVAL;
	n->tx_free = t->next_free;
	n->tx_nfree--;
	t->busy = true;
	t->cookie = cookie;
	/* One notification per call, or per run of frames the stack sends
	 * at once (NET_OFF_MORE, then vtnet_tx_flush), and only when the
	 * device asked for it (flags or event index). Under emulation a
	 * notification stops the CPU until the hypervisor has taken it,
	 * often behind its work on the frames before. */
	if (!(off && (off->flags & NET_OFF_MORE)))
		virtqueue_kick(n->txq);
	return 0;
}

static void vtnet_tx_flush(struct netdev *nd)
{
	struct vtnet *n = nd->driver;
	if (!n->vd->broken)
		virtqueue_kick(n->txq);
}

/* --- the thread --- */

static void link_update(struct vtnet *n)
{
	uint16_t status = VIRTIO_NET_S_LINK_UP;
	if (virtio_has(n->vd, VIRTIO_NET_F_STATUS) &&
	    virtio_config_read(n->vd, offsetof(struct virtio_net_config, status), &status, sizeof(status)) != 0)
		return;
	netdev_set_link(&n->nd, (status & VIRTIO_NET_S_LINK_UP) != 0);
}

/* One round of work: the link, finished transmits, received frames, the
 * ring refilled. Returns whether more is waiting. */
static bool vtnet_poll(struct vtnet *n)
{
	if (n->config_changed) {
		n->config_changed = false;
		link_update(n);
	}
	tx_reclaim(n);
	virtqueue_disable_intr(n->rxq);
	unsigned done = 0;
	while (done < RX_BUDGET && vtnet_rx_one(n))
		done++;
	vtnet_rx_fill(n);
	/* Interrupts back on, and a last look for what came meanwhile. */
	bool more = virtqueue_enable_intr(n->rxq) || done == RX_BUDGET;
	return more && !n->rxq->broken;
}

static int vtnet_thread(void *arg)
{
	struct vtnet *n = arg;
	for (;;) {
		if (sem_timedwait(&n->work, IDLE_CHECK_NS) != 0)
			virtio_check_broken(n->vd);
		if (n->vd->broken || n->rxq->broken || n->txq->broken) {
			if (!n->broken_reported)
				kwarn("%s: %s is broken; the interface no longer sends or receives\n", n->nd.reg.name,
				      n->vd->name);
			n->broken_reported = true;
			continue;
		}
		if (vtnet_poll(n)) {
			sem_post(&n->work);
			thread_yield();
		}
	}
	return 0;
}

static void on_queue(struct virtqueue *vq) { sem_post(&((struct vtnet *)vq->owner)->work); }

static void on_config(struct virtio_device *vd)
{
	struct vtnet *n = vd->driver;
	if (n == NULL)
		return;
	n->config_changed = true;
	sem_post(&n->work);
}

/* --- the netdev --- */

static int vtnet_open(struct netdev *nd)
{
	struct vtnet *n = nd->driver;
	if (n->vd->broken)
		return -EIO;
	sem_post(&n->work);
	return 0;
}

/* Frames in flight complete before stop returns, within the device's
 * bound; the receive ring stays posted (what arrives meanwhile is
 * dropped by netdev_input as the stack is gone). */
static void vtnet_stop(struct netdev *nd)
{
	struct vtnet *n = nd->driver;
	uint64_t deadline = clock_ns() + virtio_timeout(n->vd);
	virtqueue_kick(n->txq); /* frames queued with NET_OFF_MORE */
	for (;;) {
		tx_reclaim(n);
		if (virtqueue_empty(n->txq) || n->txq->broken)
			break;
		if (clock_ns() >= deadline) {
			kwarn("%s: %s kept frames past %lu ms at close\n", nd->reg.name, n->vd->name,
			      (unsigned long)(virtio_timeout(n->vd) / 1000000));
			break;
		}
		sleep_ns(1000000);
	}
}

static const struct netdev_ops vtnet_ops = {
	.open = vtnet_open, .stop = vtnet_stop, .transmit = vtnet_transmit, .tx_flush = vtnet_tx_flush
};

/* --- attach --- */

static const uint64_t wanted_features =
    VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MAC | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 |
    VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6 | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MTU |
    VIRTIO_F_ANY_LAYOUT | VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC;

/* What of features can be used together (section 5.1.3.1): segmentation
 * needs the checksum offload of its direction; large frames in, without
 * mergeable buffers, would need 64 KiB buffers, which this driver does
 * not post. */
static uint64_t usable_features(uint64_t f)
{
	if (!(f & VIRTIO_NET_F_CSUM))
		f &= ~(VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6);
	if (!(f & VIRTIO_NET_F_GUEST_CSUM) || !(f & VIRTIO_NET_F_MRG_RXBUF))
		f &= ~(VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6);
	return f;
}

/* The MTU the device advises (VIRTIO_NET_F_MTU, section 5.1.4.2), when it
 * lies between the smallest IPv4 allows and what a receive buffer holds
 * without mergeable buffers (any, with them); 1,500 otherwise. */
static uint32_t device_mtu(struct vtnet *n)
{
	uint16_t mtu;
	if (!virtio_has(n->vd, VIRTIO_NET_F_MTU) ||
	    virtio_config_read(n->vd, offsetof(struct virtio_net_config, mtu), &mtu, sizeof(mtu)) != 0)
		return 1500;
	uint32_t most = n->mrg ? 65535u - NETDEV_ETH_HLEN - NETDEV_VLAN_HLEN
			       : n->rx_buf_size - n->hdr_len - NETDEV_ETH_HLEN - NETDEV_VLAN_HLEN;
	if (mtu < 68 || mtu > most) {
		kwarn("%s: the device's MTU %u is outside 68..%u; 1500 is used\n", n->vd->name, mtu, most);
		return 1500;
	}
	return mtu;
}

static void random_mac(struct vtnet *n, uint8_t mac[NETDEV_ETH_ALEN])
{
	if (entropy_getrandom(mac, NETDEV_ETH_ALEN) != NETDEV_ETH_ALEN) {
		/* No source: the time and the device's place, which differ
		 * between devices of one machine at least. */
		uint64_t x = clock_ns() * 0x9e3779b97f4a7c15ull;
		for (const char *s = n->vd->location; *s; s++)
			x = (x ^ (uint8_t)*s) * 0x100000001b3ull;
		memcpy(mac, &x, NETDEV_ETH_ALEN);
	}
	/* Unicast, locally administered (IEEE 802, the U/L bit). */
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
}

static int vtnet_attach(struct virtio_device *vd)
{
	struct vtnet *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	n->vd = vd;
	sem_init(&n->work, 0);
	void **posted = NULL;
	unsigned nposted = 0;

	/* Steps 1 to 6 of section 3.1.1; again with less when the device
	 * offers a feature without the one it depends on. */
	int err = virtio_negotiate(vd, wanted_features);
	if (!err && usable_features(vd->features) != vd->features)
		err = virtio_negotiate(vd, usable_features(vd->features));
	if (err)
		goto fail;
	n->mrg = virtio_has(vd, VIRTIO_NET_F_MRG_RXBUF);
	n->hdr_len = n->mrg || virtio_has(vd, VIRTIO_F_VERSION_1) ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;
	n->rx_split = !n->mrg && !virtio_has(vd, VIRTIO_F_ANY_LAYOUT) && !virtio_has(vd, VIRTIO_F_VERSION_1);

	/* 7. The queues. */
	err = virtio_queue_setup(vd, RX_QUEUE, 0, on_queue, n);
	if (!err)
		err = virtio_queue_setup(vd, TX_QUEUE, 0, on_queue, n);
	if (err)
		goto fail;
	n->rxq = vd->vq[RX_QUEUE];
	n->txq = vd->vq[TX_QUEUE];
	err = -ENOMEM;
	n->tx = calloc(n->txq->size, sizeof(*n->tx));
	n->tx_hdr_bytes = (size_t)n->txq->size * sizeof(struct virtio_net_hdr);
	n->tx_hdr = dma_alloc_pages(n->tx_hdr_bytes, &n->tx_hdr_phys);
	n->rx_buf_size = mm_ram_bytes() >= RX_LARGE_MIN_RAM ? RX_BUF_SIZE_LARGE : RX_BUF_SIZE_SMALL;
	n->rx_pool = dma_pool_create("virtio-net rx", n->rx_buf_size, 64, DMA_POOL_NO_PAGE_CROSS);
	if (n->tx == NULL || n->tx_hdr == NULL || n->rx_pool == NULL)
		goto fail;
	for (unsigned i = 0; i < n->txq->size; i++)
		n->tx[i].next_free = (uint16_t)(i + 1);
	n->tx_nfree = n->txq->size;
	n->rx_target = n->rxq->size / (n->rx_split ? 2u : 1u);
	n->rx_limit = n->rx_target * RX_LIMIT_RINGS;

	/* The netdev, before interrupts can name it. */
	struct netdev *nd = &n->nd;
	snprintf(nd->reg.name, sizeof(nd->reg.name), "eth%u", eth_count);
	nd->ops = &vtnet_ops;
	nd->driver = n;
	nd->mtu = device_mtu(n);
	/* A chain longer than an indirect table holds must fit the ring
	 * several times over, or one frame would keep the others out. */
	nd->max_tx_segs = TX_SEGS_MAX;
	if (nd->max_tx_segs > n->txq->size / 4u - 1u)
		nd->max_tx_segs = n->txq->size / 4u - 1u;
	if (virtio_has(vd, VIRTIO_RING_F_INDIRECT_DESC) && nd->max_tx_segs < VQ_INDIRECT_MAX - 1u)
		nd->max_tx_segs = VQ_INDIRECT_MAX - 1u;
	if (nd->max_tx_segs > n->txq->size - 1u)
		nd->max_tx_segs = n->txq->size - 1u;
	if (virtio_has(vd, VIRTIO_NET_F_CSUM))
		nd->features |= NETDEV_F_TX_CSUM;
	if (virtio_has(vd, VIRTIO_NET_F_HOST_TSO4))
		nd->features |= NETDEV_F_TSO4;
	if (virtio_has(vd, VIRTIO_NET_F_HOST_TSO6))
		nd->features |= NETDEV_F_TSO6;
	if (virtio_has(vd, VIRTIO_NET_F_GUEST_CSUM))
		nd->features |= NETDEV_F_RX_CSUM;
	if (virtio_has(vd, VIRTIO_NET_F_GUEST_TSO4))
		nd->features |= NETDEV_F_LRO4;
	if (virtio_has(vd, VIRTIO_NET_F_GUEST_TSO6))
		nd->features |= NETDEV_F_LRO6;
	if (!virtio_has(vd, VIRTIO_NET_F_MAC) ||
	    virtio_config_read(vd, offsetof(struct virtio_net_config, mac), nd->mac, NETDEV_ETH_ALEN) != 0)
		random_mac(n, nd->mac);
	vd->driver = n;
	vd->on_config_change = on_config;

	/* 8. DRIVER_OK, then the receive ring filled (a notification
	 * before DRIVER_OK would not reach the device). */
	err = virtio_finish(vd);
	if (err)
		goto fail;
	vtnet_rx_fill(n);
	if (n->rx_posted == 0) {
		err = -ENOMEM;
		goto fail;
	}
	uint16_t status = VIRTIO_NET_S_LINK_UP;
	if (virtio_has(vd, VIRTIO_NET_F_STATUS))
		virtio_config_read(vd, offsetof(struct virtio_net_config, status), &status, sizeof(status));
	nd->link_up = (status & VIRTIO_NET_S_LINK_UP) != 0;

	/* From here the stack may open it and transmit; the thread receives. */
	err = netdev_register(nd);
	if (err)
		goto fail;
	err = thread_create(&n->thread, "virtio-net", vtnet_thread, n, 0);
	if (err) {
		netdev_unregister(nd);
		goto fail;
	}
	eth_count++;
	kinfo("%s: %s (%s) %02x:%02x:%02x:%02x:%02x:%02x, features %#llx, link %s\n", nd->reg.name, vd->name,
	      vd->location, nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5],
	      (unsigned long long)vd->features, nd->link_up ? "up" : "down");
	return 0;

fail:
	/* The buffers the ring holds are known before the queues go; they
	 * are freed only once the device reset and cannot write them. */
	if (n->rxq && n->rx_posted) {
		posted = calloc(n->rx_posted, sizeof(*posted));
		for (unsigned i = 0; posted && i < n->rxq->size; i++)
			if (n->rxq->slot[i].head)
				posted[nposted++] = n->rxq->slot[i].cookie;
	}
	/* The handler first: a configuration interrupt may come until the
	 * transport's interrupts are released. */
	vd->on_config_change = NULL;
	vd->driver = NULL;
	if (!virtio_detach(vd) || (n->rx_posted && posted == NULL))
		return err; /* left to the device */
	for (unsigned i = 0; i < nposted; i++)
		dma_pool_free(n->rx_pool, posted[i]);
	free(posted);
	if (n->rx_pool)
		dma_pool_destroy(n->rx_pool);
	if (n->tx_hdr)
		dma_free_pages(n->tx_hdr, n->tx_hdr_bytes);
	free(n->tx);
	free(n);
	return err;
}

static const struct virtio_driver virtio_net_driver = { "net", VIRTIO_ID_NET, vtnet_attach, 0 };
VIRTIO_DRIVER(virtio_net_driver);
