/*
 * The virtio-balloon driver (drivers/virtio/virtio_balloon.c, built in
 * here so its static functions can be called) over the fake transport,
 * with a simulated page allocator under it: pages at a fixed low address
 * (so that their page numbers fit the device's 32 bits), handed out
 * lowest first. The device side reads each request's page numbers, keeps
 * its own set of the pages in the balloon, and checks that a page comes
 * back to the allocator only after the device was told (MUST_TELL_HOST)
 * and that actual followed every batch. The driver's thread is not run:
 * the tests call its steps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "drivers/virtio/virtio_balloon.c"
#include "tests/host/virtio_fake.h"

/* 32 MiB: twice the driver's floor of 16 MiB. */
#define NP 8192u
#define AREA ((uintptr_t)0x40000000)

static uint8_t page_used[NP];
static bool in_device[NP];
static uint64_t free_count, hint;
static const struct pmm_reclaimer *registered;
static bool thread_fails, registry_full;

static unsigned page_index(uint64_t phys)
{
	assert_true(phys >= AREA && phys < AREA + NP * PAGE_SIZE && phys % PAGE_SIZE == 0);
	return (unsigned)((phys - AREA) / PAGE_SIZE);
}

/* --- what the driver needs of the kernel beyond the fake's ---------------------------- */

void sem_init(struct sem *s, unsigned long count) { s->count = count; }
void sem_post(struct sem *s) { s->count++; }
void mutex_init(struct mutex *m) { m->owner = NULL; }
int mutex_lock(struct mutex *m)
{
	/* One thread here: a mutex held is held by the caller. */
	if (m->owner)
		return -EDEADLK;
	m->owner = (struct thread *)m;
	return 0;
}
int mutex_unlock(struct mutex *m)
{
	assert_non_null(m->owner);
	m->owner = NULL;
	return 0;
}
int thread_create(struct thread **out, const char *name, int (*fn)(void *arg), void *arg, size_t stack_size)
{
	return thread_fails ? -ENOMEM : 0;
}
void thread_yield(void) {}

uint64_t mm_try_alloc_page(void)
{
	for (uint64_t n = 0; n < NP; n++) {
		uint64_t i = (hint + n) % NP;
		if (!page_used[i]) {
			page_used[i] = 1;
			free_count--;
			hint = i + 1;
			return AREA + i * PAGE_SIZE;
		}
	}
	return 0;
}

void mm_free_pages(uint64_t phys, uint64_t npages)
{
	assert_int_equal(npages, 1);
	unsigned i = page_index(phys);
	assert_true(page_used[i]);
	/* Told before reused. */
	assert_false(in_device[i]);
	page_used[i] = 0;
	free_count++;
	if (i < hint)
		hint = i;
}

uint64_t mm_free_bytes(void) { return free_count * PAGE_SIZE; }
uint64_t mm_ram_bytes(void) { return (uint64_t)NP * PAGE_SIZE; }

void mm_stats(struct mm_stats *s)
{
	*s = (struct mm_stats){
		.ram_bytes = mm_ram_bytes(), .free_bytes = mm_free_bytes(), .heap_bytes = 3 << 20, .heap_used = 1 << 20
	};
}

int mm_register_reclaimer(const struct pmm_reclaimer *r)
{
	if (registry_full)
		return -ENOSPC;
	registered = r;
	return 0;
}

/* --- the device ------------------------------------------------------------------------------ */

static const uint64_t offer = VIRTIO_F_VERSION_1 | VIRTIO_RING_F_EVENT_IDX | VIRTIO_BALLOON_F_STATS_VQ |
			      VIRTIO_BALLOON_F_DEFLATE_ON_OOM | VIRTIO_BALLOON_F_MUST_TELL_HOST;

static bool silent;	    /* the device takes requests and never answers */
static unsigned requests;   /* inflate and deflate requests answered */
static uint32_t mismatches; /* requests that found actual not following the batches */
static uint32_t acked;	    /* pages the device has been told about, net */

