/*
 * nettest: the network stack as the boot tests see it. The boot has
 * already configured the interfaces (net/net.c) and printed their
 * addresses; this sends ICMP echo requests through lwIP's raw API and
 * waits for the replies.
 *
 *	nettest ping ADDRESS [COUNT]     exit 0 when every request is answered
 *	nettest                          exit 0 (the boot's output is the test)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sync.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/raw.h"
#include "lwip/tcpip.h"

#define ECHO_ID 0x4b4c
#define REPLY_WAIT_NS (3ull * 1000 * 1000 * 1000)
#define PAYLOAD 56

int main(int argc, char **argv);

static struct sem replied;
static volatile uint16_t expect_seq;
static volatile bool got;

/* In the tcpip thread: an echo reply of ours, with the sequence number
 * awaited, wakes main. Every ICMP packet comes here; only ours are
 * eaten. */
static u8_t echo_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
	struct icmp_echo_hdr h;
	u16_t hlen = (u16_t)(IPH_HL_BYTES((struct ip_hdr *)p->payload));
	if (pbuf_copy_partial(p, &h, sizeof(h), hlen) != sizeof(h) || h.type != ICMP_ER || h.id != PP_HTONS(ECHO_ID))
		return 0;
	if (lwip_ntohs(h.seqno) == expect_seq && !got) {
		got = true;
		sem_post(&replied);
	}
	pbuf_free(p);
	return 1;
}

static int ping(const char *text, int count)
{
	ip_addr_t dst;
	if (!ipaddr_aton(text, &dst) || !IP_IS_V4(&dst)) {
		printf("nettest: '%s' is not an IPv4 address\n", text);
		return 2;
	}
	sem_init(&replied, 0);
	LOCK_TCPIP_CORE();
	struct raw_pcb *pcb = raw_new(IP_PROTO_ICMP);
	if (pcb)
		raw_recv(pcb, echo_recv, NULL);
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
		h->type = ICMP_ECHO;
		h->code = 0;
		h->chksum = 0;
		h->id = PP_HTONS(ECHO_ID);
		h->seqno = lwip_htons((u16_t)seq);
		for (int i = 0; i < PAYLOAD; i++)
			((uint8_t *)(h + 1))[i] = (uint8_t)i;
		h->chksum = inet_chksum(h, p->len);
		expect_seq = (uint16_t)seq;
		got = false;
		uint64_t start = clock_ns();
		LOCK_TCPIP_CORE();
		err_t err = raw_sendto(pcb, p, &dst);
		UNLOCK_TCPIP_CORE();
		pbuf_free(p);
		if (err != ERR_OK) {
			printf("nettest: sending to %s failed (%d)\n", text, err);
			continue;
		}
		if (sem_timedwait(&replied, REPLY_WAIT_NS) == 0) {
			printf("nettest: reply from %s seq %d in %lu us\n", text, seq,
			       (unsigned long)((clock_ns() - start) / 1000));
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

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "ping") == 0)
		return ping(argv[2], argc >= 4 ? atoi(argv[3]) : 3);
	if (argc > 1) {
		printf("usage: nettest [ping ADDRESS [COUNT]]\n");
		return 2;
	}
	return 0;
}
