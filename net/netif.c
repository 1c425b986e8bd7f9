/*
 * One lwIP netif per network device (net/netif.h).
 *
 * Receive: the driver's thread hands a frame over (netdev_stack.rx); each
 * of its segments becomes a custom pbuf over the driver's buffer, chained
 * (unless it must be copied: net/netif.h), and the chain goes to the tcpip thread's mailbox (tcpip_inpkt). When
 * lwIP frees the last of them, wherever and whenever that happens, the
 * frame goes back to the driver (f->release), exactly once.
 *
 * Transmit: lwIP calls linkoutput under the core lock with a pbuf chain,
 * which goes down as one segment per pbuf; the chain is referenced until
 * the device says it is done. Completions may come from an interrupt
 * handler: they are queued and freed in the tcpip thread.
 *
 * Segmentation: on a device that cuts TCP segments itself (NETDEV_F_TSO4,
 * with checksum offload), a run of one connection's full-size segments
 * is gathered into one frame (net/tso.h) while the core lock is held, and
 * sent when the run ends (a frame that does not continue it, a short or
 * pushed segment, the device's limits) or when the lock is given up
 * (net_if_flush_all), so no segment waits for the next holder. The
 * device hears of the frames sent under the lock then too, once for them
 * all (NET_OFF_MORE, netdev_tx_flush).
 *
 * Checksums: a device that checks received frames (NET_OFF_CSUM_VALID or
 * _PARTIAL) spares lwIP its TCP and UDP checks for those frames; one that
 * computes TCP checksums on transmit gets them (net/csum.c).
 */
#include "net/netif.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/waitq.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/memp.h"
#include "lwip/nd6.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "net/csum.h"
#include "net/sendmem.h"
#include "net/tso.h"
#include "netif/ethernet.h"

/* pbuf flags lwIP leaves free: set on the first pbuf of a received frame. */
#define PBUF_FLAG_KEEL_FROM_DEVICE 0x40u
#define PBUF_FLAG_KEEL_CSUM_OK 0x80u

/* The checks a device's validation makes unnecessary. */
#define CHECKS_L4 (NETIF_CHECKSUM_CHECK_TCP | NETIF_CHECKSUM_CHECK_UDP)

/* A frame gathered from several segments: its headers, then each
 * segment's payload. */
struct tx_gso {
	uint8_t hdr[TSO_HDR_MAX];
	uint16_t hdr_len;
	struct net_offload off;
	unsigned n;
	struct pbuf *p[TSO_SEGS_MAX];
};

struct tx_req {
	struct tx_req *next;
	struct pbuf *p;	    /* a frame as lwIP built it, or */
	struct tx_gso *gso; /* one gathered */
};

struct net_if {
	struct netif netif;
	struct netdev *nd;
	bool tx_csum;  /* the device computes TCP checksums */
	bool tso;      /* and cuts TCPv4 segments */
	bool attached; /* between attach and detach */
	u16_t chksum_base;
	bool has_gw6; /* gw6 set: net_if_set_ip6_gateway */
	ip6_addr_t gw6;

	/* Under SYS_ARCH_PROTECT: frames lent, freed from any thread. */
	unsigned rx_lent;

	/* Under the core lock. */
	struct tx_req *deferred, *deferred_tail;
	unsigned ndeferred;
	bool tx_refused;	/* frames were refused since the wait last halved */
	bool tx_resend;		/* so connections are to send again (net_if_flush_all) */
	struct net_if *next_if; /* every attached interface, for net_if_flush_all */
	/* The segments gathered (net/tso.h), referenced, and the pieces
	 * their frame will have. */
	struct tso_batch batch;
	struct pbuf *batch_p[TSO_SEGS_MAX];
	unsigned batch_pieces;
	/* Frames went down with NET_OFF_MORE: net_if_flush_all tells the
	 * device. */
	bool tx_flush_pending;

	/* Under sched_lock: completions, from any context. */
	struct tx_req *done;
	bool reap_pending;
	/* The core lock's holder is in glue_linkoutput: written by that
	 * holder alone (one store), read under sched_lock. */
	bool in_linkoutput;
	struct tcpip_callback_msg *reap_msg;

	struct net_if_stats stats;
};

