/*
 * Starting the network (net/net.h): the command line's "net." words
 * recorded at boot, then (INIT_LATE, once the drivers have registered
 * their devices) lwIP's tcpip thread, an interface for every network
 * device, present or to come, configured by DHCP or statically, and a
 * bounded wait for DHCP so the application starts with its addresses.
 */
#include "net/net.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/netdev.h"
#include "kernel/option.h"
#include "kernel/sync.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "net/hostfiles.h"
#include "net/netcfg.h"
#include "net/netif.h"
#include "net/sendmem.h"

/* --- the command line --- */

static const char *words[NETCFG_IFS_MAX];
static unsigned nwords;
static bool too_many_words;
static const char *wait_word;

/* "net.NAME=SETTINGS" and "net.wait=SECONDS": recorded now, parsed when
 * the stack starts (options come before memory is set up). */
static void set_net(const char *value)
{
	if (strncmp(value, "wait=", 5) == 0)
		wait_word = value + 5;
	else if (nwords < NETCFG_IFS_MAX)
		words[nwords++] = value;
	else
		too_many_words = true;
}
KERNEL_OPTION("net.", set_net);

static struct netcfg_if cfg[NETCFG_IFS_MAX];
static unsigned ncfg;
static unsigned wait_s = NET_WAIT_DEFAULT_S;

static void parse_words(void)
{
	for (unsigned i = 0; i < nwords; i++) {
		const char *why = "";
		if (netcfg_parse_if(words[i], &cfg[ncfg], &why) == 0)
			ncfg++;
		else
			kwarn("net: ignoring net.%s: %s\n", words[i], why);
	}
	if (too_many_words)
		kwarn("net: more than %d interfaces configured; the rest were ignored\n", NETCFG_IFS_MAX);
	if (wait_word && netcfg_parse_wait(wait_word, &wait_s) != 0)
		kwarn("net: ignoring net.wait=%s: seconds from 0 to 3600\n", wait_word);
}

/* --- interfaces --- */

#define NET_IFS_MAX 16

static struct {
	struct net_if *glue;
	bool dhcp;
} ifs[NET_IFS_MAX];
static unsigned nifs;
static bool running;
/* DHCP interfaces not yet bound; posted at each binding. */
static unsigned dhcp_waiting;
static struct sem dhcp_bound;

static void to_lwip_ip6(const uint8_t bytes[16], ip_addr_t *out)
{
	u32_t w[4];
	memcpy(w, bytes, sizeof(w));
	IP_ADDR6(out, w[0], w[1], w[2], w[3]);
}

static void to_lwip_addr(const struct netcfg_addr *a, ip_addr_t *out)
{
	if (a->family == 4)
		IP_ADDR4(out, a->bytes[0], a->bytes[1], a->bytes[2], a->bytes[3]);
	else
		to_lwip_ip6(a->bytes, out);
}

/* Name servers the command line gave (dns=): they replace whatever DHCP
 * or router advertisements say, which lwIP's DNS module (one list for
 * all interfaces) would otherwise take in their place. */
static struct netcfg_addr cmdline_dns[DNS_MAX_SERVERS];
static unsigned ncmdline_dns;

static void add_cmdline_dns(const struct netcfg_addr *a)
{
	for (unsigned i = 0; i < ncmdline_dns; i++)
		if (memcmp(&cmdline_dns[i], a, sizeof(*a)) == 0)
			return;
	if (ncmdline_dns < DNS_MAX_SERVERS)
		cmdline_dns[ncmdline_dns++] = *a;
}

