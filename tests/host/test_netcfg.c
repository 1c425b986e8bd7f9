/*
 * The network's command-line words (net/netcfg.c): addresses in both
 * families, interface settings valid and not, the interface a setting
 * applies to when several are named, and addresses as text.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "net/netcfg.h"

static int ip4(const char *s, uint8_t out[4]) { return netcfg_parse_ip4(s, strlen(s), out); }
static int ip6(const char *s, uint8_t out[16]) { return netcfg_parse_ip6(s, strlen(s), out); }

static void test_ip4(void **state)
{
	uint8_t a[4];
	assert_int_equal(ip4("10.0.2.15", a), 0);
	assert_memory_equal(a, ((uint8_t[]){ 10, 0, 2, 15 }), 4);
	assert_int_equal(ip4("255.255.255.255", a), 0);
	assert_int_equal(ip4("0.0.0.0", a), 0);
	const char *bad[] = { "",	"1",	    "1.2.3",	"1.2.3.4.5", "256.1.1.1", "1..2.3",    "1.2.3.",
			      ".1.2.3", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",   "1.2.3.-4",  "1234.1.1.1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ip4(bad[i], a), -EINVAL);
	/* Only the n characters given are read. */
	assert_int_equal(netcfg_parse_ip4("10.0.2.15/24", 9, a), 0);
}

/* Against glibc's inet_pton for the same text. */
static void check_ip6(const char *s)
{
	uint8_t mine[16], theirs[16];
	int ok = inet_pton(AF_INET6, s, theirs) == 1;
	int r = ip6(s, mine);
	if (ok) {
		assert_int_equal(r, 0);
		assert_memory_equal(mine, theirs, 16);
	} else {
		assert_int_equal(r, -EINVAL);
	}
}

static void test_ip6(void **state)
{
	const char *cases[] = { "::", "::1", "1::", "fe80::5054:ff:fe12:3456", "2001:db8::1:0:0:1", "1:2:3:4:5:6:7:8",
				"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:10.0.2.15", "64:ff9b::192.0.2.33",
				"FE80::ABCD", "1:2:3:4:5:6:1.2.3.4",
				/* invalid */
				"", ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
				"12345::", "g::", "1:", ":1", "1::2:", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4",
				"::1.2.3.4:5" };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_ip6(cases[i]);
}

static const char *fmt(int family, const char *text)
{
	static char out[NETCFG_ADDR_TEXT_MAX];
	struct netcfg_addr a = { .family = (uint8_t)family };
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, text, a.bytes), 1);
	int n = netcfg_format_addr(&a, out, sizeof(out));
	assert_int_equal(n, (int)strlen(out));
	return out;
}

