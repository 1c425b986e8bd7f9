/*
 * The virtio-net driver (drivers/virtio/virtio_net.c and virtio_net_rx.c,
 * built in here so their static functions can be called) over the fake
 * transport, with the
 * netdev class (kernel/netdev.c) above it and the simulated device below:
 * frames over one, two and many mergeable buffers, offload headers, every
 * lie a device can tell about a received frame, buffers back in the ring
 * once per release, the ring kept full while the stack holds frames,
 * transmit chains, a full ring and its recovery, the link.
 *
 * The driver's thread is not run: the tests call its round of work
 * (vtnet_poll) where an interrupt would have woken it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/virtio_net.c"
#include "drivers/virtio/virtio_net_rx.c"
#include "tests/host/virtio_fake.h"

/* --- what the driver needs of the kernel beyond the fake's ---------------------------- */

void sem_init(struct sem *s, unsigned long count) { s->count = count; }
void sem_post(struct sem *s) { s->count++; }
void mutex_init(struct mutex *m) { m->owner = NULL; }
int mutex_lock(struct mutex *m) { return 0; }
int mutex_unlock(struct mutex *m) { return 0; }
void thread_yield(void) {}
void sleep_ns(uint64_t ns) { now_ns += ns; }
static bool thread_fails;
int thread_create(struct thread **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size)
{
	*out = NULL;
	return thread_fails ? -ENOMEM : 0;
}
static bool no_entropy;
long entropy_getrandom(void *buf, size_t len)
{
	if (no_entropy)
		return -ENODEV;
	memset(buf, 0xff, len); /* multicast and global bits set: the driver must clear one, set the other */
	return (long)len;
}
uint64_t dma_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
/* The guest's memory, which sizes the receive buffers: small unless a
 * test says otherwise. */
static uint64_t ram_bytes = 32ull << 20;
uint64_t mm_ram_bytes(void) { return ram_bytes; }
void panic_at(const char *file, int line, const char *fmt, ...)
{
	fail_msg("panic at %s:%d: %s", file, line, fmt);
	abort();
}

/* --- the stack: frames kept until the test releases them ------------------------------- */

#define MAX_GOT 1024
static struct net_rxframe *got[MAX_GOT];
static unsigned ngot;
static void *tx_cookies[256];
static int tx_status[256];
static unsigned ntx_done, links_changed;

static void st_rx(struct netdev *nd, struct net_rxframe *f)
{
	assert_true(ngot < MAX_GOT);
	got[ngot++] = f;
}
static void st_tx_done(struct netdev *nd, void *cookie, int status)
{
	assert_true(ntx_done < 256);
	tx_cookies[ntx_done] = cookie;
	tx_status[ntx_done++] = status;
}
static void st_link(struct netdev *nd, bool up) { links_changed++; }
static const struct netdev_stack test_stack = { st_rx, st_tx_done, st_link };

static void release_all(void)
{
	for (unsigned i = 0; i < ngot; i++)
		got[i]->release(got[i]);
	ngot = 0;
}

/* The frame's bytes, gathered. */
static size_t gather(const struct net_rxframe *f, uint8_t *out)
{
	size_t at = 0;
	for (unsigned i = 0; i < f->nsegs; i++) {
		memcpy(out + at, f->segs[i].addr, f->segs[i].len);
		at += f->segs[i].len;
	}
	assert_int_equal(at, f->len);
	return at;
}

/* --- setup and teardown ---------------------------------------------------------------- */

#define ALL_OFFERED                                                                                                    \
	(VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_NET_F_MAC |               \
	 VIRTIO_NET_F_STATUS | VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM |                  \
	 VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_TSO6 | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_HOST_TSO6)

static const uint8_t config_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint16_t next_rx_qsize, next_tx_qsize; /* 0: the fake's default */

static void fresh_net(bool legacy, uint64_t offered, bool link_up)
{
	/* A test that failed half way leaves its device registered. */
	struct netdev *old = netdev_find("eth0");
	if (old)
		netdev_unregister(old);
	fresh(legacy, offered);
	if (next_rx_qsize)
		fk.qsize[RX_QUEUE] = next_rx_qsize;
	if (next_tx_qsize)
		fk.qsize[TX_QUEUE] = next_tx_qsize;
	next_rx_qsize = next_tx_qsize = 0;
	memcpy(fk.config, config_mac, 6);
	uint16_t status = link_up ? VIRTIO_NET_S_LINK_UP : 0;
	memcpy(fk.config + 6, &status, 2);
	thread_fails = false;
	no_entropy = false;
	ngot = ntx_done = links_changed = 0;
	eth_count = 0;
}

/* A device attached and opened by the test's stack. */
static struct vtnet *up_net(bool legacy, uint64_t offered)
{
	fresh_net(legacy, offered, true);
	assert_int_equal(vtnet_attach(&vd), 0);
	struct vtnet *n = vd.driver;
	assert_non_null(n);
	assert_int_equal(netdev_open(&n->nd, &test_stack, NULL), 0);
	/* The device takes every buffer posted. */
	assert_int_equal(vdev_sim_fetch(&fk.sim[RX_QUEUE]), (int)n->rx_target);
	assert_null(fk.sim[RX_QUEUE].error);
	return n;
}

/* Undoes a successful attach, as the kernel never does: every buffer
 * back in the pool, the pool and everything else freed. */
static void down_net(struct vtnet *n)
{
	release_all();
	netdev_close(&n->nd);
	assert_int_equal(netdev_unregister(&n->nd), 0);
	void *posted[VRING_MAX_SIZE / 64];
	unsigned np = 0;
	for (unsigned i = 0; i < n->rxq->size; i++)
		if (n->rxq->slot[i].head)
			posted[np++] = n->rxq->slot[i].cookie;
	assert_int_equal(np, n->rx_posted);
	assert_int_equal(n->rx_held, 0);
	virtio_detach(&vd);
	for (unsigned i = 0; i < np; i++)
		dma_pool_free(n->rx_pool, posted[i]);
	assert_int_equal(dma_pool_destroy(n->rx_pool), 0);
	dma_free_pages(n->tx_hdr, n->tx_hdr_bytes);
	free(n->tx);
	free(n);
	vd.driver = NULL;
	assert_int_equal(dma_live, 0);
}

