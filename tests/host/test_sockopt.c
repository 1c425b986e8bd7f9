/*
 * Socket option checks (sys/sockopt.c), with Linux's answers: int
 * options need an int, buffer sizes doubled and clamped, timeouts as a
 * struct timeval (EDOM for bad microseconds), TCP options only on TCP
 * sockets, IPV6_V6ONLY only on IPv6 ones, truncated getsockopt answers.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include "sys/sockaddr.h"
#include "sys/sockopt.h"

static struct sock_opts tcp4, udp6;

static int setup(void **state)
{
	sockopt_init(&tcp4, LINUX_AF_INET, true);
	sockopt_init(&udp6, LINUX_AF_INET6, false);
	return 0;
}

static int get_int(struct sock_opts *o, int level, int name)
{
	int v = -12345;
	uint32_t len = sizeof(v);
	assert_int_equal(sockopt_get(o, level, name, &v, &len), 0);
	assert_int_equal(len, sizeof(int));
	return v;
}

static int set_int(struct sock_opts *o, int level, int name, int v)
{
	return sockopt_set(o, level, name, &v, sizeof(v));
}

static void the_numbers_are_linuxs(void **state)
{
	assert_int_equal(LINUX_SOL_SOCKET, SOL_SOCKET);
	assert_int_equal(LINUX_SO_REUSEADDR, SO_REUSEADDR);
	assert_int_equal(LINUX_SO_REUSEPORT, SO_REUSEPORT);
	assert_int_equal(LINUX_SO_KEEPALIVE, SO_KEEPALIVE);
	assert_int_equal(LINUX_SO_RCVBUF, SO_RCVBUF);
	assert_int_equal(LINUX_SO_SNDBUF, SO_SNDBUF);
	assert_int_equal(LINUX_SO_ERROR, SO_ERROR);
	assert_int_equal(LINUX_SO_TYPE, SO_TYPE);
	assert_int_equal(LINUX_SO_LINGER, SO_LINGER);
	assert_int_equal(LINUX_SO_RCVTIMEO, SO_RCVTIMEO);
	assert_int_equal(LINUX_SO_SNDTIMEO, SO_SNDTIMEO);
	assert_int_equal(LINUX_SO_ACCEPTCONN, SO_ACCEPTCONN);
	assert_int_equal(LINUX_SO_DOMAIN, SO_DOMAIN);
	assert_int_equal(LINUX_SO_PROTOCOL, SO_PROTOCOL);
	assert_int_equal(LINUX_TCP_NODELAY, TCP_NODELAY);
	assert_int_equal(LINUX_TCP_KEEPIDLE, TCP_KEEPIDLE);
	assert_int_equal(LINUX_TCP_KEEPINTVL, TCP_KEEPINTVL);
	assert_int_equal(LINUX_TCP_KEEPCNT, TCP_KEEPCNT);
	assert_int_equal(LINUX_TCP_MAXSEG, TCP_MAXSEG);
	assert_int_equal(LINUX_TCP_INFO, TCP_INFO);
	assert_int_equal(LINUX_TCP_CONGESTION, TCP_CONGESTION);
	assert_int_equal(LINUX_TCP_ESTABLISHED, TCP_ESTABLISHED);
	assert_int_equal(LINUX_TCP_SYN_SENT, TCP_SYN_SENT);
	assert_int_equal(LINUX_TCP_SYN_RECV, TCP_SYN_RECV);
	assert_int_equal(LINUX_TCP_FIN_WAIT1, TCP_FIN_WAIT1);
	assert_int_equal(LINUX_TCP_FIN_WAIT2, TCP_FIN_WAIT2);
	assert_int_equal(LINUX_TCP_TIME_WAIT, TCP_TIME_WAIT);
	assert_int_equal(LINUX_TCP_CLOSE, TCP_CLOSE);
	assert_int_equal(LINUX_TCP_CLOSE_WAIT, TCP_CLOSE_WAIT);
	assert_int_equal(LINUX_TCP_LAST_ACK, TCP_LAST_ACK);
	assert_int_equal(LINUX_TCP_LISTEN, TCP_LISTEN);
	assert_int_equal(LINUX_TCP_CLOSING, TCP_CLOSING);
	assert_int_equal(LINUX_TCPI_OPT_SACK, TCPI_OPT_SACK);
	assert_int_equal(LINUX_TCPI_OPT_WSCALE, TCPI_OPT_WSCALE);
	assert_int_equal(LINUX_TCP_CA_RECOVERY, TCP_CA_Recovery);
	assert_int_equal(LINUX_IPPROTO_IPV6, IPPROTO_IPV6);
	assert_int_equal(LINUX_IPV6_V6ONLY, IPV6_V6ONLY);
}

static void flags_round_trip(void **state)
{
	int names[] = { SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE, SO_BROADCAST };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(get_int(&tcp4, SOL_SOCKET, names[i]), 0);
		assert_int_equal(set_int(&tcp4, SOL_SOCKET, names[i], 7), 0);
		assert_int_equal(get_int(&tcp4, SOL_SOCKET, names[i]), 1);
	}
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	assert_int_equal(get_int(&tcp4, IPPROTO_TCP, TCP_NODELAY), 1);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	assert_int_equal(get_int(&udp6, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	assert_int_equal(get_int(&udp6, SOL_SOCKET, SO_DOMAIN), AF_INET6);
	assert_int_equal(get_int(&udp6, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
}

static void an_int_option_needs_an_int(void **state)
{
	char c = 1;
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_REUSEADDR, &c, 1), -EINVAL);
	assert_int_equal(sockopt_set(&tcp4, IPPROTO_TCP, TCP_NODELAY, &c, 1), -EINVAL);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_REUSEADDR), 0);
	/* The length is checked before the name, as Linux's sk_setsockopt. */
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, 999, &c, 1), -EINVAL);
	assert_int_equal(set_int(&tcp4, SOL_SOCKET, 999, 1), -ENOPROTOOPT);
	assert_int_equal(set_int(&tcp4, 200, SO_REUSEADDR, 1), -ENOPROTOOPT);
}

