/*
 * The netif glue (net/netif.c) with lwIP itself, its tcpip thread on the
 * host scheduler through Keel's port (net/sys_arch.c), and two fake
 * network devices, one with checksum offloads: received frames lent
 * without a copy and given back exactly once whatever lwIP does with
 * them, the lending bound, sent pbuf chains as segments held until the
 * device is done, a full device queue, checksum offloads both ways, and
 * the link.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/netdev.h"
#include "kernel/random.h"
#include "kernel/thread.h"
#include "lwip/api.h"
#include "lwip/etharp.h"
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "lwip/udp.h"
#include "net/csum.h"
#include "net/lwipmem.h"
#include "net/netif.h"
#include "net/sendmem.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)

/* --- what the port needs of the kernel ----------------------------------------------------- */

int kvprintf(const char *fmt, va_list ap);
int kvprintf(const char *fmt, va_list ap) { return vprintf(fmt, ap); }

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "panic at %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

bool cpu_random64(uint64_t *v) { return false; }
uint64_t mm_free_bytes(void) { return 64u << 20; }

/* --- a fake device ----------------------------------------------------------------------------- */

#define SENT_MAX 256

struct sent {
	uint8_t data[65600]; /* a frame gathered from TCP segments, too */
	uint32_t len;
	unsigned nsegs;
	struct net_offload off;
	void *cookie;
	bool done;
};

struct fakedev {
	struct netdev nd;
	struct net_if *glue;
	unsigned eagain; /* the next transmits that find the queue full */
	bool later;	 /* completions wait for complete() */
	struct sent sent[SENT_MAX];
	unsigned nsent;
	unsigned unflushed; /* frames sent with NET_OFF_MORE since the last tx_flush */
	unsigned flushes;
};

static int fake_open(struct netdev *nd) { return 0; }
static void fake_stop(struct netdev *nd)
{
	struct fakedev *d = nd->driver;
	for (unsigned i = 0; i < d->nsent; i++)
		if (!d->sent[i].done) {
			d->sent[i].done = true;
			netdev_tx_complete(nd, d->sent[i].cookie, -EIO);
		}
}

static int fake_transmit(struct netdev *nd, const struct net_seg *segs, unsigned nsegs, const struct net_offload *off,
			 void *cookie)
{
	struct fakedev *d = nd->driver;
	if (d->eagain) {
		d->eagain--;
		return -EAGAIN;
	}
	HOST_CHECK(d->nsent < SENT_MAX);
	struct sent *s = &d->sent[d->nsent++];
	s->len = 0;
	for (unsigned i = 0; i < nsegs; i++) {
		HOST_CHECK(s->len + segs[i].len <= sizeof(s->data));
		memcpy(s->data + s->len, segs[i].addr, segs[i].len);
		s->len += segs[i].len;
	}
	s->nsegs = nsegs;
	s->off = *off;
	/* What the glue asks of the device is the same for every frame; the
	 * flag is checked on its own. */
	s->off.flags &= (uint8_t)~NET_OFF_MORE;
	d->unflushed = (off->flags & NET_OFF_MORE) ? d->unflushed + 1 : 0;
	s->cookie = cookie;
	s->done = !d->later;
	if (s->done)
		netdev_tx_complete(nd, cookie, 0);
	return 0;
}

static void fake_tx_flush(struct netdev *nd)
{
	struct fakedev *d = nd->driver;
	d->unflushed = 0;
	d->flushes++;
}

static const struct netdev_ops fake_ops = {
	.open = fake_open, .stop = fake_stop, .transmit = fake_transmit, .tx_flush = fake_tx_flush
};

/* Completes every frame still with the device, as from an interrupt. */
static void complete_all(struct fakedev *d)
{
	for (unsigned i = 0; i < d->nsent; i++)
		if (!d->sent[i].done) {
			d->sent[i].done = true;
			netdev_tx_complete(&d->nd, d->sent[i].cookie, 0);
		}
}

/* Lets the tcpip thread take what waits for it. */

static struct fakedev dev_a, dev_b, dev_c;

/* Lets every thread run until it waits; then every frame sent has been
 * announced to its device (the glue sends them with NET_OFF_MORE and
 * flushes as it gives up the core lock). */
static void settle(void)
{
	for (int i = 0; i < 8; i++)
		thread_yield();
	assert_int_equal(dev_a.unflushed, 0);
	assert_int_equal(dev_b.unflushed, 0);
	assert_int_equal(dev_c.unflushed, 0);
}

/* --- frames ------------------------------------------------------------------------------------ */

static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0xa, 0x01 };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0xb, 0x01 };
static const uint8_t IP_A[4] = { 10, 0, 0, 1 }, PEER_A[4] = { 10, 0, 0, 2 };
static const uint8_t IP_B[4] = { 10, 1, 0, 1 }, PEER_B[4] = { 10, 1, 0, 2 };
static const uint8_t MAC_C[6] = { 0x02, 0, 0, 0, 0xc, 0x01 };
static const uint8_t IP_C[4] = { 10, 2, 0, 1 }, PEER_C[4] = { 10, 2, 0, 2 };

static uint16_t rfc1071(const uint8_t *a, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += (i & 1) ? a[i] : (uint32_t)a[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t eth(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, PEER_MAC, 6);
	put16(f + 12, type);
	return 14;
}

static size_t arp_request(uint8_t *f, const uint8_t *peer_ip, const uint8_t *target_ip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t n = eth(f, bcast, 0x0806);
	uint8_t *a = f + n;
	memset(a, 0, 28);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, PEER_MAC, 6);
	memcpy(a + 14, peer_ip, 4);
	memcpy(a + 24, target_ip, 4);
	return n + 28;
}

/* An IPv4 packet from src to dst with the l4 bytes given, its header
 * checksum right. */
static size_t ipv4(uint8_t *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst, uint8_t proto,
		   const uint8_t *l4, size_t l4_len)
{
	size_t n = eth(f, mac, 0x0800);
	uint8_t *ip = f + n;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4_len));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, (uint16_t)~rfc1071(ip, 20, 0));
	memcpy(ip + 20, l4, l4_len);
	return n + 20 + l4_len;
}

static uint32_t pseudo_sum(const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
	uint8_t p[12];
	memcpy(p, src, 4);
	memcpy(p + 4, dst, 4);
	p[8] = 0;
	p[9] = proto;
	put16(p + 10, (uint16_t)len);
	return rfc1071(p, 12, 0);
}

static size_t udp(uint8_t *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst, uint16_t port,
		  const char *payload, bool bad_csum)
{
	uint8_t u[1600];
	size_t len = 8 + strlen(payload);
	put16(u, 5000);
	put16(u + 2, port);
	put16(u + 4, (uint16_t)len);
	put16(u + 6, 0);
	memcpy(u + 8, payload, strlen(payload));
	uint16_t c = (uint16_t)~rfc1071(u, len, pseudo_sum(src, dst, 17, len));
	put16(u + 6, (uint16_t)((c ? c : 0xffff) ^ (bad_csum ? 0x0101 : 0)));
	return ipv4(f, mac, src, dst, 17, u, len);
}

/* A TCP segment from port 40000 with the flags, numbers and payload given. */
static size_t tcp_seg(uint8_t *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst, uint16_t port,
		      uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *data, size_t len)
{
	static uint8_t t[2048];
	memset(t, 0, 20);
	put16(t, 40000);
	put16(t + 2, port);
	put16(t + 4, (uint16_t)(seq >> 16));
	put16(t + 6, (uint16_t)seq);
	put16(t + 8, (uint16_t)(ack >> 16));
	put16(t + 10, (uint16_t)ack);
	t[12] = 0x50;
	t[13] = flags;
	put16(t + 14, 65535);
	if (len)
		memcpy(t + 20, data, len);
	put16(t + 16, (uint16_t)~rfc1071(t, 20 + len, pseudo_sum(src, dst, 6, 20 + len)));
	return ipv4(f, mac, src, dst, 6, t, 20 + len);
}

