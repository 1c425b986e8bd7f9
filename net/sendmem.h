/*
 * The bound on what the network stack's send buffers may hold together
 * (the budget of net/lwipmem.h): set from the memory free when the
 * network starts, and the senders it held back woken when room comes back.
 */
#ifndef KEEL_NET_SENDMEM_H
#define KEEL_NET_SENDMEM_H

/* A quarter of the memory free now, and at least SENDMEM_MIN bytes. */
#define SENDMEM_MIN (256u * 1024u)
void sendmem_init(void);

/* Under the core lock: after allocations were refused and memory came
 * back, each connection that was refused and has room in its send
 * buffer is told it may send (as lwIP's own poll would, up to a second
 * later). */
void sendmem_relieve(void);

#endif