static void buffers_are_doubled_and_clamped(void **state)
{
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_RCVBUF), 131072);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_SNDBUF), 16384);
	assert_int_equal(set_int(&tcp4, SOL_SOCKET, SO_RCVBUF, 65536), 0);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_RCVBUF), 131072);
	assert_int_equal(set_int(&tcp4, SOL_SOCKET, SO_SNDBUF, 1 << 30), 0);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_SNDBUF), 2 * SOCKOPT_BUF_MAX);
	assert_int_equal(set_int(&tcp4, SOL_SOCKET, SO_SNDBUF, 1), 0);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_SNDBUF), SOCKOPT_SNDBUF_MIN);
	assert_int_equal(set_int(&tcp4, SOL_SOCKET, SO_RCVBUF, -5), 0);
	assert_int_equal(get_int(&tcp4, SOL_SOCKET, SO_RCVBUF), SOCKOPT_RCVBUF_MIN);
}

static void timeouts_are_timevals(void **state)
{
	struct timeval tv = { .tv_sec = 2, .tv_usec = 500000 };
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(tcp4.rcvtimeo_us, 2500000);
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv) - 1), -EINVAL);
	tv.tv_usec = 1000000;
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), -EDOM);
	tv.tv_usec = -1;
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), -EDOM);
	assert_int_equal(tcp4.sndtimeo_us, 0);
	struct timeval out = { 9, 9 };
	uint32_t len = sizeof(out);
	assert_int_equal(sockopt_get(&tcp4, SOL_SOCKET, SO_RCVTIMEO, &out, &len), 0);
	assert_int_equal(len, sizeof(out));
	assert_int_equal(out.tv_sec, 2);
	assert_int_equal(out.tv_usec, 500000);
	/* Zero is "for ever" again. */
	tv = (struct timeval){ 0, 0 };
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(tcp4.rcvtimeo_us, 0);
}

