/*
 * The symbol table for backtraces: generated from the first link's
 * symbols by tools/gen-ksyms.sh and linked into a section after
 * everything else, so it never moves what it describes.
 */
#include "kernel/ksyms.h"

#include <stddef.h>
#include <string.h>

struct ksym {
	uint32_t addr;
	uint32_t name;
};

extern const uint32_t ksyms_count;
extern const struct ksym ksyms_entries[];
extern const char ksyms_names[];
extern const char __text_start[], __text_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	if (addr < (uintptr_t)__text_start || addr >= (uintptr_t)__text_end || ksyms_count == 0)
		return NULL;
	/* The last entry at or below addr. */
	size_t lo = 0, hi = ksyms_count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms_entries[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_entries[lo].addr > addr)
		return NULL;
	*offset = addr - ksyms_entries[lo].addr;
	return ksyms_names + ksyms_entries[lo].name;
}
