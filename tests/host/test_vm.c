/*
 * The application's regions and the checks of its pointers (sys/vm.c):
 * hand-written cases for each rule (NULL, kernel memory, non-canonical,
 * unmapped, wrap-around, protections), splits and merges, then random
 * operations against a page-by-page model.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/test_random.h"

#include "sys/vm.h"

#define R 1
#define W 2
#define X 4
#define PG VM_PAGE
#define BASE 0x1000000ull

static struct vm vm;

static int reset(void **state)
{
	memset(&vm, 0, sizeof(vm));
	return 0;
}

static int release(void **state)
{
	vm_free(&vm);
	assert_int_equal(vm.n, 0);
	assert_null(vm.r);
	return 0;
}

static void access_rules(void **state)
{
	assert_int_equal(vm_insert(&vm, BASE, BASE + 4 * PG, R | W, VM_ANON), 0);
	assert_int_equal(vm_insert(&vm, BASE + 8 * PG, BASE + 9 * PG, R, VM_IMAGE), 0);
	assert_true(vm_access_ok(&vm, BASE, 4 * PG, R | W));
	assert_true(vm_access_ok(&vm, BASE + 5, 10, R));
	assert_true(vm_access_ok(&vm, 0, 0, R));		  /* nothing to access */
	assert_false(vm_access_ok(&vm, 0, 1, R));		  /* NULL */
	assert_false(vm_access_ok(&vm, 0x8000, 1, R));		  /* the NULL guard */
	assert_false(vm_access_ok(&vm, BASE - 1, 2, R));	  /* starts outside */
	assert_false(vm_access_ok(&vm, BASE + 4 * PG - 1, 2, R)); /* ends in a gap */
	assert_false(vm_access_ok(&vm, BASE + 8 * PG, 1, W));	  /* read-only */
	assert_true(vm_access_ok(&vm, BASE + 8 * PG, PG, R));
	assert_false(vm_access_ok(&vm, 0x800000000000ull, 1, R));     /* non-canonical */
	assert_false(vm_access_ok(&vm, 0xffff800000000000ull, 1, R)); /* kernel half */
	assert_false(vm_access_ok(&vm, BASE, UINT64_MAX, R));	      /* wraps */
	assert_false(vm_access_ok(&vm, BASE, UINT64_MAX - BASE + 2, R));
	/* Overlaps are refused; empty ranges too. */
	assert_int_equal(vm_insert(&vm, BASE + 3 * PG, BASE + 5 * PG, R, VM_ANON), -EINVAL);
	assert_int_equal(vm_insert(&vm, BASE, BASE, R, VM_ANON), -EINVAL);
	assert_non_null(vm_find(&vm, BASE + 8 * PG));
	assert_null(vm_find(&vm, BASE + 9 * PG));
}

/* The last region found is tried first: its index, left stale by the
 * list's changes, must never let a check pass that the search refuses. */
static void stale_hint(void **state)
{
	assert_int_equal(vm_insert(&vm, BASE + 8 * PG, BASE + 10 * PG, R | W, VM_ANON), 0);
	assert_true(vm_access_ok(&vm, BASE + 8 * PG, PG, R | W)); /* the hint: index 0 */
	/* A region before it: index 0 is now the new one, read-only. */
	assert_int_equal(vm_insert(&vm, BASE, BASE + PG, R, VM_IMAGE), 0);
	assert_true(vm_access_ok(&vm, BASE + 9 * PG, 8, R | W));
	assert_false(vm_access_ok(&vm, BASE + 2 * PG, 8, R)); /* the gap */
	assert_true(vm_access_ok(&vm, BASE + 16, 8, R));
	assert_false(vm_access_ok(&vm, BASE + 16, 8, R | W)); /* hint on the read-only one */
	/* Gone: the hint points past the end of the list. */
	assert_true(vm_access_ok(&vm, BASE + 9 * PG, 8, R | W)); /* hint: index 1 */
	assert_int_equal(vm_remove(&vm, BASE + 8 * PG, BASE + 10 * PG, VM_ANON, NULL, NULL), 0);
	assert_int_equal(vm.n, 1);
	assert_false(vm_access_ok(&vm, BASE + 9 * PG, 8, R));
	/* Half of it made read-only: the same index, other protections. */
	assert_int_equal(vm_insert(&vm, BASE + 8 * PG, BASE + 10 * PG, R | W, VM_ANON), 0);
	assert_true(vm_access_ok(&vm, BASE + 9 * PG, 8, R | W));
	assert_int_equal(vm_protect(&vm, BASE + 9 * PG, BASE + 10 * PG, R, VM_ANON), 0);
	assert_false(vm_access_ok(&vm, BASE + 9 * PG, 8, R | W));
	assert_true(vm_access_ok(&vm, BASE + 8 * PG, 8, R | W));
	assert_false(vm_access_ok(&vm, BASE + 9 * PG - 4, 8, R | W)); /* across the change */
}