static void linger(void **state)
{
	struct linger l = { .l_onoff = 1, .l_linger = 5 };
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_LINGER, &l, sizeof(l) - 1), -EINVAL);
	assert_int_equal(sockopt_set(&tcp4, SOL_SOCKET, SO_LINGER, &l, sizeof(l)), 0);
	struct linger out;
	uint32_t len = sizeof(out);
	assert_int_equal(sockopt_get(&tcp4, SOL_SOCKET, SO_LINGER, &out, &len), 0);
	assert_int_equal(out.l_onoff, 1);
	assert_int_equal(out.l_linger, 5);
}

static void tcp_options_only_on_tcp(void **state)
{
	assert_int_equal(set_int(&udp6, IPPROTO_TCP, TCP_NODELAY, 1), -ENOPROTOOPT);
	int v;
	uint32_t len = sizeof(v);
	assert_int_equal(sockopt_get(&udp6, IPPROTO_TCP, TCP_NODELAY, &v, &len), -ENOPROTOOPT);
	assert_int_equal(get_int(&tcp4, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_KEEPIDLE, 0), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_KEEPIDLE, 32768), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_KEEPIDLE, 30), 0);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_KEEPINTVL, 5), 0);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_KEEPCNT, 128), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
	assert_int_equal(get_int(&tcp4, IPPROTO_TCP, TCP_KEEPIDLE), 30);
	assert_int_equal(get_int(&tcp4, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	assert_int_equal(get_int(&tcp4, IPPROTO_TCP, TCP_KEEPCNT), 3);
}

/* A level the socket does not serve, as this host's Linux answers it:
 * an IPv4 socket hands it to IP, whose getsockopt answers EOPNOTSUPP;
 * an IPv6 socket, and every setsockopt, answer ENOPROTOOPT. */
static void foreign_levels(void **state)
{
	struct sock_opts tcp6, udp4;
	sockopt_init(&tcp6, LINUX_AF_INET6, true);
	sockopt_init(&udp4, LINUX_AF_INET, false);
	struct {
		struct sock_opts *o;
		int level, name, get;
	} cases[] = {
		{ &tcp4, IPPROTO_IPV6, IPV6_V6ONLY, -EOPNOTSUPP },
		{ &tcp4, 99, 1, -EOPNOTSUPP },
		{ &tcp4, IPPROTO_UDP, 1, -EOPNOTSUPP },
		{ &tcp4, IPPROTO_TCP, 999, -ENOPROTOOPT },
		{ &tcp4, IPPROTO_IP, 999, -ENOPROTOOPT },
		{ &tcp4, SOL_SOCKET, 999, -ENOPROTOOPT },
		{ &udp4, IPPROTO_TCP, TCP_NODELAY, -EOPNOTSUPP },
		{ &udp4, IPPROTO_TCP, TCP_INFO, -EOPNOTSUPP },
		{ &udp4, IPPROTO_IPV6, IPV6_V6ONLY, -EOPNOTSUPP },
		{ &udp4, IPPROTO_UDP, 999, -ENOPROTOOPT },
		{ &tcp6, 99, 1, -ENOPROTOOPT },
		{ &tcp6, IPPROTO_UDP, 1, -ENOPROTOOPT },
		{ &udp6, IPPROTO_TCP, TCP_NODELAY, -ENOPROTOOPT },
		{ &udp6, IPPROTO_IPV6, 999, -ENOPROTOOPT },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int v = 0;
		uint32_t len = sizeof(v);
		assert_int_equal(sockopt_get(cases[i].o, cases[i].level, cases[i].name, &v, &len), cases[i].get);
		assert_int_equal(set_int(cases[i].o, cases[i].level, cases[i].name, 0), -ENOPROTOOPT);
	}
}

static void v6only_only_on_ipv6(void **state)
{
	assert_int_equal(set_int(&tcp4, IPPROTO_IPV6, IPV6_V6ONLY, 1), -ENOPROTOOPT);
	assert_int_equal(get_int(&udp6, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_V6ONLY, 1), 0);
	assert_int_equal(get_int(&udp6, IPPROTO_IPV6, IPV6_V6ONLY), 1);
}

/* IP_TOS and IP_TTL on any socket; IPV6_TCLASS and IPV6_UNICAST_HOPS on
 * IPv6 ones; Linux's defaults, ranges and TCP's ECN bits; what lwIP's
 * control block gets. */
static void tos_and_ttl(void **state)
{
	assert_int_equal(LINUX_IP_TOS, IP_TOS);
	assert_int_equal(LINUX_IP_TTL, IP_TTL);
	assert_int_equal(LINUX_IPV6_TCLASS, IPV6_TCLASS);
	assert_int_equal(LINUX_IPV6_UNICAST_HOPS, IPV6_UNICAST_HOPS);
	assert_int_equal(get_int(&tcp4, IPPROTO_IP, IP_TOS), 0);
	assert_int_equal(get_int(&tcp4, IPPROTO_IP, IP_TTL), 64);
	assert_int_equal(sockopt_packet_ttl(&tcp4), 64);
	assert_int_equal(set_int(&tcp4, IPPROTO_IP, IP_TOS, 0x13), 0);
	assert_int_equal(get_int(&tcp4, IPPROTO_IP, IP_TOS), 0x10); /* ECN bits are TCP's */
	assert_int_equal(sockopt_packet_tos(&tcp4), 0x10);
	uint8_t one = 0x28;
	assert_int_equal(sockopt_set(&tcp4, IPPROTO_IP, IP_TOS, &one, 1), 0); /* a byte will do */
	assert_int_equal(get_int(&tcp4, IPPROTO_IP, IP_TOS), 0x28);
	assert_int_equal(set_int(&tcp4, IPPROTO_IP, IP_TTL, 7), 0);
	assert_int_equal(sockopt_packet_ttl(&tcp4), 7);
	assert_int_equal(set_int(&tcp4, IPPROTO_IP, IP_TTL, -1), 0); /* back to the default */
	assert_int_equal(get_int(&tcp4, IPPROTO_IP, IP_TTL), 64);
	assert_int_equal(set_int(&tcp4, IPPROTO_IP, IP_TTL, 0), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_IP, IP_TTL, 256), -EINVAL);
	assert_int_equal(sockopt_set(&tcp4, IPPROTO_IP, IP_TTL, &one, 0), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_IP, 9999, 1), -ENOPROTOOPT);
	assert_int_equal(set_int(&tcp4, IPPROTO_IPV6, IPV6_TCLASS, 1), -ENOPROTOOPT);
	/* UDP keeps every bit it is given. */
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_TCLASS, 0xb9), 0);
	assert_int_equal(get_int(&udp6, IPPROTO_IPV6, IPV6_TCLASS), 0xb9);
	assert_int_equal(sockopt_packet_tos(&udp6), 0xb9);
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_TCLASS, -1), 0);
	assert_int_equal(get_int(&udp6, IPPROTO_IPV6, IPV6_TCLASS), 0);
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_TCLASS, 256), -EINVAL);
	assert_int_equal(get_int(&udp6, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64);
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 3), 0);
	assert_int_equal(sockopt_packet_ttl(&udp6), 3);
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1), 0);
	assert_int_equal(get_int(&udp6, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 64);
	assert_int_equal(set_int(&udp6, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -2), -EINVAL);
	/* An IPv6 socket's packets carry its IPv6 settings. */
	assert_int_equal(set_int(&udp6, IPPROTO_IP, IP_TTL, 9), 0);
	assert_int_equal(sockopt_packet_ttl(&udp6), 64);
}

