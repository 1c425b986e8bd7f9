/*
 * rtnetlink's answers: the messages a NETLINK_ROUTE socket gives back to
 * the dumps of links (RTM_GETLINK) and addresses (RTM_GETADDR), which is
 * how musl's getifaddrs and if_nameindex learn the interfaces. Pure
 * logic over a snapshot of the interfaces (net/net.h): host-tested
 * against Linux's own headers. The socket itself is sys/netlink.c.
 *
 * Wire formats are Linux's (include/uapi/linux/netlink.h, rtnetlink.h,
 * if_link.h, if_addr.h), in the host's byte order.
 */
#ifndef KEEL_SYS_RTNL_H
#define KEEL_SYS_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

#define LINUX_AF_NETLINK 16
#define LINUX_NETLINK_ROUTE 0

#define LINUX_NLMSG_ERROR 2
#define LINUX_NLMSG_DONE 3
#define LINUX_NLMSG_MIN_TYPE 0x10
#define LINUX_NLM_F_REQUEST 0x1
#define LINUX_NLM_F_MULTI 0x2
#define LINUX_NLM_F_DUMP 0x300

#define LINUX_RTM_NEWLINK 16
#define LINUX_RTM_GETLINK 18
#define LINUX_RTM_NEWADDR 20
#define LINUX_RTM_GETADDR 22

#define LINUX_IFLA_ADDRESS 1
#define LINUX_IFLA_BROADCAST 2
#define LINUX_IFLA_IFNAME 3
#define LINUX_IFLA_MTU 4
#define LINUX_IFA_ADDRESS 1
#define LINUX_IFA_LOCAL 2
#define LINUX_IFA_LABEL 3
#define LINUX_IFA_BROADCAST 4

#define LINUX_ARPHRD_ETHER 1
#define LINUX_ARPHRD_LOOPBACK 772
#define LINUX_IFF_UP 0x1
#define LINUX_IFF_BROADCAST 0x2
#define LINUX_IFF_LOOPBACK 0x8
#define LINUX_IFF_RUNNING 0x40
#define LINUX_IFF_MULTICAST 0x1000
#define LINUX_IFF_LOWER_UP 0x10000
#define LINUX_IFA_F_TENTATIVE 0x40
#define LINUX_IFA_F_PERMANENT 0x80
#define LINUX_RT_SCOPE_UNIVERSE 0
#define LINUX_RT_SCOPE_LINK 253
#define LINUX_RT_SCOPE_HOST 254

struct linux_nlmsghdr {
	uint32_t len; /* the header's 16 bytes included */
	uint16_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t pid;
};
_Static_assert(sizeof(struct linux_nlmsghdr) == 16, "Linux's struct nlmsghdr");

struct linux_nlmsgerr {
	int32_t error; /* -errno, 0 for an acknowledgement */
	struct linux_nlmsghdr msg;
};
_Static_assert(sizeof(struct linux_nlmsgerr) == 20, "Linux's struct nlmsgerr");

struct linux_ifinfomsg {
	uint8_t family;
	uint8_t pad;
	uint16_t type; /* ARPHRD_* */
	int32_t index;
	uint32_t flags; /* IFF_* */
	uint32_t change;
};
_Static_assert(sizeof(struct linux_ifinfomsg) == 16, "Linux's struct ifinfomsg");

struct linux_ifaddrmsg {
	uint8_t family;
	uint8_t prefixlen;
	uint8_t flags; /* IFA_F_* */
	uint8_t scope; /* RT_SCOPE_* */
	uint32_t index;
};
_Static_assert(sizeof(struct linux_ifaddrmsg) == 8, "Linux's struct ifaddrmsg");

struct linux_rtattr {
	uint16_t len; /* the header's 4 bytes included, not the padding */
	uint16_t type;
};
_Static_assert(sizeof(struct linux_rtattr) == 4, "Linux's struct rtattr");

/* Messages and attributes start at multiples of 4 (NLMSG_ALIGN, RTA_ALIGN). */
#define RTNL_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

/* Answers the datagram req (len bytes) that the application sent: each
 * message in it that is a request gets its reply, the dumps of links and
 * addresses from ifs (n interfaces), flagged NLM_F_MULTI and ended by
 * NLMSG_DONE, any other request an NLMSG_ERROR of -EOPNOTSUPP. Replies
 * carry the request's sequence number and portid (the socket's address).
 * Returns the length of the whole answer, and writes it to out when out
 * is not NULL (out then has that many bytes: a first call with NULL
 * measures). A message whose length is wrong ends the reading, as on
 * Linux. */
size_t rtnl_answer(const void *req, size_t len, const struct net_ifinfo *ifs, unsigned n, uint32_t portid,
		   uint8_t *out);

/* The length of the first datagram to deliver from the messages in buf
 * (len bytes): as many whole messages as fit in max bytes (one at least,
 * whatever its size), as Linux fills a dump's buffers. */
size_t rtnl_datagram_len(const uint8_t *buf, size_t len, size_t max);

#endif
