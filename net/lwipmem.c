/*
 * lwIP's heap with a list of reusable segment-sized blocks
 * (net/lwipmem.h).
 */
#include "net/lwipmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Before every block: what it is, keeping the block 16-byte aligned as
 * the kernel's heap returns it. */
struct block {
	struct block *next; /* on the list */
	uint32_t kind;
	uint32_t size; /* asked for, for a block of the class */
};
_Static_assert(sizeof(struct block) == 16, "blocks stay 16-byte aligned");

#define KIND_HEAP 0x6c776d68u	    /* any size, given back to the heap */
#define KIND_CLASS 0x6c776d63u	    /* of the class, in use */
#define KIND_CLASS_KEPT 0x6c776d6bu /* of the class, on the list */

static struct block *kept;
static struct lwipmem_stats stats;
static bool starved; /* an allocation was refused since lwipmem_take_starved */

/* Bytes a counted block holds: 0 for a small one. */
static size_t counted(size_t size)
{
	if (size > LWIPMEM_CLASS_MIN && size <= LWIPMEM_CLASS_SIZE)
		return sizeof(struct block) + LWIPMEM_CLASS_SIZE;
	return size > LWIPMEM_SMALL ? sizeof(struct block) + size : 0;
}

static bool over_budget(size_t more)
{
	return stats.budget && (stats.held > stats.budget || more > stats.budget - stats.held);
}

static void refuse(void)
{
	stats.refused++;
	starved = true;
}

static void drop(struct block *b)
{
	size_t bytes = counted(b->size);
	b->kind = 0;
	free(b);
	stats.held -= bytes;
}

void *lwipmem_alloc(size_t size)
{
	struct block *b;
	if (size > UINT32_MAX - sizeof(*b))
		return NULL;
	size_t bytes = counted(size);
	if (size > LWIPMEM_CLASS_MIN && size <= LWIPMEM_CLASS_SIZE) {
		if (kept != NULL) {
			b = kept;
			kept = b->next;
			stats.kept--;
			stats.reused++;
		} else {
			if (over_budget(bytes)) {
				refuse();
				return NULL;
			}
			b = malloc(sizeof(*b) + LWIPMEM_CLASS_SIZE);
			if (b == NULL)
				return NULL;
			stats.held += bytes;
			stats.fresh++;
		}
		b->kind = KIND_CLASS;
	} else {
		/* Kept blocks count too: they go back to make room. */
		if (bytes && over_budget(bytes) && kept != NULL)
			lwipmem_drain();
		if (bytes && over_budget(bytes)) {
			refuse();
			return NULL;
		}
		b = malloc(sizeof(*b) + size);
		if (b == NULL)
			return NULL;
		stats.held += bytes;
		b->kind = KIND_HEAP;
	}
	b->next = NULL;
	b->size = (uint32_t)size;
	return b + 1;
}

void *lwipmem_calloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	void *p = lwipmem_alloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void lwipmem_free(void *p)
{
	if (p == NULL)
		return;
	struct block *b = (struct block *)p - 1;
	switch (b->kind) {
	case KIND_CLASS:
		/* Not kept near the budget: senders may wait for room. */
		if (stats.kept < LWIPMEM_KEEP && !over_budget(stats.budget / 4)) {
			b->kind = KIND_CLASS_KEPT;
			b->next = kept;
			kept = b;
			stats.kept++;
			return;
		}
		drop(b);
		return;
	case KIND_HEAP: drop(b); return;
	default:
		/* Kept already (freed twice), or not a block of this heap. */
		lwipmem_bad_free(p);
		return;
	}
}

void lwipmem_set_budget(size_t bytes) { stats.budget = bytes; }

bool lwipmem_take_starved(void)
{
	bool was = starved;
	starved = false;
	return was;
}

void lwipmem_get_stats(struct lwipmem_stats *st) { *st = stats; }

void lwipmem_drain(void)
{
	while (kept != NULL) {
		struct block *b = kept;
		kept = b->next;
		stats.kept--;
		drop(b);
	}
}
