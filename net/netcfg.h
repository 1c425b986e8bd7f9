/*
 * The network's configuration from the kernel command line, parsed
 * (net/netcfg.c: pure, host-tested). One word per interface:
 *
 *	net.en0=dhcp                              the default: DHCP
 *	net.en0=ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3
 *	net.eth1=off                              leave the NIC down
 *	net.wait=5                                seconds the boot waits for DHCP
 *
 * The interface is named as lwIP names it (en0, en1, ... in the order
 * the NICs appear) or as its driver does (eth0). Settings, separated by
 * commas: "dhcp", "off", "ip=ADDR/PREFIX" (a static IPv4 address, which
 * turns DHCP off), "gw=ADDR" (with ip= only), "ip6=ADDR/64" (a static
 * IPv6 address beside the automatic ones; DHCP is left as it is),
 * "gw6=ADDR" (with ip6= only: the IPv6 router, link-local or inside
 * ip6='s prefix), "dns=ADDR" (IPv4 or IPv6, up to NETCFG_DNS_MAX,
 * replacing what DHCP says). IPv6 link-local and SLAAC addresses are
 * always configured.
 */
#ifndef KEEL_NET_NETCFG_H
#define KEEL_NET_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETCFG_NAME_MAX 16 /* with the terminating NUL */
#define NETCFG_DNS_MAX 2
#define NETCFG_IFS_MAX 8

/* An IPv4 or IPv6 address, in network byte order. */
struct netcfg_addr {
	uint8_t family; /* 4 or 6; 0: none */
	uint8_t bytes[16];
};

enum netcfg_mode { NETCFG_DHCP, NETCFG_STATIC, NETCFG_OFF };

struct netcfg_if {
	char name[NETCFG_NAME_MAX];
	enum netcfg_mode mode;
	uint8_t ip[4]; /* NETCFG_STATIC */
	unsigned prefix;
	bool has_gw;
	uint8_t gw[4];
	/* ip6= and gw6=: lwIP takes a static IPv6 address's subnet as /64
	 * (RFC 4291's interface identifiers), the only prefix accepted. */
	bool has_ip6, has_gw6;
	uint8_t ip6[16], gw6[16];
	unsigned ndns;
	struct netcfg_addr dns[NETCFG_DNS_MAX];
};

/* Parses "NAME=SETTINGS" (the word after "net."). Returns 0, or -EINVAL
 * with *why saying what is wrong. */
int netcfg_parse_if(const char *text, struct netcfg_if *out, const char **why);

/* Text of exactly n characters to an address. 0 or -EINVAL. */
int netcfg_parse_ip4(const char *s, size_t n, uint8_t out[4]);
int netcfg_parse_ip6(const char *s, size_t n, uint8_t out[16]);
/* "net.wait=" seconds: 0..3600. 0 or -EINVAL. */
int netcfg_parse_wait(const char *s, unsigned *seconds);

/* The address as text (dotted quad; RFC 5952 for IPv6) into buf, which
 * NETCFG_ADDR_TEXT_MAX always fits. Returns the length, or -EINVAL. */
#define NETCFG_ADDR_TEXT_MAX 46
int netcfg_format_addr(const struct netcfg_addr *a, char *buf, size_t size);

/* The settings of the interface known as lwip_name or as dev_name among
 * n parsed words (the last that names it wins), or NULL. */
const struct netcfg_if *netcfg_find(const struct netcfg_if *cfg, unsigned n, const char *lwip_name,
				    const char *dev_name);

#endif
