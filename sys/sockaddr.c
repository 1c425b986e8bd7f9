/*
 * Address conversion between Linux's sockaddr layouts and struct
 * sock_addr. The layouts are read byte-wise through memcpy, so an
 * application's misaligned buffer is fine.
 */
#include "sys/sockaddr.h"

#include <errno.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool sockaddr_is_v4mapped(const uint8_t addr[16]) { return memcmp(addr, v4mapped_prefix, 12) == 0; }

bool sockaddr_is_any(const struct sock_addr *a)
{
	static const uint8_t zero[16];
	return memcmp(a->addr, zero, a->v6 ? 16 : 4) == 0;
}

static uint16_t be16(uint16_t net)
{
	const uint8_t *b = (const uint8_t *)&net;
	return (uint16_t)(b[0] << 8 | b[1]);
}

int sockaddr_parse(const void *sa, uint32_t len, int domain, bool allow_unspec, struct sock_addr *out)
{
	uint16_t family;
	if (len < sizeof(family))
		return -EINVAL;
	memcpy(&family, sa, sizeof(family));
	memset(out, 0, sizeof(*out));
	if (family == LINUX_AF_UNSPEC && allow_unspec)
		return 1;
	if (domain == LINUX_AF_INET) {
		struct linux_sockaddr_in in;
		/* Linux checks the length before the family for IPv4. */
		if (len < sizeof(in))
			return -EINVAL;
		memcpy(&in, sa, sizeof(in));
		if (in.sin_family != LINUX_AF_INET)
			return -EAFNOSUPPORT;
		memcpy(out->addr, in.sin_addr, 4);
		out->port = be16(in.sin_port);
		return 0;
	}
	struct linux_sockaddr_in6 in6;
	if (family != LINUX_AF_INET6) {
		/* An IPv6 socket accepts a plain IPv4 address nowhere. */
		return len < 24 ? -EINVAL : -EAFNOSUPPORT;
	}
	/* 24 bytes is RFC 2133's sockaddr_in6 without the scope: accepted. */
	if (len < 24)
		return -EINVAL;
	memset(&in6, 0, sizeof(in6));
	memcpy(&in6, sa, len < sizeof(in6) ? len : sizeof(in6));
	out->port = be16(in6.sin6_port);
	if (sockaddr_is_v4mapped(in6.sin6_addr)) {
		memcpy(out->addr, in6.sin6_addr + 12, 4);
		return 0;
	}
	out->v6 = 1;
	memcpy(out->addr, in6.sin6_addr, 16);
	out->scope = in6.sin6_scope_id;
	return 0;
}

uint32_t sockaddr_format(const struct sock_addr *a, int domain, void *out, uint32_t cap)
{
	uint16_t port = (uint16_t)(a->port >> 8 | a->port << 8);
	if (domain == LINUX_AF_INET && !a->v6) {
		struct linux_sockaddr_in in = { .sin_family = LINUX_AF_INET, .sin_port = port };
		memcpy(in.sin_addr, a->addr, 4);
		memcpy(out, &in, cap < sizeof(in) ? cap : sizeof(in));
		return sizeof(in);
	}
	struct linux_sockaddr_in6 in6 = { .sin6_family = LINUX_AF_INET6, .sin6_port = port };
	if (a->v6) {
		memcpy(in6.sin6_addr, a->addr, 16);
		in6.sin6_scope_id = a->scope;
	} else {
		memcpy(in6.sin6_addr, v4mapped_prefix, 12);
		memcpy(in6.sin6_addr + 12, a->addr, 4);
	}
	memcpy(out, &in6, cap < sizeof(in6) ? cap : sizeof(in6));
	return sizeof(in6);
}
