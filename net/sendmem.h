/*
 * The bound on what the network stack's send buffers may hold together
 * (the budget of net/lwipmem.h): set from the memory free when the
 * network starts, and the senders it held back woken when room comes back.
 */
#ifndef KEEL_NET_SENDMEM_H
#define KEEL_NET_SENDMEM_H

#include <stdbool.h>
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

/* Senders other than TCP's (datagrams) wait on a hook: fn is called
 * under the core lock whenever those held back may try again, the bound
 * relieved as above or an interface's full queue emptied by half
 * (net/netif.c calls sendmem_room). One hook, the socket layer's. */
void sendmem_set_room_hook(void (*fn)(void));
void sendmem_room(void);
/* Under the core lock: whether an allocation was refused for the bound
 * and the room it waits for has not come back yet (then sendmem_room
 * will be called). */
bool sendmem_holding_back(void);

#endif
