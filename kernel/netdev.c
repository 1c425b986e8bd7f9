/*
 * The network device class (kernel/netdev.h): its registry, the checks
 * every frame passes before a driver sees it, and the hand-offs between
 * driver and stack, with their counters.
 */
#include "kernel/netdev.h"

#include <errno.h>
#include <stddef.h>

static struct devreg netdevs = DEVREG_INIT("net");

#define NETDEV(e) ((struct netdev *)((char *)(e)-offsetof(struct netdev, reg)))

int netdev_register(struct netdev *nd)
{
	if (nd->ops == NULL || nd->ops->open == NULL || nd->ops->stop == NULL || nd->ops->transmit == NULL ||
	    nd->mtu < 68 || nd->max_tx_segs == 0)
		return -EINVAL;
	nd->open = false;
	nd->stack = NULL;
	return devreg_add(&netdevs, &nd->reg);
}

int netdev_unregister(struct netdev *nd)
{
	int err = devreg_remove(&netdevs, &nd->reg);
	/* A stack that did not let go when told: the device is going. */
	if (!err && nd->open)
		netdev_close(nd);
	return err;
}

struct netdev *netdev_find(const char *name)
{
	struct devreg_entry *e = devreg_find(&netdevs, name);
	return e ? NETDEV(e) : NULL;
}

struct foreach_ctx {
	int (*fn)(struct netdev *nd, void *arg);
	void *arg;
};

static int foreach_one(struct devreg_entry *e, void *arg)
{
	struct foreach_ctx *c = arg;
	return c->fn(NETDEV(e), c->arg);
}

int netdev_foreach(int (*fn)(struct netdev *nd, void *arg), void *arg)
{
	struct foreach_ctx c = { fn, arg };
	return devreg_foreach(&netdevs, foreach_one, &c);
}

static void notifier_trampoline(struct devreg_notifier *dn, enum devreg_event ev, struct devreg_entry *e)
{
	struct netdev_notifier *n = (struct netdev_notifier *)((char *)dn - offsetof(struct netdev_notifier, reg));
	if (ev == DEVREG_ADDED && n->added)
		n->added(n, NETDEV(e));
	else if (ev == DEVREG_REMOVED && n->removed)
		n->removed(n, NETDEV(e));
}

void netdev_notifier_register(struct netdev_notifier *n)
{
	n->reg.fn = notifier_trampoline;
	devreg_notifier_add(&netdevs, &n->reg);
}

int netdev_notifier_unregister(struct netdev_notifier *n) { return devreg_notifier_remove(&netdevs, &n->reg); }

/* --- the stack's side --- */

int netdev_open(struct netdev *nd, const struct netdev_stack *stack, void *ctx)
{
	if (stack == NULL || stack->rx == NULL || stack->tx_done == NULL)
		return -EINVAL;
	if (nd->open)
		return -EBUSY;
	nd->stack = stack;
	nd->stack_ctx = ctx;
	nd->open = true;
	int err = nd->ops->open(nd);
	if (err) {
		nd->open = false;
		nd->stack = NULL;
	}
	return err;
}

void netdev_close(struct netdev *nd)
{
	if (!nd->open)
		return;
	/* Frames in flight complete during stop, to the stack still
	 * attached. */
	nd->ops->stop(nd);
	nd->open = false;
	nd->stack = NULL;
	nd->stack_ctx = NULL;
}

static int check_offload(const struct netdev *nd, const struct net_offload *off, uint32_t len)
{
	if (off->flags & ~(NET_OFF_CSUM_PARTIAL | NET_OFF_MORE))
		return -EINVAL; /* CSUM_VALID describes received frames */
	if (off->flags & NET_OFF_CSUM_PARTIAL) {
		if (!(nd->features & NETDEV_F_TX_CSUM))
			return -EINVAL;
		/* The 16-bit checksum field lies within the frame. */
		if ((uint32_t)off->csum_start + off->csum_offset + 2 > len)
			return -EINVAL;
	}
	if (off->gso_type == NET_GSO_NONE)
		return 0;
	static const unsigned need[] = {
		[NET_GSO_TCPV4] = NETDEV_F_TSO4, [NET_GSO_TCPV6] = NETDEV_F_TSO6, [NET_GSO_UDP_L4] = NETDEV_F_USO
	};
	if (off->gso_type > NET_GSO_UDP_L4 || !(nd->features & need[off->gso_type]))
		return -EINVAL;
	/* Segmentation recomputes each segment's checksum: it needs the
	 * partial checksum to start from, and headers within the frame. */
	if (!(off->flags & NET_OFF_CSUM_PARTIAL) || off->gso_size == 0 || off->hdr_len == 0 || off->hdr_len >= len)
		return -EINVAL;
	return 0;
}

