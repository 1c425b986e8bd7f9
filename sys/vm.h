/*
 * The application's memory as the system-call layer knows it: a sorted
 * list of non-overlapping regions with their protections (its image, its
 * stack, its brk area, what it mapped). Pointers the application passes
 * are checked against it, so a bad one answers -EFAULT instead of letting
 * the kernel read or write its own memory. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_VM_H
#define KEEL_SYS_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_PAGE 4096ull
/* At most as many regions as Linux allows a process by default
 * (vm.max_map_count): the list grows with what the application maps, and
 * a mapping past this bound answers -ENOMEM as it would on Linux. */
#define VM_MAX_REGIONS 65530

/* Protections: PROT_READ, PROT_WRITE, PROT_EXEC (sys/linux.h values). */
enum vm_kind {
	VM_IMAGE, /* part of the image: never unmapped or freed */
	VM_STACK, /* the main stack */
	VM_BRK,	  /* the brk area */
	VM_ANON,  /* anonymous memory from mmap: pages of the page allocator */
};

struct vm_region {
	uint64_t start, end; /* [start, end), page-aligned but for VM_IMAGE */
	unsigned prot;
	enum vm_kind kind;
};

/* A zeroed struct vm is empty; the array grows on the heap as regions
 * are added (vm_free gives it back). */
struct vm {
	struct vm_region *r;
	unsigned n, cap;
	unsigned hint; /* the region vm_access_ok found last (any value is safe) */
	unsigned seq;  /* counts the changes of the list (vm_hint_ok) */
};

/* Adds [start, end), which must overlap no region. Returns 0, -EINVAL or
 * -ENOMEM (VM_MAX_REGIONS reached, or no memory for the list). */
int vm_insert(struct vm *vm, uint64_t start, uint64_t end, unsigned prot, enum vm_kind kind);

/* Removes [start, end) from every region of the given kind, splitting
 * regions that extend beyond it; other kinds are left alone. Calls
 * removed(start, end, ctx) for each piece taken out, before it goes.
 * Returns 0 or -ENOMEM (a split needed room the list cannot have; then
 * nothing changed). */
int vm_remove(struct vm *vm, uint64_t start, uint64_t end, enum vm_kind kind,
	      void (*removed)(uint64_t start, uint64_t end, void *ctx), void *ctx);

/* Sets prot on [start, end), which regions of kind must cover entirely.
 * Returns 0, -ENOMEM (not covered, or no room to split). */
int vm_protect(struct vm *vm, uint64_t start, uint64_t end, unsigned prot, enum vm_kind kind);

/* Whether [start, end) is covered by regions of kind, without a gap. */
bool vm_covered(const struct vm *vm, uint64_t start, uint64_t end, enum vm_kind kind);

/* The region holding addr, or NULL. */
const struct vm_region *vm_find(const struct vm *vm, uint64_t addr);

/* Whether the application may access [p, p + len) with every protection
 * in need: not NULL, no wrap-around, canonical, and covered by regions
 * that allow it. A length of 0 is always fine. */
bool vm_access_ok(struct vm *vm, uint64_t p, uint64_t len, unsigned need);

/* Whether the region vm_access_ok found last covers [p, p + len) with
 * every protection in need: the check without the search, for the
 * hottest path (the vDSO's clock), which runs preemptible. Changes of the
 * list run whole between two of the caller's instructions (on one CPU,
 * with preemption held off), so a change made while the caller was
 * preempted shows in seq, and the answer read across it is not used.
 * False says only "ask vm_access_ok". */
static inline bool vm_hint_ok(const struct vm *vm, uint64_t p, uint64_t len, unsigned need)
{
	unsigned seq = *(const volatile unsigned *)&vm->seq;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	unsigned h = vm->hint;
	bool ok = h < vm->n;
	if (ok) {
		const struct vm_region *r = &vm->r[h];
		ok = p >= r->start && p < r->end && len <= r->end - p && (r->prot & need) == need;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return ok && *(const volatile unsigned *)&vm->seq == seq;
}

/* Frees the list; vm is empty afterwards. */
void vm_free(struct vm *vm);

#endif