static void test_format(void **state)
{
	assert_string_equal(fmt(4, "10.0.2.3"), "10.0.2.3");
	/* RFC 5952: lower case, the longest run of zeros compressed (the
	 * first of two equal ones), a single zero group left alone. */
	assert_string_equal(fmt(6, "::"), "::");
	assert_string_equal(fmt(6, "::1"), "::1");
	assert_string_equal(fmt(6, "FE80::5054:FF:FE12:3456"), "fe80::5054:ff:fe12:3456");
	assert_string_equal(fmt(6, "2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
	assert_string_equal(fmt(6, "2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
	assert_string_equal(fmt(6, "2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
	assert_string_equal(fmt(6, "1:0:0:0:0:0:0:0"), "1::");
	assert_string_equal(fmt(6, "fec0::"), "fec0::");
	struct netcfg_addr none = { 0 };
	char buf[8];
	assert_int_equal(netcfg_format_addr(&none, buf, sizeof(buf)), -EINVAL);
}

static void test_static(void **state)
{
	struct netcfg_if c;
	const char *why = NULL;
	assert_int_equal(netcfg_parse_if("en0=ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3", &c, &why), 0);
	assert_string_equal(c.name, "en0");
	assert_int_equal(c.mode, NETCFG_STATIC);
	assert_memory_equal(c.ip, ((uint8_t[]){ 10, 0, 2, 15 }), 4);
	assert_int_equal(c.prefix, 24);
	assert_true(c.has_gw);
	assert_memory_equal(c.gw, ((uint8_t[]){ 10, 0, 2, 2 }), 4);
	assert_int_equal(c.ndns, 1);
	assert_int_equal(c.dns[0].family, 4);
	/* Without a gateway, a /32, and IPv6 name servers. */
	assert_int_equal(netcfg_parse_if("eth1=ip=192.168.1.7/32,dns=2001:db8::53,dns=1.1.1.1", &c, &why), 0);
	assert_false(c.has_gw);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(c.ndns, 2);
	assert_int_equal(c.dns[0].family, 6);
	assert_int_equal(c.dns[1].family, 4);
	/* /31: both addresses are hosts (RFC 3021). */
	assert_int_equal(netcfg_parse_if("en0=ip=10.0.0.0/31", &c, &why), 0);
}

static void test_static6(void **state)
{
	struct netcfg_if c;
	const char *why = NULL;
	uint8_t want[16];
	/* Beside DHCP (which stays on), a router inside the prefix. */
	assert_int_equal(netcfg_parse_if("en0=ip6=fd00::15/64,gw6=fd00::1", &c, &why), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_true(c.has_ip6);
	assert_int_equal(ip6("fd00::15", want), 0);
	assert_memory_equal(c.ip6, want, 16);
	assert_true(c.has_gw6);
	assert_int_equal(ip6("fd00::1", want), 0);
	assert_memory_equal(c.gw6, want, 16);
	/* Beside a static IPv4 address, a link-local router. */
	assert_int_equal(netcfg_parse_if("en1=ip=10.0.3.15/24,gw=10.0.3.1,ip6=2001:db8:5::7/64,gw6=fe80::1", &c, &why),
			 0);
	assert_int_equal(c.mode, NETCFG_STATIC);
	assert_true(c.has_ip6 && c.has_gw6);
	/* No router: on-link only (or routers from advertisements). */
	assert_int_equal(netcfg_parse_if("en0=ip6=2001:db8::2/64", &c, &why), 0);
	assert_true(c.has_ip6);
	assert_false(c.has_gw6);
	const char *bad[] = {
		"en0=ip6=fd00::15",		       /* no prefix */
		"en0=ip6=fd00::15/48",		       /* not /64 */
		"en0=ip6=fd00::15/129",		       /* beyond 128 */
		"en0=ip6=10.0.2.15/64",		       /* IPv4 */
		"en0=ip6=fd00::15/64,ip6=fd00::16/64", /* twice */
		"en0=ip6=::/64",		       /* unspecified */
		"en0=ip6=::1/64",		       /* loopback */
		"en0=ip6=ff02::1/64",		       /* multicast */
		"en0=ip6=fe80::15/64",		       /* link-local */
		"en0=ip6=::ffff:10.0.2.15/64",	       /* IPv4-mapped */
		"en0=gw6=fd00::1",		       /* router without ip6= */
		"en0=ip6=fd00::15/64,gw6=fd01::1",     /* router off the prefix */
		"en0=ip6=fd00::15/64,gw6=fd00::15",    /* router is us */
		"en0=ip6=fd00::15/64,gw6=ff02::2",     /* multicast router */
		"en0=ip6=fd00::15/64,gw6=10.0.2.2",    /* IPv4 router */
		"en0=off,ip6=fd00::15/64",	       /* off and an address */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (netcfg_parse_if(bad[i], &c, &why) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
	}
}

static void test_modes(void **state)
{
	struct netcfg_if c;
	const char *why = NULL;
	assert_int_equal(netcfg_parse_if("en0=dhcp", &c, &why), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_int_equal(netcfg_parse_if("en1=dhcp,dns=9.9.9.9", &c, &why), 0);
	assert_int_equal(c.mode, NETCFG_DHCP);
	assert_int_equal(c.ndns, 1);
	assert_int_equal(netcfg_parse_if("eth0=off", &c, &why), 0);
	assert_int_equal(c.mode, NETCFG_OFF);
}

static void test_invalid(void **state)
{
	const char *bad[] = {
		"en0",					     /* no settings at all */
		"=dhcp",				     /* no name */
		"en0=",					     /* empty settings */
		"a-very-long-interface-name=dhcp",	     /* name too long */
		"en0=static",				     /* unknown setting */
		"en0=ip=10.0.2.15",			     /* no prefix */
		"en0=ip=10.0.2.15/33",			     /* prefix too long */
		"en0=ip=10.0.2.15/",			     /* empty prefix */
		"en0=ip=10.0.2.15/2a",			     /* not a number */
		"en0=ip=10.0.2/24",			     /* short address */
		"en0=ip=10.0.2.15/24,ip=10.0.2.16/24",	     /* twice */
		"en0=ip=10.0.2.0/24",			     /* the network */
		"en0=ip=10.0.2.255/24",			     /* its broadcast */
		"en0=ip=224.0.0.1/24",			     /* multicast */
		"en0=ip=127.0.0.2/8",			     /* loopback */
		"en0=ip=0.0.0.0/0",			     /* any */
		"en0=ip=10.0.2.15/24,gw=10.0.3.1",	     /* gateway off the prefix */
		"en0=ip=10.0.2.15/24,gw=10.0.2.15",	     /* gateway is us */
		"en0=gw=10.0.2.2",			     /* gateway without ip= */
		"en0=dhcp,ip=10.0.2.15/24",		     /* both */
		"en0=off,dhcp",				     /* both */
		"en0=dns=10.0.2.3,dns=10.0.2.4,dns=1.1.1.1", /* too many */
		"en0=dns=10.0.2",			     /* bad server */
		"en0=dhcp,",				     /* trailing comma */
		"en0=,dhcp",				     /* leading comma */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct netcfg_if c;
		const char *why = NULL;
		if (netcfg_parse_if(bad[i], &c, &why) != -EINVAL)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(why);
	}
}

static void test_find(void **state)
{
	struct netcfg_if cfg[4];
	const char *why;
	assert_int_equal(netcfg_parse_if("en0=dhcp", &cfg[0], &why), 0);
	assert_int_equal(netcfg_parse_if("eth1=ip=10.1.0.2/16", &cfg[1], &why), 0);
	assert_int_equal(netcfg_parse_if("en0=ip=10.0.2.15/24", &cfg[2], &why), 0);
	assert_int_equal(netcfg_parse_if("en2=off", &cfg[3], &why), 0);
	/* The last word naming an interface wins, by either name. */
	assert_ptr_equal(netcfg_find(cfg, 4, "en0", "eth0"), &cfg[2]);
	assert_ptr_equal(netcfg_find(cfg, 4, "en1", "eth1"), &cfg[1]);
	assert_ptr_equal(netcfg_find(cfg, 4, "en2", "eth2"), &cfg[3]);
	assert_null(netcfg_find(cfg, 4, "en3", "eth3"));
	assert_null(netcfg_find(cfg, 0, "en0", "eth0"));
}

static void test_wait(void **state)
{
	unsigned s = 99;
	assert_int_equal(netcfg_parse_wait("0", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(netcfg_parse_wait("3600", &s), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(netcfg_parse_wait("3601", &s), -EINVAL);
	assert_int_equal(netcfg_parse_wait("", &s), -EINVAL);
	assert_int_equal(netcfg_parse_wait("5s", &s), -EINVAL);
	assert_int_equal(netcfg_parse_wait("-1", &s), -EINVAL);
	assert_int_equal(netcfg_parse_wait("99999999999", &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4),	cmocka_unit_test(test_ip6),	cmocka_unit_test(test_format),
		cmocka_unit_test(test_static),	cmocka_unit_test(test_static6), cmocka_unit_test(test_modes),
		cmocka_unit_test(test_invalid), cmocka_unit_test(test_find),	cmocka_unit_test(test_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
