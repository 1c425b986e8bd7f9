/*
 * Parsing the network's command-line words (net/netcfg.h). Pure: no
 * kernel and no lwIP, so the host tests run it as it is.
 */
#include "net/netcfg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A decimal number of at most max, from exactly n digits. */
static int parse_uint(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 10)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int netcfg_parse_ip4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		size_t start = i;
		while (i < n && s[i] != '.')
			i++;
		unsigned v;
		/* No leading zeros: "010" reads as octal elsewhere. */
		if (i - start > 3 || (i - start > 1 && s[start] == '0') || parse_uint(s + start, i - start, 255, &v))
			return -EINVAL;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= n)
				return -EINVAL;
			i++; /* the dot */
		}
	}
	return i == n ? 0 : -EINVAL;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 4291 section 2.2: eight groups of hex, one "::" for a run of zero
 * groups, an IPv4 dotted quad in place of the last two. */
int netcfg_parse_ip6(const char *s, size_t n, uint8_t out[16])
{
	uint16_t groups[8];
	int ngroups = 0, gap = -1;
	size_t i = 0;
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		return -EINVAL;
	}
	while (i < n) {
		size_t start = i;
		unsigned v = 0;
		while (i < n && hex_value(s[i]) >= 0 && i - start < 5)
			v = v * 16 + (unsigned)hex_value(s[i++]);
		if (i < n && s[i] == '.') {
			/* The embedded IPv4 address ends the text. */
			if (ngroups > 6 || netcfg_parse_ip4(s + start, n - start, out) != 0)
				return -EINVAL;
			groups[ngroups++] = (uint16_t)(out[0] << 8 | out[1]);
			groups[ngroups++] = (uint16_t)(out[2] << 8 | out[3]);
			i = n;
			break;
		}
		if (i == start || i - start > 4 || ngroups == 8)
			return -EINVAL;
		groups[ngroups++] = (uint16_t)v;
		if (i == n)
			break;
		if (s[i] != ':')
			return -EINVAL;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -EINVAL;
			gap = ngroups;
			i++;
		} else if (i == n) {
			return -EINVAL; /* a trailing single colon */
		}
	}
	if (gap < 0 ? ngroups != 8 : ngroups > 7)
		return -EINVAL;
	int zeros = 8 - ngroups;
	for (int g = 0, k = 0; g < 8; g++) {
		uint16_t v;
		if (gap >= 0 && g >= gap && g < gap + zeros)
			v = 0;
		else
			v = groups[k++];
		out[2 * g] = (uint8_t)(v >> 8);
		out[2 * g + 1] = (uint8_t)v;
	}
	return 0;
}

int netcfg_parse_wait(const char *s, unsigned *seconds) { return parse_uint(s, strlen(s), 3600, seconds); }

int netcfg_format_addr(const struct netcfg_addr *a, char *buf, size_t size)
{
	const uint8_t *b = a->bytes;
	if (a->family == 4)
		return snprintf(buf, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	if (a->family != 6)
		return -EINVAL;
	/* RFC 5952: the longest run of two or more zero groups (the first
	 * of equals) becomes "::"; hex in lower case without leading zeros. */
	int best = -1, best_len = 1;
	for (int g = 0; g < 8;) {
		int len = 0;
		while (g + len < 8 && b[2 * (g + len)] == 0 && b[2 * (g + len) + 1] == 0)
			len++;
		if (len > best_len) {
			best = g;
			best_len = len;
		}
		g += len ? len : 1;
	}
	char text[NETCFG_ADDR_TEXT_MAX];
	size_t at = 0;
	for (int g = 0; g < 8; g++) {
		if (g == best) {
			text[at++] = ':';
			if (g == 0)
				text[at++] = ':';
			g += best_len - 1;
			continue;
		}
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%x%s", b[2 * g] << 8 | b[2 * g + 1],
				       g < 7 ? ":" : "");
	}
	text[at] = '\0';
	return snprintf(buf, size, "%s", text);
}

