/*
 * Transmit segmentation offload (net/tso.c): runs of TCP segments built
 * here as lwIP builds them are gathered, the frame is completed as the
 * glue does (tso_finish, then netcsum_prepare_tcp), then cut again as the
 * device does (virtio 1.2, section 5.1.6.2, the way Linux's
 * tcp_gso_segment and inet_gso_segment do it, the TCP checksum from the
 * pseudo-header's sum of the whole frame adjusted for each piece's
 * length), and every piece must equal the segment lwIP built, the
 * acknowledgement and window taken from the last. Then what must not be
 * gathered: gaps, other flows, flags, identifications, limits, options.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/csum.h"
#include "net/tso.h"

#define FRAME_MAX 9100
#define MSS 1460

static uint32_t sum16(const uint8_t *a, size_t n, uint32_t sum)
{
	for (size_t i = 0; i < n; i++)
		sum += (i & 1) ? a[i] : (uint32_t)a[i] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* The IPv4 header checksum and the full TCP checksum of a frame. */
static void checksum(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14;
	unsigned ihl = (ip[0] & 0xf) * 4u;
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~fold(sum16(ip, ihl, 0)));
	uint8_t *tcp = ip + ihl;
	size_t tcp_len = len - 14 - ihl;
	put16(tcp + 16, 0);
	uint32_t sum = sum16(ip + 12, 8, 6 + (uint32_t)tcp_len);
	put16(tcp + 16, (uint16_t)~fold(sum16(tcp, tcp_len, sum)));
}

struct seg_spec {
	uint32_t seq, ack;
	uint16_t id, win, payload, sport;
	uint8_t flags;
	uint8_t opts;	 /* TCP option bytes (NOPs then a value), a multiple of 4 */
	uint8_t optval;	 /* the last option byte */
	uint8_t ip_opts; /* IPv4 option bytes, a multiple of 4 */
};

/* A segment as lwIP sends it; returns its length. */
static size_t make_seg(uint8_t *f, const struct seg_spec *s)
{
	unsigned ihl = 20 + s->ip_opts, thl = 20 + s->opts;
	size_t len = 14 + ihl + thl + s->payload;
	memset(f, 0, 14 + ihl + thl);
	memcpy(f, "\x52\x54\x00\x12\x34\x56\x52\x54\x00\xab\xcd\xef\x08\x00", 14);
	uint8_t *ip = f + 14, *tcp = ip + ihl;
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (uint32_t)(len - 14));
	put16(ip + 4, s->id);
	ip[8] = 255;
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x03\x02\x0a\x00\x03\x01", 8);
	for (unsigned i = 0; i < s->ip_opts; i++)
		ip[20 + i] = 1;
	put16(tcp, s->sport ? s->sport : 5001);
	put16(tcp + 2, 40000);
	put32(tcp + 4, s->seq);
	put32(tcp + 8, s->ack);
	tcp[12] = (uint8_t)(thl / 4 << 4);
	tcp[13] = s->flags;
	put16(tcp + 14, s->win);
	for (unsigned i = 0; i < s->opts; i++)
		tcp[20 + i] = i + 1 == s->opts ? s->optval : 1;
	for (unsigned i = 0; i < s->payload; i++)
		tcp[thl + i] = (uint8_t)((s->seq + i) * 7 + 3);
	checksum(f, len);
	return len;
}

/* The segments of a test and the frame gathered from them. */
struct run {
	uint8_t seg[TSO_SEGS_MAX + 4][FRAME_MAX];
	size_t len[TSO_SEGS_MAX + 4];
	unsigned n;
	struct tso_batch b;
	unsigned taken; /* segments the batch took */
};

/* Offers the run's segments in order until one is refused. */
static void gather(struct run *r, uint32_t max_len)
{
	struct tso_seg s;
	assert_true(tso_parse(r->seg[0], (uint32_t)r->len[0], (uint32_t)r->len[0], &s));
	tso_start(&r->b, r->seg[0], &s);
	r->taken = 1;
	while (r->taken < r->n) {
		unsigned i = r->taken;
		assert_true(tso_parse(r->seg[i], (uint32_t)r->len[i], (uint32_t)r->len[i], &s));
		if (!tso_add(&r->b, r->seg[i], &s, max_len))
			break;
		r->taken++;
	}
}

/* Builds the gathered frame as the glue hands it down (its headers, then
 * each segment's payload), cuts it as the device does, and compares the
 * pieces with the segments lwIP built, given the last one's ack and
 * window. */