static void set_target(uint32_t pages)
{
	memcpy(fk.config + offsetof(struct virtio_balloon_config, num_pages), &pages, 4);
	vtballoon_config_changed(&vd);
}

static uint32_t actual(void)
{
	uint32_t a;
	memcpy(&a, fk.config + offsetof(struct virtio_balloon_config, actual), 4);
	return a;
}

/* Answers the requests of queue q (inflate or deflate). */
static void serve_queue(unsigned q)
{
	struct vtballoon *v = vd.driver;
	struct vdev_sim *d = &fk.sim[q];
	assert_true(vdev_sim_fetch(d) >= 0);
	while (d->nchains > 0) {
		struct vdev_chain *c = &d->chain[0];
		assert_int_equal(c->nsegs, 1);
		assert_false(c->seg[0].write);
		assert_true(c->seg[0].len % 4 == 0 && c->seg[0].len > 0 && c->seg[0].len <= BALLOON_BATCH * 4);
		/* actual followed every batch so far. */
		if (actual() != acked)
			mismatches++;
		const uint32_t *pfn = (const uint32_t *)(uintptr_t)c->seg[0].addr;
		for (uint32_t k = 0; k < c->seg[0].len / 4; k++) {
			unsigned i = page_index((uint64_t)pfn[k] << VIRTIO_BALLOON_PFN_SHIFT);
			assert_true(page_used[i]);
			assert_true(in_device[i] == (q == VIRTIO_BALLOON_Q_DEFLATE));
			in_device[i] = q == VIRTIO_BALLOON_Q_INFLATE;
		}
		if (q == VIRTIO_BALLOON_Q_INFLATE)
			acked += c->seg[0].len / 4;
		else
			acked -= c->seg[0].len / 4;
		struct vdev_done done;
		vdev_sim_complete(d, 0, 0, &done);
		requests++;
	}
	vdev_sim_publish(d);
	(q == VIRTIO_BALLOON_Q_INFLATE ? &v->inflate_used : &v->deflate_used)->count++;
}

static void device_serves(void)
{
	if (silent)
		return;
	serve_queue(VIRTIO_BALLOON_Q_INFLATE);
	serve_queue(VIRTIO_BALLOON_Q_DEFLATE);
}

static unsigned device_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < NP; i++)
		n += in_device[i];
	return n;
}

static void setup_memory(void)
{
	memset(page_used, 0, sizeof(page_used));
	memset(in_device, 0, sizeof(in_device));
	free_count = NP;
	hint = 0;
	registered = NULL;
	thread_fails = registry_full = silent = false;
	requests = mismatches = acked = 0;
}

static struct vtballoon *attach(uint64_t offered)
{
	setup_memory();
	fresh(false, offered);
	console_log_level = LOG_INFO;
	while_waiting = device_serves;
	assert_int_equal(vtballoon_attach(&vd), 0);
	assert_int_equal(fk.status & VIRTIO_STATUS_DRIVER_OK, VIRTIO_STATUS_DRIVER_OK);
	return vd.driver;
}

/* Runs the thread's steps until it has nothing more to do at once. */
static unsigned steps(struct vtballoon *v)
{
	unsigned n = 0;
	while (vtballoon_step(v))
		assert_true(++n < 1000);
	return n;
}

/* Gives the device up and frees the driver's state, as if never attached. */
static void balloon_gone(void)
{
	struct vtballoon *v = vd.driver;
	assert_true(virtio_detach(&vd));
	/* Reset: the device holds no page any more. */
	memset(in_device, 0, sizeof(in_device));
	balloon_release(&v->b);
	dma_free_pages(v->dma, DMA_BYTES);
	free(v);
	assert_int_equal(dma_live, 0);
	assert_int_equal(free_count, NP);
}

