/*
 * The heap: boundary tags, as in Knuth's and dlmalloc's allocators.
 *
 * Every chunk starts with a 16-byte header: its size (a multiple of 16,
 * the low bits holding flags) and a check word derived from its address
 * and size, so that a wild or double free and a header overwritten by a
 * buffer overrun are caught at free rather than corrupting the lists.
 * A free chunk also keeps its list links after the header and a copy of
 * its size in its last 8 bytes, so its right neighbour can find it and
 * merge with it. Free chunks sit in 64 bins by size (16-byte steps up to
 * 512, then four bins per power of two) with a bitmap of the non-empty
 * ones, so finding a chunk is a bit scan and a short walk.
 *
 * An arena is a run of pages from the page source with a fence at its
 * end; a request too large for the usual arena gets an arena of its own,
 * returned to the page source when freed.
 */
#include "kernel/mm/heap.h"

#include <string.h>

#define ALIGN 16u
#define HDR 16u
#define MIN_CHUNK 48u /* header, two links, footer, rounded to 16 */
#define ARENA_DEFAULT (256u * 1024)
#define PAGE 4096u

#define F_INUSE 1u
#define F_PREV_INUSE 2u
#define F_FENCE 4u
#define F_MASK 15u

#define CHECK_MAGIC 0x6b65656c68656170ull /* "keelheap" */

struct heap_chunk {
	uint64_t size_flags;
	uint64_t check;
	/* only while free: */
	struct heap_chunk *next, *prev;
};

struct heap_arena {
	struct heap_arena *next;
	size_t size; /* bytes from the page source, this header included */
	uint64_t pad[2];
};
_Static_assert(sizeof(struct heap_arena) % ALIGN == 0, "arena header keeps chunks aligned");

static inline size_t csize(const struct heap_chunk *c) { return c->size_flags & ~(uint64_t)F_MASK; }
static inline unsigned cflags(const struct heap_chunk *c) { return c->size_flags & F_MASK; }
static inline struct heap_chunk *cnext(struct heap_chunk *c) { return (struct heap_chunk *)((char *)c + csize(c)); }
static inline void *cmem(struct heap_chunk *c) { return (char *)c + HDR; }
static inline struct heap_chunk *memc(const void *p) { return (struct heap_chunk *)((char *)p - HDR); }
static inline uint64_t check_of(const struct heap_chunk *c)
{
	return CHECK_MAGIC ^ (uint64_t)(uintptr_t)c ^ c->size_flags;
}

static inline void set_header(struct heap_chunk *c, size_t size, unsigned flags)
{
	c->size_flags = size | flags;
	c->check = check_of(c);
}

static inline void set_flag(struct heap_chunk *c, unsigned f, bool on)
{
	set_header(c, csize(c), on ? cflags(c) | f : cflags(c) & ~f);
}

static inline void set_footer(struct heap_chunk *c) { *(uint64_t *)((char *)c + csize(c) - 8) = csize(c); }

static void verify(struct heap *h, const struct heap_chunk *c, const char *what)
{
	if (c->check != check_of(c) || (csize(c) < MIN_CHUNK && !(cflags(c) & F_FENCE)))
		h->fatal(what, cmem((struct heap_chunk *)c));
}

static unsigned bin_of(size_t size)
{
	if (size < 512)
		return (unsigned)(size / 16);
	unsigned log = 63u - (unsigned)__builtin_clzll(size); /* >= 9 */
	unsigned sub = (unsigned)(size >> (log - 2)) & 3;
	unsigned b = 32 + (log - 9) * 4 + sub;
	return b < HEAP_NBINS ? b : HEAP_NBINS - 1;
}

static void bin_insert(struct heap *h, struct heap_chunk *c)
{
	unsigned b = bin_of(csize(c));
	c->prev = NULL;
	c->next = h->bin[b];
	if (c->next)
		c->next->prev = c;
	h->bin[b] = c;
	h->nonempty |= 1ull << b;
}

static void bin_remove(struct heap *h, struct heap_chunk *c)
{
	unsigned b = bin_of(csize(c));
	if (c->prev)
		c->prev->next = c->next;
	else
		h->bin[b] = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (h->bin[b] == NULL)
		h->nonempty &= ~(1ull << b);
}

/* Marks c free, merges it with free neighbours and files it in a bin;
 * returns the chunk it ended up in. */
static struct heap_chunk *release(struct heap *h, struct heap_chunk *c)
{
	size_t size = csize(c);
	unsigned flags = cflags(c) & F_PREV_INUSE;
	struct heap_chunk *next = cnext(c);
	verify(h, next, "heap: chunk after a freed one is corrupt");

