/*
 * The virtqueue engine (drivers/virtio/virtqueue.c) against the simulated
 * device of vdev_sim.c: both sides work on the same ring memory, the
 * device reading what the engine wrote as a real one would and checking it
 * against the specification, the engine reading what the device wrote.
 *
 * Every buffer segment is its own allocation of exactly its length, so a
 * device (or an engine) that steps outside one trips AddressSanitizer.
 * Readable segments carry a pattern the device sums; writable ones start
 * poisoned, and after a request comes back the test checks that exactly
 * the reported bytes hold what the device wrote.
 *
 * The hostile tests make the device lie in the used ring; the engine must
 * refuse, mark the queue broken and stay inside its own memory. The
 * stress test mixes everything at random (KEEL_TEST_SEED repeats a run).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
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

#include "drivers/virtio/virtqueue.h"
#include "tests/host/vdev_sim.h"

#define POISON 0xee

/* --- random numbers ------------------------------------------------------------ */

/* --- a queue and its device ------------------------------------------------------ */

struct tq {
	struct virtqueue vq;
	struct vdev_sim dev;
	void *ring, *ind;
	uint16_t size;
};

static void notify_device(struct virtqueue *vq) { vdev_sim_kicked(vq->dev); }

static struct tq *tq_new(uint16_t size, bool event_idx, bool indirect)
{
	struct tq *q = calloc(1, sizeof(*q));
	assert_non_null(q);
	size_t ring_bytes = (size_t)virtqueue_ring_bytes(size);
	q->ring = aligned_alloc(4096, ring_bytes);
	assert_non_null(q->ring);
	memset(q->ring, 0, ring_bytes);
	if (indirect) {
		q->ind = aligned_alloc(16, (size_t)virtqueue_indirect_bytes(size));
		assert_non_null(q->ind);
	}
	q->size = size;
	assert_int_equal(virtqueue_init(&q->vq, 0, size, q->ring, (uint64_t)(uintptr_t)q->ring, q->ind,
					(uint64_t)(uintptr_t)q->ind, event_idx, notify_device),
			 0);
	q->vq.dev = &q->dev;
	vdev_sim_init(&q->dev, q->ring, size, event_idx, indirect);
	return q;
}

static void tq_free(struct tq *q)
{
	virtqueue_fini(&q->vq);
	vdev_sim_fini(&q->dev);
	free(q->ring);
	free(q->ind);
	free(q);
}

/* The device found nothing to complain about. */
static void assert_no_driver_error(const struct tq *q)
{
	if (q->dev.error)
		fail_msg("the device saw a driver error: %s", q->dev.error);
}

/* --- requests ----------------------------------------------------------------------- */

struct req {
	unsigned nr, nw;
	struct vq_seg *seg; /* each its own allocation */
	uint32_t read_sum;  /* FNV-1a over the readable bytes, as the device computes it */
	uint64_t readable, writable;
	unsigned usage; /* descriptors of the ring it takes */
	uint16_t head;	/* as the device saw it */
	bool out;	/* posted, not yet dequeued */
};

static uint32_t fnv(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void req_init(struct req *r, unsigned nr, unsigned nw, uint32_t maxlen, uint32_t tag)
{
	memset(r, 0, sizeof(*r));
	r->nr = nr;
	r->nw = nw;
	r->seg = calloc(nr + nw + 1, sizeof(*r->seg));
	assert_non_null(r->seg);
	uint32_t h = 2166136261u;
	for (unsigned i = 0; i < nr + nw; i++) {
		uint32_t len = 1 + (tag * 31 + i * 17) % maxlen;
		uint8_t *p = malloc(len);
		assert_non_null(p);
		if (i < nr) {
			for (uint32_t k = 0; k < len; k++)
				p[k] = (uint8_t)(tag + i * 7 + k);
			h = fnv(h, p, len);
			r->readable += len;
		} else {
			memset(p, POISON, len);
			r->writable += len;
		}
		r->seg[i] = (struct vq_seg){ (uint64_t)(uintptr_t)p, len };
	}
	r->read_sum = h;
}

static void req_fini(struct req *r)
{
	for (unsigned i = 0; i < r->nr + r->nw; i++)
		free((void *)(uintptr_t)r->seg[i].addr);
	free(r->seg);
	memset(r, 0, sizeof(*r));
}

/* Poisons the writable part again, for another trip. */
static void req_rearm(struct req *r)
{
	for (unsigned i = r->nr; i < r->nr + r->nw; i++)
		memset((void *)(uintptr_t)r->seg[i].addr, POISON, r->seg[i].len);
}

/* Descriptors of the ring a chain of total segments takes. */
static unsigned usage_of(const struct tq *q, unsigned total)
{
	return q->vq.indirect && total > 1 && total <= VQ_INDIRECT_MAX ? 1 : total;
}

static int post(struct tq *q, struct req *r)
{
	int err = virtqueue_enqueue(&q->vq, r, r->seg, r->nr, r->nw);
	if (err == 0) {
		r->head = q->dev.avail->ring[(uint16_t)(q->vq.avail_idx - 1) & (q->size - 1)];
		r->usage = usage_of(q, r->nr + r->nw);
		r->out = true;
	}
	return err;
}

/* A finished request, compared with what the device says it did. */
static void check_done(struct req *r, const struct vdev_done *dn, uint32_t len)
{
	assert_true(r->out);
	assert_int_equal(dn->head, r->head);
	assert_int_equal(dn->readable, r->readable);
	assert_int_equal(dn->read_sum, r->read_sum);
	uint64_t want = dn->reported < r->writable ? dn->reported : r->writable;
	assert_int_equal(len, want);
	uint64_t w = 0, bad = 0;
	for (unsigned i = r->nr; i < r->nr + r->nw; i++) {
		const uint8_t *p = (const uint8_t *)(uintptr_t)r->seg[i].addr;
		for (uint32_t k = 0; k < r->seg[i].len; k++, w++)
			bad += p[k] != (w < dn->written ? (uint8_t)(dn->fill + w) : POISON);
	}
	assert_int_equal(bad, 0);
	r->out = false;
}

static void dequeue_expect(struct tq *q, struct req *r, const struct vdev_done *dn)
{
	uint32_t len = 0xdeadbeef;
	void *c = virtqueue_dequeue(&q->vq, &len);
	assert_ptr_equal(c, r);
	check_done(r, dn, len);
}

static void kick_and_fetch(struct tq *q, int want)
{
	virtqueue_kick(&q->vq);
	vdev_sim_check_kicks(&q->dev);
	assert_int_equal(q->dev.missed_kicks, 0);
	assert_int_equal(q->dev.needless_kicks, 0);
	int got = vdev_sim_fetch(&q->dev);
	assert_no_driver_error(q);
	assert_int_equal(got, want);
}

/* Post, kick, the device uses it whole, dequeue. */
static void round_trip(struct tq *q, struct req *r)
{
	assert_int_equal(post(q, r), 0);
	kick_and_fetch(q, 1);
	struct vdev_done dn;
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, r, &dn);
}

static void check_chain_shape(const struct tq *q, const struct vdev_chain *c, const struct req *r)
{
	unsigned total = r->nr + r->nw;
	bool ind = usage_of(q, total) == 1 && total > 1;
	assert_int_equal(c->nsegs, total);
	assert_int_equal(c->ndescs, usage_of(q, total));
	assert_int_equal(c->indirect, ind);
	for (unsigned i = 0; i < total; i++) {
		assert_int_equal(c->seg[i].addr, r->seg[i].addr);
		assert_int_equal(c->seg[i].len, r->seg[i].len);
		assert_int_equal(c->seg[i].write, i >= r->nr);
	}
}

/* --- the simulated device's own checks --------------------------------------------- */

/* A device alone over a queue of four, for a driver written by hand. */
struct bare {
	struct vdev_sim d;
	void *ring;
	struct vring_desc table[8]; /* an indirect table */
};

static void bare_new(struct bare *b, bool event_idx, bool indirect)
{
	memset(b, 0, sizeof(*b));
	b->ring = aligned_alloc(4096, (size_t)vdev_sim_ring_bytes(4));
	assert_non_null(b->ring);
	memset(b->ring, 0, (size_t)vdev_sim_ring_bytes(4));
	vdev_sim_init(&b->d, b->ring, 4, event_idx, indirect);
}