/* An address of the dns= kind: IPv4 or IPv6 text. */
static int parse_any(const char *s, size_t n, struct netcfg_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (netcfg_parse_ip4(s, n, a->bytes) == 0) {
		a->family = 4;
		return 0;
	}
	if (netcfg_parse_ip6(s, n, a->bytes) == 0) {
		a->family = 6;
		return 0;
	}
	return -EINVAL;
}

static uint32_t be32(const uint8_t b[4]) { return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]; }

/* A unicast host address within its prefix: not 0.0.0.0, multicast,
 * class E, loopback, nor the network's or broadcast address. */
static const char *check_static(const struct netcfg_if *c)
{
	uint32_t ip = be32(c->ip);
	if (ip == 0 || ip >> 28 >= 0xe || ip >> 24 == 127)
		return "ip= is not a unicast address";
	if (c->prefix <= 30) {
		uint32_t host = c->prefix ? ~(UINT32_MAX << (32 - c->prefix)) : UINT32_MAX;
		if ((ip & host) == 0 || (ip & host) == host)
			return "ip= is the network's or its broadcast address";
	}
	if (c->has_gw) {
		uint32_t gw = be32(c->gw);
		uint32_t mask = c->prefix ? UINT32_MAX << (32 - c->prefix) : 0;
		if (gw == 0 || gw == ip || gw >> 28 >= 0xe)
			return "gw= is not a usable address";
		if ((gw & mask) != (ip & mask))
			return "gw= is outside the ip= prefix";
	}
	return NULL;
}

static bool is_link_local6(const uint8_t a[16]) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

/* A global or unique-local unicast address: not ::, ::1, multicast,
 * link-local (those are formed from the MAC) nor IPv4-mapped. */
static const char *check_ip6(const uint8_t a[16])
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero[15];
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return "ip6= is the unspecified or the loopback address";
	if (a[0] == 0xff)
		return "ip6= is a multicast address";
	if (is_link_local6(a))
		return "ip6= is link-local (the link-local address is formed from the MAC)";
	if (memcmp(a, v4mapped, 12) == 0)
		return "ip6= is an IPv4-mapped address";
	return NULL;
}

/* A router on the link: link-local, or inside ip6='s /64, and not ip6=
 * itself. */
static const char *check_gw6(const struct netcfg_if *c)
{
	const uint8_t *g = c->gw6;
	if (g[0] == 0xff || memcmp(g, c->ip6, 16) == 0)
		return "gw6= is not a usable address";
	if (!is_link_local6(g) && memcmp(g, c->ip6, 8) != 0)
		return "gw6= is neither link-local nor inside the ip6= prefix";
	return NULL;
}

