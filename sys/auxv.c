/*
 * The initial stack's layout (System V x86-64 ABI, section 3.4.1), built
 * downward from the top: strings, then the random bytes and program
 * headers, then the vectors, with the stack pointer 16-byte aligned at
 * argc.
 */
#include "sys/auxv.h"

#include <stdbool.h>
#include <string.h>

struct cursor {
	uint64_t lo, at;
	bool full;
};

/* Room for n bytes aligned to align below the cursor, or 0. */
static uint64_t take(struct cursor *c, size_t n, uint64_t align)
{
	if (c->full || c->at - c->lo < n) {
		c->full = true;
		return 0;
	}
	uint64_t p = (c->at - n) & ~(align - 1);
	if (p < c->lo) {
		c->full = true;
		return 0;
	}
	c->at = p;
	return p;
}

static uint64_t put_string(struct cursor *c, const char *s)
{
	size_t n = strlen(s) + 1;
	uint64_t p = take(c, n, 1);
	if (p)
		memcpy((void *)(uintptr_t)p, s, n);
	return p;
}

uint64_t initial_stack_build(uint64_t lo, uint64_t hi, const struct initial_stack *s)
{
	struct cursor c = { lo, hi & ~15ull, false };
	if (s->argc < 0 || s->envc < 0 || s->naux > AUXV_MAX)
		return 0;
	/* The strings, last first so they read in order upward, one after
	 * the other from strings on: the vectors are filled by walking them
	 * again, so their number (bounded by the command line only) needs
	 * no table on the kernel's stack. */
	for (int i = s->envc - 1; i >= 0; i--)
		put_string(&c, s->envp[i]);
	for (int i = s->argc - 1; i >= 0; i--)
		put_string(&c, s->argv[i]);
	uint64_t strings = c.at;
	uint64_t random = take(&c, sizeof(s->random), 16);
	if (random)
		memcpy((void *)(uintptr_t)random, s->random, sizeof(s->random));
	uint64_t phdr = 0;
	if (s->phdr) {
		phdr = take(&c, s->phdr_bytes, 8);
		if (phdr)
			memcpy((void *)(uintptr_t)phdr, s->phdr, s->phdr_bytes);
	}
	if (c.full)
		return 0;

	size_t words = 1 + (size_t)s->argc + 1 + (size_t)s->envc + 1 + 2 * ((size_t)s->naux + 1);
	uint64_t sp = take(&c, words * 8, 16);
	if (sp == 0)
		return 0;
	uint64_t *w = (uint64_t *)(uintptr_t)sp;
	*w++ = (uint64_t)s->argc;
	for (int i = 0; i < s->argc; strings += strlen(s->argv[i++]) + 1)
		*w++ = strings;
	*w++ = 0;
	for (int i = 0; i < s->envc; strings += strlen(s->envp[i++]) + 1)
		*w++ = strings;
	*w++ = 0;
	for (unsigned i = 0; i < s->naux; i++) {
		uint64_t type = s->aux[i][0], value = s->aux[i][1];
		if (type == AT_RANDOM)
			value = random;
		else if (type == AT_PHDR)
			value = phdr;
		*w++ = type;
		*w++ = value;
	}
	*w++ = AT_NULL;
	*w++ = 0;
	return sp;
}