static void contiguous_regions(void **state)
{
	/* Adjacent regions of different protections: each must allow. */
	assert_int_equal(vm_insert(&vm, BASE, BASE + PG, R | W, VM_STACK), 0);
	assert_int_equal(vm_insert(&vm, BASE + PG, BASE + 2 * PG, R, VM_IMAGE), 0);
	assert_true(vm_access_ok(&vm, BASE + 10, PG, R));
	assert_false(vm_access_ok(&vm, BASE + 10, PG, R | W));
	assert_int_equal(vm.n, 2);
	/* Same kind and protection next to each other: one region. */
	assert_int_equal(vm_insert(&vm, BASE + 3 * PG, BASE + 4 * PG, R, VM_ANON), 0);
	assert_int_equal(vm_insert(&vm, BASE + 5 * PG, BASE + 6 * PG, R, VM_ANON), 0);
	assert_int_equal(vm_insert(&vm, BASE + 4 * PG, BASE + 5 * PG, R, VM_ANON), 0);
	assert_int_equal(vm.n, 3);
	assert_true(vm_covered(&vm, BASE + 3 * PG, BASE + 6 * PG, VM_ANON));
}

struct removed_log {
	uint64_t start[8], end[8];
	unsigned n;
};

static void log_removed(uint64_t start, uint64_t end, void *ctx)
{
	struct removed_log *l = ctx;
	assert_true(l->n < 8);
	l->start[l->n] = start;
	l->end[l->n++] = end;
}

