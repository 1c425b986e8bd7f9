/*
 * Transmit checksum offload (net/csum.c): the pseudo-header's sum and the
 * offload descriptor for TCP over IPv4 and IPv6, checked against a
 * checksum computed here from RFC 793 and RFC 8200, with the frame cut
 * into segments at every byte; other frames left alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/csum.h"

static uint16_t rfc1071(const uint8_t *a, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += (i & 1) ? a[i] : (uint32_t)a[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* An Ethernet frame with TCP over IPv4 (v6 false) or IPv6, payload bytes
 * of a pattern; returns its length. The TCP checksum field is zero. */
static size_t make_tcp(uint8_t *f, bool v6, size_t payload)
{
	memset(f, 0, 14 + 40 + 20 + payload);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	uint8_t *ip = f + 14, *tcp;
	size_t tcp_len = 20 + payload;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(tcp_len >> 8);
		ip[5] = (uint8_t)tcp_len;
		ip[6] = 6;
		ip[7] = 64;
		for (int i = 0; i < 32; i++)
			ip[8 + i] = (uint8_t)(0x20 + i * 7);
		tcp = ip + 40;
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + tcp_len) >> 8);
		ip[3] = (uint8_t)(20 + tcp_len);
		ip[6] = 0x40; /* DF: not a fragment */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, (uint8_t[]){ 10, 0, 2, 15, 93, 184, 216, 34 }, 8);
		tcp = ip + 20;
	}
	tcp[0] = 0x1f;
	tcp[1] = 0x90;
	tcp[12] = 0x50;
	tcp[13] = 0x18;
	for (size_t i = 0; i < payload; i++)
		tcp[20 + i] = (uint8_t)(i * 31 + 7);
	return (size_t)(tcp - f) + tcp_len;
}

/* The checksum a receiver verifies: pseudo-header + segment sums to 0xffff. */
static bool tcp_valid(const uint8_t *f, bool v6)
{
	const uint8_t *ip = f + 14;
	uint8_t pseudo[40];
	size_t plen, tcp_len;
	const uint8_t *tcp;
	if (v6) {
		tcp_len = (size_t)(ip[4] << 8 | ip[5]);
		memcpy(pseudo, ip + 8, 32);
		memset(pseudo + 32, 0, 8);
		pseudo[34] = (uint8_t)(tcp_len >> 8);
		pseudo[35] = (uint8_t)tcp_len;
		pseudo[39] = 6;
		plen = 40;
		tcp = ip + 40;
	} else {
		tcp_len = (size_t)(ip[2] << 8 | ip[3]) - 20;
		memcpy(pseudo, ip + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = 6;
		pseudo[10] = (uint8_t)(tcp_len >> 8);
		pseudo[11] = (uint8_t)tcp_len;
		plen = 12;
		tcp = ip + 20;
	}
	uint16_t s = rfc1071(pseudo, plen, 0);
	return rfc1071(tcp, tcp_len, s) == 0xffff;
}

static void check_family(bool v6, size_t payload)
{
	static uint8_t f[2048], g[2048];
	size_t len = make_tcp(f, v6, payload);
	/* Every place to cut the frame in two, and in three. */
	for (size_t cut = 1; cut < len; cut += (cut < 80 ? 1 : 97)) {
		memcpy(g, f, len);
		size_t cut2 = cut + (len - cut) / 2;
		struct net_seg segs[3] = { { g, (uint32_t)cut },
					   { g + cut, (uint32_t)(cut2 - cut) },
					   { g + cut2, (uint32_t)(len - cut2) } };
		unsigned n = cut2 > cut ? 3 : 2;
		if (n == 2)
			segs[1] = segs[2];
		struct net_offload off = { 0 };
		assert_true(netcsum_prepare_tcp(segs, n, &off));
		assert_int_equal(off.flags, NET_OFF_CSUM_PARTIAL);
		assert_int_equal(off.csum_start, v6 ? 54 : 34);
		assert_int_equal(off.csum_offset, 16);
		assert_false(tcp_valid(g, v6) && payload > 0);
		/* The field holds the pseudo-header's sum, uncomplemented:
		 * what the device adds the segment's sum to. */
		uint16_t field = (uint16_t)(g[off.csum_start + 16] << 8 | g[off.csum_start + 17]);
		memcpy(g + off.csum_start + 16, "\0\0", 2);
		uint16_t seg_sum = rfc1071(g + off.csum_start, len - off.csum_start, 0);
		uint16_t want = (uint16_t)~rfc1071((uint8_t[]){ (uint8_t)(seg_sum >> 8), (uint8_t)seg_sum }, 2, field);
		g[off.csum_start + 16] = (uint8_t)(field >> 8);
		g[off.csum_start + 17] = (uint8_t)field;
		netcsum_complete(segs, n, &off);
		assert_true(tcp_valid(g, v6));
		uint16_t got = (uint16_t)(g[off.csum_start + 16] << 8 | g[off.csum_start + 17]);
		assert_int_equal(got, want);
	}
}

static void test_tcp_ipv4(void **state)
{
	check_family(false, 0);
	check_family(false, 1);
	check_family(false, 1460);
	check_family(false, 333);
}

static void test_tcp_ipv6(void **state)
{
	check_family(true, 0);
	check_family(true, 7);
	check_family(true, 1440);
}

static void test_left_alone(void **state)
{
	static uint8_t f[2048], g[2048];
	size_t len = make_tcp(f, false, 100);
	struct net_seg seg = { g, (uint32_t)len };
	struct net_offload off = { 0 };
	/* UDP, a fragment, an ARP frame, IPv6 with an extension header, a
	 * frame shorter than its headers say, a bad header length. */
	struct {
		size_t at;
		uint8_t v;
	} edits[] = { { 14 + 9, 17 }, { 14 + 6, 0x20 }, { 14 + 7, 1 }, { 12, 0x08 + 0 }, { 14, 0x44 }, { 14, 0x55 } };
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		memcpy(g, f, len);
		g[edits[i].at] = edits[i].v;
		if (i == 3)
			g[13] = 0x06; /* ARP */
		assert_false(netcsum_prepare_tcp(&seg, 1, &off));
		assert_memory_equal(g + 34 + 16, "\0\0", 2);
		assert_int_equal(off.flags, 0);
	}
	len = make_tcp(f, true, 10);
	memcpy(g, f, len);
	g[14 + 6] = 0; /* hop-by-hop options first */
	seg.len = (uint32_t)len;
	assert_false(netcsum_prepare_tcp(&seg, 1, &off));
	/* Truncated: the IP length says more than the frame holds. */
	memcpy(g, f, len);
	seg.len = (uint32_t)len - 1;
	assert_false(netcsum_prepare_tcp(&seg, 1, &off));
	seg.len = 20;
	assert_false(netcsum_prepare_tcp(&seg, 1, &off));
	assert_int_equal(off.flags, 0);
}

static void test_sum_across_segments(void **state)
{
	uint8_t a[] = { 1, 2, 3 }, b[] = { 4, 5 }, c[] = { 6, 7, 8, 9 };
	struct net_seg segs[] = { { a, 3 }, { b, 2 }, { c, 4 } };
	uint8_t all[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	for (uint32_t start = 0; start < 9; start++)
		for (uint32_t len = 0; start + len <= 9; len++) {
			uint32_t s = netcsum_add(segs, 3, start, len, 0);
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			assert_int_equal(s, rfc1071(all + start, len, 0));
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_ipv4),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_left_alone),
		cmocka_unit_test(test_sum_across_segments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
