/*
 * Gathering lwIP's TCP segments into frames the device cuts again
 * (net/tso.h).
 */
#include "net/tso.h"

#include <string.h>

#define ETH_HLEN 14
#define IP_HLEN 20
#define TCP_HLEN_MIN 20
#define IP_MAX_LEN 65535u

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* Offsets in the frame of the fields that differ between the segments
 * of a run; every other header byte must be the same. */
#define IP_LEN_AT (ETH_HLEN + 2)
#define IP_ID_AT (ETH_HLEN + 4)
#define IP_CSUM_AT (ETH_HLEN + 10)
#define TCP_AT (ETH_HLEN + IP_HLEN)
#define TCP_SEQ_AT (TCP_AT + 4)
#define TCP_ACK_AT (TCP_AT + 8)
#define TCP_FLAGS_AT (TCP_AT + 13)
#define TCP_WIN_AT (TCP_AT + 14)
#define TCP_CSUM_AT (TCP_AT + 16)

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

bool tso_parse(const uint8_t *frame, uint32_t avail, uint32_t len, struct tso_seg *s)
{
	if (avail > len || avail < TCP_AT + TCP_HLEN_MIN || get16(frame + 12) != 0x0800)
		return false;
	const uint8_t *ip = frame + ETH_HLEN, *tcp = frame + TCP_AT;
	/* Version 4 without options, TCP, neither MF nor an offset (DF may
	 * be set), and a total length that is the frame's. */
	if (ip[0] != 0x45 || ip[9] != 6 || (get16(ip + 6) & 0x3fff) != 0 || ETH_HLEN + (uint32_t)get16(ip + 2) != len)
		return false;
	unsigned tcp_hlen = (tcp[12] >> 4) * 4u;
	uint8_t flags = tcp[13];
	/* ACK, maybe PSH, nothing else: no SYN, FIN, RST, URG, ECE or CWR,
	 * and no reserved bits. */
	if (tcp_hlen < TCP_HLEN_MIN || (tcp[12] & 0x0f) != 0 || (flags & (uint8_t)~TCP_PSH) != TCP_ACK)
		return false;
	uint32_t hdr_len = TCP_AT + tcp_hlen;
	if (hdr_len > avail || hdr_len >= len)
		return false;
	s->hdr_len = (uint16_t)hdr_len;
	s->payload = (uint16_t)(len - hdr_len);
	s->ip_id = get16(ip + 4);
	s->seq = get32(tcp + 4);
	s->ack = get32(tcp + 8);
	s->flags = flags;
	return true;
}

void tso_start(struct tso_batch *b, const uint8_t *hdr, const struct tso_seg *s)
{
	memcpy(b->hdr, hdr, s->hdr_len);
	b->hdr_len = s->hdr_len;
	b->gso_size = s->payload;
	b->count = 1;
	b->len = (uint32_t)s->hdr_len + s->payload;
	b->next_seq = s->seq + s->payload;
	b->next_id = (uint16_t)(s->ip_id + 1);
	b->ack = s->ack;
	b->closed = (s->flags & TCP_PSH) != 0;
}

/* The headers of a run's segments agree outside the fields that change
 * from one to the next: compared eight bytes at a time, under a mask of
 * the bytes that must agree (this runs for every segment sent). */
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) unaligned_u64;
static uint64_t load64(const uint8_t *p) { return *(const unaligned_u64 *)p; }

/* The byte at offset i of a frame's headers must agree unless it is one
 * of the fields that change. The flags were checked by tso_parse: ACK in
 * both, PSH aside. */
static bool must_agree(unsigned i)
{
	return !((i >= IP_LEN_AT && i < IP_LEN_AT + 4) || (i >= IP_CSUM_AT && i < IP_CSUM_AT + 2) ||
		 (i >= TCP_SEQ_AT && i < TCP_SEQ_AT + 8) || (i >= TCP_FLAGS_AT && i < TCP_FLAGS_AT + 5));
}

static bool same_headers(const uint8_t *a, const uint8_t *b, unsigned len)
{
	/* The masks of every eight-byte word of the largest headers, made
	 * once (under the core lock, as every call). */
	static uint64_t mask[(TSO_HDR_MAX + 7) / 8];
	static bool masks_made;
	if (!masks_made) {
		/* Little-endian: byte i % 8 of a word is its bits i % 8 * 8 on. */
		for (unsigned i = 0; i < TSO_HDR_MAX; i++)
			if (must_agree(i))
				mask[i / 8] |= (uint64_t)0xff << (i % 8 * 8);
		masks_made = true;
	}
	unsigned i = 0;
	for (; i + 8 <= len; i += 8)
		if ((load64(a + i) ^ load64(b + i)) & mask[i / 8])
			return false;
	for (; i < len; i++)
		if (a[i] != b[i] && must_agree(i))
			return false;
	return true;
}

bool tso_add(struct tso_batch *b, const uint8_t *hdr, const struct tso_seg *s, uint32_t max_len)
{
	uint32_t len = b->len + s->payload;
	if (b->count == 0 || b->closed || b->count >= TSO_SEGS_MAX || s->hdr_len != b->hdr_len ||
	    s->payload > b->gso_size || s->seq != b->next_seq || s->ip_id != b->next_id ||
	    (int32_t)(s->ack - b->ack) < 0 || len > max_len || len - ETH_HLEN > IP_MAX_LEN ||
	    !same_headers(b->hdr, hdr, s->hdr_len))
		return false;
	/* The last segment's acknowledgement, window and PSH (net/tso.h). */
	memcpy(b->hdr + TCP_ACK_AT, hdr + TCP_ACK_AT, 4);
	memcpy(b->hdr + TCP_WIN_AT, hdr + TCP_WIN_AT, 2);
	b->hdr[TCP_FLAGS_AT] = hdr[TCP_FLAGS_AT];
	b->count++;
	b->len = len;
	b->next_seq += s->payload;
	b->next_id++;
	b->ack = s->ack;
	b->closed = s->payload < b->gso_size || (s->flags & TCP_PSH);
	return true;
}

void tso_finish(struct tso_batch *b, struct net_offload *off)
{
	uint8_t *ip = b->hdr + ETH_HLEN;
	put16(ip + 2, (uint16_t)(b->len - ETH_HLEN));
	put16(ip + 10, 0);
	uint32_t sum = 0;
	for (unsigned i = 0; i < IP_HLEN; i += 2)
		sum += get16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
	if (b->count > 1) {
		off->gso_type = NET_GSO_TCPV4;
		off->gso_size = b->gso_size;
		off->hdr_len = b->hdr_len;
	}
}
