/*
 * Boot tests of network devices without a network stack: on each
 * interface, an ARP request for QEMU's user-network gateway (10.0.2.2)
 * from the address that network gives a guest (10.0.2.15), its reply,
 * then ICMP echo requests to the gateway (which the user network answers
 * itself), sent as scatter-gather lists, and their replies checked byte
 * for byte. The test is the network stack here: it reaches the netdev
 * class directly. Frames are polled for every 100 us.
 */
#include <errno.h>
#include <keel.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/netdev.h"
#include "ktest.h"

#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define WAIT_NS (5ull * 1000 * 1000 * 1000)
#define QLEN 16

/* QEMU's user network by default; ktest net-tap names others. */
static uint8_t my_ip[4] = { 10, 0, 2, 15 }, gw_ip[4] = { 10, 0, 2, 2 };

struct rxq_entry {
	uint32_t len;
	uint8_t data[1536];
};

/* What the interface under test received (copied, then released at once)
 * and sent. */
struct net_ctx {
	struct netdev *nd;
	struct rxq_entry q[QLEN];
	unsigned head, tail;
	unsigned long rx_frames, rx_too_long, tx_done, tx_failed;
	/* Frames merged by the host's segmentation offload, and the largest. */
	unsigned long rx_gso, rx_max_len, rx_max_segs;
	bool link_changed;
};

static void on_rx(struct netdev *nd, struct net_rxframe *f)
{
	struct net_ctx *c = nd->stack_ctx;
	c->rx_frames++;
	if (f->off.gso_type != NET_GSO_NONE)
		c->rx_gso++;
	if (f->len > c->rx_max_len) {
		c->rx_max_len = f->len;
		c->rx_max_segs = f->nsegs;
	}
	if (c->tail - c->head < QLEN && f->len <= sizeof(c->q[0].data)) {
		struct rxq_entry *e = &c->q[c->tail % QLEN];
		uint32_t at = 0;
		for (unsigned i = 0; i < f->nsegs; i++) {
			memcpy(e->data + at, f->segs[i].addr, f->segs[i].len);
			at += f->segs[i].len;
		}
		e->len = at;
		c->tail++;
	} else if (f->len > sizeof(c->q[0].data)) {
		c->rx_too_long++;
	}
	f->release(f);
}

static void on_tx_done(struct netdev *nd, void *cookie, int status)
{
	struct net_ctx *c = nd->stack_ctx;
	c->tx_done++;
	if (status)
		c->tx_failed++;
}

static void on_link(struct netdev *nd, bool up) { ((struct net_ctx *)nd->stack_ctx)->link_changed = true; }

static const struct netdev_stack stack = { on_rx, on_tx_done, on_link };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* The Internet checksum (RFC 1071) over pieces. */
static uint32_t sum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}
static uint16_t sum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Sends the segments and waits for their completion. */
static int send_frame(struct net_ctx *c, const struct net_seg *segs, unsigned nsegs)
{
	unsigned long before = c->tx_done;
	int err;
	uint64_t deadline = keel_clock_ns() + WAIT_NS;
	while ((err = netdev_transmit(c->nd, segs, nsegs, NULL, c)) == -EAGAIN && keel_clock_ns() < deadline)
		keel_sleep_ns(100000);
	if (err) {
		printf("ktest: %s: transmit failed: %d\n", c->nd->reg.name, err);
		return -1;
	}
	while (c->tx_done == before && keel_clock_ns() < deadline)
		keel_sleep_ns(100000);
	if (c->tx_done == before) {
		printf("ktest: %s: no transmit completion\n", c->nd->reg.name);
		return -1;
	}
	return 0;
}

/* The next received frame that match() accepts, within WAIT_NS; others
 * are skipped. */