/* --- the device's side of receive ------------------------------------------------------ */

/* The device writes bytes into the oldest receive buffer it holds (across
 * its descriptors) and reports reported bytes (UINT32_MAX: what it
 * wrote); not yet published. */
static void dev_fill_one(const uint8_t *bytes, size_t len, uint32_t reported)
{
	struct vdev_sim *d = &fk.sim[RX_QUEUE];
	assert_true(d->nchains > 0);
	struct vdev_chain *c = &d->chain[0];
	assert_true(len <= c->writable);
	size_t at = 0;
	for (unsigned s = 0; s < c->nsegs && at < len; s++) {
		assert_true(c->seg[s].write);
		size_t k = len - at < c->seg[s].len ? len - at : c->seg[s].len;
		memcpy((void *)(uintptr_t)c->seg[s].addr, bytes + at, k);
		at += k;
	}
	vdev_sim_put_used(d, c->head, reported == UINT32_MAX ? (uint32_t)len : reported);
	vdev_sim_drop(d, 0);
}

/* A frame as an honest device delivers it: the header (num_buffers set
 * to the buffers used when mergeable) then the data, over as many
 * buffers as it takes. Published, and the driver's round run. Returns
 * the buffers used. */
static unsigned dev_rx(struct vtnet *n, struct virtio_net_hdr h, const uint8_t *data, size_t len)
{
	struct vdev_sim *d = &fk.sim[RX_QUEUE];
	vdev_sim_fetch(d);
	size_t total = n->hdr_len + len, per = d->chain[0].writable;
	unsigned nbufs = n->mrg ? (unsigned)((total + per - 1) / per) : 1;
	if (n->mrg)
		h.num_buffers = (uint16_t)nbufs;
	uint8_t *bytes = malloc(total);
	memcpy(bytes, &h, n->hdr_len);
	memcpy(bytes + n->hdr_len, data, len);
	for (unsigned i = 0, at = 0; i < nbufs; i++) {
		size_t k = total - at < per ? total - at : per;
		dev_fill_one(bytes + at, k, UINT32_MAX);
		at += (unsigned)k;
	}
	free(bytes);
	vdev_sim_publish(d);
	vtnet_poll(n);
	assert_null(d->error);
	return nbufs;
}

static uint8_t frame[70000], out[70000];

static void make_frame(size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		frame[i] = (uint8_t)(seed + i * 13);
}

/* --- attach ------------------------------------------------------------------------------- */

static void attach_negotiates(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	assert_string_equal(n->nd.reg.name, "eth0");
	assert_memory_equal(n->nd.mac, config_mac, 6);
	assert_true(n->nd.link_up);
	assert_true(n->mrg);
	assert_int_equal(n->hdr_len, 12);
	assert_false(n->rx_split);
	assert_int_equal(n->nd.features, NETDEV_F_TX_CSUM | NETDEV_F_TSO4 | NETDEV_F_TSO6 | NETDEV_F_RX_CSUM |
					     NETDEV_F_LRO4 | NETDEV_F_LRO6);
	assert_int_equal(fk.driver_features, ALL_OFFERED);
	/* The ring full, one descriptor per buffer. */
	assert_int_equal(n->rx_posted, fk.qsize[RX_QUEUE]);
	for (unsigned i = 0; i < fk.sim[RX_QUEUE].nchains; i++) {
		assert_int_equal(fk.sim[RX_QUEUE].chain[i].nsegs, 1);
		assert_int_equal(fk.sim[RX_QUEUE].chain[i].writable, RX_BUF_SIZE_SMALL);
	}
	assert_int_equal(fk.notifies_before_ok, 0);
	down_net(n);
}

/* What one feature needs of another is not taken alone; without a MAC,
 * a random locally administered unicast one. */
static void attach_drops_lone_features(void **state)
{
	fresh_net(false,
		  VIRTIO_F_VERSION_1 | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_HOST_TSO4,
		  true);
	assert_int_equal(vtnet_attach(&vd), 0);
	struct vtnet *n = vd.driver;
	assert_int_equal(fk.driver_features, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_GUEST_CSUM);
	assert_int_equal(n->nd.features, NETDEV_F_RX_CSUM);
	assert_int_equal(n->nd.mac[0], 0xfe);
	assert_int_equal(n->nd.mac[5], 0xff);
	/* No STATUS: the link is up. */
	assert_true(n->nd.link_up);
	down_net(n);

	fresh_net(false, VIRTIO_F_VERSION_1, true);
	no_entropy = true;
	assert_int_equal(vtnet_attach(&vd), 0);
	n = vd.driver;
	assert_int_equal(n->nd.mac[0] & 3, 2);
	down_net(n);
}

static void attach_unwinds(void **state)
{
	fresh_net(false, ALL_OFFERED, true);
	counting = true;
	assert_int_equal(vtnet_attach(&vd), 0);
	counting = false;
	unsigned total = allocs;
	down_net(vd.driver);
	for (unsigned k = 1; k <= total; k++) {
		fresh_net(false, ALL_OFFERED, true);
		counting = true;
		fail_alloc_at = k;
		int err = vtnet_attach(&vd);
		counting = false;
		if (err == 0) {
			/* A buffer of the ring that could not be had: fewer posted. */
			struct vtnet *n = vd.driver;
			assert_true(n->rx_posted < n->rx_target);
			down_net(n);
			continue;
		}
		assert_int_equal(err, -ENOMEM);
		assert_null(vd.driver);
		assert_null(netdev_find("eth0"));
		if (fk.nstatus == 0)
			assert_int_equal(dma_live, 0);
		else
			assert_detached(err);
	}
	fresh_net(false, ALL_OFFERED, true);
	thread_fails = true;
	assert_detached(vtnet_attach(&vd));
	assert_null(netdev_find("eth0"));
	for (int q = 0; q < 2; q++) {
		fresh_net(false, ALL_OFFERED, true);
		fk.qsize[q] = 0;
		assert_detached(vtnet_attach(&vd));
	}
	fresh_net(false, ALL_OFFERED, true);
	fk.fail_irq = true;
	assert_detached(vtnet_attach(&vd));
}

