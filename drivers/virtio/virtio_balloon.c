/*
 * virtio-balloon (virtio 1.2, section 5.5): the host sets a number of
 * pages it wants back (num_pages); the driver takes that many out of the
 * page allocator, tells the device their numbers on the inflate queue,
 * and reports how many it holds (actual). A smaller target gives pages
 * back through the deflate queue. Pages in the balloon stay allocated to
 * the driver, so nothing else in Keel uses them.
 *
 * The bookkeeping is balloon_state.c; this file carries its batches to
 * the device, from a kernel thread: a configuration interrupt only wakes
 * it. With DEFLATE_ON_OOM the driver registers with the page allocator's
 * reclaimers (kernel/mm/pmm.h), and an allocation that would fail takes
 * pages back from the balloon first. With STATS_VQ the device holds one
 * buffer of statistics and returns it when it wants fresh figures; the
 * thread refills it and gives it back.
 *
 * Only the transport-neutral API (virtio.h): the driver runs the same
 * over PCI and MMIO.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/balloon_state.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_balloon_wire.h"
#include "kernel/clock.h"
#include "kernel/console.h"
#include "kernel/mm/dma.h"
#include "kernel/mm/mm.h"
#include "kernel/sync.h"
#include "kernel/thread.h"

/* How often the thread looks again without being woken: a target it was
 * held back from may become reachable as memory frees, and a device that
 * needs a reset may not say so by interrupt. */
#define IDLE_RECHECK_NS (1000ull * 1000 * 1000)
#define OOM_LOG_INTERVAL_NS (1000ull * 1000 * 1000)

/* The least free memory inflation leaves: 16 MiB, or 1/16 of RAM when
 * that is more. Keel's own allocations (thread stacks, virtqueues, network
 * and disk buffers, the heap's next arena) come at moments the host does
 * not see; a balloon that took the last free pages would make them fail,
 * and the host's wish is not worth a guest that cannot run. A host asking
 * for more gets what can be taken above the floor, logged once. */
#define FLOOR_MIN_PAGES ((16u << 20) / PAGE_SIZE)

/* The DMA page: the page numbers of a batch, then the statistics. */
#define DMA_BYTES PAGE_SIZE
#define STATS_OFFSET (BALLOON_BATCH * sizeof(uint32_t))
_Static_assert(STATS_OFFSET + VIRTIO_BALLOON_S_NR * sizeof(struct virtio_balloon_stat) <= DMA_BYTES, "DMA page");

struct vtballoon {
	struct virtio_device *vd;
	struct virtqueue *inflateq, *deflateq, *statsq;
	struct sem inflate_used, deflate_used; /* posted by their interrupts */
	struct sem wake;		       /* configuration change, statistics asked */
	/* One batch with the device at a time: the thread's and those of
	 * allocations short of memory (reclaim). */
	struct mutex lock;
	struct balloon b;
	uint8_t *dma;
	uint64_t dma_phys;
	/* A request failed or timed out: the device may still act on it, so
	 * no other is sent, and the pages stay where they are. */
	bool dead;
	struct pmm_reclaimer reclaimer;
	struct thread *thread;
	/* For the log: a line when a target is reached, not one a batch. */
	bool moving, floor_logged;
	uint64_t oom_given, oom_reported; /* pages given back to allocations */
	uint64_t oom_reported_ns;
};

static void vtballoon_inflate_intr(struct virtqueue *vq)
{
	struct vtballoon *v = vq->owner;
	sem_post(&v->inflate_used);
}

static void vtballoon_deflate_intr(struct virtqueue *vq)
{
	struct vtballoon *v = vq->owner;
	sem_post(&v->deflate_used);
}

static void vtballoon_wake_intr(struct virtqueue *vq)
{
	struct vtballoon *v = vq->owner;
	sem_post(&v->wake);
}

/* Interrupt context: the work is the thread's. */
static void vtballoon_config_changed(struct virtio_device *vd)
{
	struct vtballoon *v = vd->driver;
	if (v)
		sem_post(&v->wake);
}

/* --- the page allocator, as balloon_state.c sees it ---------------------- */