static struct rxq_entry *wait_frame(struct net_ctx *c, bool (*match)(const struct rxq_entry *e, const void *arg),
				    const void *arg)
{
	uint64_t deadline = keel_clock_ns() + WAIT_NS;
	for (;;) {
		while (c->head != c->tail) {
			struct rxq_entry *e = &c->q[c->head % QLEN];
			c->head++;
			if (match(e, arg))
				return e;
		}
		uint64_t now = keel_clock_ns();
		if (now >= deadline)
			return NULL;
		keel_sleep_ns(100000);
	}
}

static bool is_arp_reply(const struct rxq_entry *e, const void *arg)
{
	const uint8_t *p = e->data;
	return e->len >= 42 && get16(p + 12) == ETH_P_ARP && get16(p + 20) == 2 && memcmp(p + 28, gw_ip, 4) == 0 &&
	       memcmp(p + 38, my_ip, 4) == 0;
}

struct echo {
	uint16_t id, seq;
	const uint8_t *payload;
	size_t len;
};

static bool is_echo_reply(const struct rxq_entry *e, const void *arg)
{
	const struct echo *x = arg;
	const uint8_t *p = e->data;
	if (e->len < 42 || get16(p + 12) != ETH_P_IP || p[23] != 1 || memcmp(p + 26, gw_ip, 4) != 0)
		return false;
	unsigned ihl = (p[14] & 15u) * 4;
	const uint8_t *icmp = p + 14 + ihl;
	if (14 + ihl + 8 > e->len || icmp[0] != 0 || get16(icmp + 4) != x->id || get16(icmp + 6) != x->seq)
		return false;
	return 14 + ihl + 8 + x->len <= e->len && memcmp(icmp + 8, x->payload, x->len) == 0;
}

/* An IPv4 header for proto and payload bytes after it, behind an Ethernet
 * header to the gateway. */
static void ip_header(struct net_ctx *c, uint8_t *hdr, const uint8_t *gw_mac, uint8_t proto, size_t payload,
		      uint16_t id)
{
	memcpy(hdr, gw_mac, 6);
	memcpy(hdr + 6, c->nd->mac, 6);
	put16(hdr + 12, ETH_P_IP);
	uint8_t *ip = hdr + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + payload));
	put16(ip + 4, id);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, my_ip, 4);
	memcpy(ip + 16, gw_ip, 4);
	put16(ip + 10, sum_fold(sum_add(0, ip, 20)));
}

/* ICMP echo, small and near the MTU, in three segments: Ethernet and IP
 * headers, ICMP header, payload. round tells rounds apart. */
static int echo_round(struct net_ctx *c, const uint8_t *gw_mac, unsigned round)
{
	/* The last fills a frame to the MTU (1,500 unless the device says). */
	size_t full = c->nd->mtu < 1500 ? c->nd->mtu - 28 : 1472;
	const size_t sizes[] = { 56, 1000 < full ? 1000 : full / 2, full };
	static uint8_t hdr[34], icmp[8], payload[1472];
	const char *name = c->nd->reg.name;
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t len = sizes[k];
		for (size_t i = 0; i < len; i++)
			payload[i] = (uint8_t)(i * 7 + k + round);
		uint16_t seq = (uint16_t)(round * 10 + k + 1);
		ip_header(c, hdr, gw_mac, 1, 8 + len, (uint16_t)(0x100 + seq));
		struct echo x = { 0x4b45, seq, payload, len };
		memset(icmp, 0, sizeof(icmp));
		icmp[0] = 8;
		put16(icmp + 4, x.id);
		put16(icmp + 6, x.seq);
		put16(icmp + 2, sum_fold(sum_add(sum_add(0, icmp, 8), payload, len)));
		struct net_seg segs[] = { { hdr, sizeof(hdr) }, { icmp, sizeof(icmp) }, { payload, (uint32_t)len } };
		uint64_t t0 = keel_clock_ns();
		if (send_frame(c, segs, 3))
			return -1;
		if (wait_frame(c, is_echo_reply, &x) == NULL) {
			printf("ktest: %s: no echo reply to seq %u (%zu bytes; %lu frames received)\n", name, seq, len,
			       c->rx_frames);
			return -1;
		}
		printf("ktest: %s: echo reply seq %u, %zu bytes, in %lu us\n", name, seq, len,
		       (unsigned long)((keel_clock_ns() - t0) / 1000));
	}
	return 0;
}

