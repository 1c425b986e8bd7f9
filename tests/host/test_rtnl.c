/*
 * rtnetlink's answers (sys/rtnl.c) read back with Linux's own headers and
 * macros (NLMSG_OK, RTA_NEXT...), as musl's getifaddrs walks them: the
 * dumps of links and addresses, the family filter, the error for other
 * requests, malformed datagrams, and datagrams cut at message boundaries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/rtnl.h"

#define PORTID 1234u

static void wire_formats_are_linux(void **state)
{
	assert_int_equal(sizeof(struct linux_nlmsghdr), sizeof(struct nlmsghdr));
	assert_int_equal(offsetof(struct linux_nlmsghdr, seq), offsetof(struct nlmsghdr, nlmsg_seq));
	assert_int_equal(offsetof(struct linux_nlmsghdr, pid), offsetof(struct nlmsghdr, nlmsg_pid));
	assert_int_equal(sizeof(struct linux_nlmsgerr), sizeof(struct nlmsgerr));
	assert_int_equal(sizeof(struct linux_ifinfomsg), sizeof(struct ifinfomsg));
	assert_int_equal(offsetof(struct linux_ifinfomsg, index), offsetof(struct ifinfomsg, ifi_index));
	assert_int_equal(offsetof(struct linux_ifinfomsg, flags), offsetof(struct ifinfomsg, ifi_flags));
	assert_int_equal(sizeof(struct linux_ifaddrmsg), sizeof(struct ifaddrmsg));
	assert_int_equal(offsetof(struct linux_ifaddrmsg, index), offsetof(struct ifaddrmsg, ifa_index));
	assert_int_equal(sizeof(struct linux_rtattr), sizeof(struct rtattr));
	assert_int_equal(LINUX_AF_NETLINK, AF_NETLINK);
	assert_int_equal(LINUX_NETLINK_ROUTE, NETLINK_ROUTE);
	assert_int_equal(LINUX_NLMSG_ERROR, NLMSG_ERROR);
	assert_int_equal(LINUX_NLMSG_DONE, NLMSG_DONE);
	assert_int_equal(LINUX_NLMSG_MIN_TYPE, NLMSG_MIN_TYPE);
	assert_int_equal(LINUX_NLM_F_REQUEST, NLM_F_REQUEST);
	assert_int_equal(LINUX_NLM_F_MULTI, NLM_F_MULTI);
	assert_int_equal(LINUX_NLM_F_DUMP, NLM_F_DUMP);
	assert_int_equal(LINUX_RTM_NEWLINK, RTM_NEWLINK);
	assert_int_equal(LINUX_RTM_GETLINK, RTM_GETLINK);
	assert_int_equal(LINUX_RTM_NEWADDR, RTM_NEWADDR);
	assert_int_equal(LINUX_RTM_GETADDR, RTM_GETADDR);
	assert_int_equal(LINUX_IFLA_ADDRESS, IFLA_ADDRESS);
	assert_int_equal(LINUX_IFLA_BROADCAST, IFLA_BROADCAST);
	assert_int_equal(LINUX_IFLA_IFNAME, IFLA_IFNAME);
	assert_int_equal(LINUX_IFLA_MTU, IFLA_MTU);
	assert_int_equal(LINUX_IFA_ADDRESS, IFA_ADDRESS);
	assert_int_equal(LINUX_IFA_LOCAL, IFA_LOCAL);
	assert_int_equal(LINUX_IFA_LABEL, IFA_LABEL);
	assert_int_equal(LINUX_IFA_BROADCAST, IFA_BROADCAST);
	assert_int_equal(LINUX_ARPHRD_ETHER, ARPHRD_ETHER);
	assert_int_equal(LINUX_ARPHRD_LOOPBACK, ARPHRD_LOOPBACK);
	assert_int_equal(LINUX_IFF_UP, IFF_UP);
	assert_int_equal(LINUX_IFF_BROADCAST, IFF_BROADCAST);
	assert_int_equal(LINUX_IFF_LOOPBACK, IFF_LOOPBACK);
	assert_int_equal(LINUX_IFF_RUNNING, IFF_RUNNING);
	assert_int_equal(LINUX_IFF_MULTICAST, IFF_MULTICAST);
	assert_int_equal(LINUX_IFF_LOWER_UP, IFF_LOWER_UP);
	assert_int_equal(LINUX_IFA_F_TENTATIVE, IFA_F_TENTATIVE);
	assert_int_equal(LINUX_IFA_F_PERMANENT, IFA_F_PERMANENT);
	assert_int_equal(LINUX_RT_SCOPE_UNIVERSE, RT_SCOPE_UNIVERSE);
	assert_int_equal(LINUX_RT_SCOPE_LINK, RT_SCOPE_LINK);
	assert_int_equal(LINUX_RT_SCOPE_HOST, RT_SCOPE_HOST);
}

/* The loopback and one NIC, as net_interfaces gives them. */
static unsigned two_interfaces(struct net_ifinfo ifs[2])
{
	memset(ifs, 0, 2 * sizeof(*ifs));
	ifs[0] = (struct net_ifinfo){ .index = 255,
				      .name = "lo",
				      .loopback = true,
				      .up = true,
				      .link_up = true,
				      .mtu = 1500,
				      .has_ip4 = true,
				      .ip4 = { 127, 0, 0, 1 },
				      .mask4 = { 255 },
				      .n6 = 1 };
	ifs[0].ip6[0].addr[15] = 1;
	ifs[1] = (struct net_ifinfo){ .index = 1,
				      .name = "en0",
				      .hwaddr = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 },
				      .hwaddr_len = 6,
				      .up = true,
				      .link_up = true,
				      .mtu = 1500,
				      .has_ip4 = true,
				      .ip4 = { 10, 0, 2, 15 },
				      .mask4 = { 255, 255, 255 },
				      .n6 = 2 };
	inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", ifs[1].ip6[0].addr);
	inet_pton(AF_INET6, "fec0::5054:ff:fe12:3456", ifs[1].ip6[1].addr);
	ifs[1].ip6[1].tentative = true;
	return 2;
}

