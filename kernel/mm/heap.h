/*
 * The kernel heap behind malloc: boundary-tagged chunks in arenas taken
 * from a page source, with segregated free lists.
 */
#ifndef KEEL_HEAP_H
#define KEEL_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HEAP_NBINS 64

struct heap_chunk;
struct heap_arena;

struct heap {
	/* Where arenas come from: get returns size bytes aligned to 4096 (or
	 * NULL); put gives them back. The heap asks for its usual arena with
	 * must false, and the source answers from what it has free; when
	 * that fails, for just the pages the request needs with must true,
	 * and the source may work for them (take pages back from caches). A
	 * cache's scattered pages then still serve small requests. */
	void *(*get)(size_t size, bool must);
	void (*put)(void *p, size_t size);
	/* Called on a broken invariant: a double free, a pointer the heap did
	 * not hand out, a header overwritten. Must not return. */
	void (*fatal)(const char *what, const void *ptr);
	struct heap_arena *arenas;
	struct heap_chunk *bin[HEAP_NBINS];
	uint64_t nonempty; /* bit b set when bin[b] is not empty */
	size_t arena_bytes, used_bytes, nallocs;
};

void heap_init(struct heap *h, void *(*get)(size_t, bool), void (*put)(void *, size_t),
	       void (*fatal)(const char *, const void *));

/* As malloc, free, calloc, realloc. Every pointer is aligned to 16. */
void *heap_alloc(struct heap *h, size_t size);
void heap_free(struct heap *h, void *p);
void *heap_calloc(struct heap *h, size_t n, size_t size);
void *heap_realloc(struct heap *h, void *p, size_t size);
/* align: a power of two; anything up to the page source's alignment and
 * beyond (larger alignments cost their size in slack). */
void *heap_memalign(struct heap *h, size_t align, size_t size);

/* The bytes usable at p (at least what was asked for). */
size_t heap_usable_size(struct heap *h, const void *p);

/* Walks every arena checking every chunk's tags; calls fatal on the first
 * inconsistency. For tests and for debugging. */
void heap_check(struct heap *h);

#endif