int netcfg_parse_if(const char *text, struct netcfg_if *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	const char *eq = strchr(text, '=');
	if (eq == NULL || eq == text) {
		*why = "expected net.NAME=SETTINGS";
		return -EINVAL;
	}
	if ((size_t)(eq - text) >= NETCFG_NAME_MAX) {
		*why = "interface name too long";
		return -EINVAL;
	}
	memcpy(out->name, text, (size_t)(eq - text));
	bool said_dhcp = false, said_off = false;
	const char *s = eq + 1;
	if (*s == '\0') {
		*why = "no settings";
		return -EINVAL;
	}
	for (;;) {
		const char *end = strchr(s, ',');
		size_t n = end ? (size_t)(end - s) : strlen(s);
		if (n == 4 && memcmp(s, "dhcp", 4) == 0) {
			said_dhcp = true;
		} else if (n == 3 && memcmp(s, "off", 3) == 0) {
			said_off = true;
		} else if (n > 3 && memcmp(s, "ip=", 3) == 0) {
			const char *slash = memchr(s + 3, '/', n - 3);
			if (out->mode == NETCFG_STATIC) {
				*why = "ip= given twice";
				return -EINVAL;
			}
			if (slash == NULL || netcfg_parse_ip4(s + 3, (size_t)(slash - s - 3), out->ip) != 0 ||
			    parse_uint(slash + 1, (size_t)(s + n - slash - 1), 32, &out->prefix) != 0) {
				*why = "ip= needs ADDRESS/PREFIX, e.g. ip=10.0.2.15/24";
				return -EINVAL;
			}
			out->mode = NETCFG_STATIC;
		} else if (n > 3 && memcmp(s, "gw=", 3) == 0) {
			if (out->has_gw || netcfg_parse_ip4(s + 3, n - 3, out->gw) != 0) {
				*why = "gw= needs one IPv4 address";
				return -EINVAL;
			}
			out->has_gw = true;
		} else if (n > 4 && memcmp(s, "ip6=", 4) == 0) {
			const char *slash = memchr(s + 4, '/', n - 4);
			unsigned prefix;
			if (out->has_ip6) {
				*why = "ip6= given twice";
				return -EINVAL;
			}
			if (slash == NULL || netcfg_parse_ip6(s + 4, (size_t)(slash - s - 4), out->ip6) != 0 ||
			    parse_uint(slash + 1, (size_t)(s + n - slash - 1), 128, &prefix) != 0) {
				*why = "ip6= needs ADDRESS/64, e.g. ip6=fd00::15/64";
				return -EINVAL;
			}
			if (prefix != 64) {
				*why = "ip6= takes /64 only (lwIP gives a static address a /64 subnet)";
				return -EINVAL;
			}
			if ((*why = check_ip6(out->ip6)) != NULL)
				return -EINVAL;
			out->has_ip6 = true;
		} else if (n > 4 && memcmp(s, "gw6=", 4) == 0) {
			if (out->has_gw6 || netcfg_parse_ip6(s + 4, n - 4, out->gw6) != 0) {
				*why = "gw6= needs one IPv6 address";
				return -EINVAL;
			}
			out->has_gw6 = true;
		} else if (n > 4 && memcmp(s, "dns=", 4) == 0) {
			if (out->ndns == NETCFG_DNS_MAX) {
				*why = "too many dns= servers";
				return -EINVAL;
			}
			if (parse_any(s + 4, n - 4, &out->dns[out->ndns]) != 0) {
				*why = "dns= needs an IPv4 or IPv6 address";
				return -EINVAL;
			}
			out->ndns++;
		} else {
			*why = "unknown setting (dhcp, off, ip=, gw=, ip6=, gw6=, dns=)";
			return -EINVAL;
		}
		if (end == NULL)
			break;
		s = end + 1;
	}
	if ((said_dhcp && out->mode == NETCFG_STATIC) || (said_off && (said_dhcp || out->mode == NETCFG_STATIC))) {
		*why = "dhcp, off and ip= exclude each other";
		return -EINVAL;
	}
	if (said_off && out->has_ip6) {
		*why = "off and ip6= exclude each other";
		return -EINVAL;
	}
	if (out->has_gw6 && !out->has_ip6) {
		*why = "gw6= needs ip6=";
		return -EINVAL;
	}
	if (out->has_gw6 && (*why = check_gw6(out)) != NULL)
		return -EINVAL;
	if (said_off)
		out->mode = NETCFG_OFF;
	if (out->has_gw && out->mode != NETCFG_STATIC) {
		*why = "gw= needs ip=";
		return -EINVAL;
	}
	if (out->mode == NETCFG_STATIC && (*why = check_static(out)) != NULL)
		return -EINVAL;
	return 0;
}

const struct netcfg_if *netcfg_find(const struct netcfg_if *cfg, unsigned n, const char *lwip_name,
				    const char *dev_name)
{
	for (unsigned i = n; i-- > 0;)
		if ((lwip_name && strcmp(cfg[i].name, lwip_name) == 0) ||
		    (dev_name && strcmp(cfg[i].name, dev_name) == 0))
			return &cfg[i];
	return NULL;
}