struct request {
	struct nlmsghdr h;
	struct rtgenmsg g;
};

static struct request dump_request(uint16_t type, uint8_t family, uint32_t seq)
{
	struct request r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = sizeof(r);
	r.h.nlmsg_type = type;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	r.h.nlmsg_seq = seq;
	r.g.rtgen_family = family;
	return r;
}

/* The answer in a buffer of exactly the measured size (ASan sees any
 * write past it); *len gets that size. */
static uint8_t *answer(const void *req, size_t len, const struct net_ifinfo *ifs, unsigned n, size_t *out_len)
{
	size_t size = rtnl_answer(req, len, ifs, n, PORTID, NULL);
	uint8_t *buf = malloc(size ? size : 1);
	assert_non_null(buf);
	memset(buf, 0xaa, size);
	assert_int_equal(rtnl_answer(req, len, ifs, n, PORTID, buf), size);
	*out_len = size;
	return buf;
}

static const struct rtattr *find_attr(const struct rtattr *rta, int len, int type)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == type)
			return rta;
	return NULL;
}

static void link_dump(void **state)
{
	struct net_ifinfo ifs[2];
	unsigned n = two_interfaces(ifs);
	struct request req = dump_request(RTM_GETLINK, AF_UNSPEC, 7);
	size_t len;
	uint8_t *buf = answer(&req, sizeof(req), ifs, n, &len);
	const char *names[] = { "lo", "en0" };
	int i = 0, rest = (int)len;
	bool done = false;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, rest); h = NLMSG_NEXT(h, rest)) {
		assert_false(done);
		assert_int_equal(h->nlmsg_seq, 7);
		assert_int_equal(h->nlmsg_pid, PORTID);
		assert_true(h->nlmsg_flags & NLM_F_MULTI);
		if (h->nlmsg_type == NLMSG_DONE) {
			assert_int_equal(*(int *)NLMSG_DATA(h), 0);
			done = true;
			continue;
		}
		assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
		assert_true(i < 2);
		struct ifinfomsg *m = NLMSG_DATA(h);
		assert_int_equal(m->ifi_index, (int)ifs[i].index);
		assert_true(m->ifi_flags & IFF_UP);
		assert_true(m->ifi_flags & IFF_RUNNING);
		assert_int_equal(!!(m->ifi_flags & IFF_LOOPBACK), i == 0);
		assert_int_equal(m->ifi_type, i == 0 ? ARPHRD_LOOPBACK : ARPHRD_ETHER);
		int alen = (int)IFLA_PAYLOAD(h);
		const struct rtattr *name = find_attr(IFLA_RTA(m), alen, IFLA_IFNAME);
		assert_non_null(name);
		assert_string_equal(RTA_DATA(name), names[i]);
		const struct rtattr *mtu = find_attr(IFLA_RTA(m), alen, IFLA_MTU);
		assert_non_null(mtu);
		assert_int_equal(*(uint32_t *)RTA_DATA(mtu), 1500);
		const struct rtattr *mac = find_attr(IFLA_RTA(m), alen, IFLA_ADDRESS);
		if (i == 0) {
			assert_null(mac);
		} else {
			assert_non_null(mac);
			assert_int_equal(RTA_PAYLOAD(mac), 6);
			assert_memory_equal(RTA_DATA(mac), ifs[1].hwaddr, 6);
			const struct rtattr *bc = find_attr(IFLA_RTA(m), alen, IFLA_BROADCAST);
			assert_non_null(bc);
			assert_memory_equal(RTA_DATA(bc), "\xff\xff\xff\xff\xff\xff", 6);
		}
		i++;
	}
	assert_int_equal(i, 2);
	assert_true(done);
	assert_int_equal(rest, 0);
	free(buf);
}