static uint64_t mem_take_page(void *ctx) { return mm_try_alloc_page(); }
static void mem_give_page(void *ctx, uint64_t phys) { mm_free_pages(phys, 1); }
static uint64_t mem_free_pages(void *ctx) { return mm_free_bytes() / PAGE_SIZE; }

/* The list's blocks come from the heap, whose arenas are far larger than
 * a block: taken from the page allocator between the balloon's pages,
 * they would split its runs. */
static uint32_t *mem_block_alloc(void *ctx) { return malloc(BALLOON_BLOCK_PFNS * sizeof(uint32_t)); }
static void mem_block_free(void *ctx, uint32_t *block) { free(block); }

static const struct balloon_mem vtballoon_mem = { mem_take_page,   mem_give_page,  mem_free_pages,
						  mem_block_alloc, mem_block_free, NULL };

/* --- requests ---------------------------------------------------------- */

static void vtballoon_write_actual(struct vtballoon *v)
{
	uint32_t actual = v->b.held;
	v->vd->ops->write_config(v->vd, offsetof(struct virtio_balloon_config, actual), &actual, sizeof(actual));
}

/* Carries the batch in v->b to the device and waits (bounded) for it to
 * be taken. The caller holds v->lock. A failure marks the balloon dead:
 * a request the device kept may still be acted on, so its pages stay in
 * the balloon and nothing more is sent. */
static int vtballoon_send_batch(struct vtballoon *v)
{
	bool inflate = v->b.op == BALLOON_INFLATE;
	struct virtqueue *vq = inflate ? v->inflateq : v->deflateq;
	memcpy(v->dma, v->b.pfn, v->b.nbatch * sizeof(uint32_t));
	struct vq_seg seg = { v->dma_phys, v->b.nbatch * (uint32_t)sizeof(uint32_t) };
	int err = virtqueue_enqueue(vq, v, &seg, 1, 0);
	if (err == 0) {
		virtqueue_kick(vq);
		void *cookie;
		uint32_t len; /* nothing to write: the engine clamps it to 0 */
		err = virtio_wait(v->vd, vq, inflate ? &v->inflate_used : &v->deflate_used, &cookie, &len);
	}
	balloon_batch_done(&v->b, err == 0);
	if (err) {
		v->dead = true;
		kwarn("%s: %s request failed (%d); the balloon keeps its %u pages and stops\n", v->vd->name,
		      inflate ? "an inflate" : "a deflate", err, v->b.held);
		return err;
	}
	/* After each batch (section 5.5.6.1: actual follows the pages the
	 * device was told about). */
	vtballoon_write_actual(v);
	return 0;
}

/* One step toward the device's target. Returns whether another is due
 * at once. */
static bool vtballoon_step(struct vtballoon *v)
{
	uint32_t num_pages;
	mutex_lock(&v->lock);
	if (v->dead || virtio_config_read(v->vd, offsetof(struct virtio_balloon_config, num_pages), &num_pages,
					  sizeof(num_pages)) != 0) {
		mutex_unlock(&v->lock);
		return false;
	}
	if (balloon_set_target(&v->b, num_pages))
		v->floor_logged = false;
	enum balloon_op op = balloon_next_batch(&v->b);
	bool more = false;
	if (op == BALLOON_INFLATE || op == BALLOON_DEFLATE) {
		more = vtballoon_send_batch(v) == 0;
		v->moving = true;
	} else if (op == BALLOON_AT_TARGET && v->moving) {
		v->moving = false;
		kinfo("%s: at the target, %u pages (%lu MiB) in the balloon\n", v->vd->name, v->b.held,
		      (unsigned long)v->b.held >> (20 - PAGE_SHIFT));
	} else if (op == BALLOON_HELD_BACK && !v->floor_logged && !v->b.oom_paused) {
		v->floor_logged = true;
		v->moving = false;
		kwarn("%s: the device asks for %u pages; %u taken, the last %lu MiB kept free for the kernel\n",
		      v->vd->name, v->b.target, v->b.held, (unsigned long)v->b.floor_pages >> (20 - PAGE_SHIFT));
	}
	/* The list blocks deflates set aside, freed here: not inside the
	 * allocation that asked for a deflate. */
	balloon_trim(&v->b);
	/* Allocations short of memory come one after another: a line when
	 * they start, then at most one a second. */
	if (v->oom_given != v->oom_reported &&
	    (v->oom_reported == 0 || clock_ns() - v->oom_reported_ns >= OOM_LOG_INTERVAL_NS)) {
		v->oom_reported_ns = clock_ns();
		kinfo("%s: %lu MiB given back so far to allocations that would have failed; %u pages held until the "
		      "device sets a new target\n",
		      v->vd->name, (unsigned long)v->oom_given >> (20 - PAGE_SHIFT), v->b.held);
		v->oom_reported = v->oom_given;
	}
	mutex_unlock(&v->lock);
	return more;
}