static void check_resegmented(struct run *r)
{
	struct tso_batch *b = &r->b;
	struct net_offload off = { 0 };
	tso_finish(b, &off);
	unsigned hl = b->hdr_len;
	uint8_t *frame = malloc(b->len);
	assert_non_null(frame);
	memcpy(frame, b->hdr, hl);
	size_t at = hl;
	for (unsigned i = 0; i < r->taken; i++) {
		memcpy(frame + at, r->seg[i] + hl, r->len[i] - hl);
		at += r->len[i] - hl;
	}
	assert_int_equal(at, b->len);
	struct net_seg segs[1] = { { frame, b->len } };
	assert_true(netcsum_prepare_tcp(segs, 1, &off));
	assert_int_equal(off.flags, NET_OFF_CSUM_PARTIAL);
	assert_int_equal(off.csum_start, 34);
	assert_int_equal(off.csum_offset, 16);
	if (r->taken > 1) {
		assert_int_equal(off.gso_type, NET_GSO_TCPV4);
		assert_int_equal(off.gso_size, r->len[0] - hl);
		assert_int_equal(off.hdr_len, hl);
	} else {
		assert_int_equal(off.gso_type, NET_GSO_NONE);
	}
	/* The IPv4 header is whole and right for the frame as a whole. */
	assert_int_equal(fold(sum16(frame + 14, 20, 0)), 0xffff);
	assert_int_equal(frame[16] << 8 | frame[17], b->len - 14);

	const uint8_t *last = r->seg[r->taken - 1];
	unsigned gso = off.gso_type ? off.gso_size : (unsigned)(b->len - hl);
	uint32_t big_tcp = (uint32_t)(b->len - 34), pseudo = frame[50] << 8 | frame[51];
	uint32_t seq0 = get32(frame + 38);
	uint16_t id0 = (uint16_t)(frame[18] << 8 | frame[19]);
	size_t data = b->len - hl, done = 0;
	uint8_t piece[FRAME_MAX], want[FRAME_MAX];
	for (unsigned i = 0; done < data; i++) {
		size_t chunk = data - done < gso ? data - done : gso;
		bool is_last = done + chunk == data;
		memcpy(piece, frame, hl);
		memcpy(piece + hl, frame + hl + done, chunk);
		put16(piece + 16, (uint32_t)(hl - 14 + chunk));
		put16(piece + 18, (uint16_t)(id0 + i));
		put16(piece + 24, 0);
		put16(piece + 24, (uint16_t)~fold(sum16(piece + 14, 20, 0)));
		put32(piece + 38, seq0 + (uint32_t)done);
		if (!is_last)
			piece[47] &= (uint8_t)~0x09; /* PSH and FIN on the last piece only */
		/* The pseudo-header's sum of the whole, less its length, plus
		 * the piece's; then the piece's bytes. */
		uint32_t tcp_len = (uint32_t)(hl - 34 + chunk);
		uint32_t ps = fold(pseudo + (uint16_t)~big_tcp + tcp_len);
		put16(piece + 50, 0);
		put16(piece + 50, (uint16_t)~fold(sum16(piece + 34, tcp_len, ps)));

		assert_true(i < r->taken);
		assert_int_equal(hl + chunk, r->len[i]);
		memcpy(want, r->seg[i], r->len[i]);
		memcpy(want + 42, last + 42, 4); /* the ack */
		memcpy(want + 48, last + 48, 2); /* the window */
		checksum(want, r->len[i]);
		assert_memory_equal(piece, want, r->len[i]);
		done += chunk;
	}
	free(frame);
}

static struct run *new_run(void)
{
	struct run *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	return r;
}

/* n segments of a flow from seq, consecutive identifications, the last
 * one last_payload long with PSH. */
static void fill(struct run *r, unsigned n, uint16_t mss, uint16_t last_payload)
{
	r->n = n;
	for (unsigned i = 0; i < n; i++) {
		struct seg_spec s = { .seq = 0xfffff000u + i * (uint32_t)mss, /* wraps */
				      .ack = 1000,
				      .id = (uint16_t)(0xfffe + i), /* wraps */
				      .win = 8000,
				      .payload = i + 1 == n ? last_payload : mss,
				      .flags = (uint8_t)(i + 1 == n ? 0x18 : 0x10) };
		r->len[i] = make_seg(r->seg[i], &s);
	}
}

static void test_run_merged(void **state)
{
	(void)state;
	struct run *r = new_run();
	fill(r, 10, MSS, 700);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 10);
	assert_int_equal(r->b.count, 10);
	assert_true(r->b.closed);
	check_resegmented(r);
	/* A run of full segments whose last is full and pushed. */
	fill(r, 5, MSS, MSS);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 5);
	check_resegmented(r);
	/* One segment alone: no segmentation asked. */
	fill(r, 1, MSS, 300);
	gather(r, 65535 + 18);
	check_resegmented(r);
	free(r);
}