/* A received frame lent to lwIP: one custom pbuf per segment. */
struct rx_desc;
struct rx_seg {
	struct pbuf_custom pc;
	struct rx_desc *desc;
};
struct rx_desc {
	struct net_if *g;
	struct net_rxframe *f;
	unsigned live; /* segment pbufs not yet freed, under SYS_ARCH_PROTECT */
	bool from_heap;
	struct rx_seg seg[];
};
#define RX_DESC_SIZE(nsegs) (sizeof(struct rx_desc) + (nsegs) * sizeof(struct rx_seg))

LWIP_MEMPOOL_DECLARE(KEEL_RX_DESC, 2 * NET_IF_RX_LEND_MAX, RX_DESC_SIZE(NET_IF_RX_SEGS_POOLED), "keel rx frames")
LWIP_MEMPOOL_DECLARE(KEEL_TX_REQ, 1024, sizeof(struct tx_req), "keel tx frames")
/* A ring's worth of gathered frames; without one, segments go one by one. */
LWIP_MEMPOOL_DECLARE(KEEL_TX_GSO, 256, sizeof(struct tx_gso), "keel tx gathered frames")

static bool pools_ready;
/* Under the core lock. */
static struct net_if *all_ifs;

static void pools_init(void)
{
	if (pools_ready)
		return;
	LWIP_MEMPOOL_INIT(KEEL_RX_DESC);
	LWIP_MEMPOOL_INIT(KEEL_TX_REQ);
	LWIP_MEMPOOL_INIT(KEEL_TX_GSO);
	pools_ready = true;
}

/* --- receive --------------------------------------------------------------------------------- */

static void rx_seg_free(struct pbuf *p)
{
	struct rx_seg *s = (struct rx_seg *)p;
	struct rx_desc *d = s->desc;
	SYS_ARCH_DECL_PROTECT(lev);
	SYS_ARCH_PROTECT(lev);
	bool last = --d->live == 0;
	if (last)
		d->g->rx_lent--;
	SYS_ARCH_UNPROTECT(lev);
	if (!last)
		return;
	d->f->release(d->f);
	if (d->from_heap)
		free(d);
	else
		LWIP_MEMPOOL_FREE(KEEL_RX_DESC, d);
}

/* The frame as a chain of custom pbufs over its segments, or NULL when
 * it must be copied (too many segments, too many frames lent, no
 * descriptor). */
static struct pbuf *rx_lend(struct net_if *g, struct net_rxframe *f)
{
	if (f->nsegs > NET_IF_RX_SEGS_MAX ||
	    f->segs[0].len < (f->len < NET_IF_RX_HEAD_MIN ? f->len : NET_IF_RX_HEAD_MIN))
		return NULL;
	SYS_ARCH_DECL_PROTECT(lev);
	SYS_ARCH_PROTECT(lev);
	bool room = g->rx_lent < NET_IF_RX_LEND_MAX;
	if (room)
		g->rx_lent++;
	SYS_ARCH_UNPROTECT(lev);
	if (!room)
		return NULL;
	bool from_heap = f->nsegs > NET_IF_RX_SEGS_POOLED;
	struct rx_desc *d = from_heap ? malloc(RX_DESC_SIZE(f->nsegs)) : LWIP_MEMPOOL_ALLOC(KEEL_RX_DESC);
	if (d == NULL) {
		SYS_ARCH_PROTECT(lev);
		g->rx_lent--;
		SYS_ARCH_UNPROTECT(lev);
		return NULL;
	}
	d->g = g;
	d->f = f;
	d->live = 0;
	d->from_heap = from_heap;
	struct pbuf *head = NULL;
	for (unsigned i = 0; i < f->nsegs; i++) {
		if (f->segs[i].len == 0)
			continue;
		struct rx_seg *s = &d->seg[d->live++];
		s->desc = d;
		s->pc.custom_free_function = rx_seg_free;
		struct pbuf *p = pbuf_alloced_custom(PBUF_RAW, (u16_t)f->segs[i].len, PBUF_REF, &s->pc, f->segs[i].addr,
						     (u16_t)f->segs[i].len);
		if (head)
			pbuf_cat(head, p);
		else
			head = p;
	}
	return head;
}

