/*
 * The send buffers' memory bound (net/sendmem.h).
 */
#include "net/sendmem.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/mm/mm.h"
#include "lwip/api.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/lwipmem.h"

/* Senders were refused; what was held just after (a refused tcp_write
 * has given back what it took by the time the lock is released). */
static bool waiting;
static size_t held_when_refused;

void sendmem_init(void)
{
	uint64_t b = mm_free_bytes() / 4;
	lwipmem_set_budget(b < SENDMEM_MIN ? SENDMEM_MIN : (size_t)b);
}

size_t sendmem_write_max(void)
{
	struct lwipmem_stats st;
	lwipmem_get_stats(&st);
	return st.budget ? st.budget / 4 : SIZE_MAX;
}

static void (*room_hook)(void);

void sendmem_set_room_hook(void (*fn)(void)) { room_hook = fn; }

void sendmem_room(void)
{
	if (room_hook)
		room_hook();
}

/* Whether an allocation was refused since the last look: the room to
 * wait for is counted from now. */
static bool take_refusal(void)
{
	if (!lwipmem_take_starved())
		return false;
	struct lwipmem_stats st;
	lwipmem_get_stats(&st);
	waiting = true;
	held_when_refused = st.held;
	return true;
}

bool sendmem_holding_back(void)
{
	take_refusal();
	return waiting;
}

void sendmem_relieve(void)
{
	struct lwipmem_stats st;
	if (take_refusal() || !waiting)
		return;
	/* A quarter of the budget given back since the refusal: a write of
	 * at most sendmem_write_max() bytes fits again. */
	lwipmem_get_stats(&st);
	if (st.held + st.budget / 4 > held_when_refused)
		return;
	waiting = false;
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
	sendmem_room();
}