/* --- receive ------------------------------------------------------------------------------ */

static void rx_one_buffer(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	unsigned long enq = n->rxq->enqueued;
	make_frame(60, 1);
	struct virtio_net_hdr h = { 0 };
	assert_int_equal(dev_rx(n, h, frame, 60), 1);
	assert_int_equal(ngot, 1);
	struct net_rxframe *f = got[0];
	assert_int_equal(f->len, 60);
	assert_int_equal(f->nsegs, 1);
	assert_int_equal(f->off.flags, 0);
	assert_int_equal(f->off.gso_type, NET_GSO_NONE);
	assert_memory_equal(f->segs[0].addr, frame, 60);
	/* Without a copy: the segment is the ring's buffer, after the header. */
	struct vtnet_rxframe *fr = (struct vtnet_rxframe *)f;
	assert_ptr_equal(f->segs[0].addr, (uint8_t *)fr->bufs[0] + 12);
	/* A fresh buffer took its place at once. */
	assert_int_equal(n->rx_posted, n->rx_target);
	assert_int_equal(n->rx_held, 1);
	assert_int_equal(n->rxq->enqueued, enq + 1);
	/* Released: the ring is full, so the buffer goes to the pool. */
	release_all();
	assert_int_equal(n->rx_held, 0);
	assert_int_equal(n->rxq->enqueued, enq + 1);
	struct dma_pool_stats st;
	dma_pool_get_stats(n->rx_pool, &st);
	assert_int_equal(st.in_use, n->rx_posted);
	assert_int_equal(n->nd.stats.rx_packets, 1);
	assert_int_equal(n->nd.stats.rx_errors, 0);
	down_net(n);
}

/* Pages as receive buffers where memory allows, half pages below
 * RX_LARGE_MIN_RAM: the ring's chains, and a merged segment of 9,000
 * bytes over 3 of the one and 5 of the other. */
static void rx_buffers_by_memory(void **state)
{
	static const struct {
		uint64_t ram;
		uint32_t size;
		unsigned spans;
	} cases[] = {
		{ RX_LARGE_MIN_RAM, RX_BUF_SIZE_LARGE, 3 },
		{ RX_LARGE_MIN_RAM - 4096, RX_BUF_SIZE_SMALL, 5 },
	};
	for (unsigned c = 0; c < 2; c++) {
		ram_bytes = cases[c].ram;
		struct vtnet *n = up_net(false, ALL_OFFERED);
		assert_int_equal(n->rx_buf_size, cases[c].size);
		for (unsigned i = 0; i < fk.sim[RX_QUEUE].nchains; i++)
			assert_int_equal(fk.sim[RX_QUEUE].chain[i].writable, cases[c].size);
		make_frame(9000, 3);
		struct virtio_net_hdr h = { .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54, .gso_size = 1448 };
		assert_int_equal(dev_rx(n, h, frame, 9000), cases[c].spans);
		assert_int_equal(ngot, 1);
		assert_int_equal(got[0]->nsegs, cases[c].spans);
		assert_int_equal(gather(got[0], out), 9000);
		assert_memory_equal(out, frame, 9000);
		release_all();
		down_net(n);
	}
	ram_bytes = 32ull << 20;
}

/* A frame over 2 and over many mergeable buffers (a merged TCP segment
 * of 9,000 bytes), handed up as those buffers, in order. */
static void rx_mergeable(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	make_frame(3000, 7);
	struct virtio_net_hdr h = { .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .hdr_len = 54, .gso_size = 1448 };
	assert_int_equal(dev_rx(n, h, frame, 3000), 2);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->nsegs, 2);
	assert_int_equal(got[0]->segs[0].len, RX_BUF_SIZE_SMALL - 12);
	assert_int_equal(gather(got[0], out), 3000);
	assert_memory_equal(out, frame, 3000);
	release_all();

	make_frame(9000, 9);
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				     .hdr_len = 54,
				     .gso_size = 1448,
				     .csum_start = 34,
				     .csum_offset = 16 };
	assert_int_equal(dev_rx(n, h, frame, 9000), 5);
	assert_int_equal(ngot, 1);
	struct net_rxframe *f = got[0];
	assert_int_equal(f->nsegs, 5);
	assert_int_equal(f->len, 9000);
	assert_int_equal(gather(f, out), 9000);
	assert_memory_equal(out, frame, 9000);
	assert_int_equal(f->off.gso_type, NET_GSO_TCPV4);
	assert_int_equal(f->off.gso_size, 1448);
	assert_int_equal(f->off.hdr_len, 54);
	assert_int_equal(f->off.flags, NET_OFF_CSUM_PARTIAL);
	assert_int_equal(f->off.csum_start, 34);
	assert_int_equal(f->off.csum_offset, 16);
	assert_int_equal(n->rx_held, 5);
	assert_int_equal(n->rx_posted, n->rx_target);
	release_all();
	assert_int_equal(n->rx_held, 0);
	assert_int_equal(n->nd.stats.rx_errors, 0);
	down_net(n);
}

static void rx_offloads(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	make_frame(100, 3);
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	dev_rx(n, h, frame, 100);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->off.flags, NET_OFF_CSUM_VALID);
	release_all();
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6 };
	dev_rx(n, h, frame, 100);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->off.flags, NET_OFF_CSUM_PARTIAL);
	assert_int_equal(got[0]->off.csum_start, 34);
	assert_int_equal(got[0]->off.csum_offset, 6);
	release_all();
	/* A TCPv6 merged segment. */
	make_frame(4000, 5);
	h = (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
				     .hdr_len = 74,
				     .gso_size = 1428,
				     .csum_start = 54,
				     .csum_offset = 16 };
	dev_rx(n, h, frame, 4000);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->off.gso_type, NET_GSO_TCPV6);
	down_net(n);
}

