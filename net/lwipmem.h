/*
 * lwIP's heap (MEM_LIBC_MALLOC, net/lwipopts.h) on the kernel's, with the
 * blocks of one size class kept for reuse: every TCP segment of sent data
 * is copied into a buffer of a full segment's size (TCP_OVERSIZE), one
 * allocation per segment sent and one free per segment acknowledged, and
 * the kernel's boundary-tag heap, with its checks, cost a tenth of a
 * guest's sending time. A freed block of that class goes on a list (up
 * to LWIPMEM_KEEP of them) and the next allocation of the class takes it.
 *
 * The budget: blocks larger than LWIPMEM_SMALL (data of sent segments and
 * datagrams), in use or kept, hold at most the budget's bytes. Past it an
 * allocation is refused, tcp_write answers ERR_MEM, and the socket waits
 * for room as it does for a full send buffer; without it the send
 * buffers of a few slow readers could take a small guest's last pages,
 * and its application's own allocations would fail instead. Small blocks
 * (flags-only segments, ARP) are not counted, so a refused sender can
 * still acknowledge, open and close connections.
 *
 * Pure: built for the host tests as it is. Callers are threads that are
 * not preempted inside (as for the kernel's heap); never an interrupt.
 */
#ifndef KEEL_NET_LWIPMEM_H
#define KEEL_NET_LWIPMEM_H

#include <stdbool.h>
#include <stddef.h>

/* The class: sizes above LWIPMEM_CLASS_MIN up to LWIPMEM_CLASS_SIZE bytes
 * (a pbuf holding a 1460-byte segment and its headers is about 1540). */
#define LWIPMEM_CLASS_MIN 1024u
#define LWIPMEM_CLASS_SIZE 1664u
#define LWIPMEM_KEEP 256u
/* Blocks up to this size are not counted against the budget. */
#define LWIPMEM_SMALL 256u

void *lwipmem_alloc(size_t size);
void *lwipmem_calloc(size_t n, size_t size);
/* p from lwipmem_alloc or lwipmem_calloc, or NULL. A block freed twice
 * is reported through lwipmem_bad_free (which the kernel defines as a
 * panic) and not freed again. */
void lwipmem_free(void *p);
void lwipmem_bad_free(void *p);

/* At most bytes held in counted blocks (0: no bound), from now on. */
void lwipmem_set_budget(size_t bytes);
/* Whether an allocation was refused since the last call. The caller
 * (net/sendmem.c) decides when the senders refused may try again: here a
 * refused tcp_write's own roll-back frees memory too. */
bool lwipmem_take_starved(void);

struct lwipmem_stats {
	unsigned long kept;    /* blocks on the list now */
	unsigned long reused;  /* allocations the list served */
	unsigned long fresh;   /* allocations of the class it could not */
	unsigned long held;    /* bytes in counted blocks, in use or kept */
	unsigned long budget;  /* their bound, 0 for none */
	unsigned long refused; /* allocations refused for the budget */
};
void lwipmem_get_stats(struct lwipmem_stats *st);

/* Gives every kept block back to the kernel's heap. */
void lwipmem_drain(void);

#endif
