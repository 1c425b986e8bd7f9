/*
 * The balloon's bookkeeping (drivers/virtio/balloon_state.c) against a
 * simulated page allocator and a simulated device. The allocator hands
 * out the lowest free page, as Keel's does; the device keeps its own set
 * of the pages it was told are in the balloon, and every check compares
 * the three views: a page is free, in use by the guest, or in the
 * balloon, never two of them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/balloon_state.h"

#define NPAGES 4096u /* 16 MiB of simulated RAM */
#define BASE_PFN 256u
#define FLOOR 512u

enum page_state { P_FREE, P_GUEST, P_BALLOON };

struct sim {
	enum page_state page[NPAGES];
	bool in_device[NPAGES]; /* the device's view: told inflated */
	uint64_t free;
	unsigned blocks; /* list blocks allocated, each a page */
	bool fail_take;
	bool in_allocation; /* a reclaim runs: the allocator must not be entered */
};

static unsigned idx(uint64_t phys)
{
	uint64_t pfn = phys >> 12;
	assert_true(pfn >= BASE_PFN && pfn < BASE_PFN + NPAGES);
	return (unsigned)(pfn - BASE_PFN);
}

static uint64_t sim_take(void *ctx)
{
	struct sim *s = ctx;
	if (s->fail_take)
		return 0;
	for (unsigned i = 0; i < NPAGES; i++)
		if (s->page[i] == P_FREE) {
			s->page[i] = P_BALLOON;
			s->free--;
			return (uint64_t)(BASE_PFN + i) << 12;
		}
	return 0;
}

static void sim_give(void *ctx, uint64_t phys)
{
	struct sim *s = ctx;
	unsigned i = idx(phys);
	assert_int_equal(s->page[i], P_BALLOON);
	/* Told before reused (MUST_TELL_HOST): the device no longer has it. */
	assert_false(s->in_device[i]);
	s->page[i] = P_FREE;
	s->free++;
}

static uint64_t sim_free(void *ctx) { return ((struct sim *)ctx)->free; }

static uint32_t *sim_block_alloc(void *ctx)
{
	struct sim *s = ctx;
	if (s->free == 0)
		return NULL;
	s->free--;
	s->blocks++;
	return malloc(BALLOON_BLOCK_PFNS * sizeof(uint32_t));
}

static void sim_block_free(void *ctx, uint32_t *block)
{
	struct sim *s = ctx;
	assert_false(s->in_allocation);
	s->free++;
	s->blocks--;
	free(block);
}

/* Guest allocations: n pages the simulated kernel takes for itself. */
static void guest_take(struct sim *s, unsigned n)
{
	for (unsigned i = 0; i < NPAGES && n > 0; i++)
		if (s->page[i] == P_FREE) {
			s->page[i] = P_GUEST;
			s->free--;
			n--;
		}
	assert_int_equal(n, 0);
}

/* The device's side of a batch: it reads the page numbers, checks each
 * against its set, and answers. */
static void device_take_batch(struct sim *s, const struct balloon *b)
{
	for (uint32_t k = 0; k < b->nbatch; k++) {
		unsigned i = idx((uint64_t)b->pfn[k] << 12);
		if (b->op == BALLOON_INFLATE) {
			assert_false(s->in_device[i]);
			assert_int_equal(s->page[i], P_BALLOON);
			s->in_device[i] = true;
		} else {
			assert_true(s->in_device[i]);
			s->in_device[i] = false;
		}
	}
}

static unsigned device_count(const struct sim *s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NPAGES; i++)
		n += s->in_device[i];
	return n;
}

/* Runs batches until the balloon has nothing to do; returns the last op
 * and the number of batches. */
static enum balloon_op run(struct sim *s, struct balloon *b, unsigned *batches)
{
	enum balloon_op op;
	unsigned n = 0;
	while ((op = balloon_next_batch(b)) == BALLOON_INFLATE || op == BALLOON_DEFLATE) {
		assert_true(b->nbatch > 0 && b->nbatch <= BALLOON_BATCH);
		device_take_batch(s, b);
		balloon_batch_done(b, true);
		assert_true(++n < 1000);
	}
	balloon_trim(b);
	if (batches)
		*batches = n;
	return op;
}

static struct sim *sim;
static struct balloon bal;

static int setup(void **state)
{
	sim = calloc(1, sizeof(*sim));
	assert_non_null(sim);
	sim->free = NPAGES;
	struct balloon_mem mem = { sim_take, sim_give, sim_free, sim_block_alloc, sim_block_free, sim };
	assert_int_equal(balloon_init(&bal, &mem, NPAGES, FLOOR), 0);
	return 0;
}

static int teardown(void **state)
{
	/* The device reset: it holds nothing any more. */
	memset(sim->in_device, 0, sizeof(sim->in_device));
	balloon_release(&bal);
	assert_int_equal(sim->blocks, 0);
	for (unsigned i = 0; i < NPAGES; i++)
		assert_int_not_equal(sim->page[i], P_BALLOON);
	free(sim);
	return 0;
}