/* A copy in pool buffers; the frame goes back to the driver at once. */
static struct pbuf *rx_copy(struct net_if *g, struct net_rxframe *f)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)f->len, PBUF_POOL);
	if (p) {
		u16_t at = 0;
		for (unsigned i = 0; i < f->nsegs; i++) {
			pbuf_take_at(p, f->segs[i].addr, (u16_t)f->segs[i].len, at);
			at = (u16_t)(at + f->segs[i].len);
		}
	}
	f->release(f);
	return p;
}

static void glue_rx(struct netdev *nd, struct net_rxframe *f)
{
	struct net_if *g = nd->stack_ctx;
	if (f->len > 0xffff || !g->attached) {
		g->stats.rx_dropped++;
		f->release(f);
		return;
	}
	uint8_t off = f->off.flags;
	struct pbuf *p = rx_lend(g, f);
	if (p) {
		g->stats.rx_lent++;
	} else {
		p = rx_copy(g, f);
		g->stats.rx_copied++;
		if (p == NULL) {
			g->stats.rx_dropped++;
			return;
		}
	}
	p->flags |= PBUF_FLAG_KEEL_FROM_DEVICE;
	if (off & (NET_OFF_CSUM_VALID | NET_OFF_CSUM_PARTIAL))
		p->flags |= PBUF_FLAG_KEEL_CSUM_OK;
	if (tcpip_inpkt(p, &g->netif, ethernet_input) != ERR_OK) {
		g->stats.rx_dropped++;
		pbuf_free(p);
	}
}

int net_if_ip_input_hook(struct pbuf *p, struct netif *netif)
{
	struct net_if *g = net_if_of(netif);
	if (g == NULL)
		return 0;
	u16_t flags = g->chksum_base;
	/* A frame the device checked, or a packet that never left memory
	 * (looped back to the interface's own address, sent without a TCP
	 * checksum when the device computes it). */
	if ((p->flags & PBUF_FLAG_KEEL_CSUM_OK) || !(p->flags & PBUF_FLAG_KEEL_FROM_DEVICE))
		flags &= (u16_t)~CHECKS_L4;
	p->flags &= (u8_t) ~(PBUF_FLAG_KEEL_CSUM_OK | PBUF_FLAG_KEEL_FROM_DEVICE);
	NETIF_SET_CHECKSUM_CTRL(netif, flags);
	return 0;
}

/* --- transmit -------------------------------------------------------------------------------- */

/* Hands the frame of req to the device. Returns 0 (taken), -EAGAIN
 * (queue full: req kept), or another error (req to be dropped). */
/* The pieces of p's frame after its first skip bytes; appended to segs
 * at n when segs is not NULL. Returns the new count. */
static unsigned payload_pieces(struct pbuf *p, unsigned skip, struct net_seg *segs, unsigned n)
{
	for (struct pbuf *q = p; q; q = q->next) {
		if (q->len <= skip) {
			skip -= q->len;
			continue;
		}
		if (segs)
			segs[n] = (struct net_seg){ (uint8_t *)q->payload + skip, (uint32_t)(q->len - skip) };
		n++;
		skip = 0;
	}
	return n;
}

static int tx_try(struct net_if *g, struct tx_req *req)
{
	struct net_seg segs[NET_IF_TX_GSO_SEGS_MAX];
	unsigned n = 0;
	struct net_offload off = { 0 };
	if (req->gso) {
		struct tx_gso *x = req->gso;
		off = x->off;
		segs[n++] = (struct net_seg){ x->hdr, x->hdr_len };
		for (unsigned i = 0; i < x->n; i++)
			n = payload_pieces(x->p[i], x->hdr_len, segs, n);
	} else {
		n = payload_pieces(req->p, 0, segs, 0);
	}
	if (g->tx_csum && netcsum_prepare_tcp(segs, n, &off))
		g->stats.tx_csum_offloaded++;
	/* Every frame is sent under the core lock, whose release tells the
	 * device of them all at once (net_if_flush_all). */
	off.flags |= NET_OFF_MORE;
	g->tx_flush_pending = true;
	return netdev_transmit(g->nd, segs, n, &off, req);
}

