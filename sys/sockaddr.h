/*
 * Socket addresses: Linux's struct sockaddr_in and sockaddr_in6 as the
 * application passes them, and the one form the socket layer works with.
 * An IPv6 socket is dual-stack: a v4-mapped address (::ffff:a.b.c.d)
 * names an IPv4 peer, and an IPv4 peer is shown to it v4-mapped, as
 * Linux does. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_SOCKADDR_H
#define KEEL_SYS_SOCKADDR_H

#include <stdbool.h>
#include <stdint.h>

#define LINUX_AF_UNSPEC 0
#define LINUX_AF_UNIX 1
#define LINUX_AF_INET 2
#define LINUX_AF_INET6 10

/* Linux's wire layouts (network byte order in port and address). */
struct linux_sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port;
	uint8_t sin_addr[4];
	uint8_t sin_zero[8];
};
_Static_assert(sizeof(struct linux_sockaddr_in) == 16, "Linux's sockaddr_in");

struct linux_sockaddr_in6 {
	uint16_t sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	uint8_t sin6_addr[16];
	uint32_t sin6_scope_id;
};
_Static_assert(sizeof(struct linux_sockaddr_in6) == 28, "Linux's sockaddr_in6");

/* An endpoint: IPv4 (addr[0..3]) or IPv6, the port in host order. */
struct sock_addr {
	uint8_t v6; /* 0: IPv4, 1: IPv6 */
	uint8_t addr[16];
	uint16_t port;
	uint32_t scope;
};

/* Reads the application's address (len bytes at sa, already copied into
 * the kernel) for a socket of family domain (LINUX_AF_INET or
 * LINUX_AF_INET6). An IPv6 socket given a v4-mapped address gets the
 * IPv4 endpoint; with v6only it refuses it (-ENETUNREACH is Linux's
 * answer for connect, the caller decides). Returns 0, -EINVAL (too
 * short) or -EAFNOSUPPORT (another family). allow_unspec: connect's
 * AF_UNSPEC, which dissolves a UDP association (returns 1). */
int sockaddr_parse(const void *sa, uint32_t len, int domain, bool allow_unspec, struct sock_addr *out);

/* Writes a as the socket of family domain shows it into out (at most
 * cap bytes, truncated as Linux truncates) and returns the full length
 * (what the application's addrlen becomes). */
uint32_t sockaddr_format(const struct sock_addr *a, int domain, void *out, uint32_t cap);

/* Whether a is a v4-mapped IPv6 address (::ffff:0:0/96). */
bool sockaddr_is_v4mapped(const uint8_t addr[16]);
/* Whether the address is the wildcard (0.0.0.0 or ::). */
bool sockaddr_is_any(const struct sock_addr *a);

#endif
