/*
 * The network stack's start and what it offers the rest of the kernel
 * (net/net.c): lwIP's tcpip thread, an interface per network device
 * configured from the command line (net/netcfg.h), and the text of
 * /etc/resolv.conf and /etc/hosts from the configuration in use.
 */
#ifndef KEEL_NET_NET_H
#define KEEL_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How long the boot waits for DHCP before the application starts,
 * unless "net.wait=SECONDS" says otherwise. */
#define NET_WAIT_DEFAULT_S 5

/* Whether the stack is running (an image with networking, after boot). */
bool net_running(void);

/* /etc/resolv.conf and /etc/hosts now (DNS servers from DHCP, router
 * advertisements or the command line; the interfaces' addresses), as
 * snprintf: the whole length is returned, what fits is written. For the
 * filesystem's generated files. From a thread; takes the core lock. */
size_t net_resolv_conf_text(char *buf, size_t size);
size_t net_hosts_text(char *buf, size_t size);

/* An interface as the application may see it (the system-call layer's
 * rtnetlink, behind musl's getifaddrs and if_nameindex): a snapshot. */
#define NET_IF_NAME_MAX 16
#define NET_IF_ADDRS6 4
struct net_ifinfo {
	unsigned index;		    /* lwIP's: en0 is 1, the loopback 255 */
	char name[NET_IF_NAME_MAX]; /* "en0"; the loopback is Linux's "lo" */
	uint8_t hwaddr[6];
	uint8_t hwaddr_len; /* 0: none (the loopback) */
	bool loopback;
	bool up;      /* administratively */
	bool link_up; /* carrier */
	unsigned mtu;
	bool has_ip4;
	uint8_t ip4[4], mask4[4];
	unsigned n6;
	struct {
		uint8_t addr[16];
		bool tentative; /* duplicate address detection not over */
	} ip6[NET_IF_ADDRS6];
};

/* Fills out with up to max interfaces, the loopback first, then by
 * index; returns how many. None before the stack runs. From a thread;
 * takes the core lock. */
unsigned net_interfaces(struct net_ifinfo *out, unsigned max);

/* The host name /etc/hosts gives the interfaces' addresses. */
#define NET_HOSTNAME "keel"

/* Seeds lwIP's random numbers from the entropy sources (net/sys_arch.c);
 * from a thread, before the stack starts. */
void keel_lwip_seed(void);

#endif