static void tx_drop(struct net_if *g, struct tx_req *req)
{
	if (req->gso) {
		for (unsigned i = 0; i < req->gso->n; i++)
			pbuf_free(req->gso->p[i]);
		LWIP_MEMPOOL_FREE(KEEL_TX_GSO, req->gso);
	} else {
		pbuf_free(req->p);
	}
	LWIP_MEMPOOL_FREE(KEEL_TX_REQ, req);
}

/* Sends what waited for room, in order, until the device is full again. */
static void tx_flush_deferred(struct net_if *g)
{
	while (g->deferred) {
		struct tx_req *req = g->deferred, *next = req->next;
		/* The device may complete the frame before tx_try returns,
		 * and the completion reuses req->next. */
		int err = tx_try(g, req);
		if (err == -EAGAIN)
			return;
		g->deferred = next;
		if (g->deferred == NULL)
			g->deferred_tail = NULL;
		g->ndeferred--;
		if (g->tx_refused && g->ndeferred <= NET_IF_TX_DEFER_MAX / 2) {
			g->tx_refused = false;
			g->tx_resend = true;
		}
		if (err) {
			g->stats.tx_failed++;
			tx_drop(g, req);
		} else {
			g->stats.tx_sent++;
		}
	}
}

/* Frees what the device finished with; under the core lock. */
static void tx_reap(struct net_if *g)
{
	bool irq = sched_lock();
	struct tx_req *done = g->done;
	g->done = NULL;
	g->reap_pending = false;
	sched_unlock(irq);
	while (done) {
		struct tx_req *next = done->next;
		tx_drop(g, done);
		done = next;
	}
	tx_flush_deferred(g);
}

static void tx_reap_callback(void *ctx) { tx_reap(ctx); }

/* From a thread or an interrupt handler. */
static void glue_tx_done(struct netdev *nd, void *cookie, int status)
{
	struct net_if *g = nd->stack_ctx;
	struct tx_req *req = cookie;
	bool irq = sched_lock();
	req->next = g->done;
	g->done = req;
	/* Completions that come within linkoutput (the driver reclaims as
	 * it transmits) are reaped there, without a message. */
	bool post = !g->reap_pending && !g->in_linkoutput;
	g->reap_pending = g->reap_pending || post;
	sched_unlock(irq);
	/* One message in flight at a time; when the mailbox is full, the
	 * next transmit or the periodic check reaps instead. */
	if (post && tcpip_callbackmsg_trycallback_fromisr(g->reap_msg) != ERR_OK) {
		irq = sched_lock();
		g->reap_pending = false;
		sched_unlock(irq);
	}
}

#define REAP_CHECK_MS 100

static void reap_check(void *ctx)
{
	struct net_if *g = ctx;
	if (!g->attached)
		return;
	if (g->done || g->deferred)
		tx_reap(g);
	sys_timeout(REAP_CHECK_MS, reap_check, g);
}

static err_t tx_queue(struct net_if *g, struct tx_req *req);

static err_t linkoutput_one(struct net_if *g, struct pbuf *p)
{
	struct tx_req *req = LWIP_MEMPOOL_ALLOC(KEEL_TX_REQ);
	if (req == NULL) {
		g->stats.tx_dropped++;
		return ERR_MEM;
	}
	unsigned n = 0;
	for (struct pbuf *q = p; q; q = q->next)
		n += q->len != 0;
	if (n > NET_IF_TX_SEGS_MAX || n > g->nd->max_tx_segs) {
		/* One contiguous copy. */
		req->p = pbuf_clone(PBUF_RAW, PBUF_RAM, p);
		if (req->p == NULL) {
			LWIP_MEMPOOL_FREE(KEEL_TX_REQ, req);
			g->stats.tx_dropped++;
			return ERR_MEM;
		}
		g->stats.tx_copied++;
	} else {
		pbuf_ref(p);
		req->p = p;
	}
	req->gso = NULL;
	req->next = NULL;
	return tx_queue(g, req);
}

/* Sends what was gathered: a segment alone as it is, several as one
 * frame for the device to cut. */