/* The device returned the statistics buffer: fresh figures, given back.
 * What it wrote (its used length) is nothing the driver reads. */
static void vtballoon_serve_stats(struct vtballoon *v)
{
	uint32_t len;
	if (v->statsq == NULL || virtqueue_dequeue(v->statsq, &len) == NULL)
		return;
	struct mm_stats s;
	mm_stats(&s);
	struct balloon_figures f = { s.ram_bytes, s.free_bytes, s.heap_bytes - s.heap_used };
	unsigned n = balloon_stats_fill((struct virtio_balloon_stat *)(v->dma + STATS_OFFSET), &f);
	struct vq_seg seg = { v->dma_phys + STATS_OFFSET, n * (uint32_t)sizeof(struct virtio_balloon_stat) };
	if (virtqueue_enqueue(v->statsq, v, &seg, 1, 0) == 0)
		virtqueue_kick(v->statsq);
}

static int vtballoon_thread(void *arg)
{
	struct vtballoon *v = arg;
	while (!v->dead && !v->vd->broken) {
		vtballoon_serve_stats(v);
		if (vtballoon_step(v))
			thread_yield(); /* between batches, the rest of Keel runs */
		else
			sem_timedwait(&v->wake, IDLE_RECHECK_NS);
		virtio_check_broken(v->vd);
	}
	kwarn("%s: the balloon stops with %u pages\n", v->vd->name, v->b.held);
	return 0;
}

/* The page allocator's reclaimer (DEFLATE_ON_OOM): one batch given back,
 * the device told first (MUST_TELL_HOST, and harmless without it). */
static uint64_t vtballoon_reclaim(void *ctx, uint64_t npages)
{
	struct vtballoon *v = ctx;
	/* -EDEADLK: the allocation is the balloon thread's own, in the
	 * middle of a batch; it does without. */
	if (v->dead || mutex_lock(&v->lock) != 0)
		return 0;
	uint64_t given = 0;
	if (!v->dead && balloon_reclaim_batch(&v->b) == BALLOON_DEFLATE) {
		uint32_t n = v->b.nbatch;
		if (vtballoon_send_batch(v) == 0)
			given = n;
	}
	v->oom_given += given;
	mutex_unlock(&v->lock);
	if (given)
		sem_post(&v->wake); /* the thread logs it */
	return given;
}

static uint64_t vtballoon_held(void *ctx) { return ((struct vtballoon *)ctx)->b.held; }