/* The 10-byte header of a legacy device without mergeable buffers, and
 * without ANY_LAYOUT, in a descriptor of its own. */
static void rx_legacy_header(void **state)
{
	struct vtnet *n = up_net(true, VIRTIO_NET_F_MAC | VIRTIO_NET_F_GUEST_CSUM);
	assert_int_equal(n->hdr_len, 10);
	assert_true(n->rx_split);
	assert_int_equal(n->rx_target, fk.qsize[RX_QUEUE] / 2);
	struct vdev_chain *c = &fk.sim[RX_QUEUE].chain[0];
	assert_int_equal(c->nsegs, 2);
	assert_int_equal(c->seg[0].len, 10);
	assert_int_equal(c->seg[1].len, RX_BUF_SIZE_SMALL - 10);
	assert_int_equal(c->seg[1].addr, c->seg[0].addr + 10);
	make_frame(1514, 2);
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	dev_rx(n, h, frame, 1514);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0]->len, 1514);
	assert_int_equal(got[0]->off.flags, NET_OFF_CSUM_VALID);
	assert_memory_equal(got[0]->segs[0].addr, frame, 1514);
	release_all();
	down_net(n);

	/* With ANY_LAYOUT: one descriptor. */
	n = up_net(true, VIRTIO_NET_F_MAC | VIRTIO_F_ANY_LAYOUT);
	assert_false(n->rx_split);
	assert_int_equal(fk.sim[RX_QUEUE].chain[0].nsegs, 1);
	/* A modern device without mergeable buffers: 12 bytes. */
	down_net(n);
	n = up_net(false, VIRTIO_F_VERSION_1);
	assert_int_equal(n->hdr_len, 12);
	assert_false(n->mrg);
	make_frame(200, 4);
	dev_rx(n, (struct virtio_net_hdr){ 0 }, frame, 200);
	assert_int_equal(ngot, 1);
	assert_memory_equal(got[0]->segs[0].addr, frame, 200);
	down_net(n);
}

/* The MTU the device advises, within what the buffers take. */
static void mtu_from_config(void **state)
{
	uint16_t mtu = 9000;
	fresh_net(false, ALL_OFFERED | VIRTIO_NET_F_MTU, true);
	memcpy(fk.config + 10, &mtu, 2);
	assert_int_equal(vtnet_attach(&vd), 0);
	struct vtnet *n = vd.driver;
	assert_int_equal(n->nd.mtu, 9000);
	assert_int_equal(netdev_open(&n->nd, &test_stack, NULL), 0);
	vdev_sim_fetch(&fk.sim[RX_QUEUE]);
	/* A jumbo frame without segmentation is no longer oversized. */
	make_frame(9014, 6);
	assert_int_equal(dev_rx(n, (struct virtio_net_hdr){ 0 }, frame, 9014), 5);
	assert_int_equal(ngot, 1);
	assert_int_equal(gather(got[0], out), 9014);
	assert_memory_equal(out, frame, 9014);
	down_net(n);

	/* Without mergeable buffers a frame must fit one buffer. */
	fresh_net(false, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MTU, true);
	memcpy(fk.config + 10, &mtu, 2);
	assert_int_equal(vtnet_attach(&vd), 0);
	n = vd.driver;
	assert_int_equal(n->nd.mtu, 1500);
	assert_non_null(strstr(log_text, "MTU 9000 is outside 68..2018"));
	down_net(n);

	mtu = 60;
	fresh_net(false, ALL_OFFERED | VIRTIO_NET_F_MTU, true);
	memcpy(fk.config + 10, &mtu, 2);
	assert_int_equal(vtnet_attach(&vd), 0);
	n = vd.driver;
	assert_int_equal(n->nd.mtu, 1500);
	down_net(n);
}

/* What a hostile device writes: each frame dropped, counted as an
 * error and a device fault, named once per kind; its buffers back in
 * the ring; the next honest frame still arrives. */
static void expect_dropped(struct vtnet *n, const char *name, unsigned long errors_before, unsigned long faults_before)
{
	vtnet_poll(n);
	assert_int_equal(ngot, 0);
	assert_int_equal(n->nd.stats.rx_errors, errors_before + 1);
	assert_true(device_faults() > faults_before);
	assert_int_equal(n->rx_held, 0);
	assert_int_equal(n->rx_posted, n->rx_target);
	assert_non_null(strstr(log_text, name));
	/* Named once. */
	assert_null(strstr(strstr(log_text, name) + 1, name));
	make_frame(60, 11);
	dev_rx(n, (struct virtio_net_hdr){ 0 }, frame, 60);
	assert_int_equal(ngot, 1);
	assert_memory_equal(got[0]->segs[0].addr, frame, 60);
	release_all();
}

/* One hostile frame made of nbufs buffers: each buffer's bytes and the
 * length reported. */
static void hostile(struct vtnet *n, const char *name, unsigned repeat,
		    void (*make)(struct vtnet *n, struct vdev_sim *d))
{
	for (unsigned r = 0; r < repeat; r++) {
		unsigned long e = n->nd.stats.rx_errors, f = device_faults();
		struct vdev_sim *d = &fk.sim[RX_QUEUE];
		vdev_sim_fetch(d);
		make(n, d);
		vdev_sim_publish(d);
		expect_dropped(n, name, e, f);
	}
}

static void put_hdr_frame(struct virtio_net_hdr h, size_t len, uint32_t reported)
{
	uint8_t b[RX_BUF_SIZE_SMALL];
	memset(b, 0x5a, sizeof(b));
	memcpy(b, &h, sizeof(h));
	dev_fill_one(b, len, reported);
}