static void tx_flush_batch(struct net_if *g)
{
	struct tso_batch *b = &g->batch;
	unsigned n = b->count;
	if (n == 0)
		return;
	struct tx_req *req = n > 1 ? LWIP_MEMPOOL_ALLOC(KEEL_TX_REQ) : NULL;
	struct tx_gso *x = req ? LWIP_MEMPOOL_ALLOC(KEEL_TX_GSO) : NULL;
	if (x) {
		memset(&x->off, 0, sizeof(x->off));
		tso_finish(b, &x->off);
	}
	b->count = 0;
	g->batch_pieces = 0;
	if (x == NULL) {
		if (req)
			LWIP_MEMPOOL_FREE(KEEL_TX_REQ, req);
		/* lwIP was told they went: a segment lost here is one TCP
		 * sends again. */
		for (unsigned i = 0; i < n; i++) {
			linkoutput_one(g, g->batch_p[i]);
			pbuf_free(g->batch_p[i]);
		}
		return;
	}
	memcpy(x->hdr, b->hdr, b->hdr_len);
	x->hdr_len = b->hdr_len;
	x->n = n;
	memcpy(x->p, g->batch_p, n * sizeof(x->p[0]));
	req->p = NULL;
	req->gso = x;
	req->next = NULL;
	g->stats.tx_gso_frames++;
	g->stats.tx_gso_segments += n;
	tx_queue(g, req);
}

/* The most pieces and bytes a gathered frame may have on this device. */
static unsigned gso_max_pieces(const struct net_if *g)
{
	return g->nd->max_tx_segs < NET_IF_TX_GSO_SEGS_MAX ? g->nd->max_tx_segs : NET_IF_TX_GSO_SEGS_MAX;
}

static uint32_t gso_max_len(const struct net_if *g)
{
	return g->nd->max_gso_len ? g->nd->max_gso_len : 65535u + NETDEV_ETH_HLEN + NETDEV_VLAN_HLEN;
}

/* Adds p to the run being gathered, or starts one with it (sending the
 * previous run first). False when p cannot be part of a run: the caller
 * sends it as it is, after what was gathered. */
static bool tx_gather(struct net_if *g, struct pbuf *p)
{
	struct tso_seg s;
	if (!tso_parse(p->payload, p->len, p->tot_len, &s))
		return false;
	unsigned pieces = payload_pieces(p, s.hdr_len, NULL, 0);
	struct tso_batch *b = &g->batch;
	if (b->count) {
		if (g->batch_pieces + pieces + 1 <= gso_max_pieces(g) && tso_add(b, p->payload, &s, gso_max_len(g))) {
			pbuf_ref(p);
			g->batch_p[b->count - 1] = p;
			g->batch_pieces += pieces;
			return true;
		}
		tx_flush_batch(g);
	}
	if (pieces + 1 > gso_max_pieces(g))
		return false;
	tso_start(b, p->payload, &s);
	pbuf_ref(p);
	g->batch_p[0] = p;
	g->batch_pieces = pieces;
	return true;
}

bool net_if_tx_refusing(void)
{
	for (struct net_if *g = all_ifs; g; g = g->next_if)
		if (g->tx_refused)
			return true;
	return false;
}

void net_if_flush_all(void)
{
	/* Connections refused by a full device send again: from here, where
	 * no call into lwIP is under way, not from a completion's reaping,
	 * which may come inside tcp_output. */
	bool resend = false;
	for (struct net_if *g = all_ifs; g; g = g->next_if) {
		resend = resend || g->tx_resend;
		g->tx_resend = false;
	}
	if (resend) {
		for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next)
			if (pcb->unsent != NULL)
				tcp_output(pcb);
		sendmem_room();
	}
	for (struct net_if *g = all_ifs; g; g = g->next_if) {
		if (g->batch.count)
			tx_flush_batch(g);
		if (g->tx_flush_pending) {
			g->tx_flush_pending = false;
			netdev_tx_flush(g->nd);
		}
	}
}

