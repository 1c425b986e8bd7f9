/*
 * rtnetlink's answers (sys/rtnl.h): the dumps of links and addresses as
 * Linux's rtnl_dump_ifinfo and inet_dump_ifaddr / inet6_dump_addr give
 * them, with the attributes musl's getifaddrs reads.
 */
#include "sys/rtnl.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define LINUX_AF_UNSPEC 0
#define LINUX_AF_INET 2
#define LINUX_AF_INET6 10

/* Where the answer goes: with out NULL, only its length is counted.
 * Replies go to the requesting socket's address, portid. */
struct rtnl_writer {
	uint8_t *out;
	size_t pos;
	uint32_t portid;
};

static void put(struct rtnl_writer *w, size_t at, const void *p, size_t n)
{
	if (w->out)
		memcpy(w->out + at, p, n);
}

/* Starts a message of type and flags; returns where its header is. */
static size_t msg_begin(struct rtnl_writer *w, const struct linux_nlmsghdr *req, uint16_t type, uint16_t flags)
{
	struct linux_nlmsghdr h = { .type = type, .flags = flags, .seq = req->seq, .pid = w->portid };
	size_t at = w->pos;
	put(w, at, &h, sizeof(h));
	w->pos += sizeof(h);
	return at;
}

/* Sets the length of the message begun at at, its padding zeroed. */
static void msg_end(struct rtnl_writer *w, size_t at)
{
	uint32_t len = (uint32_t)(w->pos - at);
	size_t padded = at + RTNL_ALIGN(len);
	if (w->out)
		memset(w->out + w->pos, 0, padded - w->pos);
	w->pos = padded;
	put(w, at + offsetof(struct linux_nlmsghdr, len), &len, sizeof(len));
}

static void put_body(struct rtnl_writer *w, const void *p, size_t n)
{
	put(w, w->pos, p, n);
	w->pos += RTNL_ALIGN(n);
}

static void put_attr(struct rtnl_writer *w, uint16_t type, const void *data, size_t n)
{
	struct linux_rtattr a = { .len = (uint16_t)(sizeof(a) + n), .type = type };
	put(w, w->pos, &a, sizeof(a));
	put(w, w->pos + sizeof(a), data, n);
	size_t padded = RTNL_ALIGN(sizeof(a) + n);
	if (w->out)
		memset(w->out + w->pos + sizeof(a) + n, 0, padded - sizeof(a) - n);
	w->pos += padded;
}

static void put_link(struct rtnl_writer *w, const struct linux_nlmsghdr *req, const struct net_ifinfo *f)
{
	size_t at = msg_begin(w, req, LINUX_RTM_NEWLINK, LINUX_NLM_F_MULTI);
	struct linux_ifinfomsg m = {
		.family = LINUX_AF_UNSPEC,
		.type = f->loopback ? LINUX_ARPHRD_LOOPBACK : LINUX_ARPHRD_ETHER,
		.index = (int32_t)f->index,
	};
	if (f->up)
		m.flags |= LINUX_IFF_UP;
	if (f->up && f->link_up)
		m.flags |= LINUX_IFF_RUNNING | LINUX_IFF_LOWER_UP;
	m.flags |= f->loopback ? LINUX_IFF_LOOPBACK : LINUX_IFF_BROADCAST | LINUX_IFF_MULTICAST;
	put_body(w, &m, sizeof(m));
	put_attr(w, LINUX_IFLA_IFNAME, f->name, strnlen(f->name, sizeof(f->name) - 1) + 1);
	if (f->hwaddr_len) {
		static const uint8_t all_ones[sizeof(f->hwaddr)] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		put_attr(w, LINUX_IFLA_ADDRESS, f->hwaddr, f->hwaddr_len);
		put_attr(w, LINUX_IFLA_BROADCAST, all_ones, f->hwaddr_len);
	}
	uint32_t mtu = f->mtu;
	put_attr(w, LINUX_IFLA_MTU, &mtu, sizeof(mtu));
	msg_end(w, at);
}

static uint8_t prefix_len(const uint8_t mask[4])
{
	uint8_t bits = 0;
	for (int i = 0; i < 4; i++)
		for (int b = 7; b >= 0 && (mask[i] >> b & 1); b--)
			bits++;
	return bits;
}

static void put_addr4(struct rtnl_writer *w, const struct linux_nlmsghdr *req, const struct net_ifinfo *f)
{
	size_t at = msg_begin(w, req, LINUX_RTM_NEWADDR, LINUX_NLM_F_MULTI);
	struct linux_ifaddrmsg m = {
		.family = LINUX_AF_INET,
		.prefixlen = prefix_len(f->mask4),
		.flags = LINUX_IFA_F_PERMANENT,
		.scope = f->ip4[0] == 127 ? LINUX_RT_SCOPE_HOST : LINUX_RT_SCOPE_UNIVERSE,
		.index = f->index,
	};
	put_body(w, &m, sizeof(m));
	/* Linux's order for an address that is no point-to-point link's. */
	put_attr(w, LINUX_IFA_ADDRESS, f->ip4, 4);
	put_attr(w, LINUX_IFA_LOCAL, f->ip4, 4);
	if (!f->loopback) {
		uint8_t bcast[4];
		for (int i = 0; i < 4; i++)
			bcast[i] = (uint8_t)(f->ip4[i] | ~f->mask4[i]);
		put_attr(w, LINUX_IFA_BROADCAST, bcast, 4);
	}
	put_attr(w, LINUX_IFA_LABEL, f->name, strnlen(f->name, sizeof(f->name) - 1) + 1);
	msg_end(w, at);
}