static void mk_short(struct vtnet *n, struct vdev_sim *d) { put_hdr_frame((struct virtio_net_hdr){ 0 }, 8, 8); }
static void mk_short_eth(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1 }, 12 + 10, UINT32_MAX);
}
static void mk_num_zero(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 0 }, 100, UINT32_MAX);
}
static void mk_num_beyond_ring(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 65535 }, 100, UINT32_MAX);
}
static void mk_num_beyond_posted(struct vtnet *n, struct vdev_sim *d)
{
	/* Within the frame limit, beyond what the ring holds. */
	assert_true(20 > n->rx_posted && 20 <= RX_MAX_FRAME_BUFS);
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 20 }, 100, UINT32_MAX);
}
static void mk_num_beyond_used(struct vtnet *n, struct vdev_sim *d)
{
	/* Three announced, two used. */
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 3 }, RX_BUF_SIZE_SMALL, UINT32_MAX);
	put_hdr_frame((struct virtio_net_hdr){ 0 }, 100, UINT32_MAX);
}
static void mk_len_beyond(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1 }, 100, RX_BUF_SIZE_SMALL + 100);
}
static void mk_len_beyond_second(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 2 }, RX_BUF_SIZE_SMALL, UINT32_MAX);
	put_hdr_frame((struct virtio_net_hdr){ 0 }, 100, 1u << 31);
}
static void mk_gso_unknown(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1, .gso_type = 2, .gso_size = 100 }, 200, UINT32_MAX);
}
static void mk_gso_udp(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1, .gso_type = VIRTIO_NET_HDR_GSO_UDP, .gso_size = 100 },
		      200, UINT32_MAX);
}
static void mk_gso_ecn(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1,
					       .gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN,
					       .gso_size = 100 },
		      200, UINT32_MAX);
}
static void mk_gso_size_zero(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4 }, 200,
		      UINT32_MAX);
}
static void mk_gso_hdr_len_beyond(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame(
	    (struct virtio_net_hdr){
		.num_buffers = 1, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 100, .hdr_len = 500 },
	    200, UINT32_MAX);
}
static void mk_csum_beyond(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame(
	    (struct virtio_net_hdr){
		.num_buffers = 1, .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 180, .csum_offset = 7 },
	    12 + 188, UINT32_MAX);
}
static void mk_csum_start_huge(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame(
	    (struct virtio_net_hdr){
		.num_buffers = 1, .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 0xffff, .csum_offset = 0xffff },
	    200, UINT32_MAX);
}
static void mk_flags_unknown(struct vtnet *n, struct vdev_sim *d)
{
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1, .flags = 0x80 }, 200, UINT32_MAX);
}
static void mk_oversize(struct vtnet *n, struct vdev_sim *d)
{
	/* 1,600 bytes without segmentation: beyond 1,500 + 18. */
	put_hdr_frame((struct virtio_net_hdr){ .num_buffers = 1 }, 12 + 1600, UINT32_MAX);
}

static void rx_hostile(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	hostile(n, fault_names[VTNET_FAULT_SHORT], 2, mk_short);
	hostile(n, fault_names[VTNET_FAULT_SHORT], 1, mk_short_eth);
	hostile(n, fault_names[VTNET_FAULT_NUM_BUFFERS], 2, mk_num_zero);
	hostile(n, fault_names[VTNET_FAULT_NUM_BUFFERS], 1, mk_num_beyond_ring);
	hostile(n, fault_names[VTNET_FAULT_NUM_BUFFERS], 1, mk_num_beyond_used);
	hostile(n, fault_names[VTNET_FAULT_LEN], 2, mk_len_beyond);
	hostile(n, fault_names[VTNET_FAULT_LEN], 1, mk_len_beyond_second);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 2, mk_gso_unknown);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_gso_udp);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_gso_ecn);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_gso_size_zero);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_gso_hdr_len_beyond);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_csum_beyond);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_csum_start_huge);
	hostile(n, fault_names[VTNET_FAULT_OFFLOAD], 1, mk_flags_unknown);
	hostile(n, fault_names[VTNET_FAULT_OVERSIZE], 2, mk_oversize);
	assert_int_equal(n->faults[VTNET_FAULT_SHORT], 3);
	assert_int_equal(n->faults[VTNET_FAULT_NUM_BUFFERS], 4);
	assert_int_equal(n->faults[VTNET_FAULT_LEN], 3);
	assert_int_equal(n->faults[VTNET_FAULT_OFFLOAD], 9);
	assert_int_equal(n->faults[VTNET_FAULT_OVERSIZE], 2);
	/* The queue itself never broke: a frame is a device's to get wrong. */
	assert_false(n->rxq->broken);
	down_net(n);

	/* More buffers announced than the ring holds, within what a frame
	 * may span. */
	next_rx_qsize = 16;
	n = up_net(false, ALL_OFFERED);
	hostile(n, fault_names[VTNET_FAULT_NUM_BUFFERS], 1, mk_num_beyond_posted);
	down_net(n);

	/* Offloads the driver did not negotiate: checksum flags and
	 * segmentation are refused from a device that offered neither. */
	n = up_net(false, VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MRG_RXBUF);
	unsigned long e = n->nd.stats.rx_errors;
	make_frame(100, 1);
	dev_rx(n, (struct virtio_net_hdr){ .flags = VIRTIO_NET_HDR_F_DATA_VALID }, frame, 100);
	dev_rx(n, (struct virtio_net_hdr){ .gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .gso_size = 1000 }, frame, 100);
	assert_int_equal(ngot, 0);
	assert_int_equal(n->nd.stats.rx_errors, e + 2);
	assert_int_equal(n->faults[VTNET_FAULT_OFFLOAD], 2);
	down_net(n);
}

/* A used id that names no buffer breaks the queue (the engine's rule):
 * the driver stops, transmit says -EIO, nothing is handed up. */
