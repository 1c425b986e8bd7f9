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
		cmocka_unit_test_setup(tos_and_ttl, setup),
		cmocka_unit_test_setup(get_truncates_to_the_callers_length, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