/* lwIP keeps no prefix lengths: its addresses come from router
 * advertisements' /64 prefixes (SLAAC), or are link-local, or ::1. */
static void put_addr6(struct rtnl_writer *w, const struct linux_nlmsghdr *req, const struct net_ifinfo *f, unsigned k)
{
	static const uint8_t loopback6[16] = { [15] = 1 };
	const uint8_t *a = f->ip6[k].addr;
	bool is_loopback = memcmp(a, loopback6, 16) == 0;
	bool link_local = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
	size_t at = msg_begin(w, req, LINUX_RTM_NEWADDR, LINUX_NLM_F_MULTI);
	struct linux_ifaddrmsg m = {
		.family = LINUX_AF_INET6,
		.prefixlen = is_loopback ? 128 : 64,
		.flags = (uint8_t)(LINUX_IFA_F_PERMANENT | (f->ip6[k].tentative ? LINUX_IFA_F_TENTATIVE : 0)),
		.scope = is_loopback  ? LINUX_RT_SCOPE_HOST
			 : link_local ? LINUX_RT_SCOPE_LINK
				      : LINUX_RT_SCOPE_UNIVERSE,
		.index = f->index,
	};
	put_body(w, &m, sizeof(m));
	put_attr(w, LINUX_IFA_ADDRESS, a, 16);
	msg_end(w, at);
}

static void put_done(struct rtnl_writer *w, const struct linux_nlmsghdr *req)
{
	size_t at = msg_begin(w, req, LINUX_NLMSG_DONE, LINUX_NLM_F_MULTI);
	int32_t status = 0;
	put_body(w, &status, sizeof(status));
	msg_end(w, at);
}

static void put_error(struct rtnl_writer *w, const struct linux_nlmsghdr *req, int error)
{
	size_t at = msg_begin(w, req, LINUX_NLMSG_ERROR, 0);
	struct linux_nlmsgerr e = { .error = error, .msg = *req };
	put_body(w, &e, sizeof(e));
	msg_end(w, at);
}

/* The family a dump asks for: the first byte after the header (struct
 * rtgenmsg, or the first of an ifinfomsg or ifaddrmsg); AF_UNSPEC when
 * the request has none. */
static uint8_t dump_family(const uint8_t *msg, uint32_t len)
{
	return len > sizeof(struct linux_nlmsghdr) ? msg[sizeof(struct linux_nlmsghdr)] : LINUX_AF_UNSPEC;
}

size_t rtnl_answer(const void *req, size_t len, const struct net_ifinfo *ifs, unsigned n, uint32_t portid, uint8_t *out)
{
	struct rtnl_writer w = { .out = out, .portid = portid };
	const uint8_t *p = req;
	size_t off = 0;
	while (len - off >= sizeof(struct linux_nlmsghdr)) {
		struct linux_nlmsghdr h;
		memcpy(&h, p + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off)
			break;
		uint8_t family = dump_family(p + off, h.len);
		bool dump = (h.flags & LINUX_NLM_F_DUMP) == LINUX_NLM_F_DUMP;
		/* Answers only to requests; Linux ignores the control types. */
		if (!(h.flags & LINUX_NLM_F_REQUEST) || h.type < LINUX_NLMSG_MIN_TYPE) {
		} else if (h.type == LINUX_RTM_GETLINK && dump) {
			for (unsigned i = 0; i < n; i++)
				put_link(&w, &h, &ifs[i]);
			put_done(&w, &h);
		} else if (h.type == LINUX_RTM_GETADDR && dump) {
			for (unsigned i = 0; i < n; i++) {
				if (ifs[i].has_ip4 && (family == LINUX_AF_UNSPEC || family == LINUX_AF_INET))
					put_addr4(&w, &h, &ifs[i]);
			}
			for (unsigned i = 0; i < n; i++) {
				for (unsigned k = 0; k < ifs[i].n6 && k < NET_IF_ADDRS6; k++) {
					if (family == LINUX_AF_UNSPEC || family == LINUX_AF_INET6)
						put_addr6(&w, &h, &ifs[i], k);
				}
			}
			put_done(&w, &h);
		} else {
			put_error(&w, &h, -EOPNOTSUPP);
		}
		off += RTNL_ALIGN(h.len);
		if (off > len)
			break;
	}
	return w.pos;
}

size_t rtnl_datagram_len(const uint8_t *buf, size_t len, size_t max)
{
	size_t n = 0;
	while (len - n >= sizeof(struct linux_nlmsghdr)) {
		struct linux_nlmsghdr h;
		memcpy(&h, buf + n, sizeof(h));
		size_t step = RTNL_ALIGN(h.len);
		if (h.len < sizeof(h) || step > len - n)
			return len; /* not whole messages: everything at once */
		if (n > 0 && n + step > max)
			break;
		n += step;
	}
	return n ? n : len;
}