/* Under the core lock. */
static void configure(struct netif *netif, unsigned index, const struct netcfg_if *c)
{
	/* DHCP tells the server the machine's name. */
	netif_set_hostname(netif, NET_HOSTNAME);
	netif_create_ip6_linklocal_address(netif, 1);
	netif_set_ip6_autoconfig_enabled(netif, 1);
	if (c && c->mode == NETCFG_STATIC) {
		ip4_addr_t ip, mask, gw;
		IP4_ADDR(&ip, c->ip[0], c->ip[1], c->ip[2], c->ip[3]);
		ip4_addr_set_u32(&mask, c->prefix ? lwip_htonl(0xffffffffu << (32 - c->prefix)) : 0);
		if (c->has_gw)
			IP4_ADDR(&gw, c->gw[0], c->gw[1], c->gw[2], c->gw[3]);
		else
			ip4_addr_set_zero(&gw);
		netif_set_addr(netif, &ip, &mask, &gw);
	}
	if (c && c->has_ip6) {
		/* Tentative until duplicate detection passes, as lwIP does for
		 * every address it adds; with no lifetime, it stays (static). */
		ip_addr_t ip;
		s8_t slot;
		to_lwip_ip6(c->ip6, &ip);
		if (netif_add_ip6_address(netif, ip_2_ip6(&ip), &slot) != ERR_OK)
			kwarn("net: en%u: no room for ip6=\n", netif->num);
	}
	if (c && c->has_gw6) {
		ip_addr_t gw;
		to_lwip_ip6(c->gw6, &gw);
		net_if_set_ip6_gateway(net_if_of(netif), ip_2_ip6(&gw));
	}
	for (unsigned i = 0; c && i < c->ndns; i++) {
		ip_addr_t a;
		to_lwip_addr(&c->dns[i], &a);
		dns_setserver((u8_t)i, &a);
		add_cmdline_dns(&c->dns[i]);
	}
	if (netif_default == NULL)
		netif_set_default(netif);
	netif_set_up(netif);
	if (!c || c->mode == NETCFG_DHCP) {
		ifs[index].dhcp = true;
		dhcp_waiting++;
		if (dhcp_start(netif) != ERR_OK)
			kwarn("net: %c%c%u: cannot start DHCP\n", netif->name[0], netif->name[1], netif->num);
	}
}

static void device_added(struct netdev_notifier *n, struct netdev *nd)
{
	if (nifs == NET_IFS_MAX) {
		kwarn("net: %s: more than %d interfaces; left down\n", nd->reg.name, NET_IFS_MAX);
		return;
	}
	char name[8];
	unsigned index = nifs;
	name[0] = 'e';
	name[1] = 'n';
	name[2] = (char)('0' + index % 10);
	name[3] = '\0';
	if (index >= 10) {
		name[2] = (char)('0' + index / 10);
		name[3] = (char)('0' + index % 10);
		name[4] = '\0';
	}
	const struct netcfg_if *c = netcfg_find(cfg, ncfg, name, nd->reg.name);
	if (c && c->mode == NETCFG_OFF) {
		kinfo("net: %s (%s) left down, as configured\n", name, nd->reg.name);
		return;
	}
	struct net_if *g;
	int err = net_if_attach(nd, &g);
	if (err) {
		kwarn("net: %s: cannot open it (%d)\n", nd->reg.name, err);
		return;
	}
	ifs[nifs++].glue = g;
	LOCK_TCPIP_CORE();
	/* Interfaces are numbered in the order the devices come, from en0
	 * (the loopback is lo254: see net_start). */
	net_if_netif(g)->num = (u8_t)index;
	configure(net_if_netif(g), index, c);
	UNLOCK_TCPIP_CORE();
	kinfo("net: %s is %s, %02x:%02x:%02x:%02x:%02x:%02x, %s\n", name, nd->reg.name, nd->mac[0], nd->mac[1],
	      nd->mac[2], nd->mac[3], nd->mac[4], nd->mac[5], c && c->mode == NETCFG_STATIC ? "static" : "DHCP");
}

static void device_removed(struct netdev_notifier *n, struct netdev *nd)
{
	for (unsigned i = 0; i < nifs; i++) {
		if (ifs[i].glue && net_if_netdev(ifs[i].glue) == nd) {
			net_if_detach(ifs[i].glue);
			ifs[i].glue = NULL;
		}
	}
}

static struct netdev_notifier notifier = { .added = device_added, .removed = device_removed };

/* A link that goes down or comes back (the device's status, from its
 * configuration interrupt) is logged; DHCP's bindings wake the boot's
 * wait. In the tcpip thread. The link an interface comes up with is not
 * logged: its netif is listed only once attached. */