static int vtballoon_attach(struct virtio_device *vd)
{
	struct vtballoon *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	v->vd = vd;
	sem_init(&v->inflate_used, 0);
	sem_init(&v->deflate_used, 0);
	sem_init(&v->wake, 0);
	mutex_init(&v->lock);
	uint64_t ram_pages = mm_ram_bytes() / PAGE_SIZE;
	uint64_t floor = ram_pages / 16 > FLOOR_MIN_PAGES ? ram_pages / 16 : FLOOR_MIN_PAGES;
	int err = balloon_init(&v->b, &vtballoon_mem, ram_pages > UINT32_MAX ? UINT32_MAX : (uint32_t)ram_pages, floor);
	if (err) {
		free(v);
		return err;
	}
	err = -ENOMEM;
	v->dma = dma_alloc_pages(DMA_BYTES, &v->dma_phys);
	if (v->dma == NULL)
		goto fail;

	/* 1 to 6 of section 3.1.1: reset, ACKNOWLEDGE, DRIVER, features,
	 * FEATURES_OK. MUST_TELL_HOST is taken when offered: the driver tells
	 * before it reuses a page either way. */
	err = virtio_negotiate(vd, VIRTIO_BALLOON_F_MUST_TELL_HOST | VIRTIO_BALLOON_F_STATS_VQ |
				       VIRTIO_BALLOON_F_DEFLATE_ON_OOM | VIRTIO_RING_F_EVENT_IDX);
	if (err)
		goto fail;
	/* 7. The queues: inflate, deflate, and statistics when negotiated. */
	err = virtio_queue_setup(vd, VIRTIO_BALLOON_Q_INFLATE, 0, vtballoon_inflate_intr, v);
	if (err == 0)
		err = virtio_queue_setup(vd, VIRTIO_BALLOON_Q_DEFLATE, 0, vtballoon_deflate_intr, v);
	if (err == 0 && virtio_has(vd, VIRTIO_BALLOON_F_STATS_VQ))
		err = virtio_queue_setup(vd, VIRTIO_BALLOON_Q_STATS, 0, vtballoon_wake_intr, v);
	if (err)
		goto fail;
	v->inflateq = vd->vq[VIRTIO_BALLOON_Q_INFLATE];
	v->deflateq = vd->vq[VIRTIO_BALLOON_Q_DEFLATE];
	if (virtio_has(vd, VIRTIO_BALLOON_F_STATS_VQ))
		v->statsq = vd->vq[VIRTIO_BALLOON_Q_STATS];
	vd->driver = v;
	vd->on_config_change = vtballoon_config_changed;

	/* 8. DRIVER_OK; then the statistics buffer, which the device keeps
	 * until it wants figures (section 5.5.6.3). */
	err = virtio_finish(vd);
	if (err)
		goto fail;
	if (v->statsq) {
		struct mm_stats s;
		mm_stats(&s);
		struct balloon_figures f = { s.ram_bytes, s.free_bytes, s.heap_bytes - s.heap_used };
		unsigned n = balloon_stats_fill((struct virtio_balloon_stat *)(v->dma + STATS_OFFSET), &f);
		struct vq_seg seg = { v->dma_phys + STATS_OFFSET, n * (uint32_t)sizeof(struct virtio_balloon_stat) };
		err = virtqueue_enqueue(v->statsq, v, &seg, 1, 0);
		if (err)
			goto fail;
		virtqueue_kick(v->statsq);
	}
	vtballoon_write_actual(v);
	err = thread_create(&v->thread, "virtio-balloon", vtballoon_thread, v, 0);
	if (err)
		goto fail;

	/* Last: from here an allocation may deflate it. There is no way to
	 * leave the registry, so nothing after this may fail. */
	bool oom = virtio_has(vd, VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
	v->reclaimer = (struct pmm_reclaimer){ vd->name, oom ? vtballoon_reclaim : NULL, vtballoon_held, v };
	if (mm_register_reclaimer(&v->reclaimer) != 0)
		kwarn("%s: no room among the page allocator's reclaimers: not counted, never deflated on demand\n",
		      vd->name);
	kinfo("%s: balloon of up to %lu MiB, %lu MiB kept free; statistics %s, deflate on OOM %s\n", vd->name,
	      (unsigned long)(ram_pages >> (20 - PAGE_SHIFT)), (unsigned long)(floor >> (20 - PAGE_SHIFT)),
	      v->statsq ? "on" : "off", oom ? "on" : "off");
	return 0;

fail:
	/* The handler first: a configuration interrupt may come until the
	 * transport's interrupts are released. */
	vd->on_config_change = NULL;
	vd->driver = NULL;
	if (!virtio_detach(vd))
		return err; /* the device may still read the DMA page: left to it */
	if (v->dma)
		dma_free_pages(v->dma, DMA_BYTES);
	balloon_release(&v->b);
	free(v);
	return err;
}

/* Inflate and deflate requests are page numbers the device only reads;
 * QEMU takes them in microseconds. The default bound. */
static const struct virtio_driver virtio_balloon_driver = { "balloon", VIRTIO_ID_BALLOON, vtballoon_attach, 0 };
VIRTIO_DRIVER(virtio_balloon_driver);
