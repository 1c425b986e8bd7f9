/*
 * Socket address conversion (sys/sockaddr.c) against glibc's own
 * sockaddr_in and sockaddr_in6: IPv4 and IPv6 round trips, dual-stack
 * v4-mapped addresses, Linux's length and family checks, truncation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sys/sockaddr.h"

static void ipv4_round_trip(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080) };
	inet_pton(AF_INET, "10.0.2.15", &in.sin_addr);
	struct sock_addr a;
	assert_int_equal(sockaddr_parse(&in, sizeof(in), LINUX_AF_INET, false, &a), 0);
	assert_int_equal(a.v6, 0);
	assert_int_equal(a.port, 8080);
	assert_memory_equal(a.addr, "\x0a\x00\x02\x0f", 4);
	struct sockaddr_in back;
	memset(&back, 0xaa, sizeof(back));
	assert_int_equal(sockaddr_format(&a, LINUX_AF_INET, &back, sizeof(back)), sizeof(back));
	assert_int_equal(back.sin_family, AF_INET);
	assert_int_equal(back.sin_port, htons(8080));
	assert_int_equal(back.sin_addr.s_addr, in.sin_addr.s_addr);
	assert_memory_equal(back.sin_zero, "\0\0\0\0\0\0\0\0", 8);
}

static void ipv4_checks_length_then_family(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sock_addr a;
	assert_int_equal(sockaddr_parse(&in, sizeof(in) - 1, LINUX_AF_INET, false, &a), -EINVAL);
	assert_int_equal(sockaddr_parse(&in, 1, LINUX_AF_INET, false, &a), -EINVAL);
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	assert_int_equal(sockaddr_parse(&in6, sizeof(in6), LINUX_AF_INET, false, &a), -EAFNOSUPPORT);
	/* connect's AF_UNSPEC dissolves an association. */
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	assert_int_equal(sockaddr_parse(&unspec, sizeof(unspec), LINUX_AF_INET, true, &a), 1);
	assert_int_equal(sockaddr_parse(&unspec, sizeof(unspec), LINUX_AF_INET, false, &a), -EAFNOSUPPORT);
}

static void ipv6_round_trip_with_scope(void **state)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(7), .sin6_scope_id = 2 };
	inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr);
	struct sock_addr a;
	assert_int_equal(sockaddr_parse(&in6, sizeof(in6), LINUX_AF_INET6, false, &a), 0);
	assert_int_equal(a.v6, 1);
	assert_int_equal(a.port, 7);
	assert_int_equal(a.scope, 2);
	assert_false(sockaddr_is_any(&a));
	struct sockaddr_in6 back;
	assert_int_equal(sockaddr_format(&a, LINUX_AF_INET6, &back, sizeof(back)), sizeof(back));
	assert_memory_equal(&back.sin6_addr, &in6.sin6_addr, 16);
	assert_int_equal(back.sin6_port, htons(7));
	assert_int_equal(back.sin6_scope_id, 2);
	/* RFC 2133's 24-byte form, without the scope, is accepted. */
	assert_int_equal(sockaddr_parse(&in6, 24, LINUX_AF_INET6, false, &a), 0);
	assert_int_equal(a.scope, 0);
	assert_int_equal(sockaddr_parse(&in6, 23, LINUX_AF_INET6, false, &a), -EINVAL);
}

static void dual_stack_maps_ipv4(void **state)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
	inet_pton(AF_INET6, "::ffff:10.0.2.3", &in6.sin6_addr);
	struct sock_addr a;
	assert_int_equal(sockaddr_parse(&in6, sizeof(in6), LINUX_AF_INET6, false, &a), 0);
	assert_int_equal(a.v6, 0);
	assert_memory_equal(a.addr, "\x0a\x00\x02\x03", 4);
	/* An IPv4 peer shown to an IPv6 socket comes back v4-mapped. */
	struct sockaddr_in6 back;
	assert_int_equal(sockaddr_format(&a, LINUX_AF_INET6, &back, sizeof(back)), sizeof(back));
	assert_memory_equal(&back.sin6_addr, &in6.sin6_addr, 16);
	assert_true(sockaddr_is_v4mapped(back.sin6_addr.s6_addr));
	/* An IPv6 socket takes no plain sockaddr_in. */
	struct sockaddr_in in = { .sin_family = AF_INET };
	assert_int_equal(sockaddr_parse(&in, sizeof(in), LINUX_AF_INET6, false, &a), -EINVAL);
	char big[32] = { 0 };
	memcpy(big, &in, sizeof(in));
	assert_int_equal(sockaddr_parse(big, sizeof(big), LINUX_AF_INET6, false, &a), -EAFNOSUPPORT);
}

static void wildcard(void **state)
{
	struct sock_addr a = { 0 };
	assert_true(sockaddr_is_any(&a));
	a.v6 = 1;
	assert_true(sockaddr_is_any(&a));
	a.addr[15] = 1;
	assert_false(sockaddr_is_any(&a));
}

static void format_truncates_but_reports_the_full_length(void **state)
{
	struct sock_addr a = { .v6 = 0, .addr = { 127, 0, 0, 1 }, .port = 80 };
	uint8_t out[8];
	memset(out, 0xee, sizeof(out));
	assert_int_equal(sockaddr_format(&a, LINUX_AF_INET, out, 4), 16);
	assert_int_equal(out[0], AF_INET);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], 80);
	assert_int_equal(out[4], 0xee); /* nothing past the capacity */
	assert_int_equal(sockaddr_format(&a, LINUX_AF_INET6, out, 0), 28);
	assert_int_equal(out[0], AF_INET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_round_trip),
		cmocka_unit_test(ipv4_checks_length_then_family),
		cmocka_unit_test(ipv6_round_trip_with_scope),
		cmocka_unit_test(dual_stack_maps_ipv4),
		cmocka_unit_test(wildcard),
		cmocka_unit_test(format_truncates_but_reports_the_full_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