static void status_changed(struct netif *netif, netif_nsc_reason_t reason, const netif_ext_callback_args_t *args)
{
	for (unsigned i = 0; i < nifs; i++) {
		if (ifs[i].glue == NULL || net_if_netif(ifs[i].glue) != netif)
			continue;
		if (reason & LWIP_NSC_LINK_CHANGED)
			kinfo("net: en%u: link %s\n", netif->num, args->link_changed.state ? "up" : "down");
		if ((reason & LWIP_NSC_IPV4_ADDRESS_CHANGED) && !ip4_addr_isany(netif_ip4_addr(netif)) && ifs[i].dhcp &&
		    dhcp_supplied_address(netif)) {
			if (dhcp_waiting)
				dhcp_waiting--;
			sem_post(&dhcp_bound);
		}
	}
}
NETIF_DECLARE_EXT_CALLBACK(ext_callback)

/* The DNS servers in use; under the core lock. */
static unsigned dns_servers(struct netcfg_addr *out, unsigned max)
{
	unsigned n = 0;
	if (ncmdline_dns) {
		for (; n < ncmdline_dns && n < max; n++)
			out[n] = cmdline_dns[n];
		return n;
	}
	for (u8_t i = 0; i < DNS_MAX_SERVERS && n < max; i++) {
		const ip_addr_t *d = dns_getserver(i);
		if (ip_addr_isany(d))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		if (IP_IS_V4(d)) {
			out[n].family = 4;
			memcpy(out[n].bytes, &ip_2_ip4(d)->addr, 4);
		} else {
			out[n].family = 6;
			memcpy(out[n].bytes, ip_2_ip6(d)->addr, 16);
		}
		n++;
	}
	return n;
}

/* Prints what each interface has; under the core lock. */
static void print_addresses(void)
{
	for (unsigned i = 0; i < nifs; i++) {
		if (ifs[i].glue == NULL)
			continue;
		struct netif *n = net_if_netif(ifs[i].glue);
		char a[IP4ADDR_STRLEN_MAX], m[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX];
		if (ip4_addr_isany(netif_ip4_addr(n))) {
			kinfo("net: en%u: no IPv4 address%s\n", n->num,
			      ifs[i].dhcp ? " yet (DHCP goes on in the background)" : "");
		} else {
			ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
			ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
			ip4addr_ntoa_r(netif_ip4_gw(n), gw, sizeof(gw));
			kinfo("net: en%u: inet %s netmask %s gateway %s (%s)\n", n->num, a, m, gw,
			      ifs[i].dhcp ? "DHCP" : "static");
		}
		for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES; k++) {
			if (ip6_addr_isinvalid(netif_ip6_addr_state(n, k)))
				continue;
			/* As RFC 5952 writes it (lwIP's own text is in capitals). */
			struct netcfg_addr a6 = { .family = 6 };
			memcpy(a6.bytes, netif_ip6_addr(n, k)->addr, 16);
			char t[NETCFG_ADDR_TEXT_MAX];
			netcfg_format_addr(&a6, t, sizeof(t));
			kinfo("net: en%u: inet6 %s%s\n", n->num, t,
			      ip6_addr_istentative(netif_ip6_addr_state(n, k)) ? " (tentative)" : "");
		}
		const ip6_addr_t *gw6 = net_if_ip6_gateway_hook(n, NULL);
		if (gw6) {
			struct netcfg_addr a6 = { .family = 6 };
			memcpy(a6.bytes, gw6->addr, 16);
			char t[NETCFG_ADDR_TEXT_MAX];
			netcfg_format_addr(&a6, t, sizeof(t));
			kinfo("net: en%u: IPv6 router %s (static)\n", n->num, t);
		}
	}
	struct netcfg_addr dns[DNS_MAX_SERVERS];
	unsigned ndns = dns_servers(dns, DNS_MAX_SERVERS);
	for (unsigned i = 0; i < ndns; i++) {
		char t[NETCFG_ADDR_TEXT_MAX];
		netcfg_format_addr(&dns[i], t, sizeof(t));
		kinfo("net: dns %s\n", t);
	}
}

static void net_start(void)
{
	parse_words();
	keel_lwip_seed();
	sendmem_init();
	sem_init(&dhcp_bound, 0);
	tcpip_init(NULL, NULL);
	LOCK_TCPIP_CORE();
	/* The loopback takes the last number, so the NICs count from en0. */
	struct netif *lo = netif_find("lo0");
	if (lo)
		lo->num = 254;
	netif_add_ext_callback(&ext_callback, status_changed);
	running = true;
	UNLOCK_TCPIP_CORE();
	netdev_notifier_register(&notifier);

	/* The application starts when every DHCP interface is bound, or
	 * after net.wait seconds (DHCP carries on after that). */
	uint64_t deadline = deadline_after((uint64_t)wait_s * 1000000000ull);
	for (;;) {
		LOCK_TCPIP_CORE();
		unsigned waiting = dhcp_waiting;
		UNLOCK_TCPIP_CORE();
		uint64_t now = clock_ns();
		if (waiting == 0 || now >= deadline)
			break;
		sem_timedwait(&dhcp_bound, deadline - now);
	}
	LOCK_TCPIP_CORE();
	print_addresses();
	UNLOCK_TCPIP_CORE();
}
INIT_CALL(INIT_LATE, net_start);