static void bare_desc(struct bare *b, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	b->d.desc[i].addr = addr;
	b->d.desc[i].len = len;
	b->d.desc[i].flags = flags;
	b->d.desc[i].next = next;
}

/* Makes head available; the device must refuse it (or accept it, when ok). */
static void bare_expect(struct bare *b, uint16_t head, bool ok, const char *what)
{
	b->d.avail->ring[b->d.avail->idx & 3] = head;
	b->d.avail->idx++;
	int got = vdev_sim_fetch(&b->d);
	if (ok && got != 1)
		fail_msg("%s: refused (%s)", what, b->d.error ? b->d.error : "?");
	if (!ok && (got != -1 || b->d.error == NULL))
		fail_msg("%s: not noticed", what);
	vdev_sim_fini(&b->d);
	free(b->ring);
}

static void test_device_catches_driver_errors(void **state)
{
	struct bare b;
	/* Never followed: the device checks a whole chain before it touches a buffer. */
	const uint64_t buf = 0x10000;
	uint16_t N = VRING_DESC_F_NEXT, W = VRING_DESC_F_WRITE, I = VRING_DESC_F_INDIRECT;

	bare_new(&b, false, true);
	bare_desc(&b, 0, buf, 8, N, 1);
	bare_desc(&b, 1, buf, 8, W, 0);
	b.table[0] = (struct vring_desc){ buf, 8, N, 1 };
	b.table[1] = (struct vring_desc){ buf, 8, W, 0 };
	bare_desc(&b, 2, (uint64_t)(uintptr_t)b.table, 32, I, 0);
	b.d.avail->ring[0] = 0;
	b.d.avail->idx = 1;
	assert_int_equal(vdev_sim_fetch(&b.d), 1);
	bare_expect(&b, 2, true, "a good direct chain, then a good indirect one");

	bare_new(&b, false, false);
	bare_desc(&b, 0, buf, 8, N, 1);
	bare_desc(&b, 1, buf, 8, N, 0);
	bare_expect(&b, 0, false, "a loop");
	bare_new(&b, false, false);
	bare_desc(&b, 0, buf, 8, N, 4);
	bare_expect(&b, 0, false, "next beyond the queue");
	bare_new(&b, false, false);
	bare_expect(&b, 7, false, "a head beyond the queue");
	bare_new(&b, false, false);
	bare_desc(&b, 0, buf, 8, W | N, 1);
	bare_desc(&b, 1, buf, 8, 0, 0);
	bare_expect(&b, 0, false, "readable after writable");
	bare_new(&b, false, false);
	bare_desc(&b, 0, buf, 0, 0, 0);
	bare_expect(&b, 0, false, "a zero length");
	bare_new(&b, false, false);
	bare_desc(&b, 0, buf, 0x80000000u, N, 1);
	bare_desc(&b, 1, buf, 0x80000000u, N, 2);
	bare_desc(&b, 2, buf, 1, W, 0);
	bare_expect(&b, 0, false, "more than 2^32 bytes");

	bare_new(&b, false, false);
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 16, I, 0);
	bare_expect(&b, 0, false, "indirect without the feature");
	bare_new(&b, false, true);
	b.table[0] = (struct vring_desc){ buf, 8, 0, 0 };
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 16, I | N, 1);
	bare_expect(&b, 0, false, "INDIRECT and NEXT");
	bare_new(&b, false, true);
	b.table[0] = (struct vring_desc){ (uint64_t)(uintptr_t)&b.table[1], 16, I, 0 };
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 16, I, 0);
	bare_expect(&b, 0, false, "an indirect table inside one");
	bare_new(&b, false, true);
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 24, I, 0);
	bare_expect(&b, 0, false, "a table of 24 bytes");
	bare_new(&b, false, true);
	b.table[0] = (struct vring_desc){ buf, 8, N, 1 };
	b.table[1] = (struct vring_desc){ buf, 8, N, 0 };
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 32, I, 0);
	bare_expect(&b, 0, false, "a loop in a table");
	bare_new(&b, false, true);
	b.table[0] = (struct vring_desc){ buf, 8, N, 2 };
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 32, I, 0);
	bare_expect(&b, 0, false, "next beyond a table");
	bare_new(&b, false, true);
	for (uint16_t i = 0; i < 5; i++)
		b.table[i] = (struct vring_desc){ buf, 8, i < 4 ? N : 0, (uint16_t)(i + 1) };
	bare_desc(&b, 0, (uint64_t)(uintptr_t)b.table, 5 * 16, I, 0);
	bare_expect(&b, 0, false, "a chain longer than the queue");

	bare_new(&b, false, false);
	bare_desc(&b, 0, buf, 8, 0, 0);
	b.d.avail->ring[0] = 0;
	b.d.avail->idx = 1;
	assert_int_equal(vdev_sim_fetch(&b.d), 1);
	bare_expect(&b, 0, false, "a descriptor the device holds");
	bare_new(&b, false, false);
	b.d.avail->idx = 4;
	bare_expect(&b, 0, false, "the available index 5 ahead in a queue of 4");

	/* Suppression flags, when the device publishes. */
	const struct {
		bool event_idx;
		uint16_t flags;
		bool ok;
	} flags[] = {
		{ false, 0, true }, { false, 1, true }, { false, 2, false }, { true, 0, true }, { true, 1, false }
	};
	uint8_t data[8] = { 0 };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		bare_new(&b, flags[i].event_idx, false);
		bare_desc(&b, 0, (uint64_t)(uintptr_t)data, sizeof(data), 0, 0);
		b.d.avail->flags = flags[i].flags;
		b.d.avail->ring[0] = 0;
		b.d.avail->idx = 1;
		assert_int_equal(vdev_sim_fetch(&b.d), 1);
		vdev_sim_complete(&b.d, 0, 0, NULL);
		vdev_sim_publish(&b.d);
		assert_int_equal(b.d.error == NULL, flags[i].ok);
		vdev_sim_fini(&b.d);
		free(b.ring);
	}
}

/* --- set-up -------------------------------------------------------------------------- */

static void test_ring_layout(void **state)
{
	for (uint32_t size = 1; size <= VRING_MAX_SIZE; size *= 2) {
		assert_int_equal(virtqueue_ring_bytes((uint16_t)size), vdev_sim_ring_bytes((uint16_t)size));
		assert_int_equal(virtqueue_indirect_bytes((uint16_t)size), size * VQ_INDIRECT_MAX * 16ull);
		if (size > 1024 && size != VRING_MAX_SIZE)
			continue;
		struct tq *q = tq_new((uint16_t)size, true, false);
		assert_ptr_equal(q->vq.desc, q->dev.desc);
		assert_ptr_equal(q->vq.avail, q->dev.avail);
		assert_ptr_equal(q->vq.used, q->dev.used);
		assert_ptr_equal(q->vq.used_event, q->dev.used_event);
		assert_ptr_equal(q->vq.avail_event, q->dev.avail_event);
		assert_int_equal(q->vq.used_phys - q->vq.desc_phys, (uintptr_t)q->dev.used - (uintptr_t)q->ring);
		assert_int_equal(q->vq.avail_phys - q->vq.desc_phys, (uintptr_t)q->dev.avail - (uintptr_t)q->ring);
		assert_int_equal(q->vq.num_free, size);
		assert_true(virtqueue_empty(&q->vq));
		assert_false(q->vq.broken);
		tq_free(q);
	}
}

static void test_init_rejects(void **state)
{
	struct virtqueue vq;
	size_t bytes = (size_t)virtqueue_ring_bytes(8) + 4096;
	uint8_t *ring = aligned_alloc(4096, bytes);
	assert_non_null(ring);
	memset(ring, 0, bytes);
	const uint16_t bad_sizes[] = { 0, 3, 6, 12, 100, 0xffff };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++)
		assert_int_equal(virtqueue_init(&vq, 0, bad_sizes[i], ring, 0, NULL, 0, false, notify_device), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 0, 8, NULL, 0, NULL, 0, false, notify_device), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 0, 8, ring + 64, 0, NULL, 0, false, notify_device), -EINVAL);
	assert_int_equal(virtqueue_init(&vq, 0, 8, ring, 0, NULL, 0, false, notify_device), 0);
	virtqueue_fini(&vq);
	assert_true(vq.broken);
	free(ring);
}

