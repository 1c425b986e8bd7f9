/*
 * The send buffers' memory bound (net/sendmem.h).
 */
#include "net/sendmem.h"

#include <stdint.h>

#include "kernel/mm/mm.h"
#include "lwip/api.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/lwipmem.h"

void sendmem_init(void)
{
	uint64_t budget = mm_free_bytes() / 4;
	if (budget < SENDMEM_MIN)
		budget = SENDMEM_MIN;
	lwipmem_set_budget((size_t)budget);
}

void sendmem_relieve(void)
{
	if (!lwipmem_take_relief())
		return;
	for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
		/* Every connection here is a netconn's (sys/socket.c), or
		 * one whose netconn is gone (no argument any more). */
		struct netconn *conn = pcb->callback_arg;
		if (conn == NULL || !(conn->flags & NETCONN_FLAG_CHECK_WRITESPACE))
			continue;
		/* The test lwIP's sent and poll callbacks make. */
		if (tcp_sndbuf(pcb) <= TCP_SNDLOWAT || tcp_sndqueuelen(pcb) >= TCP_SNDQUEUELOWAT)
			continue;
		conn->flags &= (u8_t)~NETCONN_FLAG_CHECK_WRITESPACE;
		if (conn->callback)
			conn->callback(conn, NETCONN_EVT_SENDPLUS, 0);
	}
}