static void test_gap(void **state)
{
	(void)state;
	struct run *r = new_run();
	fill(r, 6, MSS, MSS);
	struct seg_spec s = {
		.seq = 0xfffff000u + 4 * MSS + 1, .ack = 1000, .id = 2, .win = 8000, .payload = MSS, .flags = 0x10
	};
	r->len[4] = make_seg(r->seg[4], &s);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 4);
	check_resegmented(r);
	free(r);
}

static void test_other_flow(void **state)
{
	(void)state;
	struct run *r = new_run();
	fill(r, 6, MSS, MSS);
	struct seg_spec s = { .seq = 0xfffff000u + 3 * MSS,
			      .ack = 1000,
			      .id = 1,
			      .win = 8000,
			      .payload = MSS,
			      .flags = 0x10,
			      .sport = 5002 };
	r->len[3] = make_seg(r->seg[3], &s);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 3);
	check_resegmented(r);
	/* Another destination address. */
	fill(r, 6, MSS, MSS);
	r->seg[2][33] ^= 1;
	checksum(r->seg[2], r->len[2]);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 2);
	/* Another TTL. */
	fill(r, 6, MSS, MSS);
	r->seg[2][22] = 64;
	checksum(r->seg[2], r->len[2]);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 2);
	free(r);
}

static void test_flags(void **state)
{
	(void)state;
	struct run *r = new_run();
	/* PSH in the middle ends the run, the pushed segment included. */
	fill(r, 6, MSS, MSS);
	r->seg[2][47] = 0x18;
	checksum(r->seg[2], r->len[2]);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 3);
	check_resegmented(r);
	/* SYN, FIN, RST, URG, ECE, CWR, no ACK: never gathered. */
	static const uint8_t bad[] = { 0x12, 0x11, 0x14, 0x30, 0x50, 0x90, 0x00, 0x08 };
	for (unsigned i = 0; i < sizeof(bad); i++) {
		fill(r, 2, MSS, MSS);
		r->seg[0][47] = bad[i];
		struct tso_seg s;
		assert_false(tso_parse(r->seg[0], (uint32_t)r->len[0], (uint32_t)r->len[0], &s));
	}
	free(r);
}

static void test_ack_and_window(void **state)
{
	(void)state;
	struct run *r = new_run();
	/* The acknowledgement moves on and the window changes within the
	 * run: the frame carries the last ones. */
	fill(r, 5, MSS, 100);
	for (unsigned i = 0; i < 5; i++) {
		put32(r->seg[i] + 42, 1000 + i * 500);
		put16(r->seg[i] + 48, 8000 - i * 10);
		checksum(r->seg[i], r->len[i]);
	}
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 5);
	assert_int_equal(get32(r->b.hdr + 42), 3000);
	check_resegmented(r);
	/* An acknowledgement going back is not gathered. */
	fill(r, 4, MSS, MSS);
	put32(r->seg[2] + 42, 999);
	checksum(r->seg[2], r->len[2]);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 2);
	check_resegmented(r);
	free(r);
}

static void test_ip_id(void **state)
{
	(void)state;
	struct run *r = new_run();
	/* Another packet went out between two segments: the device would
	 * give the second one an identification it did not have. */
	fill(r, 4, MSS, MSS);
	put16(r->seg[2] + 18, 0xffff + 3);
	checksum(r->seg[2], r->len[2]);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 2);
	check_resegmented(r);
	/* DF set on all of them is kept. */
	fill(r, 4, MSS, MSS);
	for (unsigned i = 0; i < 4; i++) {
		r->seg[i][20] = 0x40;
		checksum(r->seg[i], r->len[i]);
	}
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 4);
	check_resegmented(r);
	free(r);
}

static void test_limits(void **state)
{
	(void)state;
	struct run *r = new_run();
	/* The segment count. */
	fill(r, TSO_SEGS_MAX + 2, 1000, 1000);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, TSO_SEGS_MAX);
	check_resegmented(r);
	/* The device's limit on a frame's length. */
	fill(r, 6, MSS, MSS);
	gather(r, 3 * (MSS + 54));
	assert_int_equal(r->taken, 3);
	check_resegmented(r);
	/* An IPv4 packet's 65,535 bytes, with segments of a jumbo MTU. */
	fill(r, 9, 8960, 8960);
	gather(r, 200000);
	assert_int_equal(r->taken, 7);
	assert_true(r->b.len - 14 <= 65535);
	check_resegmented(r);
	/* A short segment ends the run; a longer one than the first is not
	 * gathered. */
	fill(r, 4, MSS, MSS);
	struct seg_spec s = {
		.seq = 0xfffff000u + MSS, .ack = 1000, .id = 0xffff, .win = 8000, .payload = 500, .flags = 0x10
	};
	r->len[1] = make_seg(r->seg[1], &s);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 2);
	assert_true(r->b.closed);
	check_resegmented(r);
	fill(r, 3, 1000, 1000);
	struct seg_spec l = {
		.seq = 0xfffff000u + 1000, .ack = 1000, .id = 0xffff, .win = 8000, .payload = 1001, .flags = 0x10
	};
	r->len[1] = make_seg(r->seg[1], &l);
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 1);
	free(r);
}