/* Counts the address messages of each family, checking each one. */
static void walk_addresses(const uint8_t *buf, size_t len, const struct net_ifinfo *ifs, int *n4, int *n6)
{
	*n4 = *n6 = 0;
	int rest = (int)len;
	bool done = false;
	for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, rest); h = NLMSG_NEXT(h, rest)) {
		if (h->nlmsg_type == NLMSG_DONE) {
			done = true;
			continue;
		}
		assert_int_equal(h->nlmsg_type, RTM_NEWADDR);
		const struct ifaddrmsg *m = NLMSG_DATA(h);
		int alen = (int)IFA_PAYLOAD(h);
		const struct rtattr *addr = find_attr(IFA_RTA(m), alen, IFA_ADDRESS);
		assert_non_null(addr);
		char text[INET6_ADDRSTRLEN];
		inet_ntop(m->ifa_family, RTA_DATA(addr), text, sizeof(text));
		if (m->ifa_family == AF_INET) {
			(*n4)++;
			const struct rtattr *local = find_attr(IFA_RTA(m), alen, IFA_LOCAL);
			assert_non_null(local);
			assert_memory_equal(RTA_DATA(local), RTA_DATA(addr), 4);
			const struct rtattr *label = find_attr(IFA_RTA(m), alen, IFA_LABEL);
			assert_non_null(label);
			const struct rtattr *bc = find_attr(IFA_RTA(m), alen, IFA_BROADCAST);
			if (m->ifa_index == 255) {
				assert_string_equal(text, "127.0.0.1");
				assert_int_equal(m->ifa_prefixlen, 8);
				assert_int_equal(m->ifa_scope, RT_SCOPE_HOST);
				assert_string_equal(RTA_DATA(label), "lo");
				assert_null(bc);
			} else {
				assert_int_equal(m->ifa_index, 1);
				assert_string_equal(text, "10.0.2.15");
				assert_int_equal(m->ifa_prefixlen, 24);
				assert_int_equal(m->ifa_scope, RT_SCOPE_UNIVERSE);
				assert_string_equal(RTA_DATA(label), "en0");
				assert_non_null(bc);
				assert_memory_equal(RTA_DATA(bc), "\x0a\x00\x02\xff", 4);
			}
		} else {
			assert_int_equal(m->ifa_family, AF_INET6);
			(*n6)++;
			assert_int_equal(RTA_PAYLOAD(addr), 16);
			if (strcmp(text, "::1") == 0) {
				assert_int_equal(m->ifa_prefixlen, 128);
				assert_int_equal(m->ifa_scope, RT_SCOPE_HOST);
			} else if (strcmp(text, "fe80::5054:ff:fe12:3456") == 0) {
				assert_int_equal(m->ifa_prefixlen, 64);
				assert_int_equal(m->ifa_scope, RT_SCOPE_LINK);
				assert_false(m->ifa_flags & IFA_F_TENTATIVE);
			} else {
				assert_string_equal(text, "fec0::5054:ff:fe12:3456");
				assert_int_equal(m->ifa_scope, RT_SCOPE_UNIVERSE);
				assert_true(m->ifa_flags & IFA_F_TENTATIVE);
			}
		}
	}
	assert_true(done);
	assert_int_equal(rest, 0);
	(void)ifs;
}