static size_t tcp_syn(uint8_t *f, const uint8_t *mac, const uint8_t *src, const uint8_t *dst, uint16_t port)
{
	uint8_t t[20] = { 0 };
	put16(t, 40000);
	put16(t + 2, port);
	t[7] = 1; /* seq 1 */
	t[12] = 0x50;
	t[13] = 0x02; /* SYN */
	put16(t + 14, 8192);
	put16(t + 16, (uint16_t)~rfc1071(t, 20, pseudo_sum(src, dst, 6, 20)));
	return ipv4(f, mac, src, dst, 6, t, 20);
}

/* A received frame in the driver's buffers, cut into nsegs pieces. */
struct rxf {
	struct net_rxframe f;
	struct net_seg segs[NET_IF_RX_SEGS_MAX + 2];
	uint8_t buf[2048];
	unsigned released;
};

static void rx_release(struct net_rxframe *f)
{
	struct rxf *r = (struct rxf *)((char *)f - offsetof(struct rxf, f));
	r->released++;
}

static void deliver(struct fakedev *d, struct rxf *r, const uint8_t *frame, size_t len, unsigned nsegs,
		    uint8_t off_flags)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->buf, frame, len);
	size_t at = 0;
	for (unsigned i = 0; i < nsegs; i++) {
		size_t n = i + 1 == nsegs ? len - at : (len / nsegs);
		r->segs[i] = (struct net_seg){ r->buf + at, (uint32_t)n };
		at += n;
	}
	r->f.segs = r->segs;
	r->f.nsegs = nsegs;
	r->f.len = (uint32_t)len;
	r->f.off.flags = off_flags;
	r->f.release = rx_release;
	netdev_input(&d->nd, &r->f);
}

/* --- set-up: the stack and two devices, once for every test ---------------------------------------- */

static void make_dev(struct fakedev *d, const char *name, const uint8_t mac[6], unsigned features, const uint8_t ip[4])
{
	memset(d, 0, sizeof(*d));
	snprintf(d->nd.reg.name, sizeof(d->nd.reg.name), "%s", name);
	d->nd.ops = &fake_ops;
	d->nd.driver = d;
	memcpy(d->nd.mac, mac, 6);
	d->nd.mtu = 1500;
	d->nd.features = features;
	d->nd.max_tx_segs = 4;
	d->nd.link_up = true;
	assert_int_equal(netdev_register(&d->nd), 0);
	assert_int_equal(net_if_attach(&d->nd, &d->glue), 0);
	ip4_addr_t a, m, gw;
	IP4_ADDR(&a, ip[0], ip[1], ip[2], ip[3]);
	IP4_ADDR(&m, 255, 255, 255, 0);
	ip4_addr_set_zero(&gw);
	LOCK_TCPIP_CORE();
	netif_set_addr(net_if_netif(d->glue), &a, &m, &gw);
	netif_set_up(net_if_netif(d->glue));
	UNLOCK_TCPIP_CORE();
	settle();
}

static int group_setup(void **state)
{
	if (!host_reset(T0))
		return -1;
	tcpip_init(NULL, NULL);
	settle();
	make_dev(&dev_a, "eth0", MAC_A, 0, IP_A);
	make_dev(&dev_b, "eth1", MAC_B, NETDEV_F_TX_CSUM | NETDEV_F_RX_CSUM, IP_B);
	/* Both peers' addresses learnt (each request answered). */
	static struct rxf r;
	uint8_t f[128];
	deliver(&dev_a, &r, f, arp_request(f, PEER_A, IP_A), 1, 0);
	settle();
	deliver(&dev_b, &r, f, arp_request(f, PEER_B, IP_B), 1, 0);
	settle();
	/* A device that cuts TCP segments, with room for long frames. */
	make_dev(&dev_c, "eth2", MAC_C, NETDEV_F_TX_CSUM | NETDEV_F_TSO4, IP_C);
	dev_c.nd.max_tx_segs = 31;
	deliver(&dev_c, &r, f, arp_request(f, PEER_C, IP_C), 1, 0);
	settle();
	return 0;
}

static int setup(void **state)
{
	/* Every test starts with nothing lent, nothing held, a fresh log. */
	settle();
	complete_all(&dev_a);
	complete_all(&dev_b);
	complete_all(&dev_c);
	settle();
	dev_a.nsent = dev_b.nsent = dev_c.nsent = 0;
	dev_a.eagain = dev_b.eagain = dev_c.eagain = 0;
	dev_a.later = dev_b.later = dev_c.later = false;
	lwipmem_set_budget(0); /* a failed test's may linger */
	return net_if_rx_lent(dev_a.glue) || net_if_rx_lent(dev_b.glue) ? -1 : 0;
}

/* --- receive ------------------------------------------------------------------------------------- */

static void test_arp_reply(void **state)
{
	static struct rxf r;
	uint8_t f[128];
	size_t n = arp_request(f, PEER_A, IP_A);
	/* In two segments, the cut inside the ARP header. */
	deliver(&dev_a, &r, f, n, 2, 0);
	settle();
	assert_int_equal(r.released, 1);
	assert_int_equal(dev_a.nsent, 1);
	struct sent *s = &dev_a.sent[0];
	assert_memory_equal(s->data, PEER_MAC, 6);
	assert_memory_equal(s->data + 6, MAC_A, 6);
	assert_int_equal(s->data[12] << 8 | s->data[13], 0x0806);
	assert_int_equal(s->data[14 + 7], 2); /* a reply */
	assert_memory_equal(s->data + 14 + 14, IP_A, 4);
	assert_int_equal(net_if_rx_lent(dev_a.glue), 0);
	assert_int_equal(dev_b.nsent, 0); /* the other NIC stays out of it */
}

static void test_dropped_frames_released_once(void **state)
{
	static struct rxf r[4];
	uint8_t f[256];
	/* An ethertype nobody speaks; an IP header whose checksum is wrong;
	 * UDP to a port nobody listens on (answered with ICMP); a frame of
	 * three segments, the middle one empty. */
	size_t n = eth(f, MAC_A, 0x88b5);
	memset(f + n, 0xab, 50);
	deliver(&dev_a, &r[0], f, n + 50, 1, 0);
	n = udp(f, MAC_A, PEER_A, IP_A, 9999, "x", false);
	f[14 + 10] ^= 0xff;
	deliver(&dev_a, &r[1], f, n, 1, 0);
	n = udp(f, MAC_A, PEER_A, IP_A, 9999, "nobody", false);
	deliver(&dev_a, &r[2], f, n, 3, 0);
	n = udp(f, MAC_A, PEER_A, IP_A, 9999, "again", false);
	deliver(&dev_a, &r[3], f, 0, 0, 0); /* an empty frame: the class refuses it */
	assert_int_equal(r[3].released, 1);
	memset(&r[3], 0, sizeof(r[3]));
	memcpy(r[3].buf, f, n);
	r[3].segs[0] = (struct net_seg){ r[3].buf, 20 };
	r[3].segs[1] = (struct net_seg){ r[3].buf + 20, 0 };
	r[3].segs[2] = (struct net_seg){ r[3].buf + 20, (uint32_t)n - 20 };
	r[3].f = (struct net_rxframe){ .segs = r[3].segs, .nsegs = 3, .len = (uint32_t)n, .release = rx_release };
	netdev_input(&dev_a.nd, &r[3].f);
	settle();
	complete_all(&dev_a);
	settle();
	for (int i = 0; i < 4; i++)
		assert_int_equal(r[i].released, 1);
	/* Two ICMP port unreachables went out. */
	assert_int_equal(dev_a.nsent, 2);
	assert_int_equal(dev_a.sent[0].data[14 + 9], 1);
	assert_int_equal(net_if_rx_lent(dev_a.glue), 0);
}