static void rx_broken_queue(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	assert_true(vdev_sim_misbehave(&fk.sim[RX_QUEUE], VDEV_ID_BEYOND));
	vtnet_poll(n);
	assert_true(n->rxq->broken);
	assert_int_equal(ngot, 0);
	uint8_t b[60] = { 0 };
	struct net_seg seg = { b, 60 };
	n->txq->broken = true;
	assert_int_equal(netdev_transmit(&n->nd, &seg, 1, NULL, b), -EIO);
	n->txq->broken = false;
	down_net(n);
}

/* The stack holds many frames: the ring is refilled from the pool with
 * each, up to the bound; released, each buffer goes back exactly once
 * (to the ring while it has room, else to the pool). */
static void rx_ring_kept_full(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	make_frame(100, 8);
	unsigned limit = n->rx_limit;
	unsigned held = 0;
	while (n->rx_posted + n->rx_held < limit || n->rx_posted == n->rx_target) {
		dev_rx(n, (struct virtio_net_hdr){ 0 }, frame, 100);
		held++;
		assert_int_equal(ngot, held);
		assert_int_equal(n->rx_held, held);
		if (held + n->rx_target <= limit)
			assert_int_equal(n->rx_posted, n->rx_target);
		if (n->rx_posted == 0)
			break;
	}
	/* Past the bound the ring drains: the device holds what is left. */
	assert_int_equal(n->rx_held + n->rx_posted, limit);
	assert_true(n->rx_posted < n->rx_target);
	struct dma_pool_stats st;
	dma_pool_get_stats(n->rx_pool, &st);
	assert_int_equal(st.in_use, limit);

	/* Released: every buffer once, to the ring first. */
	unsigned long enq = n->rxq->enqueued;
	unsigned posted = n->rx_posted;
	release_all();
	assert_int_equal(n->rx_held, 0);
	assert_int_equal(n->rx_posted, n->rx_target);
	assert_int_equal(n->rxq->enqueued - enq, n->rx_target - posted);
	dma_pool_get_stats(n->rx_pool, &st);
	assert_int_equal(st.in_use, n->rx_target);
	assert_int_equal(vdev_sim_fetch(&fk.sim[RX_QUEUE]), (int)(n->rx_target - posted));
	assert_null(fk.sim[RX_QUEUE].error);
	down_net(n);
}

/* Frames that arrive while nobody has the device open are dropped, and
 * their buffers come back. */
static void rx_closed(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	netdev_close(&n->nd);
	make_frame(60, 1);
	dev_rx(n, (struct virtio_net_hdr){ 0 }, frame, 60);
	assert_int_equal(ngot, 0);
	assert_int_equal(n->nd.stats.rx_dropped, 1);
	assert_int_equal(n->rx_held, 0);
	assert_int_equal(n->rx_posted, n->rx_target);
	down_net(n);
}

/* --- transmit ----------------------------------------------------------------------------- */

/* Frames sent with NET_OFF_MORE are not announced until a frame without
 * it, netdev_tx_flush, or a full ring: then once for all. */
static void tx_more_kicks_once(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	static uint8_t a[60];
	struct net_seg seg = { a, 60 };
	struct net_offload more = { .flags = NET_OFF_MORE };
	struct vdev_sim *d = &fk.sim[TX_QUEUE];
	for (int i = 0; i < 3; i++)
		assert_int_equal(netdev_transmit(&n->nd, &seg, 1, &more, a), 0);
	assert_int_equal(n->txq->notifications, 0);
	netdev_tx_flush(&n->nd);
	assert_int_equal(n->txq->notifications, 1);
	vdev_sim_check_kicks(d);
	assert_int_equal(d->missed_kicks, 0);
	assert_int_equal(vdev_sim_fetch(d), 3);
	vdev_sim_run(d);
	vtnet_poll(n);
	/* Nothing new: a flush does not notify. */
	netdev_tx_flush(&n->nd);
	assert_int_equal(n->txq->notifications, 1);
	/* A full ring announces what it holds before waiting for it. */
	int err;
	unsigned sent = 0;
	while ((err = netdev_transmit(&n->nd, &seg, 1, &more, a)) == 0)
		sent++;
	assert_int_equal(err, -EAGAIN);
	assert_true(sent > 0);
	vdev_sim_check_kicks(d);
	assert_int_equal(d->missed_kicks, 0);
	assert_int_equal(n->txq->notifications, 2);
	vdev_sim_run(d);
	down_net(n);
}

/* A frame gathered from more segments than an indirect table holds (a
 * TCP frame of 44 full segments has 45 pieces) goes down whole, as a
 * chain of the ring's own descriptors, in order; one longer than the
 * driver announced is refused, never cut. */
static void tx_long_chain(void **state)
{
	/* A ring of 64: a chain takes a quarter of it at most, but an
	 * indirect table's worth is always allowed. */
	struct vtnet *n = up_net(false, ALL_OFFERED);
	assert_int_equal(n->nd.max_tx_segs, VQ_INDIRECT_MAX - 1);
	down_net(n);
	n = up_net(false, ALL_OFFERED & ~VIRTIO_RING_F_INDIRECT_DESC);
	assert_int_equal(n->nd.max_tx_segs, 15);
	down_net(n);
	/* A ring of 256, as QEMU's. */
	next_tx_qsize = 256;
	n = up_net(false, ALL_OFFERED);
	assert_int_equal(n->nd.max_tx_segs, 63);
	static uint8_t pieces[64][20]; /* 63 of them within an Ethernet frame */
	struct net_seg segs[64];
	for (unsigned i = 0; i < 64; i++) {
		memset(pieces[i], (int)i, sizeof(pieces[i]));
		segs[i] = (struct net_seg){ pieces[i], sizeof(pieces[i]) };
	}
	unsigned nsegs = n->nd.max_tx_segs;
	assert_int_equal(netdev_transmit(&n->nd, segs, nsegs, NULL, pieces), 0);
	struct vdev_sim *d = &fk.sim[TX_QUEUE];
	assert_int_equal(vdev_sim_fetch(d), 1);
	assert_null(d->error);
	struct vdev_chain *ch = &d->chain[0];
	assert_false(ch->indirect);
	assert_int_equal(ch->nsegs, nsegs + 1);
	assert_int_equal(ch->ndescs, nsegs + 1);
	for (unsigned i = 0; i < nsegs; i++) {
		assert_int_equal(ch->seg[i + 1].addr, (uintptr_t)segs[i].addr);
		assert_int_equal(ch->seg[i + 1].len, segs[i].len);
	}
	vdev_sim_complete(d, 0, 0, NULL);
	vdev_sim_publish(d);
	vtnet_poll(n);
	assert_int_equal(ntx_done, 1);
	assert_ptr_equal(tx_cookies[0], pieces);
	/* One segment more than announced: refused by the netdev layer. */
	if (nsegs < 64)
		assert_int_equal(netdev_transmit(&n->nd, segs, nsegs + 1, NULL, pieces), -EINVAL);
	down_net(n);
}