/* --- enqueue shapes ---------------------------------------------------------------------- */

static void one_shape(struct tq *q, unsigned nr, unsigned nw, uint32_t tag)
{
	struct req r;
	req_init(&r, nr, nw, 64, tag);
	uint16_t before = q->vq.num_free;
	assert_int_equal(post(q, &r), 0);
	assert_int_equal(q->vq.num_free, before - usage_of(q, nr + nw));
	assert_false(virtqueue_empty(&q->vq));
	kick_and_fetch(q, 1);
	check_chain_shape(q, &q->dev.chain[0], &r);
	struct vdev_done dn;
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
	assert_true(vdev_sim_publish(&q->dev)); /* interrupts are on */
	dequeue_expect(q, &r, &dn);
	assert_int_equal(q->vq.num_free, before);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	req_fini(&r);
}

static void test_one_readable(void **state)
{
	for (int ind = 0; ind < 2; ind++) {
		struct tq *q = tq_new(8, false, ind);
		one_shape(q, 1, 0, 3);
		assert_true(virtqueue_empty(&q->vq));
		assert_no_driver_error(q);
		tq_free(q);
	}
}

static void test_one_writable(void **state)
{
	for (int ind = 0; ind < 2; ind++) {
		struct tq *q = tq_new(8, true, ind);
		one_shape(q, 0, 1, 4);
		assert_true(virtqueue_empty(&q->vq));
		assert_no_driver_error(q);
		tq_free(q);
	}
}

static void test_enqueue_shapes(void **state)
{
	for (int ind = 0; ind < 2; ind++) {
		for (int ev = 0; ev < 2; ev++) {
			struct tq *q = tq_new(16, ev, ind);
			for (unsigned nr = 0; nr <= 5; nr++)
				for (unsigned nw = 0; nw <= 5; nw++)
					if (nr + nw > 0)
						one_shape(q, nr, nw, nr * 6 + nw);
			assert_true(virtqueue_empty(&q->vq));
			assert_int_equal(q->vq.enqueued, 35);
			assert_int_equal(q->vq.dequeued, 35);
			assert_no_driver_error(q);
			tq_free(q);
		}
	}
}

/* A chain of every descriptor of the queue. */
static void test_enqueue_whole_queue(void **state)
{
	const uint16_t sizes[] = { 1, 2, 8, 64, 256 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		/* With indirect descriptors too once the chain is longer than a table. */
		for (int ind = 0; ind < (sizes[s] > VQ_INDIRECT_MAX ? 2 : 1); ind++) {
			uint16_t size = sizes[s];
			struct tq *q = tq_new(size, false, ind);
			struct req r, extra;
			req_init(&r, size / 2, size - size / 2, 16, size);
			req_init(&extra, 1, 0, 16, 1);
			assert_int_equal(post(q, &r), 0);
			assert_int_equal(q->vq.num_free, 0);
			assert_int_equal(virtqueue_enqueue(&q->vq, &extra, extra.seg, 1, 0), -ENOSPC);
			kick_and_fetch(q, 1);
			check_chain_shape(q, &q->dev.chain[0], &r);
			struct vdev_done dn;
			vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
			vdev_sim_publish(&q->dev);
			dequeue_expect(q, &r, &dn);
			assert_int_equal(q->vq.num_free, size);
			/* And the queue still works. */
			round_trip(q, &extra);
			assert_true(virtqueue_empty(&q->vq));
			req_fini(&r);
			req_fini(&extra);
			tq_free(q);
		}
	}
	/* With indirect descriptors a chain as long as the queue takes one. */
	struct tq *q = tq_new(16, true, true);
	struct req r;
	req_init(&r, 6, 10, 16, 9);
	assert_int_equal(post(q, &r), 0);
	assert_int_equal(q->vq.num_free, 15);
	kick_and_fetch(q, 1);
	check_chain_shape(q, &q->dev.chain[0], &r);
	struct vdev_done dn;
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r, &dn);
	req_fini(&r);
	tq_free(q);
}

static void test_enqueue_enospc(void **state)
{
	/* Direct: four single descriptors fill a queue of four. */
	struct tq *q = tq_new(4, false, false);
	struct req r[6];
	for (unsigned i = 0; i < 6; i++)
		req_init(&r[i], i % 2, 1 - i % 2, 32, i);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(post(q, &r[i]), 0);
	uint16_t idx = q->dev.avail->idx;
	assert_int_equal(post(q, &r[4]), -ENOSPC);
	assert_int_equal(q->vq.num_free, 0);
	assert_int_equal(q->dev.avail->idx, idx);
	kick_and_fetch(q, 4);
	struct vdev_done dn;
	vdev_sim_complete(&q->dev, 2, VDEV_ALL, &dn);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[2], &dn);
	/* One free descriptor: a chain of two does not fit, one of one does. */
	struct req two;
	req_init(&two, 1, 1, 8, 7);
	assert_int_equal(post(q, &two), -ENOSPC);
	assert_int_equal(q->vq.num_free, 1);
	assert_int_equal(post(q, &r[4]), 0);
	assert_int_equal(post(q, &r[5]), -ENOSPC);
	kick_and_fetch(q, 1);
	struct vdev_done d[4];
	for (unsigned i = 0; i < 4; i++)
		vdev_sim_complete(&q->dev, 0, VDEV_ALL, &d[i]);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[0], &d[0]);
	dequeue_expect(q, &r[1], &d[1]);
	dequeue_expect(q, &r[3], &d[2]);
	dequeue_expect(q, &r[4], &d[3]);
	assert_true(virtqueue_empty(&q->vq));
	round_trip(q, &two);
	assert_no_driver_error(q);
	tq_free(q);

	/* Indirect: four chains of three fill a queue of four. */
	q = tq_new(4, true, true);
	struct req c[5];
	for (unsigned i = 0; i < 5; i++)
		req_init(&c[i], 1, 2, 32, 10 + i);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(post(q, &c[i]), 0);
	assert_int_equal(q->vq.num_free, 0);
	assert_int_equal(post(q, &c[4]), -ENOSPC);
	assert_int_equal(post(q, &r[5]), -ENOSPC);
	kick_and_fetch(q, 4);
	for (unsigned i = 0; i < 4; i++)
		vdev_sim_complete(&q->dev, 0, VDEV_ALL, &d[i]);
	vdev_sim_publish(&q->dev);
	for (unsigned i = 0; i < 4; i++)
		dequeue_expect(q, &c[i], &d[i]);
	round_trip(q, &c[4]);
	assert_no_driver_error(q);
	tq_free(q);
	for (unsigned i = 0; i < 6; i++)
		req_fini(&r[i]);
	for (unsigned i = 0; i < 5; i++)
		req_fini(&c[i]);
	req_fini(&two);
}

static void expect_einval(struct tq *q, void *cookie, const struct vq_seg *seg, unsigned nr, unsigned nw,
			  const char *what)
{
	uint16_t free_before = q->vq.num_free, idx = q->dev.avail->idx;
	int err = virtqueue_enqueue(&q->vq, cookie, seg, nr, nw);
	if (err != -EINVAL)
		fail_msg("%s: enqueue returned %d, not -EINVAL", what, err);
	assert_int_equal(q->vq.num_free, free_before);
	assert_int_equal(q->dev.avail->idx, idx);
}