static void remove_and_protect(void **state)
{
	assert_int_equal(vm_insert(&vm, BASE, BASE + 10 * PG, R | W, VM_ANON), 0);
	assert_int_equal(vm_insert(&vm, BASE + 10 * PG, BASE + 11 * PG, R, VM_IMAGE), 0);
	/* A hole in the middle: two pieces remain, one callback. */
	struct removed_log l = { 0 };
	assert_int_equal(vm_remove(&vm, BASE + 3 * PG, BASE + 5 * PG, VM_ANON, log_removed, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.start[0], BASE + 3 * PG);
	assert_int_equal(l.end[0], BASE + 5 * PG);
	assert_false(vm_access_ok(&vm, BASE + 3 * PG, 1, R));
	assert_true(vm_access_ok(&vm, BASE + 5 * PG, 5 * PG, R | W));
	/* Another kind is never removed: the image stays. */
	l.n = 0;
	assert_int_equal(vm_remove(&vm, BASE + 9 * PG, BASE + 11 * PG, VM_ANON, log_removed, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.end[0], BASE + 10 * PG);
	assert_true(vm_access_ok(&vm, BASE + 10 * PG, PG, R));
	/* Protection over a gap is refused and changes nothing. */
	assert_int_equal(vm_protect(&vm, BASE, BASE + 6 * PG, R, VM_ANON), -ENOMEM);
	assert_true(vm_access_ok(&vm, BASE, 3 * PG, R | W));
	/* Inside one region: split in three. */
	assert_int_equal(vm_protect(&vm, BASE + PG, BASE + 2 * PG, 0, VM_ANON), 0);
	assert_false(vm_access_ok(&vm, BASE + PG, 1, R));
	assert_true(vm_access_ok(&vm, BASE, PG, R | W));
	assert_true(vm_access_ok(&vm, BASE + 2 * PG, PG, R | W));
	/* Not of that kind: refused. */
	assert_int_equal(vm_protect(&vm, BASE + 10 * PG, BASE + 11 * PG, R | W, VM_ANON), -ENOMEM);
}

/* A range whose end wraps past 2^64 (mprotect(addr, -addr)) covers
 * nothing and protects nothing: before, it passed as empty and the caller
 * went on to change the whole address space. */
static void wrapped_ranges(void **state)
{
	assert_int_equal(vm_insert(&vm, BASE, BASE + 4 * PG, R | W, VM_ANON), 0);
	uint64_t wrapped_end = BASE - PG; /* BASE + (2^64 - PG) */
	assert_false(vm_covered(&vm, BASE, wrapped_end, VM_ANON));
	assert_int_equal(vm_protect(&vm, BASE, wrapped_end, 0, VM_ANON), -ENOMEM);
	assert_true(vm_access_ok(&vm, BASE, 4 * PG, R | W));
	assert_int_equal(vm_protect(&vm, BASE, BASE, 0, VM_ANON), 0);
}

static void full_list(void **state)
{
	/* Every other page, so that nothing merges. */
	for (unsigned i = 0; i < VM_MAX_REGIONS; i++)
		assert_int_equal(vm_insert(&vm, BASE + 2 * i * PG, BASE + (2 * i + 1) * PG, R, VM_ANON), 0);
	assert_int_equal(vm_insert(&vm, 0x100000000ull, 0x100001000ull, R, VM_ANON), -ENOMEM);
	/* A split needs a slot: refused whole, nothing changed. */
	struct removed_log l = { 0 };
	assert_int_equal(vm_insert(&vm, 0, 0, R, VM_ANON), -EINVAL);
	vm_free(&vm);
	for (unsigned i = 0; i < VM_MAX_REGIONS - 1; i++)
		assert_int_equal(vm_insert(&vm, BASE + 2 * i * PG, BASE + (2 * i + 1) * PG, i % 2 ? R : W, VM_ANON), 0);
	assert_int_equal(vm_insert(&vm, 0x200000000ull, 0x200004000ull, R, VM_ANON), 0);
	assert_int_equal(vm_remove(&vm, 0x200001000ull, 0x200002000ull, VM_ANON, log_removed, &l), -ENOMEM);
	assert_int_equal(l.n, 0);
	assert_true(vm_access_ok(&vm, 0x200000000ull, 4 * PG, R));
	assert_int_equal(vm_protect(&vm, 0x200001000ull, 0x200002000ull, W, VM_ANON), -ENOMEM);
}

/* Far more regions than a small fixed table would hold: mapped in a
 * scattered order (so inserts land in the middle of the list), then each
 * split in three by a protection of its middle page, then unmapped. */
#define MANY 5000
static void many_regions(void **state)
{
	rng_state = seed_from_env("vm-many", 0x6d616e79);
	static unsigned order[MANY];
	for (unsigned i = 0; i < MANY; i++)
		order[i] = i;
	for (unsigned i = MANY - 1; i > 0; i--) {
		unsigned j = (unsigned)below(i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	/* Region i: pages [4i, 4i + 3), a gap page after it. */
	for (unsigned k = 0; k < MANY; k++) {
		uint64_t s = BASE + 4ull * order[k] * PG;
		assert_int_equal(vm_insert(&vm, s, s + 3 * PG, R | W, VM_ANON), 0);
	}
	assert_int_equal(vm.n, MANY);
	for (unsigned k = 0; k < MANY; k++) {
		uint64_t s = BASE + 4ull * order[k] * PG;
		assert_int_equal(vm_protect(&vm, s + PG, s + 2 * PG, R, VM_ANON), 0);
	}
	assert_int_equal(vm.n, 3 * MANY);
	for (unsigned i = 0; i < MANY; i++) {
		uint64_t s = BASE + 4ull * i * PG;
		assert_true(vm_access_ok(&vm, s, PG, R | W));
		assert_false(vm_access_ok(&vm, s + PG, PG, W));
		assert_true(vm_access_ok(&vm, s + PG, PG, R));
		assert_true(vm_access_ok(&vm, s + 2 * PG, PG, R | W));
		assert_false(vm_access_ok(&vm, s + 3 * PG, 1, 0));
		assert_int_equal(vm_find(&vm, s + PG)->prot, R);
	}
	for (unsigned i = 1; i < vm.n; i++)
		assert_true(vm.r[i - 1].end <= vm.r[i].start);
	for (unsigned k = 0; k < MANY; k++) {
		uint64_t s = BASE + 4ull * order[k] * PG;
		assert_int_equal(vm_remove(&vm, s, s + 3 * PG, VM_ANON, NULL, NULL), 0);
	}
	assert_int_equal(vm.n, 0);
}

/* Random inserts, removals and protections against a model with one
 * protection (or none) per page of a small window. */
#define WINDOW 256
static int model[WINDOW]; /* -1: unmapped */

static void check_model(void)
{
	for (unsigned p = 0; p < WINDOW; p++) {
		uint64_t a = BASE + p * PG;
		bool mapped = model[p] >= 0;
		assert_int_equal(vm_access_ok(&vm, a, PG, 0), mapped);
		if (mapped) {
			assert_true(vm_access_ok(&vm, a, PG, (unsigned)model[p]));
			const struct vm_region *r = vm_find(&vm, a);
			assert_non_null(r);
			assert_int_equal(r->prot, model[p]);
		}
	}
	for (unsigned i = 1; i < vm.n; i++) {
		assert_true(vm.r[i - 1].end <= vm.r[i].start);
		/* Merged when possible. */
		assert_false(vm.r[i - 1].end == vm.r[i].start && vm.r[i - 1].prot == vm.r[i].prot);
	}
}

static void random_against_model(void **state)
{
	rng_state = seed_from_env("vm", 0x766d);
	for (unsigned p = 0; p < WINDOW; p++)
		model[p] = -1;
	for (int step = 0; step < 20000; step++) {
		unsigned a = (unsigned)below(WINDOW), n = 1 + (unsigned)below(16);
		if (a + n > WINDOW)
			n = WINDOW - a;
		unsigned prot = (unsigned)below(8);
		uint64_t s = BASE + a * PG, e = s + n * PG;
		bool all_free = true, all_mapped = true;
		for (unsigned p = a; p < a + n; p++) {
			all_free &= model[p] < 0;
			all_mapped &= model[p] >= 0;
		}
		switch (below(3)) {
		case 0:
			assert_int_equal(vm_insert(&vm, s, e, prot, VM_ANON), all_free ? 0 : -EINVAL);
			if (all_free)
				for (unsigned p = a; p < a + n; p++)
					model[p] = (int)prot;
			break;
		case 1:
			assert_int_equal(vm_remove(&vm, s, e, VM_ANON, NULL, NULL), 0);
			for (unsigned p = a; p < a + n; p++)
				model[p] = -1;
			break;
		default:
			assert_int_equal(vm_protect(&vm, s, e, prot, VM_ANON), all_mapped ? 0 : -ENOMEM);
			if (all_mapped)
				for (unsigned p = a; p < a + n; p++)
					model[p] = (int)prot;
		}
		check_model();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(access_rules, reset, release),
		cmocka_unit_test_setup_teardown(stale_hint, reset, release),
		cmocka_unit_test_setup_teardown(contiguous_regions, reset, release),
		cmocka_unit_test_setup_teardown(remove_and_protect, reset, release),
		cmocka_unit_test_setup_teardown(wrapped_ranges, reset, release),
		cmocka_unit_test_setup_teardown(full_list, reset, release),
		cmocka_unit_test_setup_teardown(many_regions, reset, release),
		cmocka_unit_test_setup_teardown(random_against_model, reset, release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