static void test_inflate_and_deflate_to_target(void **state)
{
	unsigned batches;
	assert_true(balloon_set_target(&bal, 1000));
	assert_false(balloon_set_target(&bal, 1000));
	assert_int_equal(run(sim, &bal, &batches), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 1000);
	assert_int_equal(batches, 4); /* 256 + 256 + 256 + 232 */
	assert_int_equal(device_count(sim), 1000);
	assert_int_equal(sim->blocks, 1);
	assert_true(balloon_set_target(&bal, 0));
	assert_int_equal(run(sim, &bal, &batches), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 0);
	assert_int_equal(device_count(sim), 0);
	assert_int_equal(sim->blocks, 0);
	assert_int_equal(sim->free, NPAGES);
}

static void test_target_beyond_memory_keeps_floor(void **state)
{
	guest_take(sim, 1000);
	/* More than all memory: cut to it, then held back at the floor. */
	assert_true(balloon_set_target(&bal, UINT32_MAX));
	assert_int_equal(bal.target, NPAGES);
	assert_int_equal(run(sim, &bal, NULL), BALLOON_HELD_BACK);
	assert_int_equal(sim->free, FLOOR);
	/* Every page taken is in the balloon and the device knows it. */
	assert_int_equal(device_count(sim), bal.held);
	assert_int_equal(bal.held + 1000 + FLOOR + sim->blocks, NPAGES);
	/* Held back again, without taking anything, until memory frees. */
	assert_int_equal(balloon_next_batch(&bal), BALLOON_HELD_BACK);
	assert_int_equal(bal.nbatch, 0);
}

static void test_target_shrinks_midway(void **state)
{
	assert_true(balloon_set_target(&bal, 2000));
	assert_int_equal(balloon_next_batch(&bal), BALLOON_INFLATE);
	device_take_batch(sim, &bal);
	balloon_batch_done(&bal, true);
	assert_int_equal(bal.held, 256);
	/* The device changed its mind below what the balloon holds. */
	assert_true(balloon_set_target(&bal, 100));
	assert_int_equal(balloon_next_batch(&bal), BALLOON_DEFLATE);
	assert_int_equal(bal.nbatch, 156);
	/* The pages deflated are the first taken, in their order. */
	assert_int_equal(bal.pfn[0], BASE_PFN);
	assert_int_equal(bal.pfn[155], BASE_PFN + 155);
	device_take_batch(sim, &bal);
	balloon_batch_done(&bal, true);
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 100);
	assert_int_equal(device_count(sim), 100);
	/* And grows again to a larger one. */
	assert_true(balloon_set_target(&bal, 1500));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 1500);
	assert_int_equal(sim->blocks, 2);
}

static void test_reclaim_on_oom(void **state)
{
	assert_true(balloon_set_target(&bal, 3000));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	guest_take(sim, (unsigned)sim->free);
	assert_int_equal(sim->free, 0);
	/* An allocation would fail: one batch back, the device told first. */
	assert_int_equal(balloon_reclaim_batch(&bal), BALLOON_DEFLATE);
	assert_int_equal(bal.nbatch, BALLOON_BATCH);
	device_take_batch(sim, &bal);
	balloon_batch_done(&bal, true);
	assert_int_equal(bal.held, 3000 - BALLOON_BATCH);
	assert_int_equal(sim->free, BALLOON_BATCH);
	/* The target stands, but the balloon does not take the memory back
	 * until the device sets another. */
	assert_true(bal.oom_paused);
	assert_int_equal(balloon_next_batch(&bal), BALLOON_HELD_BACK);
	assert_int_equal(sim->free, BALLOON_BATCH);
	/* A deflate is still done while paused. */
	assert_true(balloon_set_target(&bal, 2000));
	assert_false(bal.oom_paused);
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 2000);
	/* Everything can be reclaimed, and then there is nothing more; the
	 * list's blocks are not freed inside the allocation, but later. */
	sim->in_allocation = true;
	while (balloon_reclaim_batch(&bal) == BALLOON_DEFLATE) {
		device_take_batch(sim, &bal);
		balloon_batch_done(&bal, true);
	}
	sim->in_allocation = false;
	assert_int_equal(sim->blocks, 3); /* places 1000..2999 were in use */
	balloon_trim(&bal);
	assert_int_equal(sim->blocks, 0);
	assert_int_equal(bal.held, 0);
	assert_int_equal(bal.nbatch, 0);
	assert_int_equal(device_count(sim), 0);
}

/* Batches given back one after another join in one run: an allocation a
 * little larger than a batch, made of two, leaves the rest of the run
 * next to the batch after. (Given back last-taken first, each batch lay
 * below the one before and every such allocation stranded the rest.) */