static void test_enqueue_einval(void **state)
{
	for (int ind = 0; ind < 2; ind++) {
		struct tq *q = tq_new(8, false, ind);
		struct req r;
		req_init(&r, 2, 2, 16, 1);
		expect_einval(q, &r, r.seg, 0, 0, "no segments");
		expect_einval(q, NULL, r.seg, 2, 2, "a NULL cookie");
		/* A zero length anywhere. */
		for (unsigned z = 0; z < 4; z++) {
			struct vq_seg s[4];
			memcpy(s, r.seg, sizeof(s));
			s[z].len = 0;
			expect_einval(q, &r, s, 2, 2, "a zero length");
		}
		/* Counts whose sum wraps around. */
		expect_einval(q, &r, r.seg, UINT_MAX, 2, "UINT_MAX + 2 segments");
		expect_einval(q, &r, r.seg, 1, UINT_MAX, "1 + UINT_MAX segments");
		expect_einval(q, &r, r.seg, UINT_MAX, 1, "UINT_MAX + 1 segments");
		/* More segments than the queue has descriptors: a chain may not
		 * be longer than the queue, indirect or not (2.7.5.3.1). */
		struct vq_seg many[9];
		for (unsigned i = 0; i < 9; i++)
			many[i] = (struct vq_seg){ 0x1000, 1 };
		expect_einval(q, &r, many, 4, 5, "9 segments in a queue of 8");
		/* The device reports lengths in 32 bits. */
		struct vq_seg big[3] = { { 0x1000, 0x80000000u }, { 0x1000, 0x80000000u }, { 0x1000, 1 } };
		expect_einval(q, &r, big, 0, 2, "4 GiB writable");
		/* No chain of more than 2^32 bytes in all (2.7.5.2). */
		expect_einval(q, &r, big, 2, 1, "4 GiB + 1 in a chain, 1 writable");
		expect_einval(q, &r, big, 3, 0, "4 GiB + 1 readable");
		struct vq_seg huge[2] = { { 0x1000, 0xffffffffu }, { 0x1000, 0xffffffffu } };
		expect_einval(q, &r, huge, 2, 0, "8 GiB - 2 readable");
		assert_int_equal(q->vq.enqueued, 0);
		assert_true(virtqueue_empty(&q->vq));
		/* None of that left a trace. */
		round_trip(q, &r);
		req_fini(&r);
		assert_no_driver_error(q);
		tq_free(q);
	}
}

/* --- dequeue ----------------------------------------------------------------------------- */

static void test_dequeue_lengths(void **state)
{
	struct tq *q = tq_new(8, false, false);
	const uint32_t lens[] = { 0, 1, 99, 100, 101, 150, 299, 300, VDEV_ALL };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct req r;
		req_init(&r, 1, 0, 16, (uint32_t)i);
		/* Three writable segments of 100 bytes. */
		r.seg = realloc(r.seg, 4 * sizeof(*r.seg));
		for (unsigned k = 1; k < 4; k++) {
			uint8_t *p = malloc(100);
			memset(p, POISON, 100);
			r.seg[k] = (struct vq_seg){ (uint64_t)(uintptr_t)p, 100 };
		}
		r.nw = 3;
		r.writable = 300;
		assert_int_equal(post(q, &r), 0);
		kick_and_fetch(q, 1);
		struct vdev_done dn;
		vdev_sim_complete(&q->dev, 0, lens[i], &dn);
		vdev_sim_publish(&q->dev);
		if (i % 2) {
			dequeue_expect(q, &r, &dn);
		} else {
			/* The length is optional. */
			assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r);
			check_done(&r, &dn, dn.reported);
		}
		assert_int_equal(q->vq.clamped_lengths, 0);
		req_fini(&r);
	}
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_no_driver_error(q);
	tq_free(q);
}

static void test_fifo_completion(void **state)
{
	struct tq *q = tq_new(8, false, false);
	struct req r[8];
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned i = 0; i < 8; i++) {
			req_init(&r[i], 0, 1, 40, round * 8 + i);
			assert_int_equal(post(q, &r[i]), 0);
		}
		kick_and_fetch(q, 8);
		struct vdev_done d[8];
		for (unsigned i = 0; i < 8; i++)
			vdev_sim_complete(&q->dev, 0, VDEV_ALL, &d[i]);
		vdev_sim_publish(&q->dev);
		for (unsigned i = 0; i < 8; i++)
			dequeue_expect(q, &r[i], &d[i]);
		assert_null(virtqueue_dequeue(&q->vq, NULL));
		assert_true(virtqueue_empty(&q->vq));
		for (unsigned i = 0; i < 8; i++)
			req_fini(&r[i]);
	}
	assert_no_driver_error(q);
	tq_free(q);
}

static void test_out_of_order_completion(void **state)
{
	rng_state = 0x6f75746f666f7264ull;
	for (int ind = 0; ind < 2; ind++) {
		struct tq *q = tq_new(16, false, ind);
		struct req r[16];
		for (unsigned round = 0; round < 20; round++) {
			/* Fill the queue with chains of one to three. */
			unsigned n = 0;
			for (;;) {
				unsigned total = 1 + rnd(3), nr = rnd(total + 1);
				req_init(&r[n], nr, total - nr, 24, round * 16 + n);
				int err = post(q, &r[n]);
				if (err == -ENOSPC) {
					req_fini(&r[n]);
					break;
				}
				assert_int_equal(err, 0);
				if (++n == 16)
					break;
			}
			kick_and_fetch(q, (int)n);
			/* Reverse order on even rounds, random on odd ones. */
			struct vdev_done d[16];
			struct req *order[16];
			for (unsigned k = 0; k < n; k++) {
				unsigned i = round % 2 ? rnd(q->dev.nchains) : q->dev.nchains - 1;
				uint16_t head = q->dev.chain[i].head;
				vdev_sim_complete(&q->dev, i, VDEV_ALL, &d[k]);
				order[k] = NULL;
				for (unsigned j = 0; j < n; j++)
					if (r[j].out && r[j].head == head)
						order[k] = &r[j];
				assert_non_null(order[k]);
			}
			vdev_sim_publish(&q->dev);
			for (unsigned k = 0; k < n; k++)
				dequeue_expect(q, order[k], &d[k]);
			assert_true(virtqueue_empty(&q->vq));
			for (unsigned k = 0; k < n; k++)
				req_fini(&r[k]);
		}
		assert_no_driver_error(q);
		tq_free(q);
	}
}

/* --- wrap-around of the 16-bit indexes ------------------------------------------------------ */

struct pool {
	struct req *req;
	unsigned n;
	struct req **free;
	unsigned nfree;
	struct vdev_done *done;	      /* completed, not yet dequeued: a ring */
	unsigned dhead, dcount, dpub; /* dpub: of those, published */
	unsigned in_use;	      /* descriptors the outstanding requests hold */
};

static void pool_init(struct pool *p, unsigned n)
{
	memset(p, 0, sizeof(*p));
	p->req = calloc(n, sizeof(*p->req));
	p->free = calloc(n, sizeof(*p->free));
	p->done = calloc(n, sizeof(*p->done));
	assert_true(p->req && p->free && p->done);
	p->n = n;
}

static void pool_fini(struct pool *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->req[i].seg)
			req_fini(&p->req[i]);
	free(p->req);
	free(p->free);
	free(p->done);
}

static void pool_completed(struct pool *p, const struct vdev_done *dn)
{
	assert_true(p->dcount < p->n);
	p->done[(p->dhead + p->dcount++) % p->n] = *dn;
}

/* Dequeues everything published, checking each against the device's record. */
static unsigned pool_dequeue(struct tq *q, struct pool *p, unsigned max)
{
	unsigned n = 0;
	while (n < max) {
		uint32_t len;
		struct req *r = virtqueue_dequeue(&q->vq, &len);
		if (p->dpub == 0) {
			assert_null(r);
			break;
		}
		assert_non_null(r);
		assert_true(r >= p->req && r < p->req + p->n);
		check_done(r, &p->done[p->dhead], len);
		p->dhead = (p->dhead + 1) % p->n;
		p->dcount--;
		p->dpub--;
		p->in_use -= r->usage;
		p->free[p->nfree++] = r;
		n++;
	}
	assert_int_equal(q->vq.num_free, q->size - p->in_use);
	return n;
}

