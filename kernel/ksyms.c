/*
 * The symbol table for backtraces: generated from the first link's
 * symbols by tools/gen-ksyms.sh and linked into a section after
 * everything else, so it never moves what it describes. It is compressed
 * (3-byte offsets, names in byte-pair codes) since it sits in every
 * image; a lookup, rare and on report paths only, walks it.
 */
#include "kernel/ksyms.h"

#include <stddef.h>

#include "kernel/bpe.h"

extern const uint32_t ksyms_count, ksyms_base;
extern const uint8_t ksyms_tokens[], ksyms_addrs[], ksyms_names[];

static uint32_t addr_of(size_t i)
{
	const uint8_t *p = ksyms_addrs + 3 * i;
	return ksyms_base + (p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16);
}

/* The names are read by the report that asked for them before any other
 * lookup: one buffer does. */
static char name_buf[128];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	if (!ksyms_in_text(addr) || ksyms_count == 0)
		return NULL;
	/* The last entry at or below addr. */
	size_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (addr_of(mid) <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (addr_of(lo) > addr)
		return NULL;
	*offset = addr - addr_of(lo);
	const uint8_t *p = ksyms_names;
	for (size_t i = 0; i < lo; i++)
		p += 1 + p[0];
	bpe_decode(ksyms_tokens, p + 1, p[0], name_buf, sizeof(name_buf));
	return name_buf;
}