static bool is_port_unreachable(const struct rxq_entry *e, const void *arg)
{
	const uint8_t *p = e->data;
	if (e->len < 14 + 20 + 8 + 20 + 8 || get16(p + 12) != ETH_P_IP || p[23] != 1)
		return false;
	unsigned ihl = (p[14] & 15u) * 4;
	const uint8_t *icmp = p + 14 + ihl;
	/* Type 3 code 3, quoting our datagram: its ports. */
	return 14 + ihl + 8 + 20 + 8 <= e->len && icmp[0] == 3 && icmp[1] == 3 && get16(icmp + 8 + 20) == 40000 &&
	       get16(icmp + 8 + 22) == 9;
}

/* Transmit checksum offload: a UDP datagram to a closed port of the host
 * whose checksum field holds only the pseudo-header's sum, for the device
 * to complete. A host that gets it whole answers "port unreachable"; one
 * that got a wrong checksum drops it silently. */
static int csum_offload_probe(struct net_ctx *c, const uint8_t *gw_mac)
{
	static uint8_t hdr[34], udp[8 + 32];
	ip_header(c, hdr, gw_mac, 17, sizeof(udp), 0x4242);
	memset(udp, 0x61, sizeof(udp));
	put16(udp, 40000);
	put16(udp + 2, 9);
	put16(udp + 4, sizeof(udp));
	uint8_t pseudo[12];
	memcpy(pseudo, my_ip, 4);
	memcpy(pseudo + 4, gw_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	put16(pseudo + 10, sizeof(udp));
	put16(udp + 6, (uint16_t)~sum_fold(sum_add(0, pseudo, 12)));
	struct net_seg segs[] = { { hdr, sizeof(hdr) }, { udp, sizeof(udp) } };
	struct net_offload off = { .flags = NET_OFF_CSUM_PARTIAL, .csum_start = 34, .csum_offset = 6 };
	unsigned long before = c->tx_done;
	if (netdev_transmit(c->nd, segs, 2, &off, c) != 0)
		return -1;
	uint64_t deadline = keel_clock_ns() + WAIT_NS;
	while (c->tx_done == before && keel_clock_ns() < deadline)
		keel_sleep_ns(100000);
	if (wait_frame(c, is_port_unreachable, NULL) == NULL) {
		printf("ktest: %s: no answer to a datagram with its checksum offloaded\n", c->nd->reg.name);
		return -1;
	}
	printf("ktest: %s: a datagram with its checksum offloaded reached the host whole\n", c->nd->reg.name);
	return 0;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* A reset for our TCP port 40002 acknowledging up to *arg. */
static bool is_reset(const struct rxq_entry *e, const void *arg)
{
	const uint8_t *p = e->data;
	if (e->len < 14 + 20 + 20 || get16(p + 12) != ETH_P_IP || p[23] != 6)
		return false;
	unsigned ihl = (p[14] & 15u) * 4;
	const uint8_t *tcp = p + 14 + ihl;
	return 14 + ihl + 20 <= e->len && get16(tcp + 2) == 40002 && (tcp[13] & 0x04) &&
	       get32(tcp + 8) == *(const uint32_t *)arg;
}

/* Transmit segmentation offload: one TCP segment of 6,000 bytes to a
 * closed port of the host, for the device to cut (or the host to take
 * whole). The host resets it acknowledging every byte it got of it: the
 * whole payload, when the segment arrived whole. */
static int tso_probe(struct net_ctx *c, const uint8_t *gw_mac)
{
	enum { TOTAL = 6000, HDRS = 54, PAYLOAD = TOTAL - HDRS };
	static uint8_t hdr[HDRS], payload[PAYLOAD];
	for (unsigned i = 0; i < PAYLOAD; i++)
		payload[i] = (uint8_t)(i * 5);
	ip_header(c, hdr, gw_mac, 6, TOTAL - 34, 0x4343);
	uint8_t *tcp = hdr + 34;
	memset(tcp, 0, 20);
	put16(tcp, 40002);
	put16(tcp + 2, 9);
	put16(tcp + 4, 0);
	put16(tcp + 6, 1000); /* sequence 1000 */
	tcp[12] = 0x50;
	tcp[13] = 0x08; /* PSH, no ACK: the reset acknowledges sequence + length */
	put16(tcp + 14, 65535);
	uint8_t pseudo[12];
	memcpy(pseudo, my_ip, 4);
	memcpy(pseudo + 4, gw_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, TOTAL - 34);
	put16(tcp + 16, (uint16_t)~sum_fold(sum_add(0, pseudo, 12)));
	struct net_seg segs[] = { { hdr, HDRS }, { payload, PAYLOAD } };
	struct net_offload off = { .flags = NET_OFF_CSUM_PARTIAL,
				   .csum_start = 34,
				   .csum_offset = 16,
				   .gso_type = NET_GSO_TCPV4,
				   .gso_size = 1448,
				   .hdr_len = HDRS };
	if (netdev_transmit(c->nd, segs, 2, &off, c) != 0)
		return -1;
	uint32_t want = 1000 + PAYLOAD;
	if (wait_frame(c, is_reset, &want) == NULL) {
		printf("ktest: %s: no reset acknowledging a whole 6000-byte segment\n", c->nd->reg.name);
		return -1;
	}
	printf("ktest: %s: a 6000-byte TCP segment with segmentation offloaded reached the host whole\n",
	       c->nd->reg.name);
	return 0;
}

/* With hostile set, between two rounds the host sends malformed frames
 * and lro merged TCP segments: the test waits (at most 30 s) until the
 * driver dropped hostile frames and handed up lro merged ones. */
static int test_interface(struct netdev *nd, unsigned long hostile, unsigned long lro)
{
	static struct net_ctx ctx;
	struct net_ctx *c = &ctx;
	memset(c, 0, sizeof(*c));
	c->nd = nd;
	const char *name = nd->reg.name;
	printf("ktest: %s: %02x:%02x:%02x:%02x:%02x:%02x, link %s, MTU %u, features %#x, %u segments\n", name,
	       nd->mac[0], nd->mac[1], nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5], nd->link_up ? "up" : "down",
	       nd->mtu, nd->features, nd->max_tx_segs);
	int err = netdev_open(nd, &stack, c);
	if (err) {
		printf("ktest: %s: open failed: %d\n", name, err);
		return 1;
	}
	int failed = 1;

	/* ARP: who has the gateway? In two segments: Ethernet, then ARP. */
	static uint8_t eth[14], arp[28];
	memset(eth, 0xff, 6);
	memcpy(eth + 6, nd->mac, 6);
	put16(eth + 12, ETH_P_ARP);
	put16(arp, 1);
	put16(arp + 2, ETH_P_IP);
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, 1);
	memcpy(arp + 8, nd->mac, 6);
	memcpy(arp + 14, my_ip, 4);
	memset(arp + 18, 0, 6);
	memcpy(arp + 24, gw_ip, 4);
	struct net_seg arp_segs[] = { { eth, sizeof(eth) }, { arp, sizeof(arp) } };
	uint64_t t0 = keel_clock_ns();
	if (send_frame(c, arp_segs, 2))
		goto out;
	struct rxq_entry *e = wait_frame(c, is_arp_reply, NULL);
	if (e == NULL) {
		printf("ktest: %s: no ARP reply (%lu frames received)\n", name, c->rx_frames);
		goto out;
	}
	uint8_t gw_mac[6];
	memcpy(gw_mac, e->data + 22, 6);
	printf("ktest: %s: ARP: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x (%lu us)\n", name, gw_ip[0], gw_ip[1],
	       gw_ip[2], gw_ip[3], gw_mac[0], gw_mac[1], gw_mac[2], gw_mac[3], gw_mac[4], gw_mac[5],
	       (unsigned long)((keel_clock_ns() - t0) / 1000));
	if (echo_round(c, gw_mac, 0))
		goto out;
	if ((nd->features & NETDEV_F_TX_CSUM) && csum_offload_probe(c, gw_mac))
		goto out;
	if ((nd->features & NETDEV_F_TSO4) && tso_probe(c, gw_mac))
		goto out;
	if (hostile) {
		unsigned long errors = nd->stats.rx_errors;
		printf("ktest: %s: ready for malformed frames\n", name);
		uint64_t deadline = keel_clock_ns() + 30000000000ull;
		while ((nd->stats.rx_errors < errors + hostile || c->rx_gso < lro) && keel_clock_ns() < deadline)
			keel_sleep_ns(1000000);
		printf("ktest: %s: %lu malformed frames dropped\n", name, nd->stats.rx_errors - errors);
		printf("ktest: %s: %lu merged segments received; the largest frame %lu bytes in %lu buffers\n", name,
		       c->rx_gso, c->rx_max_len, c->rx_max_segs);
		if (nd->stats.rx_errors < errors + hostile || c->rx_gso < lro)
			goto out;
		if (echo_round(c, gw_mac, 1))
			goto out;
	}
	failed = 0;
out:
	netdev_close(nd);
	printf("ktest: %s: %s: rx %lu packets %lu errors %lu dropped, tx %lu packets %lu errors, %lu completions\n",
	       name, failed ? "FAIL" : "ok", nd->stats.rx_packets, nd->stats.rx_errors, nd->stats.rx_dropped,
	       nd->stats.tx_packets, nd->stats.tx_errors, c->tx_done);
	return failed;
}