static unsigned count_of(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* --- tests ------------------------------------------------------------------------------------ */

static void attach_unwinds(void **state)
{
	setup_memory();
	fresh(false, offer);
	counting = true;
	assert_int_equal(vtballoon_attach(&vd), 0);
	counting = false;
	unsigned total = allocs;
	assert_non_null(registered);
	balloon_gone();

	for (unsigned n = 1; n <= total; n++) {
		setup_memory();
		fresh(false, offer);
		counting = true;
		fail_alloc_at = n;
		int err = vtballoon_attach(&vd);
		counting = false;
		assert_int_equal(err, -ENOMEM);
		assert_null(registered);
		assert_int_equal(free_count, NP);
		if (fk.nstatus == 0)
			assert_int_equal(dma_live, 0);
		else
			assert_detached(err);
	}
	setup_memory();
	fresh(false, offer);
	thread_fails = true;
	assert_detached(vtballoon_attach(&vd));
	assert_null(registered);
	setup_memory();
	fresh(false, offer);
	fk.qsize[VIRTIO_BALLOON_Q_STATS] = 0;
	assert_detached(vtballoon_attach(&vd));
	assert_int_equal(free_count, NP);
}

static void inflates_and_deflates_to_target(void **state)
{
	struct vtballoon *v = attach(offer);
	set_target(1000);
	steps(v);
	assert_int_equal(v->b.held, 1000);
	assert_int_equal(actual(), 1000);
	assert_int_equal(device_count(), 1000);
	assert_int_equal(requests, 4);
	assert_int_equal(mismatches, 0);
	/* One line when it got there, not one a batch. */
	assert_int_equal(count_of(log_text, "at the target, 1000 pages"), 1);
	assert_int_equal(count_of(log_text, "at the target"), 1);
	/* Mid-way a smaller target: the next batch deflates. */
	set_target(3000);
	assert_true(vtballoon_step(v));
	assert_int_equal(v->b.held, 1256);
	set_target(600);
	steps(v);
	assert_int_equal(v->b.held, 600);
	assert_int_equal(actual(), 600);
	assert_int_equal(device_count(), 600);
	assert_int_equal(mismatches, 0);
	set_target(0);
	steps(v);
	assert_int_equal(actual(), 0);
	assert_int_equal(free_count, NP);
	balloon_gone();
}

static void target_past_memory_keeps_floor(void **state)
{
	struct vtballoon *v = attach(offer);
	set_target(UINT32_MAX);
	steps(v);
	for (int i = 0; i < 5; i++)
		assert_false(vtballoon_step(v));
	/* 16 MiB kept free. */
	assert_int_equal(free_count, FLOOR_MIN_PAGES);
	assert_int_equal(actual(), v->b.held);
	assert_int_equal(device_count(), v->b.held);
	assert_int_equal(count_of(log_text, "kept free for the kernel"), 1);
	assert_int_equal(count_of(log_text, "at the target"), 0);
	set_target(0);
	steps(v);
	balloon_gone();
}

/* The statistics buffer: given at attach, returned by the device when it
 * wants figures (the length it reports is nothing the driver reads), and
 * given back filled afresh. */
static void answers_statistics(void **state)
{
	struct vtballoon *v = attach(offer);
	struct vdev_sim *d = &fk.sim[VIRTIO_BALLOON_Q_STATS];
	for (int round = 0; round < 3; round++) {
		assert_int_equal(vdev_sim_fetch(d) >= 0, 1);
		assert_int_equal(d->nchains, 1);
		struct vdev_chain *c = &d->chain[0];
		assert_false(c->seg[0].write);
		assert_int_equal(c->seg[0].len % sizeof(struct virtio_balloon_stat), 0);
		const uint8_t *raw = (const uint8_t *)(uintptr_t)c->seg[0].addr;
		bool seen_free = false;
		for (uint32_t off = 0; off < c->seg[0].len; off += 10) {
			uint16_t tag;
			uint64_t val;
			memcpy(&tag, raw + off, 2);
			memcpy(&val, raw + off + 2, 8);
			if (tag == VIRTIO_BALLOON_S_MEMFREE) {
				assert_int_equal(val, free_count * PAGE_SIZE);
				seen_free = true;
			}
			if (tag == VIRTIO_BALLOON_S_MEMTOT)
				assert_int_equal(val, (uint64_t)NP * PAGE_SIZE);
			if (tag == VIRTIO_BALLOON_S_AVAIL)
				assert_int_equal(val, free_count * PAGE_SIZE + (2 << 20));
		}
		assert_true(seen_free);
		/* Nothing until the device returns it. */
		vtballoon_serve_stats(v);
		assert_int_equal(vdev_sim_fetch(d), 0);
		/* The device returns it (the second time claiming 100 bytes
		 * written, as a lying device might: nothing was writable, and
		 * the engine clamps it), and memory changes. */
		struct vdev_done done;
		vdev_sim_complete(d, 0, round == 1 ? 100 : 0, &done);
		vdev_sim_publish(d);
		set_target((uint32_t)(round + 1) * 300);
		steps(v);
		vtballoon_serve_stats(v);
	}
	assert_int_equal(v->statsq->device_faults, 1);
	assert_false(v->statsq->broken);
	set_target(0);
	steps(v);
	balloon_gone();
}

static void deflates_on_oom(void **state)
{
	struct vtballoon *v = attach(offer);
	set_target(2000);
	steps(v);
	assert_non_null(registered);
	assert_non_null(registered->reclaim);
	assert_int_equal(registered->held(registered->ctx), 2000);
	/* The device is told first (mm_free_pages checks), then the pages
	 * come back: the first taken. */
	assert_int_equal(registered->reclaim(registered->ctx, 1), BALLOON_BATCH);
	assert_int_equal(v->b.held, 2000 - BALLOON_BATCH);
	assert_int_equal(actual(), 2000 - BALLOON_BATCH);
	assert_false(page_used[0]);
	/* The thread does not take them back for the same target... */
	assert_false(vtballoon_step(v));
	assert_int_equal(v->b.held, 2000 - BALLOON_BATCH);
	assert_int_equal(count_of(log_text, "given back so far"), 1);
	/* ...and an allocation in the middle of a batch does without. */
	assert_int_equal(mutex_lock(&v->lock), 0);
	assert_int_equal(registered->reclaim(registered->ctx, 1), 0);
	mutex_unlock(&v->lock);
	/* A new target: it grows again. */
	set_target(2100);
	steps(v);
	assert_int_equal(v->b.held, 2100);
	assert_int_equal(mismatches, 0);
	set_target(0);
	steps(v);
	balloon_gone();

	/* Without DEFLATE_ON_OOM it is counted, never asked. */
	v = attach(offer & ~VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
	assert_non_null(registered);
	assert_null(registered->reclaim);
	assert_non_null(registered->held);
	balloon_gone();
}

/* A device that keeps a request: the wait is bounded, the pages stay in
 * the balloon (the device may still act on it), nothing more is sent,
 * and allocations get nothing from it. */
static void silent_device(void **state)
{
	struct vtballoon *v = attach(offer);
	set_target(500);
	silent = true;
	uint64_t t = now_ns;
	assert_false(vtballoon_step(v));
	assert_int_equal(now_ns - t, VIRTIO_TIMEOUT_DEFAULT_NS);
	assert_true(v->dead);
	assert_int_equal(v->b.held, BALLOON_BATCH);
	assert_int_equal(count_of(log_text, "request failed"), 1);
	unsigned long notified = fk.notifies[VIRTIO_BALLOON_Q_INFLATE];
	assert_false(vtballoon_step(v));
	assert_int_equal(fk.notifies[VIRTIO_BALLOON_Q_INFLATE], notified);
	assert_int_equal(registered->reclaim(registered->ctx, 1), 0);
	assert_int_equal(free_count, NP - BALLOON_BATCH);
	balloon_gone();
}

int main(void)
{
	void *area = mmap((void *)AREA, NP * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (area != (void *)AREA) {
		fprintf(stderr, "test_virtio_balloon: cannot map the simulated RAM at %#lx\n", (unsigned long)AREA);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_unwinds),
		cmocka_unit_test(inflates_and_deflates_to_target),
		cmocka_unit_test(target_past_memory_keeps_floor),
		cmocka_unit_test(answers_statistics),
		cmocka_unit_test(deflates_on_oom),
		cmocka_unit_test(silent_device),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	munmap(area, NP * PAGE_SIZE);
	return failed;
}