static void test_reclaimed_batches_join(void **state)
{
	assert_true(balloon_set_target(&bal, 1024));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	uint32_t end = 0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(balloon_reclaim_batch(&bal), BALLOON_DEFLATE);
		for (uint32_t k = 1; k < bal.nbatch; k++)
			assert_int_equal(bal.pfn[k], bal.pfn[k - 1] + 1);
		if (i > 0)
			assert_int_equal(bal.pfn[0], end);
		end = bal.pfn[bal.nbatch - 1] + 1;
		device_take_batch(sim, &bal);
		balloon_batch_done(&bal, true);
	}
	assert_int_equal(bal.held, 0);
}

/* The list is a ring: deflated from its head while it grows at its tail,
 * it wraps past its end and its blocks come and go. */
static void test_list_wraps(void **state)
{
	assert_true(balloon_set_target(&bal, 3000));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(sim->blocks, 3);
	assert_true(balloon_set_target(&bal, 1000));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(bal.head, 2000);
	assert_int_equal(sim->blocks, 2); /* places 2000..2999: the second and third blocks */
	assert_true(balloon_set_target(&bal, 3000));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(sim->blocks, 4); /* 2000..4095, then 0..903 */
	assert_int_equal(device_count(sim), 3000);
	assert_true(balloon_set_target(&bal, 10));
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 10);
	assert_int_equal(sim->blocks, 1);
	assert_int_equal(device_count(sim), 10);
	assert_int_equal(sim->free, NPAGES - 10 - 1);
}

static void test_failed_batches_keep_pages(void **state)
{
	assert_true(balloon_set_target(&bal, 300));
	assert_int_equal(balloon_next_batch(&bal), BALLOON_INFLATE);
	/* The device never answered: the pages stay in the balloon (the
	 * device may still discard them), and are counted as held. */
	balloon_batch_done(&bal, false);
	assert_int_equal(bal.held, 256);
	assert_true(balloon_set_target(&bal, 0));
	assert_int_equal(balloon_next_batch(&bal), BALLOON_DEFLATE);
	balloon_batch_done(&bal, false);
	assert_int_equal(bal.held, 256);
	assert_int_equal(sim->free, NPAGES - 256 - 1);
}

static void test_allocator_empty(void **state)
{
	sim->fail_take = true;
	assert_true(balloon_set_target(&bal, 10));
	assert_int_equal(balloon_next_batch(&bal), BALLOON_HELD_BACK);
	assert_int_equal(bal.held, 0);
	/* The list block taken for the first page went back. */
	assert_int_equal(sim->blocks, 0);
	sim->fail_take = false;
	assert_int_equal(run(sim, &bal, NULL), BALLOON_AT_TARGET);
	assert_int_equal(bal.held, 10);
}

static void test_stats_answer(void **state)
{
	struct virtio_balloon_stat st[VIRTIO_BALLOON_S_NR];
	memset(st, 0xee, sizeof(st));
	struct balloon_figures f = { .total = 256ull << 20, .free = 100ull << 20, .heap_free = 3ull << 20 };
	unsigned n = balloon_stats_fill(st, &f);
	assert_int_equal(n, 8);
	/* The wire layout: 10 bytes an entry, little-endian tag then value. */
	const uint8_t *raw = (const uint8_t *)st;
	assert_int_equal(raw[4 * 10], VIRTIO_BALLOON_S_MEMFREE);
	assert_int_equal(raw[4 * 10 + 1], 0);
	uint64_t v;
	memcpy(&v, raw + 4 * 10 + 2, 8);
	assert_int_equal(v, 100ull << 20);
	uint64_t seen[VIRTIO_BALLOON_S_NR];
	bool have[VIRTIO_BALLOON_S_NR] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		assert_true(st[i].tag < VIRTIO_BALLOON_S_NR);
		assert_false(have[st[i].tag]);
		have[st[i].tag] = true;
		seen[st[i].tag] = st[i].val;
	}
	assert_int_equal(seen[VIRTIO_BALLOON_S_MEMTOT], 256ull << 20);
	assert_int_equal(seen[VIRTIO_BALLOON_S_AVAIL], 103ull << 20);
	assert_int_equal(seen[VIRTIO_BALLOON_S_CACHES], 3ull << 20);
	assert_int_equal(seen[VIRTIO_BALLOON_S_SWAP_IN], 0);
	assert_int_equal(seen[VIRTIO_BALLOON_S_MINFLT], 0);
	/* Fresh figures each time it is asked. */
	f.free = 90ull << 20;
	balloon_stats_fill(st, &f);
	assert_int_equal(st[4].val, 90ull << 20);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_inflate_and_deflate_to_target),
		T(test_target_beyond_memory_keeps_floor),
		T(test_target_shrinks_midway),
		T(test_reclaim_on_oom),
		T(test_reclaimed_batches_join),
		T(test_list_wraps),
		T(test_failed_batches_keep_pages),
		T(test_allocator_empty),
		T(test_stats_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