static int count_one(struct netdev *nd, void *arg)
{
	struct netdev **list = arg;
	for (unsigned i = 0; i < 8; i++)
		if (list[i] == NULL) {
			list[i] = nd;
			break;
		}
	return 0;
}

/* ktest net [N]: every interface (N of them expected, 1 by default). */
int ktest_net(int argc, char **argv)
{
	unsigned want = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 1;
	struct netdev *list[8] = { 0 };
	netdev_foreach(count_one, list);
	unsigned n = 0, failed = 0;
	while (n < 8 && list[n])
		failed += test_interface(list[n++], 0, 0) != 0;
	printf("ktest: net: %u interfaces (%u expected), %u failed\n", n, want, failed);
	return n == want && failed == 0 ? 0 : 1;
}

static int parse_ip(const char *s, uint8_t ip[4])
{
	for (int i = 0; i < 4; i++) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 255 || (i < 3 ? *end != '.' : *end != 0))
			return -1;
		ip[i] = (uint8_t)v;
		s = end + 1;
	}
	return 0;
}

/* ktest net-tap MY-IP GATEWAY-IP [HOSTILE [LRO]]: eth0 on a host's tap,
 * whose kernel answers; with HOSTILE, waits for that many malformed frames
 * (and LRO merged TCP segments) from the host between two rounds of
 * echoes. */
int ktest_net_tap(int argc, char **argv)
{
	if (argc < 3 || parse_ip(argv[1], my_ip) || parse_ip(argv[2], gw_ip)) {
		printf("ktest: net-tap MY-IP GATEWAY-IP [HOSTILE [LRO]]\n");
		return 2;
	}
	struct netdev *nd = netdev_find("eth0");
	if (nd == NULL) {
		printf("ktest: net-tap: no eth0\n");
		return 1;
	}
	return test_interface(nd, argc > 3 ? strtoul(argv[3], NULL, 0) : 0, argc > 4 ? strtoul(argv[4], NULL, 0) : 0);
}