static void get_truncates_to_the_callers_length(void **state)
{
	set_int(&tcp4, SOL_SOCKET, SO_RCVBUF, 0x1000);
	uint8_t out[8];
	memset(out, 0xee, sizeof(out));
	uint32_t len = 1;
	assert_int_equal(sockopt_get(&tcp4, SOL_SOCKET, SO_RCVBUF, out, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(out[0], 0x00); /* 0x2000's low byte */
	assert_int_equal(out[1], 0xee);
	len = 8;
	assert_int_equal(sockopt_get(&tcp4, SOL_SOCKET, SO_RCVBUF, out, &len), 0);
	assert_int_equal(len, 4);
}

/* setsockopt(TCP_CONGESTION) with a name of len bytes. */
static int set_ca(struct sock_opts *o, const char *name, uint32_t len)
{
	return sockopt_set(o, IPPROTO_TCP, TCP_CONGESTION, name, len);
}

static void congestion_control_is_renos(void **state)
{
	/* Linux takes the name to its first NUL, at most 15 bytes. */
	assert_int_equal(set_ca(&tcp4, "reno", 4), 0);
	assert_int_equal(set_ca(&tcp4, "reno", 5), 0);
	assert_int_equal(set_ca(&tcp4, "renox", 4), 0);
	assert_int_equal(set_ca(&tcp4, "cubic", 5), -ENOENT);
	assert_int_equal(set_ca(&tcp4, "ren", 3), -ENOENT);
	assert_int_equal(set_ca(&tcp4, "reno", 0), -EINVAL);
	assert_int_equal(set_ca(&udp6, "reno", 4), -ENOPROTOOPT);
	char name[SOCKOPT_CA_NAME_MAX + 4];
	memset(name, 'x', sizeof(name));
	uint32_t len = sizeof(name);
	assert_int_equal(sockopt_get(&tcp4, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	/* The whole field, NULs after the name, and no more. */
	assert_int_equal(len, 16);
	assert_memory_equal(name, "reno\0\0\0\0\0\0\0\0\0\0\0\0xxxx", sizeof(name));
	memset(name, 'x', sizeof(name));
	len = 2;
	assert_int_equal(sockopt_get(&tcp4, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_int_equal(len, 2);
	assert_memory_equal(name, "rexx", 4);
	len = sizeof(name);
	assert_int_equal(sockopt_get(&udp6, IPPROTO_TCP, TCP_CONGESTION, name, &len), -ENOPROTOOPT);
}

/* TCP_INFO read through the C library's own struct tcp_info (its first
 * 104 bytes: the fields glibc's header has). */
static void tcp_info_in_linuxs_layout(void **state)
{
	struct tcp_view v = {
		.state = LINUX_TCP_ESTABLISHED,
		.in_recovery = true,
		.retransmits = 2,
		.sack = true,
		.wscale = true,
		.snd_wscale = 7,
		.rcv_wscale = 3,
		.rto_ms = 1500,
		.srtt_ms = 500,
		.rttvar_ms = 250,
		.mss = 1460,
		.unacked = 9,
		.cwnd = 14600,
		.ssthresh = 29200,
		.snd_wnd = 65535u << 7,
		.rcv_wnd = 262144,
	};
	struct tcp_info ti;
	memset(&ti, 0xee, sizeof(ti));
	uint32_t len = sizeof(ti);
	sockopt_tcp_info(&v, &ti, &len);
	assert_int_equal(len, sizeof(ti));
	assert_int_equal(ti.tcpi_state, TCP_ESTABLISHED);
	assert_int_equal(ti.tcpi_ca_state, TCP_CA_Recovery);
	assert_int_equal(ti.tcpi_retransmits, 2);
	assert_int_equal(ti.tcpi_options, TCPI_OPT_SACK | TCPI_OPT_WSCALE);
	assert_int_equal(ti.tcpi_snd_wscale, 7);
	assert_int_equal(ti.tcpi_rcv_wscale, 3);
	assert_int_equal(ti.tcpi_rto, 1500000);
	assert_int_equal(ti.tcpi_rtt, 500000);
	assert_int_equal(ti.tcpi_rttvar, 250000);
	assert_int_equal(ti.tcpi_snd_mss, 1460);
	assert_int_equal(ti.tcpi_rcv_mss, 1460);
	assert_int_equal(ti.tcpi_advmss, 1460);
	assert_int_equal(ti.tcpi_unacked, 9);
	assert_int_equal(ti.tcpi_snd_cwnd, 10); /* segments */
	assert_int_equal(ti.tcpi_snd_ssthresh, 20);
	assert_int_equal(ti.tcpi_rcv_space, 262144);
	assert_int_equal(ti.tcpi_total_retrans, 0);
	/* The peer's window, past glibc's fields. */
	struct linux_tcp_info whole;
	len = sizeof(whole);
	sockopt_tcp_info(&v, &whole, &len);
	assert_int_equal(len, 232);
	assert_int_equal(whole.snd_wnd, 65535u << 7);
	/* Without window scaling, no scales. */
	v.wscale = false;
	len = sizeof(ti);
	sockopt_tcp_info(&v, &ti, &len);
	assert_int_equal(ti.tcpi_options, TCPI_OPT_SACK);
	assert_int_equal(ti.tcpi_snd_wscale, 0);
	assert_int_equal(ti.tcpi_rcv_wscale, 0);
}

static void tcp_info_of_a_listener_and_a_closed_socket(void **state)
{
	struct tcp_view v = { .state = LINUX_TCP_LISTEN, .unacked = 5, .accept_queue = 3, .backlog = 128 };
	struct tcp_info ti;
	uint32_t len = sizeof(ti);
	sockopt_tcp_info(&v, &ti, &len);
	assert_int_equal(ti.tcpi_state, TCP_LISTEN);
	/* Linux's listener answers its queue and backlog there. */
	assert_int_equal(ti.tcpi_unacked, 3);
	assert_int_equal(ti.tcpi_sacked, 128);
	/* No segment size yet: no division by it. */
	v = (struct tcp_view){ .state = LINUX_TCP_CLOSE, .cwnd = 100 };
	sockopt_tcp_info(&v, &ti, &len);
	assert_int_equal(ti.tcpi_state, TCP_CLOSE);
	assert_int_equal(ti.tcpi_snd_cwnd, 100);
	/* A short buffer gets its length, no more. */
	uint8_t out[12];
	memset(out, 0xee, sizeof(out));
	len = 3;
	sockopt_tcp_info(&v, out, &len);
	assert_int_equal(len, 3);
	assert_int_equal(out[0], TCP_CLOSE);
	assert_int_equal(out[3], 0xee);
}

/* TCP_MAXSEG, with this host's Linux's answers: 88 to 32767 or 0, the
 * size asked for until a connection has one, 536 when none was asked. */
static void maxseg(void **state)
{
	struct tcp_view closed = { .state = LINUX_TCP_CLOSE };
	struct tcp_view listening = { .state = LINUX_TCP_LISTEN };
	struct tcp_view connected = { .state = LINUX_TCP_ESTABLISHED, .mss = 1460 };
	assert_int_equal(sockopt_tcp_maxseg(&tcp4, &closed), 536);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, 87), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, 32768), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, -1), -EINVAL);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, 88), 0);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, 32767), 0);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, 1000), 0);
	assert_int_equal(tcp4.maxseg, 1000);
	assert_int_equal(sockopt_tcp_maxseg(&tcp4, &closed), 1000);
	assert_int_equal(sockopt_tcp_maxseg(&tcp4, &listening), 1000);
	assert_int_equal(sockopt_tcp_maxseg(&tcp4, &connected), 1460);
	assert_int_equal(set_int(&tcp4, IPPROTO_TCP, TCP_MAXSEG, 0), 0);
	assert_int_equal(sockopt_tcp_maxseg(&tcp4, &closed), 536);
	assert_int_equal(set_int(&udp6, IPPROTO_TCP, TCP_MAXSEG, 1000), -ENOPROTOOPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_numbers_are_linuxs),
		cmocka_unit_test_setup(flags_round_trip, setup),
		cmocka_unit_test_setup(an_int_option_needs_an_int, setup),
		cmocka_unit_test_setup(buffers_are_doubled_and_clamped, setup),
		cmocka_unit_test_setup(timeouts_are_timevals, setup),
		cmocka_unit_test_setup(linger, setup),
		cmocka_unit_test_setup(tcp_options_only_on_tcp, setup),
		cmocka_unit_test_setup(v6only_only_on_ipv6, setup),
		cmocka_unit_test_setup(foreign_levels, setup),
		cmocka_unit_test_setup(tos_and_ttl, setup),
		cmocka_unit_test_setup(get_truncates_to_the_callers_length, setup),
		cmocka_unit_test_setup(congestion_control_is_renos, setup),
		cmocka_unit_test(tcp_info_in_linuxs_layout),
		cmocka_unit_test(tcp_info_of_a_listener_and_a_closed_socket),
		cmocka_unit_test_setup(maxseg, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
