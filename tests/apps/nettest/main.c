/*
 * nettest: the network stack as the boot tests see it. The boot has
 * already configured the interfaces (net/net.c) and printed their
 * addresses; this sends ICMP echo requests through lwIP's raw API (the
 * image's, whose headers an application with networking may use) and
 * waits for the replies.
 *
 *	ping ADDRESS COUNT     echo requests to an IPv4 or IPv6 address: fails
 *	                       unless every one is answered
 *	slaac SECONDS          waits for an IPv6 address from a router
 *	                       advertisement and prints it
 *	echo PORT BYTES        accepts one TCP connection on PORT (netconn
 *	                       API) and sends back what it reads until BYTES
 *	                       came back, then waits for the peer to close
 *
 * Commands run in the order given; the first that fails ends the run
 * with its status. Without any, nettest exits 0 (the boot's output is
 * then the test).
 */
#include <errno.h>
#include <keel.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/icmp.h"
#include "lwip/icmp6.h"
#include "lwip/api.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/netif.h"
#include "lwip/prot/ip6.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"
#include "net/netif.h"

#define ECHO_ID 0x4b4c
#define REPLY_WAIT_NS (3ull * 1000 * 1000 * 1000)
#define PAYLOAD 56

int main(int argc, char **argv);

static keel_sem_t replied;
static volatile uint16_t expect_seq;
static volatile bool got;

/* In the tcpip thread: an echo reply of ours, with the sequence number
 * awaited, wakes main. Every ICMP packet comes here; only ours are
 * eaten. */
static u8_t echo_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	/* The packet starts at its IP header: 40 bytes for IPv6 (an echo
	 * reply has no extension headers), IHL words for IPv4. */
	struct icmp_echo_hdr h;
	bool v6 = IP_IS_V6(addr);
	u16_t hlen = v6 ? IP6_HLEN : (u16_t)IPH_HL_BYTES((struct ip_hdr *)p->payload);
	if (pbuf_copy_partial(p, &h, sizeof(h), hlen) != sizeof(h) || h.type != (v6 ? ICMP6_TYPE_EREP : ICMP_ER) ||
	    h.id != PP_HTONS(ECHO_ID))
		return 0;
	if (lwip_ntohs(h.seqno) == expect_seq && !got) {
		got = true;
		keel_sem_post(&replied);
	}
	pbuf_free(p);
	return 1;
}

static int ping(const char *text, int count)
{
	ip_addr_t dst;
	if (!ipaddr_aton(text, &dst)) {
		printf("nettest: '%s' is not an address\n", text);
		return 2;
	}
	bool v6 = IP_IS_V6(&dst);
	keel_sem_init(&replied, 0);
	LOCK_TCPIP_CORE();
	struct raw_pcb *pcb = v6 ? raw_new_ip_type(IPADDR_TYPE_V6, IP6_NEXTH_ICMP6) : raw_new(IP_PROTO_ICMP);
	if (pcb) {
		raw_recv(pcb, echo_recv, NULL);
		/* ICMPv6's checksum covers a pseudo-header: lwIP computes it. */
		pcb->chksum_reqd = v6;
		pcb->chksum_offset = 2;
	}
	UNLOCK_TCPIP_CORE();
	if (pcb == NULL) {
		printf("nettest: no raw pcb\n");
		return 2;
	}
	int answered = 0;
	for (int seq = 1; seq <= count; seq++) {
		struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + PAYLOAD, PBUF_RAM);
		if (p == NULL)
			break;
		struct icmp_echo_hdr *h = p->payload;
		h->type = v6 ? ICMP6_TYPE_EREQ : ICMP_ECHO;
		h->code = 0;
		h->chksum = 0;
		h->id = PP_HTONS(ECHO_ID);
		h->seqno = lwip_htons((u16_t)seq);
		for (int i = 0; i < PAYLOAD; i++)
			((uint8_t *)(h + 1))[i] = (uint8_t)i;
		if (!v6)
			h->chksum = inet_chksum(h, p->len);
		expect_seq = (uint16_t)seq;
		got = false;
		uint64_t start = keel_clock_ns();
		LOCK_TCPIP_CORE();
		err_t err = raw_sendto(pcb, p, &dst);
		UNLOCK_TCPIP_CORE();
		pbuf_free(p);
		if (err != ERR_OK) {
			printf("nettest: sending to %s failed (%d)\n", text, err);
			continue;
		}
		if (keel_sem_timedwait(&replied, REPLY_WAIT_NS) == 0) {
			printf("nettest: reply from %s seq %d in %lu us\n", text, seq,
			       (unsigned long)((keel_clock_ns() - start) / 1000));
			answered++;
		} else {
			printf("nettest: no reply from %s seq %d\n", text, seq);
		}
	}
	LOCK_TCPIP_CORE();
	raw_remove(pcb);
	UNLOCK_TCPIP_CORE();
	printf("nettest: %d of %d answered\n", answered, count);
	return answered == count ? 0 : 1;
}