static void run_wrap(uint16_t size, bool event_idx, bool indirect, unsigned long count)
{
	struct tq *q = tq_new(size, event_idx, indirect);
	struct pool p;
	pool_init(&p, size);
	unsigned maxseg = size < 3 ? size : 3;
	for (unsigned i = 0; i < size; i++) {
		/* Mostly both kinds, sometimes only readable ones. */
		unsigned total = 1 + i % maxseg, nr = i % 4 == 3 ? total : total / 2;
		req_init(&p.req[i], nr, total - nr, 12, i);
		p.free[p.nfree++] = &p.req[i];
	}
	unsigned long posted = 0, done = 0;
	while (done < count) {
		while (p.nfree > 0 && posted < count) {
			struct req *r = p.free[--p.nfree];
			req_rearm(r);
			int err = post(q, r);
			if (err == -ENOSPC) {
				p.free[p.nfree++] = r;
				break;
			}
			assert_int_equal(err, 0);
			p.in_use += r->usage;
			posted++;
		}
		virtqueue_kick(&q->vq);
		vdev_sim_check_kicks(&q->dev);
		assert_true(vdev_sim_fetch(&q->dev) >= 0);
		/* Some of what the device holds, in order or not. */
		unsigned k = 1 + rnd(q->dev.nchains);
		for (unsigned j = 0; j < k && q->dev.nchains > 0; j++) {
			struct vdev_done dn;
			unsigned i = done % 3 == 0 ? rnd(q->dev.nchains) : 0;
			uint32_t len = rnd(4) ? VDEV_ALL : rnd(13);
			vdev_sim_complete(&q->dev, i, len, &dn);
			pool_completed(&p, &dn);
			done++;
		}
		vdev_sim_publish(&q->dev);
		p.dpub = p.dcount;
		pool_dequeue(q, &p, UINT_MAX);
	}
	assert_no_driver_error(q);
	assert_int_equal(q->vq.enqueued, count);
	assert_int_equal(q->vq.dequeued, count);
	assert_int_equal(q->dev.avail->idx, (uint16_t)count);
	assert_int_equal(q->dev.used->idx, (uint16_t)count);
	assert_int_equal(q->vq.last_used_idx, (uint16_t)count);
	assert_int_equal(q->dev.missed_kicks, 0);
	assert_int_equal(q->dev.needless_kicks, 0);
	assert_true(q->dev.owed_kicks > 0);
	assert_false(q->vq.broken);
	assert_true(virtqueue_empty(&q->vq));
	pool_fini(&p);
	tq_free(q);
}

static void test_index_wraparound(void **state)
{
	rng_state = 0x77726170ull;
	const uint16_t sizes[] = { 2, 4, 8, 256 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
		for (int ev = 0; ev < 2; ev++)
			for (int ind = 0; ind < 2; ind++)
				run_wrap(sizes[s], ev, ind, 70001 + sizes[s]);
}

/* --- indirect descriptors --------------------------------------------------------------------- */

static void test_indirect_chains(void **state)
{
	struct tq *q = tq_new(64, false, true);
	for (unsigned n = 1; n <= 64; n++) {
		struct req r;
		req_init(&r, n / 2, n - n / 2, 40, n);
		assert_int_equal(post(q, &r), 0);
		bool ind = n >= 2 && n <= VQ_INDIRECT_MAX;
		assert_int_equal(q->vq.num_free, 64 - (ind ? 1 : n));
		if (ind) {
			assert_int_equal(q->dev.desc[r.head].flags, VRING_DESC_F_INDIRECT);
			assert_int_equal(q->dev.desc[r.head].len, n * sizeof(struct vring_desc));
		}
		kick_and_fetch(q, 1);
		check_chain_shape(q, &q->dev.chain[0], &r);
		struct vdev_done dn;
		vdev_sim_complete(&q->dev, 0, n % 3 ? VDEV_ALL : (uint32_t)(r.writable / 2), &dn);
		vdev_sim_publish(&q->dev);
		dequeue_expect(q, &r, &dn);
		assert_int_equal(q->vq.num_free, 64);
		req_fini(&r);
	}
	assert_no_driver_error(q);
	tq_free(q);

	/* A queue full of indirect chains, completed out of order, twice, so
	 * the device must read each table's new contents. */
	q = tq_new(32, true, true);
	struct req r[33];
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 33; i++) {
			req_init(&r[i], 1 + (i + round) % 16, 16 - (i + round) % 16, 20, round * 33 + i);
			assert_int_equal(post(q, &r[i]), i < 32 ? 0 : -ENOSPC);
		}
		assert_int_equal(q->vq.num_free, 0);
		kick_and_fetch(q, 32);
		struct vdev_done d[32];
		struct req *order[32];
		for (unsigned k = 0; k < 32; k++) {
			unsigned i = (k * 7) % q->dev.nchains;
			order[k] = NULL;
			for (unsigned j = 0; j < 32; j++)
				if (r[j].out && r[j].head == q->dev.chain[i].head)
					order[k] = &r[j];
			assert_non_null(order[k]);
			check_chain_shape(q, &q->dev.chain[i], order[k]);
			vdev_sim_complete(&q->dev, i, VDEV_ALL, &d[k]);
		}
		vdev_sim_publish(&q->dev);
		for (unsigned k = 0; k < 32; k++)
			dequeue_expect(q, order[k], &d[k]);
		assert_true(virtqueue_empty(&q->vq));
		for (unsigned i = 0; i < 33; i++)
			req_fini(&r[i]);
	}
	assert_no_driver_error(q);
	tq_free(q);
}

/* --- notifications ----------------------------------------------------------------------------------- */

static void test_kick_event_idx(void **state)
{
	rng_state = 0x6b69636b65766e74ull;
	struct tq *q = tq_new(8, true, false);
	q->dev.auto_avail_event = false;
	struct req r[8];
	for (unsigned i = 0; i < 8; i++)
		req_init(&r[i], 1, 0, 8, i);
	uint16_t old = 0;
	unsigned long posted = 0, kicks = 0, by_kick = 0;
	while (posted < 70000) {
		unsigned k = 1 + rnd(8);
		/* Before, inside and after the entries about to be added, or anywhere. */
		uint16_t event = rnd(8) ? (uint16_t)(old + rnd(k + 6) - 3) : (uint16_t)rng();
		vdev_sim_set_avail_event(&q->dev, event);
		for (unsigned i = 0; i < k; i++)
			assert_int_equal(post(q, &r[i]), 0);
		posted += k;
		uint16_t now = q->dev.avail->idx;
		bool want = vring_need_event(event, now, old);
		bool got;
		if (posted % 2) {
			got = virtqueue_kick_prepare(&q->vq);
			if (got)
				vdev_sim_kicked(&q->dev);
		} else {
			unsigned long before = q->dev.kicks;
			virtqueue_kick(&q->vq);
			got = q->dev.kicks != before;
			by_kick += got;
		}
		assert_int_equal(got, want);
		assert_int_equal(vdev_sim_check_kicks(&q->dev), want);
		kicks += got;
		/* Nothing new: nothing to tell, whatever the device asks. */
		vdev_sim_set_avail_event(&q->dev, now);
		assert_false(virtqueue_kick_prepare(&q->vq));
		old = now;
		vdev_sim_run(&q->dev);
		for (unsigned i = 0; i < k; i++)
			assert_non_null(virtqueue_dequeue(&q->vq, NULL));
		for (unsigned i = 0; i < k; i++)
			r[i].out = false;
	}
	assert_int_equal(q->vq.notifications, by_kick);
	assert_int_equal(q->dev.kicks, kicks);
	assert_int_equal(q->dev.missed_kicks, 0);
	assert_int_equal(q->dev.needless_kicks, 0);
	assert_true(kicks > 1000 && kicks < posted / 2);
	assert_no_driver_error(q);
	for (unsigned i = 0; i < 8; i++)
		req_fini(&r[i]);
	tq_free(q);
}

static void test_kick_no_event_idx(void **state)
{
	rng_state = 0x6b69636b666c6167ull;
	struct tq *q = tq_new(4, false, false);
	struct req r[4];
	for (unsigned i = 0; i < 4; i++)
		req_init(&r[i], 0, 1, 8, i);
	/* Nothing enqueued: nothing to tell. */
	assert_false(virtqueue_kick_prepare(&q->vq));
	unsigned long kicks = 0;
	for (unsigned iter = 0; iter < 20000; iter++) {
		bool suppress = rnd(2);
		vdev_sim_set_used_flags(&q->dev, suppress ? VRING_USED_F_NO_NOTIFY : 0);
		unsigned k = 1 + rnd(4);
		for (unsigned i = 0; i < k; i++)
			assert_int_equal(post(q, &r[i]), 0);
		unsigned long before = q->dev.kicks;
		virtqueue_kick(&q->vq);
		bool got = q->dev.kicks != before;
		assert_int_equal(got, !suppress);
		assert_int_equal(vdev_sim_check_kicks(&q->dev), !suppress);
		kicks += got;
		vdev_sim_set_used_flags(&q->dev, 0);
		assert_false(virtqueue_kick_prepare(&q->vq));
		vdev_sim_run(&q->dev);
		for (unsigned i = 0; i < k; i++)
			assert_non_null(virtqueue_dequeue(&q->vq, NULL));
	}
	assert_int_equal(q->vq.notifications, kicks);
	assert_int_equal(q->dev.missed_kicks, 0);
	assert_int_equal(q->dev.needless_kicks, 0);
	assert_no_driver_error(q);
	for (unsigned i = 0; i < 4; i++)
		req_fini(&r[i]);
	tq_free(q);
}

