/*
 * Socket options: the values setsockopt stores and getsockopt reads, with
 * Linux's checks (lengths, ranges, which level serves which socket). The
 * socket layer applies to lwIP what concerns it (TCP_NODELAY, the
 * keepalive settings, the type of service and time to live) after a
 * successful set. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_SOCKOPT_H
#define KEEL_SYS_SOCKOPT_H

#include <stdbool.h>
#include <stdint.h>

#define LINUX_SOL_SOCKET 1
#define LINUX_IPPROTO_IP 0
#define LINUX_IPPROTO_TCP 6
#define LINUX_IPPROTO_UDP 17
#define LINUX_IPPROTO_IPV6 41

#define LINUX_SO_REUSEADDR 2
#define LINUX_SO_TYPE 3
#define LINUX_SO_ERROR 4
#define LINUX_SO_BROADCAST 6
#define LINUX_SO_SNDBUF 7
#define LINUX_SO_RCVBUF 8
#define LINUX_SO_KEEPALIVE 9
#define LINUX_SO_LINGER 13
#define LINUX_SO_REUSEPORT 15
#define LINUX_SO_RCVTIMEO 20
#define LINUX_SO_SNDTIMEO 21
#define LINUX_SO_ACCEPTCONN 30
#define LINUX_SO_PROTOCOL 38
#define LINUX_SO_DOMAIN 39

#define LINUX_TCP_NODELAY 1
#define LINUX_TCP_KEEPIDLE 4
#define LINUX_TCP_KEEPINTVL 5
#define LINUX_TCP_KEEPCNT 6

#define LINUX_IP_TOS 1
#define LINUX_IP_TTL 2

#define LINUX_IPV6_UNICAST_HOPS 16
#define LINUX_IPV6_V6ONLY 26
#define LINUX_IPV6_TCLASS 67

/* Linux's net.ipv4.ip_default_ttl and IPv6's hop limit. */
#define SOCKOPT_DEFAULT_TTL 64

/* Linux's defaults and bounds (net.core.{r,w}mem_max, tcp_{r,w}mem). */
#define SOCKOPT_BUF_MAX 212992
#define SOCKOPT_SNDBUF_MIN 4608
#define SOCKOPT_RCVBUF_MIN 2304

struct sock_opts {
	int domain;  /* LINUX_AF_INET or LINUX_AF_INET6 */
	bool stream; /* SOCK_STREAM (TCP) or SOCK_DGRAM (UDP) */
	bool reuseaddr, reuseport, keepalive, broadcast, nodelay, v6only;
	bool linger_on;
	int linger_s;
	int rcvbuf, sndbuf;
	/* 0 waits for ever, as Linux's MAX_SCHEDULE_TIMEOUT. */
	uint64_t rcvtimeo_us, sndtimeo_us;
	int keepidle_s, keepintvl_s, keepcnt;
	/* IP_TOS and IP_TTL; IPV6_TCLASS and IPV6_UNICAST_HOPS. An IPv6
	 * socket's packets carry the latter (the IPv4 ones of a dual-stack
	 * socket too: lwIP keeps one of each per connection). */
	int tos, ttl, tclass, hops;
};

/* The type of service (or traffic class) and time to live (or hop limit)
 * a socket's packets carry, as lwIP's control block keeps them. */
int sockopt_packet_tos(const struct sock_opts *o);
int sockopt_packet_ttl(const struct sock_opts *o);

/* Linux's defaults for a new socket of that family and kind. */
void sockopt_init(struct sock_opts *o, int domain, bool stream);

/* setsockopt: val is len bytes already in the kernel. Returns 0 (the
 * option is stored), -EINVAL, -EDOM (a timeout's microseconds out of
 * range) or -ENOPROTOOPT (not an option of this socket). */
int sockopt_set(struct sock_opts *o, int level, int name, const void *val, uint32_t len);

/* getsockopt for every option but SO_ERROR and SO_ACCEPTCONN (the
 * socket's state, answered by the socket layer): writes up to *len
 * bytes (at most 16) into out and the length written into *len.
 * Returns 0, -EINVAL or -ENOPROTOOPT. */
int sockopt_get(const struct sock_opts *o, int level, int name, void *out, uint32_t *len);

/* An int answer as getsockopt gives it (also for the socket layer's own
 * options): min(*len, sizeof(int)) bytes. */
void sockopt_put_int(int v, void *out, uint32_t *len);

#endif