int netdev_transmit(struct netdev *nd, const struct net_seg *segs, unsigned nsegs, const struct net_offload *off,
		    void *cookie)
{
	static const struct net_offload none;
	if (!nd->open)
		return -ENETDOWN;
	if (off == NULL)
		off = &none;
	int err = 0;
	uint64_t len = 0;
	if (nsegs == 0 || nsegs > nd->max_tx_segs || segs == NULL)
		err = -EINVAL;
	for (unsigned i = 0; i < nsegs && !err; i++) {
		if (segs[i].len == 0 || segs[i].addr == NULL)
			err = -EINVAL;
		len += segs[i].len;
	}
	if (!err && len < NETDEV_ETH_HLEN)
		err = -EINVAL;
	if (!err) {
		uint64_t most = (uint64_t)nd->mtu + NETDEV_ETH_HLEN + NETDEV_VLAN_HLEN;
		if (off->gso_type != NET_GSO_NONE)
			most = nd->max_gso_len ? nd->max_gso_len : 65535u + NETDEV_ETH_HLEN + NETDEV_VLAN_HLEN;
		if (len > most)
			err = -EINVAL;
	}
	if (!err)
		err = check_offload(nd, off, (uint32_t)len);
	if (!err)
		err = nd->ops->transmit(nd, segs, nsegs, off, cookie);
	if (err == -EAGAIN)
		nd->stats.tx_busy++;
	else if (err)
		nd->stats.tx_rejected++;
	else {
		nd->stats.tx_packets++;
		nd->stats.tx_bytes += len;
	}
	return err;
}

void netdev_tx_flush(struct netdev *nd)
{
	if (nd->open && nd->ops->tx_flush)
		nd->ops->tx_flush(nd);
}

/* --- the driver's side --- */

/* Whether a received frame is what its driver says and what the device
 * may deliver: the stack trusts what passes. */
static bool rx_frame_ok(const struct netdev *nd, const struct net_rxframe *f)
{
	uint64_t len = 0;
	if (f->nsegs == 0 || f->segs == NULL)
		return false;
	for (unsigned i = 0; i < f->nsegs; i++)
		len += f->segs[i].len;
	if (len != f->len || len < NETDEV_ETH_HLEN)
		return false;
	if ((f->off.flags & (NET_OFF_CSUM_PARTIAL | NET_OFF_CSUM_VALID)) && !(nd->features & NETDEV_F_RX_CSUM))
		return false;
	if (f->off.flags & NET_OFF_CSUM_PARTIAL && (uint32_t)f->off.csum_start + f->off.csum_offset + 2 > len)
		return false;
	switch (f->off.gso_type) {
	case NET_GSO_NONE: return len <= (uint64_t)nd->mtu + NETDEV_ETH_HLEN + NETDEV_VLAN_HLEN;
	case NET_GSO_TCPV4: return (nd->features & NETDEV_F_LRO4) != 0;
	case NET_GSO_TCPV6: return (nd->features & NETDEV_F_LRO6) != 0;
	default: return false;
	}
}

void netdev_input(struct netdev *nd, struct net_rxframe *f)
{
	f->dev = nd;
	if (!rx_frame_ok(nd, f)) {
		nd->stats.rx_errors++;
		f->release(f);
		return;
	}
	if (!nd->open || nd->stack == NULL) {
		nd->stats.rx_dropped++;
		f->release(f);
		return;
	}
	nd->stats.rx_packets++;
	nd->stats.rx_bytes += f->len;
	nd->stack->rx(nd, f);
}

void netdev_tx_complete(struct netdev *nd, void *cookie, int status)
{
	if (status)
		nd->stats.tx_errors++;
	if (nd->stack)
		nd->stack->tx_done(nd, cookie, status);
}

void netdev_set_link(struct netdev *nd, bool up)
{
	if (nd->link_up == up)
		return;
	nd->link_up = up;
	if (nd->open && nd->stack && nd->stack->link_changed)
		nd->stack->link_changed(nd, up);
}