/* --- interrupt suppression -------------------------------------------------------------------------- */

/* Posts one writable request, has the device use it and publish; returns whether it interrupted. */
static bool device_finishes_one(struct tq *q, struct req *r)
{
	req_rearm(r);
	assert_int_equal(post(q, r), 0);
	kick_and_fetch(q, 1);
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, NULL);
	return vdev_sim_publish(&q->dev);
}

static void check_interrupt_suppression(bool event_idx)
{
	struct tq *q = tq_new(8, event_idx, false);
	struct req r[8];
	for (unsigned i = 0; i < 8; i++)
		req_init(&r[i], 0, 1, 8, i);

	/* On from the start; they stay on while the driver dequeues. */
	for (unsigned i = 0; i < 5; i++) {
		assert_true(device_finishes_one(q, &r[0]));
		assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[0]);
	}
	assert_false(virtqueue_enable_intr(&q->vq));
	assert_true(device_finishes_one(q, &r[0]));
	assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[0]);
	assert_null(virtqueue_dequeue(&q->vq, NULL));

	/* Off: the device keeps quiet, and enabling reports what arrived. */
	virtqueue_disable_intr(&q->vq);
	assert_false(device_finishes_one(q, &r[1]));
	assert_false(device_finishes_one(q, &r[2]));
	assert_no_driver_error(q);
	assert_true(virtqueue_enable_intr(&q->vq));
	/* Still pending, and the device already told nothing: so no interrupt
	 * is due until the driver catches up (with event indexes), or one per
	 * element (without). */
	assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[1]);
	assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[2]);
	assert_false(virtqueue_enable_intr(&q->vq));
	assert_true(device_finishes_one(q, &r[3]));

	/* Off while the driver dequeues, for long enough that the indexes wrap:
	 * not one interrupt. */
	virtqueue_disable_intr(&q->vq);
	for (unsigned long i = 0; i < 70000; i++) {
		void *c = virtqueue_dequeue(&q->vq, NULL);
		assert_non_null(c);
		assert_false(device_finishes_one(q, c));
	}
	assert_no_driver_error(q);
	/* Something arrived while off: enable says so. */
	assert_true(virtqueue_enable_intr(&q->vq));
	assert_non_null(virtqueue_dequeue(&q->vq, NULL));
	assert_false(virtqueue_enable_intr(&q->vq));

	/* The race enable_intr closes: the device publishes after the driver's
	 * last dequeue but before interrupts are back on. */
	virtqueue_disable_intr(&q->vq);
	req_rearm(&r[4]);
	assert_int_equal(post(q, &r[4]), 0);
	kick_and_fetch(q, 1);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, NULL);
	assert_false(vdev_sim_publish(&q->dev));
	assert_true(virtqueue_enable_intr(&q->vq));
	assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[4]);

	/* A batch while on: one interrupt covers it with event indexes. */
	assert_false(virtqueue_enable_intr(&q->vq));
	unsigned long irqs = q->dev.interrupts;
	for (unsigned i = 0; i < 6; i++) {
		req_rearm(&r[i]);
		assert_int_equal(post(q, &r[i]), 0);
	}
	kick_and_fetch(q, 6);
	for (unsigned i = 0; i < 6; i++) {
		vdev_sim_complete(&q->dev, 0, VDEV_ALL, NULL);
		vdev_sim_publish(&q->dev);
	}
	assert_int_equal(q->dev.interrupts - irqs, event_idx ? 1 : 6);
	for (unsigned i = 0; i < 6; i++)
		assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[i]);
	assert_true(device_finishes_one(q, &r[0]));
	assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &r[0]);

	assert_no_driver_error(q);
	for (unsigned i = 0; i < 8; i++)
		req_fini(&r[i]);
	tq_free(q);
}

static void test_interrupts_no_event_idx(void **state) { check_interrupt_suppression(false); }
static void test_interrupts_event_idx(void **state) { check_interrupt_suppression(true); }

/* Section 2.7.7.1: with VIRTIO_F_EVENT_IDX the available ring's flags stay 0. */
static void test_interrupts_event_idx_flags_zero(void **state)
{
	struct tq *q = tq_new(4, true, false);
	virtqueue_disable_intr(&q->vq);
	assert_int_equal(q->dev.avail->flags, 0);
	virtqueue_enable_intr(&q->vq);
	assert_int_equal(q->dev.avail->flags, 0);
	tq_free(q);
	q = tq_new(4, false, false);
	virtqueue_disable_intr(&q->vq);
	assert_int_equal(q->dev.avail->flags, VRING_AVAIL_F_NO_INTERRUPT);
	virtqueue_enable_intr(&q->vq);
	assert_int_equal(q->dev.avail->flags, 0);
	tq_free(q);
}

/* --- a hostile device ---------------------------------------------------------------------------------- */

/* After the engine refused what the device wrote. */
static void assert_broken(struct tq *q)
{
	assert_true(q->vq.broken);
	assert_non_null(q->vq.broken_why);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	struct req r;
	req_init(&r, 1, 1, 8, 99);
	uint16_t free_before = q->vq.num_free, idx = q->dev.avail->idx;
	assert_int_equal(virtqueue_enqueue(&q->vq, &r, r.seg, 1, 1), -EIO);
	assert_int_equal(q->vq.num_free, free_before);
	assert_int_equal(q->dev.avail->idx, idx);
	assert_false(virtqueue_kick_prepare(&q->vq));
	assert_false(virtqueue_enable_intr(&q->vq));
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	req_fini(&r);
}

/* A queue of size with a 3-segment direct chain and a single one posted and taken. */
static struct tq *hostile_queue(uint16_t size, struct req r[2])
{
	struct tq *q = tq_new(size, false, false);
	req_init(&r[0], 1, 2, 16, 1);
	req_init(&r[1], 0, 1, 16, 2);
	assert_int_equal(post(q, &r[0]), 0);
	assert_int_equal(post(q, &r[1]), 0);
	kick_and_fetch(q, 2);
	return q;
}

static void hostile_done(struct tq *q, struct req r[2])
{
	assert_no_driver_error(q);
	tq_free(q);
	req_fini(&r[0]);
	req_fini(&r[1]);
}

static void test_hostile_id_beyond_queue(void **state)
{
	const uint32_t ids[] = { 8, 9, 0x7fff, 0xffff, 0x10000, 0x80000000u, 0xffffffffu };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct req r[2];
		struct tq *q = hostile_queue(8, r);
		vdev_sim_put_used(&q->dev, ids[i], 4);
		vdev_sim_publish(&q->dev);
		assert_null(virtqueue_dequeue(&q->vq, NULL));
		assert_broken(q);
		assert_int_equal(q->vq.num_free, 8 - 4);
		hostile_done(q, r);
	}
}

static void test_hostile_id_not_a_head(void **state)
{
	/* The middle and the tail of a chain. */
	for (unsigned k = 1; k < 3; k++) {
		struct req r[2];
		struct tq *q = hostile_queue(8, r);
		assert_int_equal(q->dev.chain[0].ndescs, 3);
		vdev_sim_put_used(&q->dev, q->dev.chain[0].descs[k], 4);
		vdev_sim_publish(&q->dev);
		assert_null(virtqueue_dequeue(&q->vq, NULL));
		assert_broken(q);
		hostile_done(q, r);
	}
	/* A free descriptor. */
	struct req r[2];
	struct tq *q = hostile_queue(8, r);
	int f = vdev_sim_free_desc(&q->dev);
	assert_true(f >= 0);
	vdev_sim_put_used(&q->dev, (uint32_t)f, 0);
	vdev_sim_publish(&q->dev);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	hostile_done(q, r);
	/* Any descriptor of a queue with nothing outstanding. */
	q = tq_new(4, true, true);
	vdev_sim_put_used(&q->dev, 0, 0);
	vdev_sim_publish(&q->dev);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	tq_free(q);
}

