/*
 * Cleaning up a loader's memory map.
 *
 * Firmware maps overlap, repeat themselves and come in any order (the
 * E820 interface never promised otherwise), so the map is rebuilt from
 * the boundaries of its regions: each elementary interval between two
 * boundaries takes the strongest type of the regions that cover it.
 */
#include "kernel/mm/memmap.h"

#include <stdbool.h>
#include <stddef.h>

#define PAGE_SIZE 4096u

int memmap_add(struct memmap *map, uint64_t base, uint64_t length, uint32_t type)
{
	if (length == 0)
		return 0;
	if (base + length < base) /* wraps: keep what is addressable */
		length = UINT64_MAX - base;
	if (length == 0)
		return 0;
	if (map->count >= MEMMAP_MAX)
		return -1;
	map->region[map->count++] = (struct memmap_region){ base, length, type };
	return 0;
}

/* Whether type a must win over type b where both cover an address. */
static bool type_stronger(uint32_t a, uint32_t b)
{
	if (a == b)
		return false;
	if (b == MEMMAP_RAM)
		return true;
	if (a == MEMMAP_RAM)
		return false;
	return a > b;
}

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

bool memmap_normalize(struct memmap *map)
{
	uint64_t bound[2 * MEMMAP_MAX];
	unsigned nb = 0;

	for (unsigned i = 0; i < map->count; i++) {
		bound[nb++] = map->region[i].base;
		bound[nb++] = map->region[i].base + map->region[i].length;
	}
	sort_u64(bound, nb);

	struct memmap out = { .count = 0 };
	bool complete = true;
	for (unsigned b = 0; b + 1 < nb; b++) {
		uint64_t lo = bound[b], hi = bound[b + 1];
		if (lo == hi)
			continue;
		/* Whether any region covers the interval is kept apart from
		 * its type: 0 is no E820 type, but a loader may still report
		 * it, and it must then win over RAM like any other. */
		uint32_t type = 0;
		bool covered = false;
		for (unsigned i = 0; i < map->count; i++) {
			const struct memmap_region *r = &map->region[i];
			if (r->base <= lo && hi <= r->base + r->length && (!covered || type_stronger(r->type, type))) {
				type = r->type;
				covered = true;
			}
		}
		if (!covered)
			continue; /* a hole between regions */
		struct memmap_region *last = out.count ? &out.region[out.count - 1] : NULL;
		if (last && last->type == type && last->base + last->length == lo) {
			last->length += hi - lo;
		} else if (out.count < MEMMAP_MAX) {
			out.region[out.count++] = (struct memmap_region){ lo, hi - lo, type };
		} else {
			complete = false;
		}
	}

	/* RAM is handed out in pages: keep only the whole pages of it. */
	map->count = 0;
	for (unsigned i = 0; i < out.count; i++) {
		struct memmap_region r = out.region[i];
		if (r.type == MEMMAP_RAM) {
			uint64_t end = r.base + r.length;
			uint64_t base = (r.base + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
			if (base < r.base) /* rounding up wrapped */
				continue;
			end &= ~(uint64_t)(PAGE_SIZE - 1);
			if (end <= base)
				continue;
			r.base = base;
			r.length = end - base;
		}
		map->region[map->count++] = r;
	}
	return complete;
}

uint64_t memmap_total(const struct memmap *map, uint32_t type)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < map->count; i++)
		if (map->region[i].type == type)
			total += map->region[i].length;
	return total;
}

uint64_t memmap_ram_end(const struct memmap *map)
{
	uint64_t end = 0;
	for (unsigned i = 0; i < map->count; i++) {
		const struct memmap_region *r = &map->region[i];
		if (r->type == MEMMAP_RAM && r->base + r->length > end)
			end = r->base + r->length;
	}
	return end;
}

const char *memmap_type_name(uint32_t type)
{
	switch (type) {
	case MEMMAP_RAM: return "usable";
	case MEMMAP_RESERVED: return "reserved";
	case MEMMAP_ACPI: return "ACPI data";
	case MEMMAP_NVS: return "ACPI NVS";
	case MEMMAP_UNUSABLE: return "unusable";
	case MEMMAP_DISABLED: return "disabled";
	case MEMMAP_PMEM: return "persistent";
	default: return "unknown";
	}
}