bool net_running(void) { return running; }

/* --- the interfaces, for the application --- */

static void ifinfo_from_netif(struct netif *n, struct net_ifinfo *o)
{
	memset(o, 0, sizeof(*o));
	o->index = netif_get_index(n);
	o->loopback = n->name[0] == 'l' && n->name[1] == 'o';
	if (o->loopback)
		strcpy(o->name, "lo");
	else
		snprintf(o->name, sizeof(o->name), "en%u", n->num);
	o->hwaddr_len = n->hwaddr_len <= sizeof(o->hwaddr) ? n->hwaddr_len : 0;
	memcpy(o->hwaddr, n->hwaddr, o->hwaddr_len);
	o->up = netif_is_up(n);
	o->link_up = netif_is_link_up(n);
	o->mtu = n->mtu;
	if (!ip4_addr_isany(netif_ip4_addr(n))) {
		o->has_ip4 = true;
		memcpy(o->ip4, &netif_ip4_addr(n)->addr, 4);
		memcpy(o->mask4, &netif_ip4_netmask(n)->addr, 4);
	}
	for (int k = 0; k < LWIP_IPV6_NUM_ADDRESSES && o->n6 < NET_IF_ADDRS6; k++) {
		if (ip6_addr_isinvalid(netif_ip6_addr_state(n, k)))
			continue;
		memcpy(o->ip6[o->n6].addr, netif_ip6_addr(n, k)->addr, 16);
		o->ip6[o->n6].tentative = ip6_addr_istentative(netif_ip6_addr_state(n, k));
		o->n6++;
	}
}

unsigned net_interfaces(struct net_ifinfo *out, unsigned max)
{
	unsigned k = 0;
	if (!running)
		return 0;
	LOCK_TCPIP_CORE();
	struct netif *n;
	NETIF_FOREACH(n)
	{
		if (k == max)
			break;
		ifinfo_from_netif(n, &out[k++]);
	}
	UNLOCK_TCPIP_CORE();
	/* lwIP keeps its newest interface first; Linux lists the loopback
	 * first, then by index. An insertion sort: the list is short. */
	for (unsigned i = 1; i < k; i++) {
		struct net_ifinfo t = out[i];
		unsigned j = i;
		while (j > 0 && (out[j - 1].loopback ? 0 : out[j - 1].index + 1u) > (t.loopback ? 0 : t.index + 1u)) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = t;
	}
	return k;
}

/* --- generated files --- */

size_t net_resolv_conf_text(char *buf, size_t size)
{
	struct netcfg_addr dns[DNS_MAX_SERVERS];
	unsigned n = 0;
	if (running) {
		LOCK_TCPIP_CORE();
		n = dns_servers(dns, DNS_MAX_SERVERS);
		UNLOCK_TCPIP_CORE();
	}
	return hostfiles_resolv_conf(buf, size, dns, n);
}

size_t net_hosts_text(char *buf, size_t size)
{
	struct netcfg_addr addrs[NET_IFS_MAX];
	unsigned n = 0;
	if (running) {
		LOCK_TCPIP_CORE();
		for (unsigned i = 0; i < nifs && n < NET_IFS_MAX; i++) {
			if (ifs[i].glue == NULL)
				continue;
			const ip4_addr_t *a = netif_ip4_addr(net_if_netif(ifs[i].glue));
			if (ip4_addr_isany(a))
				continue;
			memset(&addrs[n], 0, sizeof(addrs[n]));
			addrs[n].family = 4;
			memcpy(addrs[n].bytes, &a->addr, 4);
			n++;
		}
		UNLOCK_TCPIP_CORE();
	}
	return hostfiles_hosts(buf, size, NET_HOSTNAME, addrs, n);
}
