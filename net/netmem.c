/*
 * The network's lines in the memory report (kernel/memreport.h): frames
 * the driver has lent to lwIP right now, and TCP connections lwIP holds
 * (open, and in TIME-WAIT). A leak of either shows as a count that keeps
 * growing across a soak, where the heap alone would not show it (frames
 * are the driver's DMA memory; connections come from lwIP's pools).
 */
#include "kernel/init.h"
#include "kernel/memreport.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcpip.h"
#include "net/net.h"
#include "net/netif.h"

static unsigned long count_pcbs(struct tcp_pcb *list)
{
	unsigned long n = 0;
	for (struct tcp_pcb *p = list; p; p = p->next)
		n++;
	return n;
}

/* Before the tcpip thread is up there is no core lock to take, and
 * nothing to count. */
static unsigned long read_tcp(void)
{
	if (!net_running())
		return 0;
	LOCK_TCPIP_CORE();
	unsigned long n = count_pcbs(tcp_active_pcbs);
	UNLOCK_TCPIP_CORE();
	return n;
}

static unsigned long read_time_wait(void)
{
	if (!net_running())
		return 0;
	LOCK_TCPIP_CORE();
	unsigned long n = count_pcbs(tcp_tw_pcbs);
	UNLOCK_TCPIP_CORE();
	return n;
}

static unsigned long read_lent(void)
{
	if (!net_running())
		return 0;
	unsigned long n = 0;
	LOCK_TCPIP_CORE();
	struct netif *nif;
	NETIF_FOREACH(nif)
	{
		struct net_if *g = net_if_of(nif);
		if (g)
			n += net_if_rx_lent(g);
	}
	UNLOCK_TCPIP_CORE();
	return n;
}

static struct memreport_source lent_source = { .name = "lent", .read = read_lent };
static struct memreport_source tcp_source = { .name = "tcp", .read = read_tcp };
static struct memreport_source time_wait_source = { .name = "tcp_tw", .read = read_time_wait };

static void netmem_init(void)
{
	/* Newest first in the report: registered in reverse. */
	memreport_register(&time_wait_source);
	memreport_register(&tcp_source);
	memreport_register(&lent_source);
}
INIT_CALL(INIT_LATE, netmem_init);
