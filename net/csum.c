/*
 * Transmit checksum offload (net/csum.h). The frame is read and written
 * through its segments, so headers split across pbufs work too.
 */
#include "net/csum.h"

#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_TCP_NUM 6
#define TCP_CSUM_OFFSET 16
#define TCP_HLEN_MIN 20
#define IPV6_HLEN 40

/* Copies up to len bytes from frame offset start; returns how many. */
static uint32_t frame_read(const struct net_seg *segs, unsigned nsegs, uint32_t start, void *out, uint32_t len)
{
	uint32_t done = 0, at = 0;
	for (unsigned i = 0; i < nsegs && done < len; i++) {
		uint32_t end = at + segs[i].len;
		if (start + done < end) {
			uint32_t off = start + done - at, n = end - (start + done);
			if (n > len - done)
				n = len - done;
			memcpy((uint8_t *)out + done, (const uint8_t *)segs[i].addr + off, n);
			done += n;
		}
		at = end;
	}
	return done;
}

static void frame_write16(const struct net_seg *segs, unsigned nsegs, uint32_t start, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	uint32_t at = 0;
	for (unsigned i = 0, k = 0; i < nsegs && k < 2; i++) {
		uint32_t end = at + segs[i].len;
		while (k < 2 && start + k < end) {
			if (start + k >= at)
				((uint8_t *)segs[i].addr)[start + k - at] = b[k];
			k++;
		}
		at = end;
	}
}

uint32_t netcsum_add(const struct net_seg *segs, unsigned nsegs, uint32_t start, uint32_t len, uint32_t sum)
{
	/* Bytes are summed as 16-bit big-endian words of the frame: the
	 * parity of the frame offset says which half a byte belongs to. */
	uint32_t at = 0, pos = start, end_all = start + len;
	for (unsigned i = 0; i < nsegs && pos < end_all; i++) {
		uint32_t end = at + segs[i].len;
		const uint8_t *p = segs[i].addr;
		for (; pos < end && pos < end_all; pos++) {
			uint8_t byte = p[pos - at];
			sum += ((pos - start) & 1) ? byte : (uint32_t)byte << 8;
			if (sum & 0x80000000u)
				sum = (sum & 0xffff) + (sum >> 16);
		}
		at = end;
	}
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t sum_bytes(const uint8_t *b, unsigned n, uint32_t sum)
{
	for (unsigned i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)b[i] << 8 | b[i + 1];
	return sum;
}

bool netcsum_prepare_tcp(const struct net_seg *segs, unsigned nsegs, struct net_offload *off)
{
	uint8_t h[NETDEV_ETH_HLEN + IPV6_HLEN];
	uint32_t total = 0;
	for (unsigned i = 0; i < nsegs; i++)
		total += segs[i].len;
	uint32_t got = frame_read(segs, nsegs, 0, h, sizeof(h));
	if (got < NETDEV_ETH_HLEN + 20)
		return false;
	uint16_t type = (uint16_t)(h[12] << 8 | h[13]);
	const uint8_t *ip = h + NETDEV_ETH_HLEN;
	uint32_t sum = 0, l4_start, l4_len;
	if (type == ETHERTYPE_IPV4) {
		unsigned ihl = (ip[0] & 0xf) * 4u;
		uint32_t ip_len = (uint32_t)(ip[2] << 8 | ip[3]);
		bool fragment = (ip[6] & 0x3f) != 0 || ip[7] != 0; /* MF or an offset */
		if (ip[0] >> 4 != 4 || ihl < 20 || ip[9] != IPPROTO_TCP_NUM || fragment || ip_len < ihl + TCP_HLEN_MIN)
			return false;
		l4_start = NETDEV_ETH_HLEN + ihl;
		l4_len = ip_len - ihl;
		sum = sum_bytes(ip + 12, 8, IPPROTO_TCP_NUM + l4_len);
	} else if (type == ETHERTYPE_IPV6) {
		if (got < NETDEV_ETH_HLEN + IPV6_HLEN || ip[0] >> 4 != 6 || ip[6] != IPPROTO_TCP_NUM)
			return false;
		l4_start = NETDEV_ETH_HLEN + IPV6_HLEN;
		l4_len = (uint32_t)(ip[4] << 8 | ip[5]);
		if (l4_len < TCP_HLEN_MIN)
			return false;
		sum = sum_bytes(ip + 8, 32, IPPROTO_TCP_NUM + (l4_len >> 16) + (l4_len & 0xffff));
	} else {
		return false;
	}
	if (l4_start + l4_len > total)
		return false;
	frame_write16(segs, nsegs, l4_start + TCP_CSUM_OFFSET, fold(sum));
	off->flags |= NET_OFF_CSUM_PARTIAL;
	off->csum_start = (uint16_t)l4_start;
	off->csum_offset = TCP_CSUM_OFFSET;
	return true;
}

void netcsum_complete(const struct net_seg *segs, unsigned nsegs, const struct net_offload *off)
{
	uint32_t total = 0;
	for (unsigned i = 0; i < nsegs; i++)
		total += segs[i].len;
	uint32_t sum = netcsum_add(segs, nsegs, off->csum_start, total - off->csum_start, 0);
	frame_write16(segs, nsegs, (uint32_t)off->csum_start + off->csum_offset, (uint16_t)~fold(sum));
}
