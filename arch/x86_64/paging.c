/*
 * Page tables. Four levels, identity mapped: 2 MiB pages wherever a range
 * covers whole aligned 2 MiB, 4 KiB pages at the edges and wherever
 * permissions change within 2 MiB (the kernel image, guard pages). A 2 MiB
 * page that needs finer permissions is split into a table of 512 pages
 * with the same attributes first.
 */
#include "arch/x86_64/paging.h"

#include <errno.h>
#include <string.h>

#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "kernel/mm/mm.h"
#include "kernel/panic.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull
#define SIZE_2M (2ull << 20)
#define SIZE_4K 4096ull
#define NULL_GUARD_SIZE 0x10000ull

extern const char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern const char __data_start[], __bss_end[], __ksyms_start[], __kernel_end[];
extern const char boot_stack_guard[];

bool paging_nx;
static uint64_t *pml4;
/* Set when a present entry changed: the TLB may hold the old one. A new
 * entry where none was present needs no invalidation (the TLB caches no
 * non-present translations). */
static bool stale;

static uint64_t leaf_bits(unsigned flags)
{
	if (flags == MAP_NONE)
		return 0;
	uint64_t bits = PTE_P;
	if (flags & MAP_WRITE)
		bits |= PTE_W;
	if (!(flags & MAP_EXEC) && paging_nx)
		bits |= PTE_NX;
	if (flags & MAP_UNCACHED)
		bits |= PTE_PCD | PTE_PWT;
	return bits;
}

static uint64_t *new_table(void)
{
	/* Below 4 GiB: until the new tables are live only the boot mapping
	 * of the first 4 GiB is there to write them through. */
	uint64_t pa = mm_alloc_pages_below(1, 1ull << 32);
	if (pa == 0)
		return NULL;
	memset((void *)(uintptr_t)pa, 0, SIZE_4K);
	return (uint64_t *)(uintptr_t)pa;
}

/* The table an entry points to, creating (or splitting a large page
 * into) one when needed. */
static uint64_t *child(uint64_t *entry, bool split_2m)
{
	if (*entry & PTE_P && !(*entry & PTE_PS))
		return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
	uint64_t *t = new_table();
	if (t == NULL)
		return NULL;
	if (*entry & PTE_P)
		stale = true;
	if (*entry & PTE_PS && split_2m) {
		/* Same attributes for the 512 small pages; bit 7 means PAT
		 * in a 4 KiB entry, so PS is not copied. */
		uint64_t base = *entry & PTE_ADDR & ~(SIZE_2M - 1);
		uint64_t attrs = *entry & ~PTE_ADDR & ~PTE_PS;
		for (unsigned i = 0; i < 512; i++)
			t[i] = (base + i * SIZE_4K) | attrs;
	}
	/* Intermediate entries allow everything; leaves decide. */
	*entry = (uint64_t)(uintptr_t)t | PTE_P | PTE_W;
	return t;
}

static int map_one(uint64_t va, uint64_t bits, bool big)
{
	uint64_t *pdpt = child(&pml4[(va >> 39) & 511], false);
	if (!pdpt)
		return -ENOMEM;
	uint64_t *pd = child(&pdpt[(va >> 30) & 511], false);
	if (!pd)
		return -ENOMEM;
	uint64_t *pde = &pd[(va >> 21) & 511];
	if (big) {
		/* A table that was here (from an earlier split) is left in
		 * place but no longer referenced: rare, and small. */
		if (*pde & PTE_P)
			stale = true;
		*pde = bits ? (va | bits | PTE_PS) : 0;
		return 0;
	}
	if (!(*pde & PTE_P) && bits == 0)
		return 0; /* unmapping what is not mapped */
	uint64_t *pt = child(pde, true);
	if (!pt)
		return -ENOMEM;
	uint64_t *pte = &pt[(va >> 12) & 511];
	if (*pte & PTE_P)
		stale = true;
	*pte = bits ? (va | bits) : 0;
	return 0;
}