static void test_hostile_id_twice(void **state)
{
	/* Twice in one batch. */
	struct req r[2];
	struct tq *q = hostile_queue(8, r);
	struct vdev_done dn;
	uint16_t head = q->dev.chain[0].head;
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
	vdev_sim_put_used(&q->dev, head, 3);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[0], &dn);
	assert_int_equal(q->vq.num_free, 8 - 1);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	assert_int_equal(q->vq.num_free, 8 - 1);
	hostile_done(q, r);

	/* Again after the driver took it back. */
	q = hostile_queue(8, r);
	head = q->dev.chain[1].head;
	vdev_sim_complete(&q->dev, 1, VDEV_ALL, &dn);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[1], &dn);
	vdev_sim_put_used(&q->dev, head, 1);
	vdev_sim_publish(&q->dev);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	hostile_done(q, r);

	/* With indirect chains. */
	q = tq_new(4, false, true);
	req_init(&r[0], 2, 2, 16, 5);
	req_init(&r[1], 1, 0, 16, 6);
	assert_int_equal(post(q, &r[0]), 0);
	kick_and_fetch(q, 1);
	head = q->dev.chain[0].head;
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
	vdev_sim_put_used(&q->dev, head, 0);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[0], &dn);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	hostile_done(q, r);
}

static void test_hostile_length_clamped(void **state)
{
	struct req r[2];
	struct tq *q = hostile_queue(8, r);
	/* r[0]: 1 readable, 2 writable; r[1]: 1 writable. */
	const uint32_t lies[] = { (uint32_t)r[1].writable + 1, 0xfffffffeu };
	struct vdev_done dn;
	vdev_sim_complete(&q->dev, 1, lies[0], &dn);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[1], &dn); /* checks the length is the writable total */
	assert_int_equal(q->vq.clamped_lengths, 1);
	vdev_sim_complete(&q->dev, 0, lies[1], &dn);
	vdev_sim_publish(&q->dev);
	uint32_t len;
	assert_ptr_equal(virtqueue_dequeue(&q->vq, &len), &r[0]);
	assert_int_equal(len, r[0].writable);
	assert_int_equal(q->vq.clamped_lengths, 2);
	assert_false(q->vq.broken);
	/* A readable-only request has nothing to be written. */
	struct req ro;
	req_init(&ro, 2, 0, 16, 3);
	assert_int_equal(post(q, &ro), 0);
	kick_and_fetch(q, 1);
	vdev_sim_complete(&q->dev, 0, 5, &dn);
	vdev_sim_publish(&q->dev);
	assert_ptr_equal(virtqueue_dequeue(&q->vq, &len), &ro);
	assert_int_equal(len, 0);
	assert_int_equal(q->vq.clamped_lengths, 3);
	assert_false(q->vq.broken);
	assert_true(virtqueue_empty(&q->vq));
	round_trip(q, &ro);
	req_fini(&ro);
	hostile_done(q, r);
}

static void test_hostile_used_index_jump(void **state)
{
	const uint16_t jumps[] = { 9, 100, 0x7fff, 0x8000, 0x8001, 0xfffe };
	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		struct req r[2];
		struct tq *q = hostile_queue(8, r);
		vdev_sim_set_used_idx(&q->dev, jumps[i]);
		assert_null(virtqueue_dequeue(&q->vq, NULL));
		assert_broken(q);
		assert_int_equal(q->vq.num_free, 8 - 4);
		hostile_done(q, r);
	}
	/* A jump of exactly the queue size passes the index check, but the
	 * elements past the real one name nothing outstanding. */
	struct req r[2];
	struct tq *q = hostile_queue(8, r);
	struct vdev_done dn;
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &dn);
	vdev_sim_set_used_idx(&q->dev, 8);
	dequeue_expect(q, &r[0], &dn);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	hostile_done(q, r);
	/* A jump past the index space, at the edge of wrap-around. */
	q = tq_new(2, false, false);
	struct req one;
	req_init(&one, 1, 0, 4, 1);
	for (unsigned i = 0; i < 65535; i++) {
		assert_int_equal(post(q, &one), 0);
		vdev_sim_run(&q->dev);
		assert_ptr_equal(virtqueue_dequeue(&q->vq, NULL), &one);
	}
	assert_int_equal(q->vq.last_used_idx, 0xffff);
	assert_int_equal(post(q, &one), 0);
	assert_int_equal(vdev_sim_fetch(&q->dev), 1);
	vdev_sim_set_used_idx(&q->dev, 2); /* 3 ahead of 0xffff */
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	req_fini(&one);
	assert_no_driver_error(q);
	tq_free(q);
}

static void test_hostile_used_index_backwards(void **state)
{
	struct req r[2];
	struct tq *q = hostile_queue(8, r);
	struct vdev_done d[2];
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &d[0]);
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, &d[1]);
	vdev_sim_publish(&q->dev);
	dequeue_expect(q, &r[0], &d[0]);
	dequeue_expect(q, &r[1], &d[1]);
	vdev_sim_set_used_idx(&q->dev, 1);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	assert_true(virtqueue_empty(&q->vq));
	hostile_done(q, r);
	/* Backwards by one, before the driver took anything. */
	q = hostile_queue(8, r);
	vdev_sim_set_used_idx(&q->dev, 0xffff);
	assert_null(virtqueue_dequeue(&q->vq, NULL));
	assert_broken(q);
	hostile_done(q, r);
}

static void test_break_by_driver(void **state)
{
	struct req r[2];
	struct tq *q = hostile_queue(8, r);
	virtqueue_break(&q->vq, "first");
	virtqueue_break(&q->vq, "second");
	assert_string_equal(q->vq.broken_why, "first");
	/* Even a good completion is not taken from a broken queue. */
	vdev_sim_complete(&q->dev, 0, VDEV_ALL, NULL);
	vdev_sim_publish(&q->dev);
	assert_broken(q);
	hostile_done(q, r);
}

/* The device scribbles over everything the driver wrote once it has taken
 * the chains; freeing them must not depend on any of it. */
static void scribble(struct tq *q)
{
	for (unsigned i = 0; i < q->size; i++) {
		q->dev.desc[i].addr = rng();
		q->dev.desc[i].len = (uint32_t)rng();
		q->dev.desc[i].flags = (uint16_t)rng();
		q->dev.desc[i].next = rnd(2) ? (uint16_t)rnd(q->size) : (uint16_t)rng();
		q->dev.avail->ring[i] = (uint16_t)rng();
	}
	if (q->ind) {
		uint8_t *p = q->ind;
		for (uint64_t i = 0; i < virtqueue_indirect_bytes(q->size); i++)
			p[i] = (uint8_t)rng();
	}
}

static void test_desc_table_never_read_back(void **state)
{
	rng_state = 0x736372696262ull;
	for (int ind = 0; ind < 2; ind++) {
		struct tq *q = tq_new(8, false, ind);
		struct req r[8];
		const unsigned shape[4][2] = { { 2, 1 }, { 0, 2 }, { 1, 0 }, { 1, 1 } };
		for (unsigned round = 0; round < 50; round++) {
			unsigned n = 0;
			for (unsigned i = 0; i < 4; i++) {
				req_init(&r[n], shape[(i + round) % 4][0], shape[(i + round) % 4][1], 16, round + i);
				assert_int_equal(post(q, &r[n]), 0);
				n++;
			}
			/* Indirect chains leave room: fill it with singles. */
			while (q->vq.num_free > 0) {
				req_init(&r[n], 1, 0, 16, n);
				assert_int_equal(post(q, &r[n]), 0);
				n++;
			}
			kick_and_fetch(q, (int)n);
			scribble(q);
			struct vdev_done d[8];
			struct req *order[8];
			for (unsigned k = 0; k < n; k++) {
				unsigned i = rnd(q->dev.nchains);
				order[k] = NULL;
				for (unsigned j = 0; j < n; j++)
					if (r[j].out && r[j].head == q->dev.chain[i].head)
						order[k] = &r[j];
				assert_non_null(order[k]);
				vdev_sim_complete(&q->dev, i, VDEV_ALL, &d[k]);
			}
			vdev_sim_publish(&q->dev);
			for (unsigned k = 0; k < n; k++)
				dequeue_expect(q, order[k], &d[k]);
			assert_int_equal(q->vq.num_free, 8);
			for (unsigned k = 0; k < n; k++)
				req_fini(&r[k]);
		}
		/* A chain of every descriptor still works. */
		req_init(&r[0], 3, 5, 16, 77);
		round_trip(q, &r[0]);
		req_fini(&r[0]);
		assert_false(q->vq.broken);
		assert_no_driver_error(q);
		tq_free(q);
	}
}