/* Datagrams a socket holds keep their frames lent, up to the bound;
 * beyond it frames are copied and given back at once; every frame comes
 * back exactly once when the socket reads or closes. */
static void test_lend_bound(void **state)
{
	enum { N = NET_IF_RX_LEND_MAX + 8 };
	static struct rxf r[N];
	/* Three sockets, so that no socket's queue overflows first. */
	enum { SOCKS = 3 };
	struct netconn *c[SOCKS];
	for (int k = 0; k < SOCKS; k++) {
		c[k] = netconn_new(NETCONN_UDP);
		assert_non_null(c[k]);
		assert_int_equal(netconn_bind(c[k], IP4_ADDR_ANY, (u16_t)(7770 + k)), ERR_OK);
	}
	struct net_if_stats before, after;
	net_if_stats(dev_a.glue, &before);
	uint8_t f[512];
	for (int i = 0; i < N; i++) {
		/* Long enough that half of it holds every header: lent in
		 * two segments too. */
		char text[400];
		snprintf(text, sizeof(text), "d%d%0300d", i, 0);
		deliver(&dev_a, &r[i], f, udp(f, MAC_A, PEER_A, IP_A, (uint16_t)(7770 + i % SOCKS), text, false),
			1 + i % 2, 0);
		if (i % 16 == 15)
			settle();
	}
	settle();
	net_if_stats(dev_a.glue, &after);
	assert_int_equal(net_if_rx_lent(dev_a.glue), NET_IF_RX_LEND_MAX);
	assert_int_equal(after.rx_lent - before.rx_lent, NET_IF_RX_LEND_MAX);
	assert_int_equal(after.rx_copied - before.rx_copied, N - NET_IF_RX_LEND_MAX);
	for (int i = 0; i < N; i++)
		assert_int_equal(r[i].released, i < NET_IF_RX_LEND_MAX ? 0 : 1);
	/* Reading gives the data of the driver's buffer, in order. */
	for (int i = 0; i < 3 * SOCKS; i++) {
		struct netbuf *b;
		assert_int_equal(netconn_recv(c[i % SOCKS], &b), ERR_OK);
		char text[400], want[400];
		u16_t len = netbuf_copy(b, text, sizeof(text) - 1);
		text[len] = '\0';
		snprintf(want, sizeof(want), "d%d%0300d", i, 0);
		assert_string_equal(text, want);
		netbuf_delete(b);
		assert_int_equal(r[i].released, 1);
	}
	for (int k = 0; k < SOCKS; k++)
		assert_int_equal(netconn_delete(c[k]), ERR_OK);
	settle();
	for (int i = 0; i < N; i++)
		assert_int_equal(r[i].released, 1);
	assert_int_equal(net_if_rx_lent(dev_a.glue), 0);
}

/* A frame over many buffers (a merged one) is lent too, its descriptor
 * from the heap; one of more segments than the glue takes is copied. */
static void test_many_segments(void **state)
{
	static struct rxf r[2];
	static uint8_t f[2048];
	struct netconn *c = netconn_new(NETCONN_UDP);
	assert_int_equal(netconn_bind(c, IP4_ADDR_ANY, 7780), ERR_OK);
	struct net_if_stats before, after;
	net_if_stats(dev_a.glue, &before);
	char text[1400];
	memset(text, 'm', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	size_t n = udp(f, MAC_A, PEER_A, IP_A, 7780, text, false);
	/* The headers in the first segment, the rest in pieces of 20 bytes
	 * (NET_IF_RX_SEGS_MAX + 1 of them in the second frame). */
	for (int k = 0; k < 2; k++) {
		unsigned nsegs = k == 0 ? 12 : NET_IF_RX_SEGS_MAX + 1;
		memset(&r[k], 0, sizeof(r[k]));
		memcpy(r[k].buf, f, n);
		size_t head = n - (nsegs - 1) * 20;
		r[k].segs[0] = (struct net_seg){ r[k].buf, (uint32_t)head };
		for (unsigned i = 1; i < nsegs; i++)
			r[k].segs[i] = (struct net_seg){ r[k].buf + head + (i - 1) * 20, 20 };
		r[k].f = (struct net_rxframe){
			.segs = r[k].segs, .nsegs = nsegs, .len = (uint32_t)n, .release = rx_release
		};
		netdev_input(&dev_a.nd, &r[k].f);
	}
	settle();
	net_if_stats(dev_a.glue, &after);
	assert_int_equal(after.rx_lent - before.rx_lent, 1);
	assert_int_equal(after.rx_copied - before.rx_copied, 1);
	assert_int_equal(r[0].released, 0);
	assert_int_equal(r[1].released, 1);
	for (int k = 0; k < 2; k++) {
		struct netbuf *b;
		char got[1400];
		assert_int_equal(netconn_recv(c, &b), ERR_OK);
		assert_int_equal(netbuf_copy(b, got, sizeof(got)), sizeof(text) - 1);
		assert_memory_equal(got, text, sizeof(text) - 1);
		netbuf_delete(b);
	}
	assert_int_equal(r[0].released, 1);
	netconn_delete(c);
	settle();
	assert_int_equal(net_if_rx_lent(dev_a.glue), 0);
}

/* A device that checked a frame spares lwIP its UDP and TCP checks: a
 * datagram with a wrong checksum is taken when the device says it is
 * valid, dropped otherwise. */
static void test_rx_csum_valid(void **state)
{
	static struct rxf r[3];
	struct netconn *c = netconn_new(NETCONN_UDP);
	assert_int_equal(netconn_bind(c, IP4_ADDR_ANY, 7778), ERR_OK);
	netconn_set_recvtimeout(c, 10);
	uint8_t f[256];
	deliver(&dev_b, &r[0], f, udp(f, MAC_B, PEER_B, IP_B, 7778, "unchecked", true), 1, 0);
	deliver(&dev_b, &r[1], f, udp(f, MAC_B, PEER_B, IP_B, 7778, "valid", true), 1, NET_OFF_CSUM_VALID);
	deliver(&dev_b, &r[2], f, udp(f, MAC_B, PEER_B, IP_B, 7778, "partial", true), 1, NET_OFF_CSUM_PARTIAL);
	settle();
	assert_int_equal(r[0].released, 1);
	const char *want[] = { "valid", "partial" };
	for (int i = 0; i < 2; i++) {
		struct netbuf *b;
		assert_int_equal(netconn_recv(c, &b), ERR_OK);
		char text[16];
		u16_t len = netbuf_copy(b, text, sizeof(text) - 1);
		text[len] = '\0';
		assert_string_equal(text, want[i]);
		netbuf_delete(b);
	}
	struct netbuf *b;
	assert_int_equal(netconn_recv(c, &b), ERR_TIMEOUT);
	/* The check stays on for the next frame without the flag. */
	deliver(&dev_b, &r[0], f, udp(f, MAC_B, PEER_B, IP_B, 7778, "bad again", true), 1, 0);
	settle();
	assert_int_equal(netconn_recv(c, &b), ERR_TIMEOUT);
	netconn_delete(c);
	settle();
	for (int i = 0; i < 3; i++)
		assert_int_equal(r[i].released, 1);
}

/* --- transmit ---------------------------------------------------------------------------------- */

/* Sends payload (a chain of pieces) as UDP to the peer of d; lwIP's
 * answer in *result, or checked to be ERR_OK when result is NULL. */
static struct pbuf *send_udp_err(struct fakedev *d, const char *const *pieces, unsigned n, err_t *result)
{
	struct pbuf *head = NULL;
	for (unsigned i = 0; i < n; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)strlen(pieces[i]), PBUF_RAM);
		HOST_CHECK(p != NULL);
		memcpy(p->payload, pieces[i], strlen(pieces[i]));
		if (head)
			pbuf_cat(head, p);
		else
			head = p;
	}
	LOCK_TCPIP_CORE();
	struct udp_pcb *pcb = udp_new();
	ip_addr_t dst;
	const uint8_t *peer = d == &dev_a ? PEER_A : d == &dev_c ? PEER_C : PEER_B;
	IP_ADDR4(&dst, peer[0], peer[1], peer[2], peer[3]);
	err_t err = udp_sendto(pcb, head, &dst, 9000);
	udp_remove(pcb);
	UNLOCK_TCPIP_CORE();
	if (result)
		*result = err;
	else
		HOST_CHECK(err == ERR_OK);
	return head;
}