static void address_dump_and_family_filter(void **state)
{
	struct net_ifinfo ifs[2];
	unsigned n = two_interfaces(ifs);
	int n4, n6;
	size_t len;
	struct request req = dump_request(RTM_GETADDR, AF_UNSPEC, 1);
	uint8_t *buf = answer(&req, sizeof(req), ifs, n, &len);
	walk_addresses(buf, len, ifs, &n4, &n6);
	assert_int_equal(n4, 2);
	assert_int_equal(n6, 3);
	free(buf);

	req = dump_request(RTM_GETADDR, AF_INET, 2);
	buf = answer(&req, sizeof(req), ifs, n, &len);
	walk_addresses(buf, len, ifs, &n4, &n6);
	assert_int_equal(n4, 2);
	assert_int_equal(n6, 0);
	free(buf);

	req = dump_request(RTM_GETADDR, AF_INET6, 3);
	buf = answer(&req, sizeof(req), ifs, n, &len);
	walk_addresses(buf, len, ifs, &n4, &n6);
	assert_int_equal(n4, 0);
	assert_int_equal(n6, 3);
	free(buf);

	/* An interface without an IPv4 address has no such message. */
	ifs[1].has_ip4 = false;
	req = dump_request(RTM_GETADDR, AF_INET, 4);
	buf = answer(&req, sizeof(req), ifs, n, &len);
	walk_addresses(buf, len, ifs, &n4, &n6);
	assert_int_equal(n4, 1);
	free(buf);
}

static void other_requests_get_an_error(void **state)
{
	struct net_ifinfo ifs[2];
	unsigned n = two_interfaces(ifs);
	struct request req = dump_request(RTM_GETROUTE, AF_INET, 9);
	size_t len;
	uint8_t *buf = answer(&req, sizeof(req), ifs, n, &len);
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	assert_int_equal(len, NLMSG_ALIGN(NLMSG_LENGTH(sizeof(struct nlmsgerr))));
	assert_int_equal(h->nlmsg_type, NLMSG_ERROR);
	assert_int_equal(h->nlmsg_seq, 9);
	const struct nlmsgerr *e = NLMSG_DATA(h);
	assert_int_equal(e->error, -EOPNOTSUPP);
	assert_int_equal(e->msg.nlmsg_type, RTM_GETROUTE);
	assert_int_equal(e->msg.nlmsg_seq, 9);
	free(buf);

	/* A link asked for by index, not dumped: not supported either. */
	req = dump_request(RTM_GETLINK, AF_UNSPEC, 10);
	req.h.nlmsg_flags = NLM_F_REQUEST;
	buf = answer(&req, sizeof(req), ifs, n, &len);
	assert_int_equal(((const struct nlmsghdr *)buf)->nlmsg_type, NLMSG_ERROR);
	free(buf);
}