static void tx_chain_layout(void **state)
{
	for (int indirect = 0; indirect < 2; indirect++) {
		uint64_t offered = ALL_OFFERED & ~(indirect ? 0 : VIRTIO_RING_F_INDIRECT_DESC);
		struct vtnet *n = up_net(false, offered);
		static uint8_t a[14], b[20], c[1000];
		struct net_seg segs[] = { { a, 14 }, { b, 20 }, { c, 1000 } };
		struct net_offload off = { .flags = NET_OFF_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 16 };
		assert_int_equal(netdev_transmit(&n->nd, segs, 3, &off, a), 0);
		struct vdev_sim *d = &fk.sim[TX_QUEUE];
		/* Kicked when the device asked, and only then. */
		vdev_sim_check_kicks(d);
		assert_int_equal(d->owed_kicks, 1);
		assert_int_equal(d->missed_kicks, 0);
		assert_int_equal(d->needless_kicks, 0);
		assert_int_equal(vdev_sim_fetch(d), 1);
		assert_null(d->error);
		struct vdev_chain *ch = &d->chain[0];
		assert_int_equal(ch->indirect, indirect);
		assert_int_equal(ch->ndescs, indirect ? 1 : 4);
		assert_int_equal(ch->nsegs, 4);
		assert_int_equal(ch->writable, 0);
		/* The header first, in a descriptor of its own; the frame's
		 * segments as they were, not copied. */
		assert_int_equal(ch->seg[0].len, 12);
		struct virtio_net_hdr h;
		memcpy(&h, (void *)(uintptr_t)ch->seg[0].addr, 12);
		assert_int_equal(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(h.csum_start, 34);
		assert_int_equal(h.csum_offset, 16);
		assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(ch->seg[i + 1].addr, (uintptr_t)segs[i].addr);
			assert_int_equal(ch->seg[i + 1].len, segs[i].len);
		}
		vdev_sim_complete(d, 0, 0, NULL);
		vdev_sim_publish(d);
		vtnet_poll(n);
		assert_int_equal(ntx_done, 1);
		assert_ptr_equal(tx_cookies[0], a);
		assert_int_equal(tx_status[0], 0);

		/* TSO: the segmentation fields. */
		struct net_offload tso = { .flags = NET_OFF_CSUM_PARTIAL,
					   .csum_start = 34,
					   .csum_offset = 16,
					   .gso_type = NET_GSO_TCPV4,
					   .gso_size = 1448,
					   .hdr_len = 54 };
		static uint8_t big[30000];
		struct net_seg bs[] = { { big, sizeof(big) } };
		assert_int_equal(netdev_transmit(&n->nd, bs, 1, &tso, big), 0);
		assert_int_equal(vdev_sim_fetch(d), 1);
		memcpy(&h, (void *)(uintptr_t)d->chain[0].seg[0].addr, 12);
		assert_int_equal(h.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
		assert_int_equal(h.gso_size, 1448);
		assert_int_equal(h.hdr_len, 54);
		vdev_sim_run(d);
		down_net(n);
	}
	/* Without CSUM the stack may not ask for it (netdev.c refuses). */
	struct vtnet *n = up_net(false, VIRTIO_F_VERSION_1);
	static uint8_t a[60];
	struct net_seg seg = { a, 60 };
	struct net_offload off = { .flags = NET_OFF_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 6 };
	assert_int_equal(netdev_transmit(&n->nd, &seg, 1, &off, a), -EINVAL);
	/* The legacy 10-byte header. */
	down_net(n);
	n = up_net(true, VIRTIO_NET_F_MAC);
	assert_int_equal(netdev_transmit(&n->nd, &seg, 1, NULL, a), 0);
	assert_int_equal(vdev_sim_fetch(&fk.sim[TX_QUEUE]), 1);
	assert_int_equal(fk.sim[TX_QUEUE].chain[0].seg[0].len, 10);
	vdev_sim_run(&fk.sim[TX_QUEUE]);
	down_net(n);
}

/* A full ring: -EAGAIN, then a completion makes room again. */
static void tx_full_recovers(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED & ~VIRTIO_RING_F_INDIRECT_DESC);
	static uint8_t a[14], b[100];
	struct net_seg segs[] = { { a, 14 }, { b, 100 } };
	unsigned sent = 0;
	int err;
	while ((err = netdev_transmit(&n->nd, segs, 2, NULL, (void *)(uintptr_t)(sent + 1))) == 0)
		sent++;
	assert_int_equal(err, -EAGAIN);
	/* Three descriptors a frame: header and two segments. */
	assert_int_equal(sent, fk.qsize[TX_QUEUE] / 3);
	assert_int_equal(n->nd.stats.tx_busy, 1);
	struct vdev_sim *d = &fk.sim[TX_QUEUE];
	assert_int_equal(vdev_sim_fetch(d), (int)sent);
	vdev_sim_complete(d, 0, 0, NULL);
	vdev_sim_publish(d);
	/* The next transmit takes back what finished, and fits. */
	assert_int_equal(netdev_transmit(&n->nd, segs, 2, NULL, (void *)(uintptr_t)1000), 0);
	assert_int_equal(ntx_done, 1);
	assert_ptr_equal(tx_cookies[0], (void *)(uintptr_t)1);
	/* Every frame completes once. */
	vdev_sim_run(d);
	vtnet_poll(n);
	assert_int_equal(ntx_done, sent + 1);
	assert_true(virtqueue_empty(n->txq));
	assert_int_equal(n->tx_nfree, n->txq->size);
	assert_null(d->error);
	down_net(n);
}