	if (!(flags & F_PREV_INUSE)) {
		uint64_t prev_size = *(uint64_t *)((char *)c - 8);
		struct heap_chunk *prev = (struct heap_chunk *)((char *)c - prev_size);
		verify(h, prev, "heap: free chunk before a freed one is corrupt");
		bin_remove(h, prev);
		size += csize(prev);
		flags = cflags(prev) & F_PREV_INUSE;
		c = prev;
	}
	if (!(cflags(next) & F_INUSE)) {
		bin_remove(h, next);
		size += csize(next);
		next = cnext(next);
	}
	set_header(c, size, flags);
	set_footer(c);
	set_flag(next, F_PREV_INUSE, false);
	bin_insert(h, c);
	return c;
}

/* Cuts c (in use, or just taken from a bin) down to size, freeing the
 * rest when it is big enough to be a chunk. */
static void trim(struct heap *h, struct heap_chunk *c, size_t size)
{
	size_t have = csize(c);
	if (have - size < MIN_CHUNK)
		return;
	set_header(c, size, cflags(c));
	struct heap_chunk *rest = cnext(c);
	set_header(rest, have - size, F_INUSE | F_PREV_INUSE);
	release(h, rest);
}

static size_t request_size(size_t n)
{
	if (n > SIZE_MAX / 2)
		return 0;
	size_t size = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return size < MIN_CHUNK ? MIN_CHUNK : size;
}

static bool add_arena(struct heap *h, size_t want)
{
	/* Room for the arena header, the chunk and the end fence. */
	size_t need = sizeof(struct heap_arena) + want + HDR;
	size_t size = (need + PAGE - 1) & ~(size_t)(PAGE - 1);
	if (size < need)
		return false;
	/* The usual arena from what is free, else just the pages needed. */
	struct heap_arena *a = NULL;
	if (size < ARENA_DEFAULT) {
		a = h->get(ARENA_DEFAULT, false);
		if (a)
			size = ARENA_DEFAULT;
	}
	if (a == NULL)
		a = h->get(size, true);
	if (a == NULL)
		return false;
	a->next = h->arenas;
	a->size = size;
	h->arenas = a;
	h->arena_bytes += size;

	struct heap_chunk *c = (struct heap_chunk *)(a + 1);
	size_t csz = size - sizeof(*a) - HDR;
	struct heap_chunk *fence = (struct heap_chunk *)((char *)c + csz);
	set_header(fence, 0, F_INUSE | F_FENCE);
	set_header(c, csz, F_INUSE | F_PREV_INUSE);
	release(h, c);
	return true;
}

static struct heap_chunk *take(struct heap *h, size_t size)
{
	unsigned b = bin_of(size);
	for (;;) {
		uint64_t candidates = h->nonempty & (~0ull << b);
		while (candidates) {
			unsigned i = (unsigned)__builtin_ctzll(candidates);
			for (struct heap_chunk *c = h->bin[i]; c; c = c->next) {
				if (csize(c) >= size) {
					bin_remove(h, c);
					set_header(c, csize(c), cflags(c) | F_INUSE);
					set_flag(cnext(c), F_PREV_INUSE, true);
					return c;
				}
			}
			candidates &= candidates - 1;
		}
		if (!add_arena(h, size))
			return NULL;
	}
}

void heap_init(struct heap *h, void *(*get)(size_t, bool), void (*put)(void *, size_t),
	       void (*fatal)(const char *, const void *))
{
	memset(h, 0, sizeof(*h));
	h->get = get;
	h->put = put;
	h->fatal = fatal;
}

/* Gives an arena back when its only chunk is free: one made for a large
 * request, or a small one taken when no usual arena could be (pages a
 * cache gave back, and may want again). The usual arenas stay for reuse. */
static void maybe_return_arena(struct heap *h, struct heap_chunk *c)
{
	/* Only a chunk that ends at a fence and has what would be its
	 * arena's header before it can fill an arena: the list is walked for
	 * those alone, to be sure. */
	const struct heap_arena *maybe = (const struct heap_arena *)c - 1;
	if (!(cflags(cnext(c)) & F_FENCE) || maybe->size != csize(c) + sizeof(*maybe) + HDR)
		return;
	struct heap_arena **pa = &h->arenas;
	for (; *pa; pa = &(*pa)->next) {
		struct heap_arena *a = *pa;
		if ((struct heap_chunk *)(a + 1) == c && csize(c) == a->size - sizeof(*a) - HDR) {
			if (a->size == ARENA_DEFAULT)
				return;
			bin_remove(h, c);
			*pa = a->next;
			h->arena_bytes -= a->size;
			h->put(a, a->size);
			return;
		}
	}
}

void *heap_alloc(struct heap *h, size_t n)
{
	size_t size = request_size(n);
	if (size == 0)
		return NULL;
	struct heap_chunk *c = take(h, size);
	if (c == NULL)
		return NULL;
	trim(h, c, size);
	h->used_bytes += csize(c);
	h->nallocs++;
	return cmem(c);
}