static void malformed_and_silent_messages(void **state)
{
	struct net_ifinfo ifs[2];
	unsigned n = two_interfaces(ifs);
	struct request req = dump_request(RTM_GETLINK, AF_UNSPEC, 1);
	/* No request flag, or a control type: no answer. */
	req.h.nlmsg_flags = NLM_F_DUMP;
	assert_int_equal(rtnl_answer(&req, sizeof(req), ifs, n, PORTID, NULL), 0);
	req = dump_request(NLMSG_NOOP, AF_UNSPEC, 1);
	assert_int_equal(rtnl_answer(&req, sizeof(req), ifs, n, PORTID, NULL), 0);
	/* A length beyond the datagram, below a header, or a datagram
	 * shorter than a header: the reading stops. */
	req = dump_request(RTM_GETLINK, AF_UNSPEC, 1);
	req.h.nlmsg_len = sizeof(req) + 4;
	assert_int_equal(rtnl_answer(&req, sizeof(req), ifs, n, PORTID, NULL), 0);
	req.h.nlmsg_len = 8;
	assert_int_equal(rtnl_answer(&req, sizeof(req), ifs, n, PORTID, NULL), 0);
	req = dump_request(RTM_GETLINK, AF_UNSPEC, 1);
	assert_int_equal(rtnl_answer(&req, 15, ifs, n, PORTID, NULL), 0);
	assert_int_equal(rtnl_answer(&req, 0, ifs, n, PORTID, NULL), 0);
	/* A bare header is a dump of every family. */
	req.h.nlmsg_len = sizeof(req.h);
	size_t len;
	uint8_t *buf = answer(&req, sizeof(req.h), ifs, n, &len);
	assert_true(len > 0);
	assert_int_equal(((const struct nlmsghdr *)buf)->nlmsg_type, RTM_NEWLINK);
	free(buf);
}

static void two_requests_in_one_datagram(void **state)
{
	struct net_ifinfo ifs[2];
	unsigned n = two_interfaces(ifs);
	struct request two[2] = { dump_request(RTM_GETLINK, AF_UNSPEC, 1), dump_request(RTM_GETADDR, AF_INET, 2) };
	size_t len;
	uint8_t *buf = answer(two, sizeof(two), ifs, n, &len);
	int rest = (int)len, dones = 0, links = 0, addrs = 0;
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, rest); h = NLMSG_NEXT(h, rest)) {
		dones += h->nlmsg_type == NLMSG_DONE;
		links += h->nlmsg_type == RTM_NEWLINK;
		addrs += h->nlmsg_type == RTM_NEWADDR;
		assert_int_equal(h->nlmsg_seq, h->nlmsg_type == RTM_NEWLINK   ? 1u
					       : h->nlmsg_type == RTM_NEWADDR ? 2u
									      : h->nlmsg_seq);
	}
	assert_int_equal(dones, 2);
	assert_int_equal(links, 2);
	assert_int_equal(addrs, 2);
	free(buf);
}

static void datagrams_end_at_message_boundaries(void **state)
{
	enum { N = 40 };
	struct net_ifinfo ifs[N];
	memset(ifs, 0, sizeof(ifs));
	for (unsigned i = 0; i < N; i++) {
		ifs[i].index = i + 1;
		snprintf(ifs[i].name, sizeof(ifs[i].name), "en%u", i);
		ifs[i].hwaddr_len = 6;
		ifs[i].has_ip4 = true;
		ifs[i].ip4[0] = 10;
		ifs[i].ip4[3] = (uint8_t)i;
		ifs[i].mask4[0] = 255;
		ifs[i].n6 = 4;
	}
	struct request req = dump_request(RTM_GETADDR, AF_UNSPEC, 1);
	size_t len;
	uint8_t *buf = answer(&req, sizeof(req), ifs, N, &len);
	assert_true(len > 2 * 4096);
	size_t off = 0, count = 0, msgs = 0;
	while (off < len) {
		size_t d = rtnl_datagram_len(buf + off, len - off, 4096);
		assert_true(d > 0 && d <= 4096);
		int rest = (int)d;
		for (struct nlmsghdr *h = (struct nlmsghdr *)(buf + off); NLMSG_OK(h, rest); h = NLMSG_NEXT(h, rest))
			msgs++;
		assert_int_equal(rest, 0);
		off += d;
		count++;
	}
	assert_int_equal(off, len);
	assert_true(count >= 3);
	assert_int_equal(msgs, N + N * 4 + 1);
	/* A message longer than the size still goes, whole and alone. */
	assert_int_equal(rtnl_datagram_len(buf, len, 8), NLMSG_ALIGN(((struct nlmsghdr *)buf)->nlmsg_len));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wire_formats_are_linux),
		cmocka_unit_test(link_dump),
		cmocka_unit_test(address_dump_and_family_filter),
		cmocka_unit_test(other_requests_get_an_error),
		cmocka_unit_test(malformed_and_silent_messages),
		cmocka_unit_test(two_requests_in_one_datagram),
		cmocka_unit_test(datagrams_end_at_message_boundaries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