/* Transmit completions raise no interrupt while the ring has room (the
 * next transmit and the thread's rounds reclaim them); a full ring asks
 * for one, with event indexes or with the flag. */
static void tx_interrupts_only_when_full(void **state)
{
	for (int with_idx = 0; with_idx < 2; with_idx++) {
		uint64_t offered = ALL_OFFERED & ~VIRTIO_RING_F_INDIRECT_DESC;
		if (!with_idx)
			offered &= ~VIRTIO_RING_F_EVENT_IDX;
		struct vtnet *n = up_net(false, offered);
		struct vdev_sim *d = &fk.sim[TX_QUEUE];
		static uint8_t a[14], b[100];
		struct net_seg segs[] = { { a, 14 }, { b, 100 } };
		assert_int_equal(netdev_transmit(&n->nd, segs, 2, NULL, (void *)(uintptr_t)1), 0);
		assert_int_equal(vdev_sim_fetch(d), 1);
		vdev_sim_complete(d, 0, 0, NULL);
		assert_false(vdev_sim_publish(d));
		unsigned sent = 1;
		int err;
		while ((err = netdev_transmit(&n->nd, segs, 2, NULL, (void *)(uintptr_t)(sent + 1))) == 0)
			sent++;
		assert_int_equal(err, -EAGAIN);
		assert_int_equal(ntx_done, 1);
		assert_int_equal(vdev_sim_fetch(d), (int)sent - 1);
		vdev_sim_complete(d, 0, 0, NULL);
		assert_true(vdev_sim_publish(d));
		vdev_sim_run(d);
		vtnet_poll(n);
		assert_int_equal(ntx_done, sent);
		assert_null(d->error);
		down_net(n);
		ntx_done = 0;
	}
}

/* Close waits (bounded) for frames in flight; a device that keeps them
 * is named. */
static void tx_stop_bounded(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	static uint8_t a[60];
	struct net_seg seg = { a, 60 };
	assert_int_equal(netdev_transmit(&n->nd, &seg, 1, NULL, a), 0);
	uint64_t t = now_ns;
	netdev_close(&n->nd);
	assert_true(now_ns - t >= virtio_timeout(&vd));
	assert_non_null(strstr(log_text, "kept frames"));
	vdev_sim_run(&fk.sim[TX_QUEUE]);
	tx_reclaim(n);
	down_net(n);
}

/* --- the link ------------------------------------------------------------------------------ */

static void link_follows_config(void **state)
{
	fresh_net(false, ALL_OFFERED, false);
	assert_int_equal(vtnet_attach(&vd), 0);
	struct vtnet *n = vd.driver;
	assert_false(n->nd.link_up);
	assert_int_equal(netdev_open(&n->nd, &test_stack, NULL), 0);
	uint16_t up = VIRTIO_NET_S_LINK_UP, down = 0;
	memcpy(fk.config + 6, &up, 2);
	/* The configuration interrupt only wakes the thread. */
	unsigned long wakes = n->work.count;
	virtio_dispatch(&vd, 2);
	assert_true(n->work.count > wakes);
	assert_false(n->nd.link_up);
	vtnet_poll(n);
	assert_true(n->nd.link_up);
	assert_int_equal(links_changed, 1);
	memcpy(fk.config + 6, &down, 2);
	virtio_dispatch(&vd, 2);
	vtnet_poll(n);
	assert_false(n->nd.link_up);
	assert_int_equal(links_changed, 2);
	down_net(n);
}

/* Queue interrupts only wake the thread: nothing is handed up from the
 * handler. */
static void interrupts_only_wake(void **state)
{
	struct vtnet *n = up_net(false, ALL_OFFERED);
	struct vdev_sim *d = &fk.sim[RX_QUEUE];
	make_frame(60, 1);
	uint8_t b[72];
	memset(b, 0, 12);
	b[10] = 1;
	memcpy(b + 12, frame, 60);
	dev_fill_one(b, 72, UINT32_MAX);
	assert_true(vdev_sim_publish(d));
	unsigned long wakes = n->work.count;
	virtio_dispatch(&vd, 1);
	assert_true(n->work.count > wakes);
	assert_int_equal(ngot, 0);
	vtnet_poll(n);
	assert_int_equal(ngot, 1);
	/* The refill announced itself as the device asked. */
	vdev_sim_check_kicks(d);
	assert_int_equal(d->missed_kicks, 0);
	down_net(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_negotiates),
		cmocka_unit_test(attach_drops_lone_features),
		cmocka_unit_test(attach_unwinds),
		cmocka_unit_test(rx_one_buffer),
		cmocka_unit_test(rx_mergeable),
		cmocka_unit_test(rx_buffers_by_memory),
		cmocka_unit_test(rx_offloads),
		cmocka_unit_test(rx_legacy_header),
		cmocka_unit_test(mtu_from_config),
		cmocka_unit_test(rx_hostile),
		cmocka_unit_test(rx_broken_queue),
		cmocka_unit_test(rx_ring_kept_full),
		cmocka_unit_test(rx_closed),
		cmocka_unit_test(tx_chain_layout),
		cmocka_unit_test(tx_long_chain),
		cmocka_unit_test(tx_more_kicks_once),
		cmocka_unit_test(tx_full_recovers),
		cmocka_unit_test(tx_interrupts_only_when_full),
		cmocka_unit_test(tx_stop_bounded),
		cmocka_unit_test(link_follows_config),
		cmocka_unit_test(interrupts_only_wake),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