static struct pbuf *send_udp(struct fakedev *d, const char *const *pieces, unsigned n)
{
	return send_udp_err(d, pieces, n, NULL);
}

static void test_tx_chain_as_segments(void **state)
{
	dev_a.later = true;
	const char *pieces[] = { "hello, ", "world" };
	struct pbuf *p = send_udp(&dev_a, pieces, 2);
	assert_int_equal(dev_a.nsent, 1);
	struct sent *s = &dev_a.sent[0];
	/* Headers (Ethernet, IP, UDP) in a pbuf of their own, then each piece. */
	assert_int_equal(s->nsegs, 3);
	assert_int_equal(s->len, 14 + 20 + 8 + 12);
	assert_memory_equal(s->data + 42, "hello, world", 12);
	assert_memory_equal(s->data, PEER_MAC, 6);
	/* The device has the pbufs until it completes: ours and the glue's. */
	assert_int_equal(p->ref, 2);
	complete_all(&dev_a);
	settle();
	assert_int_equal(p->ref, 1);
	pbuf_free(p);
}

/* A device that finishes a frame within its transmit (a driver reclaims
 * as it sends): the glue frees the frame before linkoutput returns,
 * without a message to the tcpip thread. */
static void test_tx_done_within_transmit_freed_there(void **state)
{
	const char *pieces[] = { "hello" };
	struct pbuf *p = send_udp(&dev_a, pieces, 1);
	assert_int_equal(dev_a.nsent, 1);
	assert_true(dev_a.sent[0].done);
	assert_int_equal(p->ref, 1);
	pbuf_free(p);
}

static void test_tx_long_chain_copied(void **state)
{
	struct net_if_stats before, after;
	net_if_stats(dev_a.glue, &before);
	dev_a.later = true;
	const char *pieces[] = { "a", "bc", "def", "ghij" }; /* 5 segments, the device takes 4 */
	struct pbuf *p = send_udp(&dev_a, pieces, 4);
	assert_int_equal(dev_a.nsent, 1);
	assert_int_equal(dev_a.sent[0].nsegs, 1);
	assert_memory_equal(dev_a.sent[0].data + 42, "abcdefghij", 10);
	/* A copy went down: the originals are free at once. */
	assert_int_equal(p->ref, 1);
	net_if_stats(dev_a.glue, &after);
	assert_int_equal(after.tx_copied - before.tx_copied, 1);
	pbuf_free(p);
	complete_all(&dev_a);
	settle();
}

static void test_tx_queue_full(void **state)
{
	struct net_if_stats before, after;
	net_if_stats(dev_a.glue, &before);
	/* One frame with the device, then the queue is full: two more wait
	 * and go, in order, when the first completes. */
	dev_a.later = true;
	const char *one[] = { "first" }, *two[] = { "second" }, *three[] = { "third" };
	pbuf_free(send_udp(&dev_a, one, 1));
	dev_a.eagain = 1;
	struct pbuf *p2 = send_udp(&dev_a, two, 1);
	struct pbuf *p3 = send_udp(&dev_a, three, 1);
	assert_int_equal(dev_a.nsent, 1);
	assert_int_equal(dev_a.eagain, 0); /* the third did not jump the queue */
	assert_int_equal(p2->ref, 2);
	complete_all(&dev_a);
	settle();
	assert_int_equal(dev_a.nsent, 3);
	assert_memory_equal(dev_a.sent[1].data + 42, "second", 6);
	assert_memory_equal(dev_a.sent[2].data + 42, "third", 5);
	complete_all(&dev_a);
	settle();
	assert_int_equal(p2->ref, 1);
	assert_int_equal(p3->ref, 1);
	pbuf_free(p2);
	pbuf_free(p3);
	net_if_stats(dev_a.glue, &after);
	assert_int_equal(after.tx_deferred - before.tx_deferred, 2);

	/* Without a completion to wait for, the periodic check retries. */
	dev_a.nsent = 0;
	dev_a.later = false;
	dev_a.eagain = 1;
	const char *four[] = { "fourth" };
	pbuf_free(send_udp(&dev_a, four, 1));
	assert_int_equal(dev_a.nsent, 0);
	sleep_ns(200 * MS);
	settle();
	assert_int_equal(dev_a.nsent, 1);
	assert_memory_equal(dev_a.sent[0].data + 42, "fourth", 6);
}

static unsigned room_calls;
static void count_room(void) { room_calls++; }

static bool refusing(void)
{
	LOCK_TCPIP_CORE();
	bool r = net_if_tx_refusing();
	UNLOCK_TCPIP_CORE();
	return r;
}