static void test_options(void **state)
{
	(void)state;
	uint8_t *f = malloc(FRAME_MAX);
	assert_non_null(f);
	struct tso_seg s;
	/* IPv4 options: never gathered. */
	struct seg_spec o = { .seq = 1, .ack = 1, .id = 1, .win = 1, .payload = MSS, .flags = 0x10, .ip_opts = 4 };
	size_t len = make_seg(f, &o);
	assert_false(tso_parse(f, (uint32_t)len, (uint32_t)len, &s));
	/* A fragment, not IPv4, a length that is not the frame's, headers
	 * beyond what is at hand, no payload. */
	o.ip_opts = 0;
	len = make_seg(f, &o);
	assert_true(tso_parse(f, (uint32_t)len, (uint32_t)len, &s));
	assert_int_equal(s.hdr_len, 54);
	assert_int_equal(s.payload, MSS);
	f[20] = 0x20;
	assert_false(tso_parse(f, (uint32_t)len, (uint32_t)len, &s));
	f[20] = 0;
	f[21] = 1;
	assert_false(tso_parse(f, (uint32_t)len, (uint32_t)len, &s));
	f[21] = 0;
	f[12] = 0x86;
	f[13] = 0xdd;
	assert_false(tso_parse(f, (uint32_t)len, (uint32_t)len, &s));
	f[12] = 0x08;
	f[13] = 0;
	assert_false(tso_parse(f, (uint32_t)len, (uint32_t)len + 2, &s));
	assert_false(tso_parse(f, 53, (uint32_t)len, &s));
	assert_true(tso_parse(f, 54, (uint32_t)len, &s));
	o.payload = 0;
	len = make_seg(f, &o);
	assert_false(tso_parse(f, (uint32_t)len, (uint32_t)len, &s));
	free(f);

	/* TCP options: gathered when the same, not when they differ. */
	struct run *r = new_run();
	r->n = 4;
	for (unsigned i = 0; i < 4; i++) {
		struct seg_spec t = { .seq = 100 + i * (uint32_t)(MSS - 12),
				      .ack = 7,
				      .id = (uint16_t)(9 + i),
				      .win = 100,
				      .payload = MSS - 12,
				      .flags = 0x10,
				      .opts = 12,
				      .optval = (uint8_t)(i < 3 ? 5 : 6) };
		r->len[i] = make_seg(r->seg[i], &t);
	}
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 3);
	assert_int_equal(r->b.hdr_len, 66);
	check_resegmented(r);
	free(r);
}

/* Every header byte outside the fields that change from one segment to
 * the next must agree: flipping any one of them (in headers of 62 bytes,
 * not a whole number of eight-byte words) ends the run there, and
 * flipping a byte of the fields that may change does not. */
static void test_every_header_byte(void **state)
{
	(void)state;
	struct run *r = new_run();
	struct seg_spec t = { .ack = 7, .win = 100, .payload = MSS - 8, .flags = 0x10, .opts = 8, .optval = 5 };
	for (unsigned at = 0; at < 62; at++) {
		r->n = 3;
		for (unsigned i = 0; i < 3; i++) {
			t.seq = 100 + i * (uint32_t)(MSS - 8);
			t.id = (uint16_t)(9 + i);
			r->len[i] = make_seg(r->seg[i], &t);
		}
		bool may_change =
		    (at >= 16 && at < 20) || (at >= 24 && at < 26) || (at >= 38 && at < 46) || (at >= 47 && at < 52);
		if (may_change)
			continue; /* the lengths, identification, sequence and acknowledgement numbers, flags, window
				     and checksums: each has its own test */
		r->seg[2][at] ^= 0x04;
		struct tso_seg s;
		if (!tso_parse(r->seg[2], (uint32_t)r->len[2], (uint32_t)r->len[2], &s))
			continue; /* a byte tso_parse itself refuses (version, protocol, offsets) */
		gather(r, 65535 + 18);
		assert_int_equal(r->taken, 2);
	}
	/* The window, the acknowledgement and PSH may differ. */
	r->n = 3;
	for (unsigned i = 0; i < 3; i++) {
		t.seq = 100 + i * (uint32_t)(MSS - 8);
		t.id = (uint16_t)(9 + i);
		t.win = (uint16_t)(100 + i);
		t.ack = 7 + i;
		r->len[i] = make_seg(r->seg[i], &t);
	}
	gather(r, 65535 + 18);
	assert_int_equal(r->taken, 3);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_header_byte),
		cmocka_unit_test(test_run_merged),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_other_flow),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_ack_and_window),
		cmocka_unit_test(test_ip_id),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