static struct heap_chunk *owned_chunk(struct heap *h, const void *p, const char *what)
{
	if (((uintptr_t)p & (ALIGN - 1)) != 0)
		h->fatal(what, p);
	struct heap_chunk *c = memc(p);
	verify(h, c, what);
	if (!(cflags(c) & F_INUSE) || (cflags(c) & F_FENCE))
		h->fatal(what, p);
	return c;
}

void heap_free(struct heap *h, void *p)
{
	if (p == NULL)
		return;
	struct heap_chunk *c = owned_chunk(h, p, "heap: free of a pointer not in use (double free?)");
	h->used_bytes -= csize(c);
	h->nallocs--;
	set_header(c, csize(c), cflags(c) & ~F_INUSE);
	maybe_return_arena(h, release(h, c));
}

void *heap_calloc(struct heap *h, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	void *p = heap_alloc(h, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

size_t heap_usable_size(struct heap *h, const void *p)
{
	return csize(owned_chunk(h, p, "heap: size of a pointer not in use")) - HDR;
}

void *heap_realloc(struct heap *h, void *p, size_t n)
{
	if (p == NULL)
		return heap_alloc(h, n);
	if (n == 0) {
		heap_free(h, p);
		return NULL;
	}
	struct heap_chunk *c = owned_chunk(h, p, "heap: realloc of a pointer not in use");
	size_t size = request_size(n);
	if (size == 0)
		return NULL;
	size_t have = csize(c);
	if (size <= have) {
		h->used_bytes -= have;
		trim(h, c, size);
		h->used_bytes += csize(c);
		return p;
	}
	/* Grow in place into a free right neighbour. */
	struct heap_chunk *next = cnext(c);
	if (!(cflags(next) & F_INUSE) && have + csize(next) >= size) {
		bin_remove(h, next);
		h->used_bytes -= have;
		set_header(c, have + csize(next), cflags(c));
		set_flag(cnext(c), F_PREV_INUSE, true);
		trim(h, c, size);
		h->used_bytes += csize(c);
		return p;
	}
	void *q = heap_alloc(h, n);
	if (q == NULL)
		return NULL;
	memcpy(q, p, have - HDR);
	heap_free(h, p);
	return q;
}

void *heap_memalign(struct heap *h, size_t align, size_t n)
{
	if (align == 0 || (align & (align - 1)) != 0)
		return NULL;
	if (align <= ALIGN)
		return heap_alloc(h, n);
	size_t size = request_size(n);
	if (size == 0 || size + align + MIN_CHUNK < size)
		return NULL;
	/* Take enough to cut an aligned chunk out of, with room for the
	 * leading piece to be a chunk of its own. */
	struct heap_chunk *c = take(h, size + align + MIN_CHUNK);
	if (c == NULL)
		return NULL;
	uintptr_t mem = (uintptr_t)cmem(c);
	uintptr_t aligned = (mem + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned != mem) {
		while (aligned - mem < MIN_CHUNK)
			aligned += align;
		size_t lead = aligned - mem;
		struct heap_chunk *ac = memc((void *)aligned);
		/* ac takes the rest; the leading piece goes back to a bin,
		 * which clears ac's previous-in-use flag. */
		set_header(ac, csize(c) - lead, F_INUSE | F_PREV_INUSE);
		set_header(c, lead, cflags(c) & ~F_INUSE);
		release(h, c);
		c = ac;
	}
	trim(h, c, size);
	h->used_bytes += csize(c);
	h->nallocs++;
	return cmem(c);
}

void heap_check(struct heap *h)
{
	for (struct heap_arena *a = h->arenas; a; a = a->next) {
		struct heap_chunk *c = (struct heap_chunk *)(a + 1);
		bool prev_inuse = true;
		char *end = (char *)a + a->size;
		for (;;) {
			verify(h, c, "heap: corrupt chunk header");
			if (((cflags(c) & F_PREV_INUSE) != 0) != prev_inuse)
				h->fatal("heap: a chunk's previous-in-use flag is wrong", cmem(c));
			if (cflags(c) & F_FENCE) {
				if ((char *)c + HDR != end)
					h->fatal("heap: arena fence out of place", c);
				break;
			}
			if ((char *)cnext(c) > end - HDR)
				h->fatal("heap: chunk runs past its arena", cmem(c));
			bool inuse = (cflags(c) & F_INUSE) != 0;
			if (!inuse && !prev_inuse)
				h->fatal("heap: two free chunks side by side", cmem(c));
			if (!inuse && *(uint64_t *)((char *)c + csize(c) - 8) != csize(c))
				h->fatal("heap: free chunk footer is wrong", cmem(c));
			prev_inuse = inuse;
			c = cnext(c);
		}
	}
}