static void test_tx_queue_full_bounded(void **state)
{
	struct net_if_stats before, after;
	net_if_stats(dev_a.glue, &before);
	room_calls = 0;
	sendmem_set_room_hook(count_room);
	assert_false(refusing());
	dev_a.eagain = 100000;
	enum { N = NET_IF_TX_DEFER_MAX + 5 };
	static struct pbuf *p[N];
	const char *x[] = { "x" };
	for (int i = 0; i < N; i++) {
		err_t err;
		p[i] = send_udp_err(&dev_a, x, 1, &err);
		/* Past the bound, the frame is refused and lwIP told. */
		assert_int_equal(err, i < NET_IF_TX_DEFER_MAX ? ERR_OK : ERR_MEM);
	}
	net_if_stats(dev_a.glue, &after);
	assert_int_equal(after.tx_deferred - before.tx_deferred, NET_IF_TX_DEFER_MAX);
	assert_int_equal(after.tx_refused - before.tx_refused, 5);
	assert_int_equal(after.tx_dropped - before.tx_dropped, 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(p[i]->ref, i < NET_IF_TX_DEFER_MAX ? 2 : 1);
	/* Refused senders other than TCP's (the socket layer's datagrams)
	 * learn that the queue is full, and are told when it has room. */
	assert_true(refusing());
	assert_int_equal(room_calls, 0);
	dev_a.eagain = 0;
	sleep_ns(200 * MS);
	settle();
	assert_int_equal(dev_a.nsent, NET_IF_TX_DEFER_MAX);
	assert_false(refusing());
	assert_true(room_calls > 0);
	sendmem_set_room_hook(NULL);
	for (int i = 0; i < N; i++) {
		assert_int_equal(p[i]->ref, 1);
		pbuf_free(p[i]);
	}
}

/* A SYN to a closed port is answered with a reset: its TCP checksum is
 * the device's on B (the pseudo-header's sum in place, the descriptor
 * saying where), lwIP's own on A. */
static bool tcp_csum_ok(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14;
	size_t len = (size_t)(ip[2] << 8 | ip[3]) - 20;
	return rfc1071(ip + 20, len, pseudo_sum(ip + 12, ip + 16, 6, len)) == 0xffff;
}

static void test_tx_csum_offload(void **state)
{
	static struct rxf r[2];
	uint8_t f[128];
	deliver(&dev_a, &r[0], f, tcp_syn(f, MAC_A, PEER_A, IP_A, 9), 1, 0);
	deliver(&dev_b, &r[1], f, tcp_syn(f, MAC_B, PEER_B, IP_B, 9), 1, 0);
	settle();
	assert_int_equal(dev_a.nsent, 1);
	assert_int_equal(dev_b.nsent, 1);
	struct sent *a = &dev_a.sent[0], *b = &dev_b.sent[0];
	assert_int_equal(a->data[14 + 9], 6);
	assert_int_equal(a->data[14 + 20 + 13] & 0x04, 0x04); /* RST */
	assert_int_equal(a->off.flags, 0);
	assert_true(tcp_csum_ok(a->data));

	assert_int_equal(b->data[14 + 20 + 13] & 0x04, 0x04);
	assert_int_equal(b->off.flags, NET_OFF_CSUM_PARTIAL);
	assert_int_equal(b->off.csum_start, 34);
	assert_int_equal(b->off.csum_offset, 16);
	assert_false(tcp_csum_ok(b->data));
	struct net_seg seg = { b->data, b->len };
	netcsum_complete(&seg, 1, &b->off);
	assert_true(tcp_csum_ok(b->data));
	assert_int_equal(r[0].released, 1);
	assert_int_equal(r[1].released, 1);
}

/* --- hostile TCP input ------------------------------------------------------------------------ */

#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define TCP_RST 0x04
#define SEG 1000

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* A peer that sends a hundred segments past a hole holds at most
 * TCP_OOSEQ_MAX_PBUFS of its frames in the out-of-order queue; once the
 * hole is filled, the data reads back in order, and every frame comes
 * back to the driver exactly once. */
static void test_tcp_ooseq_bounded(void **state)
{
	enum { N = 100 };
	static struct rxf r[N + 3];
	static uint8_t f[2048], data[SEG];
	struct netconn *l = netconn_new(NETCONN_TCP);
	assert_int_equal(netconn_bind(l, IP4_ADDR_ANY, 80), ERR_OK);
	assert_int_equal(netconn_listen(l), ERR_OK);
	uint32_t seq = 1000;
	deliver(&dev_b, &r[N], f, tcp_seg(f, MAC_B, PEER_B, IP_B, 80, TCP_SYN, seq, 0, NULL, 0), 1, 0);
	settle();
	assert_int_equal(dev_b.nsent, 1);
	const uint8_t *synack = dev_b.sent[0].data + 34;
	assert_int_equal(synack[13], TCP_SYN | TCP_ACK);
	uint32_t iss = get32(synack + 4);
	seq++;
	deliver(&dev_b, &r[N + 1], f, tcp_seg(f, MAC_B, PEER_B, IP_B, 80, TCP_ACK, seq, iss + 1, NULL, 0), 1, 0);
	settle();
	struct netconn *c;
	assert_int_equal(netconn_accept(l, &c), ERR_OK);
	/* The first segment is missing: the rest wait in the out-of-order
	 * queue, up to its bound; lwIP drops the others. */
	for (int k = 0; k < N; k++) {
		memset(data, 'a' + (k + 1) % 26, SEG);
		deliver(&dev_b, &r[k], f,
			tcp_seg(f, MAC_B, PEER_B, IP_B, 80, TCP_ACK, seq + (uint32_t)(k + 1) * SEG, iss + 1, data, SEG),
			1 + k % 2, 0);
		if (k % 16 == 15)
			settle();
	}
	settle();
	assert_true(net_if_rx_lent(dev_b.glue) <= TCP_OOSEQ_MAX_PBUFS);
	assert_true(net_if_rx_lent(dev_b.glue) >= TCP_OOSEQ_MAX_PBUFS / 2);
	unsigned held = 0;
	for (int k = 0; k < N; k++) {
		assert_true(r[k].released <= 1);
		held += r[k].released == 0;
	}
	assert_int_equal(held, net_if_rx_lent(dev_b.glue));
	/* The hole filled: what was kept reads back in order. */
	memset(data, 'a', SEG);
	deliver(&dev_b, &r[N + 2], f, tcp_seg(f, MAC_B, PEER_B, IP_B, 80, TCP_ACK, seq, iss + 1, data, SEG), 1, 0);
	settle();
	netconn_set_recvtimeout(c, 10);
	size_t got = 0;
	struct netbuf *b;
	while (netconn_recv(c, &b) == ERR_OK) {
		void *p;
		u16_t len;
		do {
			netbuf_data(b, &p, &len);
			for (u16_t i = 0; i < len; i++)
				assert_int_equal(((uint8_t *)p)[i], 'a' + (int)((got + i) / SEG) % 26);
			got += len;
		} while (netbuf_next(b) >= 0);
		netbuf_delete(b);
	}
	assert_int_equal(got % SEG, 0);
	assert_true(got >= (1 + TCP_OOSEQ_MAX_PBUFS / 2) * SEG);
	netconn_delete(c);
	netconn_delete(l);
	settle();
	complete_all(&dev_b);
	settle();
	for (int k = 0; k < N + 3; k++)
		assert_int_equal(r[k].released, 1);
	assert_int_equal(net_if_rx_lent(dev_b.glue), 0);
}

/* A connection's data sent through a device that cuts TCP segments:
 * the glue gathers lwIP's segments into frames the device is to cut
 * (their headers whole, the pseudo-header's sum of the whole frame in
 * the checksum field, within the device's segment limit), and the
 * payloads, in order, are the data written. */
/* SENDPLUS events per connection, for the tests that watch them. */
static struct netconn *watched;
static unsigned watched_sendplus;
static void count_events(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	if (conn == watched && evt == NETCONN_EVT_SENDPLUS)
		watched_sendplus++;
}

/* A peer on device C opens a connection to a listener on port, its
 * first sequence number seq: the handshake's frames go in r (counted by
 * *nr), and the connection is accepted, non-blocking, with cb (may be
 * NULL) for its events. Returns the
 * stack's initial sequence number. */
static uint32_t accept_on_c(uint16_t port, uint32_t seq, struct rxf *r, unsigned *nr, uint8_t *f, struct netconn **l,
			    struct netconn **c, netconn_callback cb)
{
	*l = netconn_new_with_callback(NETCONN_TCP, cb);
	assert_int_equal(netconn_bind(*l, IP4_ADDR_ANY, port), ERR_OK);
	assert_int_equal(netconn_listen(*l), ERR_OK);
	deliver(&dev_c, &r[(*nr)++], f, tcp_seg(f, MAC_C, PEER_C, IP_C, port, TCP_SYN, seq, 0, NULL, 0), 1, 0);
	settle();
	assert_int_equal(dev_c.nsent, 1);
	uint32_t iss = get32(dev_c.sent[0].data + 34 + 4);
	deliver(&dev_c, &r[(*nr)++], f, tcp_seg(f, MAC_C, PEER_C, IP_C, port, TCP_ACK, seq + 1, iss + 1, NULL, 0), 1,
		0);
	settle();
	assert_int_equal(netconn_accept(*l, c), ERR_OK);
	netconn_set_nonblocking(*c, 1);
	return iss;
}

static void test_tx_segments_gathered(void **state)
{
	enum { BYTES = 20000 };
	static struct rxf r[64];
	static uint8_t f[2048], data[BYTES], got[BYTES];
	for (unsigned i = 0; i < BYTES; i++)
		data[i] = (uint8_t)(i * 13 + i / 256);
	struct net_if_stats st0;
	net_if_stats(dev_c.glue, &st0);
	struct netconn *l, *c;
	uint32_t seq = 5000;
	unsigned nr = 0;
	uint32_t iss = accept_on_c(81, seq++, r, &nr, f, &l, &c, NULL);
	size_t written = 0;
	assert_int_equal(netconn_write_partly(c, data, BYTES, NETCONN_COPY, &written), ERR_OK);
	assert_int_equal(written, BYTES);
	/* The peer acknowledges everything it got, until all is there. */
	size_t have = 0;
	unsigned next = 1, gathered = 0;
	for (int round = 0; round < 40 && have < BYTES; round++) {
		settle();
		for (; next < dev_c.nsent; next++) {
			struct sent *s = &dev_c.sent[next];
			const uint8_t *ip = s->data + 14, *tcp = ip + 20;
			assert_int_equal(ip[0], 0x45);
			assert_int_equal(ip[2] << 8 | ip[3], s->len - 14);
			assert_int_equal(rfc1071(ip, 20, 0), 0xffff);
			size_t hl = 34 + (tcp[12] >> 4) * 4u, payload = s->len - hl;
			assert_int_equal(get32(tcp + 4) - (iss + 1), have);
			assert_true(have + payload <= BYTES);
			memcpy(got + have, s->data + hl, payload);
			have += payload;
			assert_int_equal(s->off.flags, NET_OFF_CSUM_PARTIAL);
			assert_int_equal(rfc1071(tcp + 16, 2, 0), pseudo_sum(ip + 12, ip + 16, 6, s->len - 34));
			if (s->off.gso_type == NET_GSO_NONE) {
				assert_true(s->len <= 1514);
				continue;
			}
			gathered++;
			assert_int_equal(s->off.gso_type, NET_GSO_TCPV4);
			assert_int_equal(s->off.hdr_len, hl);
			assert_int_equal(s->off.gso_size, 536); /* the peer gave no MSS */
			assert_true(payload > s->off.gso_size);
			assert_true(s->nsegs <= dev_c.nd.max_tx_segs);
		}
		complete_all(&dev_c);
		deliver(&dev_c, &r[nr++], f,
			tcp_seg(f, MAC_C, PEER_C, IP_C, 81, TCP_ACK, seq, iss + 1 + (uint32_t)have, NULL, 0), 1, 0);
	}
	assert_int_equal(have, BYTES);
	assert_memory_equal(got, data, BYTES);
	assert_true(gathered > 0);
	struct net_if_stats st;
	net_if_stats(dev_c.glue, &st);
	assert_int_equal(st.tx_gso_frames - st0.tx_gso_frames, gathered);
	assert_true(st.tx_gso_segments - st0.tx_gso_segments > gathered);
	assert_int_equal(st.tx_failed, st0.tx_failed);
	netconn_delete(c);
	netconn_delete(l);
	settle();
	complete_all(&dev_c);
	settle();
	for (unsigned k = 0; k < nr; k++)
		assert_int_equal(r[k].released, 1);
}

/* A connection's segments meet a full queue on a device that cuts TCP
 * segments: none is taken to be lost; once the queue has drained they
 * go, without an acknowledgement or a write to make TCP send, and long
 * before a retransmission timeout would. */
static void test_tx_full_tcp_sends_again(void **state)
{
	enum { BYTES = 2000 };
	static struct rxf r[8];
	static uint8_t f[2048], data[BYTES], got[BYTES];
	for (unsigned i = 0; i < BYTES; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	struct netconn *l, *c;
	uint32_t seq = 9000;
	unsigned nr = 0;
	uint32_t iss = accept_on_c(82, seq++, r, &nr, f, &l, &c, NULL);
	complete_all(&dev_c);
	dev_c.nsent = 0;

	/* The device's queue full, and as many frames waiting as the glue
	 * holds back. */
	dev_c.eagain = 100000;
	const char *x[] = { "x" };
	static struct pbuf *p[NET_IF_TX_DEFER_MAX];
	for (int i = 0; i < NET_IF_TX_DEFER_MAX; i++)
		p[i] = send_udp_err(&dev_c, x, 1, NULL);
	struct net_if_stats before, after;
	net_if_stats(dev_c.glue, &before);
	size_t written = 0;
	assert_int_equal(netconn_write_partly(c, data, BYTES, NETCONN_COPY, &written), ERR_OK);
	assert_int_equal(written, BYTES);
	settle();
	net_if_stats(dev_c.glue, &after);
	assert_true(after.tx_refused > before.tx_refused);
	assert_int_equal(after.tx_dropped, before.tx_dropped);

	/* Room again: the waiting frames go, then the connection's. */
	dev_c.eagain = 0;
	sleep_ns(200 * MS);
	settle();
	size_t have = 0;
	for (unsigned k = 0; k < dev_c.nsent; k++) {
		struct sent *s = &dev_c.sent[k];
		const uint8_t *ip = s->data + 14, *tcp = ip + 20;
		if (ip[9] != 6)
			continue;
		size_t hl = 34 + (tcp[12] >> 4) * 4u, payload = s->len - hl;
		assert_int_equal(get32(tcp + 4) - (iss + 1), have);
		assert_true(have + payload <= BYTES);
		memcpy(got + have, s->data + hl, payload);
		have += payload;
	}
	assert_true(have > 0);
	assert_memory_equal(got, data, have);
	complete_all(&dev_c);
	settle();
	for (int i = 0; i < NET_IF_TX_DEFER_MAX; i++)
		pbuf_free(p[i]);
	deliver(&dev_c, &r[nr++], f, tcp_seg(f, MAC_C, PEER_C, IP_C, 82, TCP_ACK | TCP_RST, seq, 0, NULL, 0), 1, 0);
	netconn_delete(c);
	netconn_delete(l);
	settle();
	complete_all(&dev_c);
	settle();
	for (unsigned k = 0; k < nr; k++)
		assert_int_equal(r[k].released, 1);
}

/* Two connections, the send buffers' budget (net/sendmem.h) small: the
 * first fills it, the second is refused with nothing in flight. When
 * the peer's acknowledgement frees the first's data, the second is told
 * it may send, at once, not at lwIP's poll a second later. */
static void test_sendmem_relief(void **state)
{
	static struct rxf r[16];
	static uint8_t f[2048], data[4000];
	memset(data, 0x5a, sizeof(data));
	struct netconn *l1, *c1, *l2, *c2;
	unsigned nr = 0;
	uint32_t iss1 = accept_on_c(83, 100, r, &nr, f, &l1, &c1, count_events);
	complete_all(&dev_c);
	dev_c.nsent = 0;
	accept_on_c(84, 200, r, &nr, f, &l2, &c2, count_events);
	complete_all(&dev_c);
	dev_c.nsent = 0;
	/* Room for the first's 3,000 bytes, not for the second's 4,000 too
	 * (lwIP's tcp_write takes a write whole or not at all). */
	lwipmem_drain();
	struct lwipmem_stats st;
	lwipmem_get_stats(&st);
	lwipmem_set_budget(st.held + 6000);
	size_t written = 0;
	assert_int_equal(netconn_write_partly(c1, data, 3000, NETCONN_COPY, &written), ERR_OK);
	assert_int_equal(written, 3000);
	watched = c2;
	watched_sendplus = 0;
	written = 0;
	assert_int_equal(netconn_write_partly(c2, data, 4000, NETCONN_COPY, &written), ERR_WOULDBLOCK);
	assert_int_equal(written, 0);
	lwipmem_get_stats(&st);
	assert_true(st.refused > 0);
	settle();
	complete_all(&dev_c);
	settle();
	/* The peer acknowledges what the first sent. */
	uint32_t acked = 0;
	for (unsigned k = 0; k < dev_c.nsent; k++) {
		const uint8_t *ip = dev_c.sent[k].data + 14, *tcp = ip + 20;
		size_t hl = 34 + (tcp[12] >> 4) * 4u;
		uint32_t end = get32(tcp + 4) - (iss1 + 1) + (uint32_t)(dev_c.sent[k].len - hl);
		if (end > acked)
			acked = end;
	}
	assert_true(acked > 0);
	assert_int_equal(watched_sendplus, 0);
	deliver(&dev_c, &r[nr++], f, tcp_seg(f, MAC_C, PEER_C, IP_C, 83, TCP_ACK, 101, iss1 + 1 + acked, NULL, 0), 1,
		0);
	settle();
	assert_true(watched_sendplus > 0);
	lwipmem_set_budget(0);
	watched = NULL;
	written = 0;
	assert_int_equal(netconn_write_partly(c2, data, 4000, NETCONN_COPY, &written), ERR_OK);
	assert_int_equal(written, 4000);
	netconn_delete(c1);
	netconn_delete(c2);
	netconn_delete(l1);
	netconn_delete(l2);
	settle();
	complete_all(&dev_c);
	settle();
	lwipmem_drain();
}

/* --- the link ------------------------------------------------------------------------------------ */

static void test_link(void **state)
{
	struct netif *n = net_if_netif(dev_b.glue);
	assert_true(netif_is_link_up(n));
	netdev_set_link(&dev_b.nd, false);
	assert_false(netif_is_link_up(n));
	netdev_set_link(&dev_b.nd, true);
	assert_true(netif_is_link_up(n));
	/* Two interfaces, each its own. */
	assert_ptr_equal(net_if_of(n), dev_b.glue);
	assert_ptr_equal(net_if_netdev(dev_a.glue), &dev_a.nd);
	assert_ptr_not_equal(net_if_netif(dev_a.glue), n);
	LOCK_TCPIP_CORE();
	assert_null(net_if_of(netif_find("lo0")));
	UNLOCK_TCPIP_CORE();
}

/* A datagram from an unbound socket to an off-link address, 2001:db8:N::1
 * (a destination of its own for each test: lwIP's destination cache
 * keeps the next hop it found for an address). */
static err_t send_far6_to(u32_t n)
{
	ip_addr_t far;
	IP_ADDR6(&far, PP_HTONL(0x20010db8), PP_HTONL(n << 16), 0, PP_HTONL(1));
	LOCK_TCPIP_CORE();
	struct udp_pcb *u = udp_new_ip_type(IPADDR_TYPE_V6);
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 8, PBUF_RAM);
	memset(p->payload, 0x5a, 8);
	err_t e = udp_sendto(u, p, &far, 9);
	pbuf_free(p);
	udp_remove(u);
	UNLOCK_TCPIP_CORE();
	settle();
	return e;
}

/* A datagram to an address off every prefix: with a router configured
 * (net_if_set_ip6_gateway) its next hop is that router, whose address
 * lwIP first resolves (a neighbour solicitation for it goes out); with
 * none, and none advertised, there is no route. */
static err_t send_far6(void) { return send_far6_to(0x99); }

static void test_ip6_gateway(void **state)
{
	struct netif *n = net_if_netif(dev_a.glue);
	ip6_addr_t mine, gw;
	IP6_ADDR(&mine, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(0x15));
	IP6_ADDR(&gw, PP_HTONL(0xfe800000), 0, 0, PP_HTONL(0x1));
	LOCK_TCPIP_CORE();
	s8_t slot;
	assert_int_equal(netif_add_ip6_address(n, &mine, &slot), ERR_OK);
	netif_ip6_addr_set_state(n, slot, IP6_ADDR_PREFERRED); /* no duplicate detection here */
	/* The link-local address a solicitation for a link-local router
	 * comes from (Keel gives every interface one). */
	netif_create_ip6_linklocal_address(n, 1);
	netif_ip6_addr_set_state(n, 0, IP6_ADDR_PREFERRED);
	struct netif *was_default = netif_default;
	netif_set_default(n); /* off-link traffic leaves by the default interface */
	UNLOCK_TCPIP_CORE();
	assert_null(net_if_ip6_gateway_hook(n, &mine));
	assert_int_not_equal(send_far6(), ERR_OK);

	LOCK_TCPIP_CORE();
	net_if_set_ip6_gateway(dev_a.glue, &gw);
	UNLOCK_TCPIP_CORE();
	const ip6_addr_t *hop = net_if_ip6_gateway_hook(n, &mine);
	assert_non_null(hop);
	assert_true(ip6_addr_cmp_zoneless(hop, &gw));
	assert_true(ip6_addr_has_zone(hop)); /* link-local: on this link */
	assert_null(net_if_ip6_gateway_hook(net_if_netif(dev_b.glue), &mine));
	unsigned before = dev_a.nsent;
	assert_int_equal(send_far6(), ERR_OK);
	/* A neighbour solicitation (ICMPv6 type 135) whose target is the
	 * router: Ethernet 14, IPv6 40, then type, code, sum, reserved. */
	bool solicited = false;
	for (unsigned i = before; i < dev_a.nsent; i++) {
		const uint8_t *f = dev_a.sent[i].data;
		if (dev_a.sent[i].len >= 14 + 40 + 24 && f[12] == 0x86 && f[13] == 0xdd && f[14 + 6] == 58 &&
		    f[54] == 135 && memcmp(f + 54 + 8, gw.addr, 16) == 0)
			solicited = true;
	}
	assert_true(solicited);

	LOCK_TCPIP_CORE();
	net_if_set_ip6_gateway(dev_a.glue, NULL);
	netif_ip6_addr_set_state(n, slot, IP6_ADDR_INVALID);
	netif_ip6_addr_set_state(n, 0, IP6_ADDR_INVALID);
	netif_set_default(was_default);
	UNLOCK_TCPIP_CORE();
	assert_null(net_if_ip6_gateway_hook(n, &mine));
}

/* Whether frames sent from index `from` on solicit `gw` (an ICMPv6
 * neighbour solicitation: Ethernet 14, IPv6 40, then type 135, code,
 * sum, reserved, target). */
static bool solicits(struct fakedev *d, unsigned from, const ip6_addr_t *gw)
{
	for (unsigned i = from; i < d->nsent; i++) {
		const uint8_t *f = d->sent[i].data;
		if (d->sent[i].len >= 14 + 40 + 24 && f[12] == 0x86 && f[13] == 0xdd && f[14 + 6] == 58 &&
		    f[54] == 135 && memcmp(f + 54 + 8, gw->addr, 16) == 0)
			return true;
	}
	return false;
}

/* Two interfaces, the router (gw6=) on the one that is not the default:
 * off-link traffic from an unbound socket leaves by the interface with
 * the router, where lwIP alone sends it by the default interface, which
 * has none. With a router on the default interface too, that one. */
static void test_ip6_gateway_on_a_second_interface(void **state)
{
	struct netif *a = net_if_netif(dev_a.glue), *b = net_if_netif(dev_b.glue);
	ip6_addr_t mine_a, mine_b, gw_a, gw_b;
	IP6_ADDR(&mine_a, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(0x15));
	IP6_ADDR(&mine_b, PP_HTONL(0xfd020000), 0, 0, PP_HTONL(0x15));
	IP6_ADDR(&gw_a, PP_HTONL(0xfd000000), 0, 0, PP_HTONL(0x1));
	IP6_ADDR(&gw_b, PP_HTONL(0xfd020000), 0, 0, PP_HTONL(0x1));
	LOCK_TCPIP_CORE();
	s8_t slot_a, slot_b;
	assert_int_equal(netif_add_ip6_address(a, &mine_a, &slot_a), ERR_OK);
	assert_int_equal(netif_add_ip6_address(b, &mine_b, &slot_b), ERR_OK);
	netif_ip6_addr_set_state(a, slot_a, IP6_ADDR_PREFERRED);
	netif_ip6_addr_set_state(b, slot_b, IP6_ADDR_PREFERRED);
	struct netif *was_default = netif_default;
	netif_set_default(a);
	net_if_set_ip6_gateway(dev_b.glue, &gw_b);
	UNLOCK_TCPIP_CORE();
	unsigned before_a = dev_a.nsent, before_b = dev_b.nsent;
	assert_int_equal(send_far6_to(0x98), ERR_OK);
	assert_true(solicits(&dev_b, before_b, &gw_b));
	assert_int_equal(dev_a.nsent, before_a);

	/* A router on the default interface: it comes first. */
	LOCK_TCPIP_CORE();
	net_if_set_ip6_gateway(dev_a.glue, &gw_a);
	UNLOCK_TCPIP_CORE();
	before_a = dev_a.nsent;
	before_b = dev_b.nsent;
	assert_int_equal(send_far6_to(0x97), ERR_OK);
	assert_true(solicits(&dev_a, before_a, &gw_a));
	assert_false(solicits(&dev_b, before_b, &gw_b));

	LOCK_TCPIP_CORE();
	net_if_set_ip6_gateway(dev_a.glue, NULL);
	net_if_set_ip6_gateway(dev_b.glue, NULL);
	netif_ip6_addr_set_state(a, slot_a, IP6_ADDR_INVALID);
	netif_ip6_addr_set_state(b, slot_b, IP6_ADDR_INVALID);
	netif_set_default(was_default);
	UNLOCK_TCPIP_CORE();
}

/* --- the OS layer (net/sys_arch.c) ------------------------------------------------------------ */

static sys_mbox_t later_mbox;
static sys_sem_t later_sem;

static int post_later(void *arg)
{
	sleep_ns(30 * MS);
	if (arg)
		sys_mbox_post(&later_mbox, arg);
	else
		sys_sem_signal(&later_sem);
	return 0;
}

/* Mailboxes are real queues, one asked for with size 0 included; timed
 * waits say how long they waited, or that they timed out. */
static void test_sys_arch(void **state)
{
	sys_mbox_t mb;
	assert_int_equal(sys_mbox_new(&mb, 0), ERR_OK);
	assert_true(sys_mbox_valid(&mb));
	static int item[SYS_MBOX_DEFAULT_SIZE + 1];
	for (int i = 0; i < SYS_MBOX_DEFAULT_SIZE; i++)
		assert_int_equal(sys_mbox_trypost(&mb, &item[i]), ERR_OK);
	assert_int_equal(sys_mbox_trypost(&mb, &item[SYS_MBOX_DEFAULT_SIZE]), ERR_MEM);
	for (int i = 0; i < SYS_MBOX_DEFAULT_SIZE; i++) {
		void *m = NULL;
		assert_int_equal(sys_arch_mbox_tryfetch(&mb, &m), 0);
		assert_ptr_equal(m, &item[i]);
	}
	void *m = &item[0];
	assert_int_equal(sys_arch_mbox_tryfetch(&mb, &m), SYS_MBOX_EMPTY);
	/* A timed fetch on an empty mailbox times out after its bound. */
	uint64_t t0 = host_clock();
	assert_int_equal(sys_arch_mbox_fetch(&mb, &m, 50), SYS_ARCH_TIMEOUT);
	assert_null(m);
	assert_true(host_clock() - t0 >= 50 * MS);
	sys_mbox_free(&mb);
	assert_false(sys_mbox_valid(&mb));

	/* A message that comes after 30 ms: the fetch says it waited 30. */
	assert_int_equal(sys_mbox_new(&later_mbox, 4), ERR_OK);
	struct thread *t;
	assert_int_equal(thread_create(&t, "poster", post_later, &item[1], 0), 0);
	assert_int_equal(sys_arch_mbox_fetch(&later_mbox, &m, 100), 30);
	assert_ptr_equal(m, &item[1]);
	thread_join(t, NULL);
	/* Without a timeout it waits as long as it takes. */
	assert_int_equal(thread_create(&t, "poster", post_later, &item[2], 0), 0);
	assert_int_equal(sys_arch_mbox_fetch(&later_mbox, NULL, 0), 30);
	thread_join(t, NULL);
	sys_mbox_free(&later_mbox);

	/* Semaphores the same way. */
	assert_int_equal(sys_sem_new(&later_sem, 0), ERR_OK);
	assert_int_equal(sys_arch_sem_wait(&later_sem, 20), SYS_ARCH_TIMEOUT);
	assert_int_equal(thread_create(&t, "poster", post_later, NULL, 0), 0);
	assert_int_equal(sys_arch_sem_wait(&later_sem, 0), 30);
	thread_join(t, NULL);
	sys_sem_signal(&later_sem);
	assert_int_equal(sys_arch_sem_wait(&later_sem, 10), 0);
	sys_sem_free(&later_sem);

	/* The clock in milliseconds, and numbers that differ. */
	u32_t now = sys_now();
	sleep_ns(7 * MS);
	assert_int_equal(sys_now() - now, 7);
	uint32_t a = LWIP_RAND(), b = LWIP_RAND(), c = LWIP_RAND();
	assert_false(a == b && b == c);
}

/* lwIP's timers (ARP, reassembly, ND6, TCP, DHCP's) run for a while
 * without tripping any of its assertions. */
static void test_timers_run(void **state)
{
	for (int i = 0; i < 30; i++)
		sleep_ns(200 * MS);
	settle();
	assert_true(netif_is_up(net_if_netif(dev_a.glue)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arp_reply, setup),
		cmocka_unit_test_setup(test_dropped_frames_released_once, setup),
		cmocka_unit_test_setup(test_lend_bound, setup),
		cmocka_unit_test_setup(test_many_segments, setup),
		cmocka_unit_test_setup(test_rx_csum_valid, setup),
		cmocka_unit_test_setup(test_tx_chain_as_segments, setup),
		cmocka_unit_test_setup(test_tx_done_within_transmit_freed_there, setup),
		cmocka_unit_test_setup(test_tx_long_chain_copied, setup),
		cmocka_unit_test_setup(test_tx_queue_full, setup),
		cmocka_unit_test_setup(test_tx_queue_full_bounded, setup),
		cmocka_unit_test_setup(test_tx_full_tcp_sends_again, setup),
		cmocka_unit_test_setup(test_sendmem_relief, setup),
		cmocka_unit_test_setup(test_tx_csum_offload, setup),
		cmocka_unit_test_setup(test_tcp_ooseq_bounded, setup),
		cmocka_unit_test_setup(test_tx_segments_gathered, setup),
		cmocka_unit_test_setup(test_link, setup),
		cmocka_unit_test_setup(test_ip6_gateway, setup),
		cmocka_unit_test_setup(test_ip6_gateway_on_a_second_interface, setup),
		cmocka_unit_test_setup(test_timers_run, setup),
		cmocka_unit_test_setup(test_sys_arch, setup),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