/* Sends req, or queues it behind others waiting for room. */
static err_t tx_queue(struct net_if *g, struct tx_req *req)
{
	int err = g->deferred ? -EAGAIN : tx_try(g, req);
	if (err == 0) {
		g->stats.tx_sent++;
		return ERR_OK;
	}
	/* Bounded by glue_linkoutput's refusal: at most a gathered frame
	 * and a segment past NET_IF_TX_DEFER_MAX. */
	if (err == -EAGAIN) {
		if (g->deferred_tail)
			g->deferred_tail->next = req;
		else
			g->deferred = req;
		g->deferred_tail = req;
		g->ndeferred++;
		g->stats.tx_deferred++;
		return ERR_OK;
	}
	g->stats.tx_failed++;
	tx_drop(g, req);
	return ERR_IF;
}

static err_t glue_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct net_if *g = net_if_of(netif);
	if (g->done)
		tx_reap(g);
	if (g->ndeferred >= NET_IF_TX_DEFER_MAX) {
		g->stats.tx_refused++;
		g->tx_refused = true;
		return ERR_MEM;
	}
	/* A flag that a completion (perhaps in an interrupt) only reads: one
	 * store, without turning interrupts off around it. */
	g->in_linkoutput = true;
	__asm__ volatile("" ::: "memory");
	err_t err = ERR_OK;
	if (g->tso && tx_gather(g, p)) {
		/* Nothing may follow a pushed or short segment. */
		if (g->batch.closed)
			tx_flush_batch(g);
	} else {
		tx_flush_batch(g);
		err = linkoutput_one(g, p);
	}
	__asm__ volatile("" ::: "memory");
	g->in_linkoutput = false;
	/* What the driver reclaimed meanwhile, freed now. */
	if (g->done)
		tx_reap(g);
	return err;
}

/* --- link and set-up ------------------------------------------------------------------------- */

static void glue_link_changed(struct netdev *nd, bool up)
{
	struct net_if *g = nd->stack_ctx;
	LOCK_TCPIP_CORE();
	if (g->attached) {
		if (up)
			netif_set_link_up(&g->netif);
		else
			netif_set_link_down(&g->netif);
	}
	UNLOCK_TCPIP_CORE();
}

static const struct netdev_stack glue_stack = {
	.rx = glue_rx,
	.tx_done = glue_tx_done,
	.link_changed = glue_link_changed,
};

static err_t glue_netif_init(struct netif *netif)
{
	struct net_if *g = netif->state;
	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->hwaddr_len = ETH_HWADDR_LEN;
	memcpy(netif->hwaddr, g->nd->mac, ETH_HWADDR_LEN);
	netif->mtu = (u16_t)(g->nd->mtu > 0xffff ? 0xffff : g->nd->mtu);
	netif->mtu6 = netif->mtu;
	netif->flags =
	    NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = glue_linkoutput;
	g->chksum_base = NETIF_CHECKSUM_ENABLE_ALL;
	if (g->tx_csum)
		g->chksum_base &= (u16_t)~NETIF_CHECKSUM_GEN_TCP;
	NETIF_SET_CHECKSUM_CTRL(netif, g->chksum_base);
	return ERR_OK;
}

int net_if_attach(struct netdev *nd, struct net_if **out)
{
	struct net_if *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->nd = nd;
	g->tx_csum = (nd->features & NETDEV_F_TX_CSUM) != 0;
	g->tso = g->tx_csum && (nd->features & NETDEV_F_TSO4);
	LOCK_TCPIP_CORE();
	pools_init();
	g->reap_msg = tcpip_callbackmsg_new(tx_reap_callback, g);
	if (g->reap_msg == NULL || netif_add(&g->netif, NULL, NULL, NULL, g, glue_netif_init, tcpip_input) == NULL) {
		if (g->reap_msg)
			tcpip_callbackmsg_delete(g->reap_msg);
		UNLOCK_TCPIP_CORE();
		free(g);
		return -ENOMEM;
	}
	g->attached = true;
	UNLOCK_TCPIP_CORE();
	/* Outside the lock: the driver may hand frames up before open
	 * returns, and those take the lock. */
	int err = netdev_open(nd, &glue_stack, g);
	LOCK_TCPIP_CORE();
	if (err) {
		g->attached = false;
		netif_remove(&g->netif);
		tcpip_callbackmsg_delete(g->reap_msg);
		UNLOCK_TCPIP_CORE();
		free(g);
		return err;
	}
	if (nd->link_up)
		netif_set_link_up(&g->netif);
	g->next_if = all_ifs;
	all_ifs = g;
	sys_timeout(REAP_CHECK_MS, reap_check, g);
	UNLOCK_TCPIP_CORE();
	*out = g;
	return 0;
}

