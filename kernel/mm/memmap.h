/*
 * The physical memory map: what the loader said about each range of
 * physical addresses, cleaned up so the rest of the kernel can trust it.
 */
#ifndef KEEL_MEMMAP_H
#define KEEL_MEMMAP_H

#include <stdbool.h>
#include <stdint.h>

/* The E820 types, which multiboot2 and PVH both use. */
enum memmap_type {
	MEMMAP_RAM = 1,
	MEMMAP_RESERVED = 2,
	MEMMAP_ACPI = 3,     /* ACPI tables, reclaimable once read */
	MEMMAP_NVS = 4,	     /* ACPI non-volatile storage */
	MEMMAP_UNUSABLE = 5, /* bad memory */
	MEMMAP_DISABLED = 6,
	MEMMAP_PMEM = 7,
};

struct memmap_region {
	uint64_t base;
	uint64_t length;
	uint32_t type;
};

/* Loaders report a few dozen regions at most; a map with more than this
 * is cut short (and said so by memmap_add's return value). */
#define MEMMAP_MAX 128

struct memmap {
	unsigned count;
	struct memmap_region region[MEMMAP_MAX];
};

/* Appends a region as reported. Empty regions are dropped and a region
 * that runs past 2^64 is cut at the top. Returns 0, or -1 when full. */
int memmap_add(struct memmap *map, uint64_t base, uint64_t length, uint32_t type);

/* Sorts the map and resolves overlaps so that every address belongs to at
 * most one region: where regions overlap, anything that is not RAM wins
 * over RAM (and a higher type number over a lower one), so memory a loader
 * reports twice is never handed out. Adjacent regions of one type merge.
 * RAM regions then shrink to whole pages. Returns false when the result
 * needed more than MEMMAP_MAX regions and the rest was dropped (which can
 * only lose RAM, never invent it). */
bool memmap_normalize(struct memmap *map);

/* Bytes of the given type (after normalisation: no double counting). */
uint64_t memmap_total(const struct memmap *map, uint32_t type);

/* One past the highest RAM address, 0 with no RAM. */
uint64_t memmap_ram_end(const struct memmap *map);

const char *memmap_type_name(uint32_t type);

#endif
