/*
 * The text of /etc/resolv.conf and /etc/hosts, generated from the
 * network's configuration in use (net/hostfiles.c: pure, host-tested).
 * Both work like snprintf: they return the length of the whole text and
 * write as much of it as fits (NUL-terminated when size > 0).
 */
#ifndef KEEL_NET_HOSTFILES_H
#define KEEL_NET_HOSTFILES_H

#include <stddef.h>

#include "net/netcfg.h"

/* One "nameserver" line per server (musl reads the first three). */
size_t hostfiles_resolv_conf(char *buf, size_t size, const struct netcfg_addr *dns, unsigned ndns);

/* localhost for both loopback addresses, then each address of the
 * machine with hostname. */
size_t hostfiles_hosts(char *buf, size_t size, const char *hostname, const struct netcfg_addr *addrs, unsigned naddrs);

#endif
