/*
 * The bound on what the network stack's send buffers may hold together
 * (the budget of net/lwipmem.h): set from the memory free when the
 * network starts, and the senders it held back woken when room comes back.
 */
#ifndef KEEL_NET_SENDMEM_H
#define KEEL_NET_SENDMEM_H

#include <stddef.h>

/* A quarter of the memory free now, and at least SENDMEM_MIN bytes. */
#define SENDMEM_MIN (256u * 1024u)
void sendmem_init(void);

/* The most one tcp_write should be given: a quarter of the bound.
 * lwIP's tcp_write takes a write whole or gives back what it took, so a
 * longer one might never fit. SIZE_MAX before sendmem_init. */
size_t sendmem_write_max(void);

/* Under the core lock, as it is released: once senders were refused and
 * a quarter of the bound has come back since, each connection refused
 * with room in its send buffer is told it may send (lwIP's own poll
 * would tell it up to a second later). */
void sendmem_relieve(void);

#endif