void net_if_detach(struct net_if *g)
{
	LOCK_TCPIP_CORE();
	g->attached = false;
	tx_flush_batch(g);
	for (struct net_if **pp = &all_ifs; *pp; pp = &(*pp)->next_if)
		if (*pp == g) {
			*pp = g->next_if;
			break;
		}
	sys_untimeout(reap_check, g);
	netif_set_down(&g->netif);
	netif_remove(&g->netif);
	UNLOCK_TCPIP_CORE();
	/* Frames in flight complete during close. */
	netdev_close(g->nd);
	LOCK_TCPIP_CORE();
	tx_reap(g);
	while (g->deferred) {
		struct tx_req *req = g->deferred;
		g->deferred = req->next;
		tx_drop(g, req);
	}
	g->deferred_tail = NULL;
	g->ndeferred = 0;
	/* Senders it refused wait for room it will never report. */
	if (g->tx_refused)
		sendmem_room();
	g->tx_refused = false;
	UNLOCK_TCPIP_CORE();
	/* Frames still lent come back through rx_seg_free, which needs g:
	 * it is never freed (hot-unplug is rare; a few hundred bytes). */
}

struct netif *net_if_netif(struct net_if *g) { return &g->netif; }
struct netdev *net_if_netdev(struct net_if *g) { return g->nd; }

struct net_if *net_if_of(struct netif *netif)
{
	return netif && netif->linkoutput == glue_linkoutput ? (struct net_if *)netif->state : NULL;
}

void net_if_stats(struct net_if *g, struct net_if_stats *out) { *out = g->stats; }

void net_if_set_ip6_gateway(struct net_if *g, const ip6_addr_t *gw)
{
	LWIP_ASSERT_CORE_LOCKED();
	g->has_gw6 = gw != NULL;
	if (gw) {
		ip6_addr_copy(g->gw6, *gw);
		/* A link-local router is on this link: its zone says so. */
		ip6_addr_assign_zone(&g->gw6, IP6_UNICAST, &g->netif);
	}
}

const ip6_addr_t *net_if_ip6_gateway_hook(struct netif *netif, const ip6_addr_t *dest)
{
	(void)dest;
	struct net_if *g = net_if_of(netif);
	return g && g->has_gw6 ? &g->gw6 : NULL;
}

static bool has_ip6_gateway(struct netif *n)
{
	struct net_if *g = net_if_of(n);
	return g && g->has_gw6 && netif_is_up(n) && netif_is_link_up(n);
}

/* lwIP asks this before its own choice, for a destination and source
 * outside every link's scope. Its own choice sends off-link traffic
 * from an unbound socket (no source yet) by the default interface, even
 * when that has no router and another has one from the command line.
 * So: lwIP's choice (NULL) for a source address, which names its
 * interface; for a destination on an interface's prefix or an
 * advertised route; and where the default interface has a router of
 * its own. Otherwise the first interface with a configured router. */
struct netif *net_if_ip6_route_hook(const ip6_addr_t *src, const ip6_addr_t *dest)
{
	struct netif *n;
	if (src && !ip6_addr_isany(src))
		return NULL;
	NETIF_FOREACH(n)
	{
		for (int i = 0; i < LWIP_IPV6_NUM_ADDRESSES; i++)
			if (ip6_addr_isvalid(netif_ip6_addr_state(n, i)) && ip6_addr_netcmp(dest, netif_ip6_addr(n, i)))
				return NULL;
	}
	if (nd6_find_route(dest) != NULL || (netif_default && has_ip6_gateway(netif_default)))
		return NULL;
	NETIF_FOREACH(n)
	{
		if (has_ip6_gateway(n))
			return n;
	}
	return NULL;
}

unsigned net_if_rx_lent(struct net_if *g)
{
	SYS_ARCH_DECL_PROTECT(lev);
	SYS_ARCH_PROTECT(lev);
	unsigned n = g->rx_lent;
	SYS_ARCH_UNPROTECT(lev);
	return n;
}