/* --- random stress -------------------------------------------------------------------------------------- */

struct stress {
	struct tq *q;
	struct pool p;
	bool intr_on;
	uint16_t dequeued; /* the driver's used index, as the test counts it */
};

static void stress_post(struct stress *s)
{
	struct tq *q = s->q;
	if (s->p.nfree == 0)
		return;
	struct req *r = s->p.free[s->p.nfree - 1];
	if (r->seg)
		req_fini(r);
	unsigned limit = rnd(4) ? 6 : 48;
	unsigned total = 1 + rnd(limit < q->size ? limit : q->size);
	unsigned nr = rnd(total + 1);
	req_init(r, nr, total - nr, rnd(4) ? 24 : 300, (uint32_t)rng());
	if (rnd(40) == 0) {
		/* A mistake of the caller's: nothing happens. */
		struct vq_seg bad[48];
		memcpy(bad, r->seg, total * sizeof(bad[0]));
		bad[rnd(total)].len = 0;
		expect_einval(q, rnd(2) ? r : NULL, bad, nr, total - nr, "random mistake");
		return;
	}
	unsigned usage = usage_of(q, total);
	uint16_t free_before = q->vq.num_free;
	int err = post(q, r);
	if (free_before < usage) {
		assert_int_equal(err, -ENOSPC);
		return;
	}
	assert_int_equal(err, 0);
	s->p.nfree--;
	s->p.in_use += usage;
}

static void stress_publish(struct stress *s)
{
	struct tq *q = s->q;
	uint16_t old = q->dev.published_idx;
	if (old == q->dev.used_idx)
		return;
	bool irq = vdev_sim_publish(&q->dev);
	s->p.dpub = s->p.dcount;
	/* Without event indexes every publication while on interrupts; with
	 * them, only the one the driver waits for: the next after what it
	 * has taken. */
	bool want = s->intr_on && (!q->vq.event_idx || old == s->dequeued);
	assert_int_equal(irq, want);
}

static void stress_step(struct stress *s)
{
	struct tq *q = s->q;
	unsigned op = rnd(20);
	if (op < 6) {
		stress_post(s);
	} else if (op < 8) {
		virtqueue_kick(&q->vq);
		vdev_sim_check_kicks(&q->dev);
		assert_int_equal(q->dev.missed_kicks, 0);
		assert_int_equal(q->dev.needless_kicks, 0);
	} else if (op < 10) {
		assert_true(vdev_sim_fetch(&q->dev) >= 0);
	} else if (op < 13) {
		if (q->dev.nchains > 0) {
			unsigned i = rnd(q->dev.nchains);
			uint64_t w = q->dev.chain[i].writable;
			uint32_t len = VDEV_ALL;
			if (rnd(4) == 0)
				len = (uint32_t)rnd((uint32_t)w + 1);
			else if (rnd(20) == 0)
				len = (uint32_t)w + 1 + rnd(1000);
			struct vdev_done dn;
			vdev_sim_complete(&q->dev, i, len, &dn);
			pool_completed(&s->p, &dn);
		}
	} else if (op < 15) {
		stress_publish(s);
	} else if (op < 17) {
		s->dequeued = (uint16_t)(s->dequeued + pool_dequeue(q, &s->p, 1 + rnd(8)));
	} else if (op == 17) {
		if (rnd(2)) {
			virtqueue_disable_intr(&q->vq);
			s->intr_on = false;
		} else {
			bool more = virtqueue_enable_intr(&q->vq);
			assert_int_equal(more, s->p.dpub > 0);
			s->intr_on = true;
		}
	} else if (op == 18) {
		/* The device changes its mind about notifications. */
		if (q->vq.event_idx) {
			q->dev.auto_avail_event = rnd(2);
			vdev_sim_set_avail_event(&q->dev, (uint16_t)(q->dev.avail->idx + rnd(6) - 2));
		} else {
			vdev_sim_set_used_flags(&q->dev, rnd(2) ? VRING_USED_F_NO_NOTIFY : 0);
		}
	} else {
		assert_int_equal(virtqueue_empty(&q->vq), s->p.in_use == 0);
	}
	assert_no_driver_error(q);
	assert_false(q->vq.broken);
	assert_int_equal(q->vq.num_free, q->size - s->p.in_use);
}

static void test_random_stress(void **state)
{
	rng_state = seed_from_env("random stress", 0x737472657373ull);
	unsigned long steps = 0, requests = 0, irqs = 0, clamped = 0;
	for (unsigned cfg = 0; cfg < 32; cfg++) {
		struct stress s = { .intr_on = true };
		uint16_t size = (uint16_t)(1u << rnd(9));
		s.q = tq_new(size, rnd(2), rnd(2));
		pool_init(&s.p, size);
		for (unsigned i = 0; i < size; i++)
			s.p.free[s.p.nfree++] = &s.p.req[i];
		for (unsigned i = 0; i < 10000; i++)
			stress_step(&s);
		/* Drain. */
		struct tq *q = s.q;
		virtqueue_kick(&q->vq);
		assert_true(vdev_sim_fetch(&q->dev) >= 0);
		while (q->dev.nchains > 0) {
			struct vdev_done dn;
			vdev_sim_complete(&q->dev, rnd(q->dev.nchains), VDEV_ALL, &dn);
			pool_completed(&s.p, &dn);
		}
		stress_publish(&s);
		s.dequeued = (uint16_t)(s.dequeued + pool_dequeue(q, &s.p, UINT_MAX));
		assert_true(virtqueue_empty(&q->vq));
		assert_int_equal(q->vq.enqueued, q->vq.dequeued);
		assert_no_driver_error(q);
		steps += 10000;
		requests += q->vq.dequeued;
		irqs += q->dev.interrupts;
		clamped += q->vq.clamped_lengths;
		pool_fini(&s.p);
		tq_free(q);
	}
	print_message("random stress: %lu steps, %lu requests, %lu interrupts, %lu lengths clamped\n", steps, requests,
		      irqs, clamped);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_catches_driver_errors),
		cmocka_unit_test(test_ring_layout),
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_one_readable),
		cmocka_unit_test(test_one_writable),
		cmocka_unit_test(test_enqueue_shapes),
		cmocka_unit_test(test_enqueue_whole_queue),
		cmocka_unit_test(test_enqueue_enospc),
		cmocka_unit_test(test_enqueue_einval),
		cmocka_unit_test(test_dequeue_lengths),
		cmocka_unit_test(test_fifo_completion),
		cmocka_unit_test(test_out_of_order_completion),
		cmocka_unit_test(test_index_wraparound),
		cmocka_unit_test(test_indirect_chains),
		cmocka_unit_test(test_kick_event_idx),
		cmocka_unit_test(test_kick_no_event_idx),
		cmocka_unit_test(test_interrupts_no_event_idx),
		cmocka_unit_test(test_interrupts_event_idx),
		cmocka_unit_test(test_interrupts_event_idx_flags_zero),
		cmocka_unit_test(test_hostile_id_beyond_queue),
		cmocka_unit_test(test_hostile_id_not_a_head),
		cmocka_unit_test(test_hostile_id_twice),
		cmocka_unit_test(test_hostile_length_clamped),
		cmocka_unit_test(test_hostile_used_index_jump),
		cmocka_unit_test(test_hostile_used_index_backwards),
		cmocka_unit_test(test_break_by_driver),
		cmocka_unit_test(test_desc_table_never_read_back),
		cmocka_unit_test(test_random_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