static int map_range(uint64_t start, uint64_t end, unsigned flags)
{
	uint64_t bits = leaf_bits(flags);
	start &= ~(SIZE_4K - 1);
	end = (end + SIZE_4K - 1) & ~(SIZE_4K - 1);
	for (uint64_t va = start; va < end;) {
		bool big = (va & (SIZE_2M - 1)) == 0 && end - va >= SIZE_2M;
		int err = map_one(va, bits, big);
		if (err)
			return err;
		va += big ? SIZE_2M : SIZE_4K;
	}
	return 0;
}

int paging_map(uint64_t phys, uint64_t len, unsigned flags)
{
	if (len == 0)
		return 0;
	if (phys + len < phys || phys + len > (1ull << 47))
		return -EINVAL;
	stale = false;
	int err = map_range(phys, phys + len, flags);
	if (stale) {
		/* A few pages one by one; more, all at once. (Under emulation
		 * a full flush is costly: every page is looked up again.) */
		if (len <= 16 * SIZE_4K)
			for (uint64_t va = phys & ~(SIZE_4K - 1); va < phys + len; va += SIZE_4K)
				invlpg(va);
		else
			write_cr3(read_cr3());
	}
	return err;
}

volatile void *mmio_map(uint64_t phys, uint64_t len)
{
	/* The address comes from firmware tables or a device's BAR: neither
	 * may turn RAM (the kernel's own text, say) into writable device
	 * memory. */
	if (mm_overlaps_ram(phys, len)) {
		kwarn("paging: refusing to map device memory at 0x%lx (%lu bytes): it overlaps RAM\n", phys, len);
		return NULL;
	}
	if (paging_map(phys, len, MAP_WRITE | MAP_UNCACHED) != 0)
		return NULL;
	return (volatile void *)(uintptr_t)phys;
}

bool paging_is_mapped(uint64_t va)
{
	if (pml4 == NULL || va >= (1ull << 47))
		return false;
	uint64_t e = pml4[(va >> 39) & 511];
	if (!(e & PTE_P))
		return false;
	e = ((uint64_t *)(uintptr_t)(e & PTE_ADDR))[(va >> 30) & 511];
	if (!(e & PTE_P))
		return false;
	if (e & PTE_PS)
		return true;
	e = ((uint64_t *)(uintptr_t)(e & PTE_ADDR))[(va >> 21) & 511];
	if (!(e & PTE_P))
		return false;
	if (e & PTE_PS)
		return true;
	e = ((uint64_t *)(uintptr_t)(e & PTE_ADDR))[(va >> 12) & 511];
	return (e & PTE_P) != 0;
}

static void must(int err, const char *what)
{
	if (err)
		panic("paging: out of memory mapping %s", what);
}

void paging_init(const struct memmap *map)
{
	paging_nx = (cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_NX) != 0;
	pml4 = new_table();
	if (pml4 == NULL)
		panic("paging: no memory for the top-level page table");

	for (unsigned i = 0; i < map->count; i++) {
		const struct memmap_region *r = &map->region[i];
		/* RAM, and the ACPI tables the kernel reads later. */
		if (r->type == MEMMAP_RAM || r->type == MEMMAP_ACPI || r->type == MEMMAP_NVS)
			must(map_range(r->base, r->base + r->length, MAP_WRITE), "RAM");
	}
	uintptr_t text = (uintptr_t)__text_start, rodata = (uintptr_t)__rodata_start;
	uintptr_t data = (uintptr_t)__data_start, ksyms = (uintptr_t)__ksyms_start;
	must(map_range(text, (uintptr_t)__text_end, MAP_READ | MAP_EXEC), "kernel text");
	must(map_range(rodata, (uintptr_t)__rodata_end, MAP_READ), "kernel read-only data");
	must(map_range(data, (uintptr_t)__bss_end, MAP_WRITE), "kernel data");
	must(map_range(ksyms, (uintptr_t)__kernel_end, MAP_READ), "kernel symbols");
	/* NULL and small offsets from it fault; so does the boot stack's
	 * overflow. */
	must(map_range(0, NULL_GUARD_SIZE, MAP_NONE), "the NULL guard");
	must(map_range((uintptr_t)boot_stack_guard, (uintptr_t)boot_stack_guard + SIZE_4K, MAP_NONE), "a guard page");

	write_cr3((uint64_t)(uintptr_t)pml4);
}