/* Waits until the first interface has a valid IPv6 address that is not
 * link-local (SLAAC, from the user network's router advertisements). */
static int slaac(int seconds)
{
	uint64_t deadline = keel_clock_ns() + (uint64_t)seconds * 1000000000ull;
	while (keel_clock_ns() < deadline) {
		LOCK_TCPIP_CORE();
		struct netif *n = netif_find("en0");
		char text[IP6ADDR_STRLEN_MAX] = "";
		for (int i = 0; n && i < LWIP_IPV6_NUM_ADDRESSES && !text[0]; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) && !ip6_addr_islinklocal(netif_ip6_addr(n, i)))
				ip6addr_ntoa_r(netif_ip6_addr(n, i), text, sizeof(text));
		UNLOCK_TCPIP_CORE();
		if (text[0]) {
			printf("nettest: en0 has %s\n", text);
			return 0;
		}
		keel_sleep_ns(100 * 1000 * 1000);
	}
	printf("nettest: no IPv6 address from a router after %d s\n", seconds);
	return 1;
}

static int echo(int port, long bytes)
{
	struct netconn *l = netconn_new(NETCONN_TCP), *c = NULL;
	if (l == NULL || netconn_bind(l, IP4_ADDR_ANY, (u16_t)port) != ERR_OK || netconn_listen(l) != ERR_OK) {
		printf("nettest: cannot listen on port %d\n", port);
		return 2;
	}
	printf("nettest: listening on port %d\n", port);
	err_t err = netconn_accept(l, &c);
	if (err != ERR_OK) {
		printf("nettest: accept failed (%d)\n", err);
		return 1;
	}
	long echoed = 0;
	uint64_t start = keel_clock_ns();
	while (echoed < bytes) {
		struct netbuf *b;
		err = netconn_recv(c, &b);
		if (err != ERR_OK)
			break;
		do {
			void *data;
			u16_t len;
			netbuf_data(b, &data, &len);
			err = netconn_write(c, data, len, NETCONN_COPY);
			echoed += len;
		} while (err == ERR_OK && netbuf_next(b) >= 0);
		netbuf_delete(b);
		if (err != ERR_OK)
			break;
	}
	uint64_t us = (keel_clock_ns() - start) / 1000;
	/* Our FIN after the data, then the peer's once it has read it all:
	 * closing outright would end the VM with data still on its way. */
	netconn_shutdown(c, 0, 1);
	netconn_set_recvtimeout(c, 30000);
	struct netbuf *rest;
	while (netconn_recv(c, &rest) == ERR_OK)
		netbuf_delete(rest);
	netconn_delete(c);
	netconn_delete(l);
	printf("nettest: echoed %ld of %ld bytes in %lu ms%s\n", echoed, bytes, (unsigned long)(us / 1000),
	       err == ERR_OK ? "" : " (the connection failed)");
	/* What the glue did: frames lent or copied, checksums left to the
	 * device. */
	struct net_if_stats st;
	LOCK_TCPIP_CORE();
	struct net_if *g = net_if_of(netif_find("en0"));
	if (g)
		net_if_stats(g, &st);
	UNLOCK_TCPIP_CORE();
	if (g)
		printf(
		    "nettest: en0 rx lent %lu copied %lu dropped %lu, tx sent %lu copied %lu deferred %lu dropped %lu "
		    "failed %lu, TCP checksums offloaded %lu, segments gathered %lu in %lu frames\n",
		    st.rx_lent, st.rx_copied, st.rx_dropped, st.tx_sent, st.tx_copied, st.tx_deferred, st.tx_dropped,
		    st.tx_failed, st.tx_csum_offloaded, st.tx_gso_segments, st.tx_gso_frames);
	return echoed == bytes ? 0 : 1;
}

int main(int argc, char **argv)
{
	/* The commands in order; the first that fails ends the run. */
	for (int i = 1; i < argc;) {
		int status;
		if (strcmp(argv[i], "ping") == 0 && i + 2 < argc) {
			status = ping(argv[i + 1], atoi(argv[i + 2]));
			i += 3;
		} else if (strcmp(argv[i], "echo") == 0 && i + 2 < argc) {
			status = echo(atoi(argv[i + 1]), atol(argv[i + 2]));
			i += 3;
		} else if (strcmp(argv[i], "slaac") == 0 && i + 1 < argc) {
			status = slaac(atoi(argv[i + 1]));
			i += 2;
		} else {
			printf("usage: nettest [ping ADDRESS COUNT | slaac SECONDS | echo PORT BYTES]...\n");
			return 2;
		}
		if (status)
			return status;
	}
	return 0;
}
