/*
 * The application's regions: a sorted array that doubles when full. A
 * lookup is a binary search; inserting moves the tail, which stays cheap
 * next to the page-table work each change brings (an application with
 * many mappings mostly adds them at one end, where the heap's and mmap's
 * addresses grow).
 */
#include "sys/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The lowest address a pointer from the application may hold: the first
 * 64 KiB are never mapped (NULL and small offsets from it). */
#define VM_LOWEST 0x10000ull
/* Canonical lower half of a 48-bit address space. */
#define VM_TOP (1ull << 47)

static unsigned first_ending_after(const struct vm *vm, uint64_t addr)
{
	unsigned lo = 0, hi = vm->n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (vm->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct vm_region *vm_find(const struct vm *vm, uint64_t addr)
{
	unsigned i = first_ending_after(vm, addr);
	return i < vm->n && vm->r[i].start <= addr ? &vm->r[i] : NULL;
}

/* Makes room for extra more regions, or returns -ENOMEM with nothing
 * changed. */
static int reserve(struct vm *vm, unsigned extra)
{
	if (extra > VM_MAX_REGIONS - vm->n)
		return -ENOMEM;
	if (vm->n + extra <= vm->cap)
		return 0;
	unsigned cap = vm->cap ? vm->cap : 16;
	while (cap < vm->n + extra)
		cap *= 2;
	if (cap > VM_MAX_REGIONS)
		cap = VM_MAX_REGIONS;
	struct vm_region *r = realloc(vm->r, cap * sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	vm->r = r;
	vm->cap = cap;
	return 0;
}

void vm_free(struct vm *vm)
{
	free(vm->r);
	*vm = (struct vm){ .seq = vm->seq + 1 };
}

static int open_slot(struct vm *vm, unsigned at)
{
	if (reserve(vm, 1))
		return -ENOMEM;
	memmove(&vm->r[at + 1], &vm->r[at], (vm->n - at) * sizeof(vm->r[0]));
	vm->n++;
	return 0;
}

static void close_slot(struct vm *vm, unsigned at)
{
	memmove(&vm->r[at], &vm->r[at + 1], (vm->n - at - 1) * sizeof(vm->r[0]));
	vm->n--;
}

int vm_insert(struct vm *vm, uint64_t start, uint64_t end, unsigned prot, enum vm_kind kind)
{
	vm->seq++;
	if (start >= end)
		return -EINVAL;
	unsigned i = first_ending_after(vm, start);
	if (i < vm->n && vm->r[i].start < end)
		return -EINVAL;
	/* Next to a region of the same kind and protection: one region,
	 * so that an area grown page by page (brk) stays one entry. */
	bool joins_prev = i > 0 && vm->r[i - 1].end == start && vm->r[i - 1].kind == kind && vm->r[i - 1].prot == prot;
	bool joins_next = i < vm->n && vm->r[i].start == end && vm->r[i].kind == kind && vm->r[i].prot == prot;
	if (joins_prev && joins_next) {
		vm->r[i - 1].end = vm->r[i].end;
		close_slot(vm, i);
		return 0;
	}
	if (joins_prev) {
		vm->r[i - 1].end = end;
		return 0;
	}
	if (joins_next) {
		vm->r[i].start = start;
		return 0;
	}
	if (open_slot(vm, i))
		return -ENOMEM;
	vm->r[i] = (struct vm_region){ start, end, prot, kind };
	return 0;
}

/* Splits the region at index i at addr (strictly inside it). */
static int split(struct vm *vm, unsigned i, uint64_t addr)
{
	if (open_slot(vm, i + 1))
		return -ENOMEM;
	vm->r[i + 1] = vm->r[i];
	vm->r[i].end = addr;
	vm->r[i + 1].start = addr;
	return 0;
}

/* How many splits making [start, end) a union of whole regions of kind
 * needs: at most one at each end. */
static unsigned splits_needed(const struct vm *vm, uint64_t start, uint64_t end, enum vm_kind kind)
{
	unsigned n = 0;
	const struct vm_region *a = vm_find(vm, start), *b = vm_find(vm, end - 1);
	if (a && a->kind == kind && a->start < start)
		n++;
	if (b && b->kind == kind && b->end > end)
		n++;
	return n;
}

/* Splits so that start and end fall on region boundaries (for kind). */
static int cut(struct vm *vm, uint64_t start, uint64_t end, enum vm_kind kind)
{
	if (reserve(vm, splits_needed(vm, start, end, kind)))
		return -ENOMEM;
	unsigned i = first_ending_after(vm, start);
	if (i < vm->n && vm->r[i].kind == kind && vm->r[i].start < start)
		split(vm, i, start);
	i = first_ending_after(vm, end - 1);
	if (i < vm->n && vm->r[i].kind == kind && vm->r[i].start < end && vm->r[i].end > end)
		split(vm, i, end);
	return 0;
}

int vm_remove(struct vm *vm, uint64_t start, uint64_t end, enum vm_kind kind,
	      void (*removed)(uint64_t start, uint64_t end, void *ctx), void *ctx)
{
	vm->seq++;
	if (start >= end)
		return 0;
	if (cut(vm, start, end, kind))
		return -ENOMEM;
	unsigned i = first_ending_after(vm, start);
	while (i < vm->n && vm->r[i].start < end) {
		if (vm->r[i].kind != kind) {
			i++;
			continue;
		}
		if (removed)
			removed(vm->r[i].start, vm->r[i].end, ctx);
		close_slot(vm, i);
	}
	return 0;
}

bool vm_covered(const struct vm *vm, uint64_t start, uint64_t end, enum vm_kind kind)
{
	/* A range that wraps past the top covers nothing of the application. */
	if (end < start)
		return false;
	uint64_t at = start;
	for (unsigned i = first_ending_after(vm, start); at < end; i++) {
		if (i >= vm->n || vm->r[i].start > at || vm->r[i].kind != kind)
			return false;
		at = vm->r[i].end;
	}
	return true;
}

static bool joinable(const struct vm_region *a, const struct vm_region *b)
{
	return a->end == b->start && a->kind == b->kind && a->prot == b->prot;
}

int vm_protect(struct vm *vm, uint64_t start, uint64_t end, unsigned prot, enum vm_kind kind)
{
	vm->seq++;
	if (start == end)
		return 0;
	if (end < start || !vm_covered(vm, start, end, kind) || cut(vm, start, end, kind))
		return -ENOMEM;
	unsigned first = first_ending_after(vm, start), i = first;
	for (; i < vm->n && vm->r[i].start < end; i++)
		vm->r[i].prot = prot;
	/* Join what now matches, from the region before the range to the
	 * one after it. */
	unsigned j = first > 0 ? first - 1 : 0;
	while (j + 1 < vm->n && j <= i) {
		if (joinable(&vm->r[j], &vm->r[j + 1])) {
			vm->r[j].end = vm->r[j + 1].end;
			close_slot(vm, j + 1);
			i--;
		} else {
			j++;
		}
	}
	return 0;
}

/* Where a lookup of addr starts: at the region found last when it holds
 * addr (the pointers of successive system calls mostly fall in the same
 * stack or heap, and under an emulator the binary search costs as much
 * as the call it checks), else where the search says. Regions do not
 * overlap, so one that holds addr is the first ending after it, and a
 * hint left stale by a change of the list costs only the search. */
static unsigned lookup_from(struct vm *vm, uint64_t addr)
{
	unsigned h = vm->hint;
	if (h < vm->n && vm->r[h].start <= addr && addr < vm->r[h].end)
		return h;
	h = first_ending_after(vm, addr);
	vm->hint = h;
	return h;
}

bool vm_access_ok(struct vm *vm, uint64_t p, uint64_t len, unsigned need)
{
	if (len == 0)
		return true;
	if (p < VM_LOWEST || p >= VM_TOP || len > VM_TOP - p)
		return false;
	uint64_t at = p, end = p + len;
	for (unsigned i = lookup_from(vm, p); at < end; i++) {
		if (i >= vm->n || vm->r[i].start > at || (vm->r[i].prot & need) != need)
			return false;
		at = vm->r[i].end;
	}
	return true;
}
