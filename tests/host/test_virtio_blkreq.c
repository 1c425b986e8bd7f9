/*
 * The block request engine (drivers/virtio/virtio_blkreq.c) on its own,
 * over the fake transport and the simulated device, with a driver of the
 * test's: a chunk is a header { op, pos, count }, its data, and a status
 * byte. The device plays each chain over a RAM disk, answers in the order
 * the test says, or lies.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio/virtio_blkreq.h"
#include "tests/host/blk_sim.h"

/* --- the test's driver ------------------------------------------------------------------ */

struct toy_hdr {
	uint32_t op;
	uint32_t pad;
	uint64_t pos;
	uint64_t count;
};

struct toy_dma {
	struct toy_hdr hdr;
	uint8_t status; /* 0 ok, 1 error; preset to 0xff */
	uint8_t pad[7];
};

#define QSIZE 16
static struct vbreq q;
static uint32_t data_len[QSIZE]; /* the driver's own per slot: bytes the device writes */
static unsigned long strays, results;

static int toy_post(struct vbreq *eq, struct vbreq_parent *p, struct vbreq_slot *s, const struct vbreq_chunk *ch)
{
	struct toy_dma *d = s->dma;
	struct vq_seg seg[VBREQ_MAX_PIECES + 2];
	d->hdr = (struct toy_hdr){ ch->op, 0, ch->pos, ch->count };
	d->status = 0xff;
	seg[0] = (struct vq_seg){ s->dma_phys + offsetof(struct toy_dma, hdr), sizeof(d->hdr) };
	unsigned n = ch->op == BLK_READ || ch->op == BLK_WRITE ? ch->n : 0;
	if (n)
		memcpy(seg + 1, ch->data, n * sizeof(seg[0]));
	seg[n + 1] = (struct vq_seg){ s->dma_phys + offsetof(struct toy_dma, status), 1 };
	data_len[vbreq_index(eq, s)] = ch->op == BLK_READ ? (uint32_t)ch->count : 0;
	bool in = ch->op == BLK_READ;
	return virtqueue_enqueue(eq->vq, s, seg, in ? 1 : n + 1, in ? n + 1 : 1);
}

static int toy_result(struct vbreq *eq, struct vbreq_slot *s, uint32_t len)
{
	results++;
	struct toy_dma *d = s->dma;
	uint8_t status = d->status;
	if (s->wait)
		return 0;
	if (len < data_len[vbreq_index(eq, s)] + 1)
		return -EIO;
	return status == 0 ? 0 : -EIO;
}

static void toy_stray(struct vbreq *eq, unsigned index) { strays++; }

static int admitted = 0; /* what admit says */
static int toy_admit(struct vbreq *eq, void *owner) { return admitted; }

static const struct vbreq_ops toy_ops = { toy_admit, toy_post, toy_result, toy_stray };

static void toy_interrupt(struct virtqueue *vq)
{
	if (q.ready && !q.resetting)
		vbreq_interrupt(&q);
}

/* --- the device ---------------------------------------------------------------------------- */

#define DISK_BYTES (1u << 20)
static uint8_t disk[DISK_BYTES];

/* What the device saw of each chunk. */
struct seen {
	struct toy_hdr hdr;
	unsigned ndata;
	uint32_t max_piece;
	uint64_t bytes;
};
static struct seen seen[1024];
static unsigned nseen;
static bool hold;		       /* the device keeps every chain: the test answers */
static uint64_t fail_pos = UINT64_MAX; /* the chunk starting here fails */
static unsigned block = 512;	       /* the unit of a position */

static long play(struct vdev_chain *c)
{
	if (hold)
		return -1;
	assert_true(c->nsegs >= 2);
	struct toy_hdr h;
	memcpy(&h, (void *)(uintptr_t)c->seg[0].addr, sizeof(h));
	uint8_t *status = (uint8_t *)(uintptr_t)c->seg[c->nsegs - 1].addr;
	assert_int_equal(*status, 0xff);
	struct seen *s = &seen[nseen++ % 1024];
	memset(s, 0, sizeof(*s));
	s->hdr = h;
	s->ndata = c->nsegs - 2;
	uint64_t at = h.pos * block;
	assert_true(at <= DISK_BYTES);
	struct blk_sim_moved m;
	blk_sim_move(c, 1, c->nsegs - 1, 0, disk + at, DISK_BYTES - at, &m);
	s->bytes = m.bytes;
	s->max_piece = m.max_piece;
	uint32_t written = 1 + (uint32_t)m.written;
	*status = h.pos == fail_pos ? 1 : 0;
	return written;
}

static void device_runs(void) { blk_sim_run(0, play, hold); }

/* Answers chain i of those the device holds, as play would, then
 * publishes and interrupts. */
static void answer(unsigned i)
{
	struct vdev_sim *d = &fk.sim[0];
	bool was = hold;
	hold = false;
	long len = play(&d->chain[i]);
	hold = was;
	vdev_sim_put_used(d, d->chain[i].head, (uint32_t)len);
	vdev_sim_drop(d, i);
	if (vdev_sim_publish(d))
		toy_interrupt(vd.vq[0]);
	assert_int_equal(lock_depth, 0);
}

#define FEATURES (VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX)
#define SEC 1000000000ull

static struct vbreq_limits lim;

/* A device of QSIZE descriptors set up, the engine over it. */
static void setup(uint64_t features)
{
	fresh(false, features);
	fk.qsize[0] = QSIZE;
	assert_int_equal(virtio_negotiate(&vd, features), 0);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, toy_interrupt, &q), 0);
	assert_int_equal(virtio_finish(&vd), 0);
	memset(&q, 0, sizeof(q));
	assert_int_equal(vbreq_init(&q, &toy_ops, NULL, &vd, QSIZE, sizeof(struct toy_dma)), 0);
	q.vq = vd.vq[0];
	q.ready = true;
	block = 512;
	lim = (struct vbreq_limits){ vbreq_max_pieces(&vd, QSIZE, 0), UINT32_MAX, 64 * 1024, 512, 512, 8, 8 };
	memset(disk, 0, sizeof(disk));
	nseen = 0;
	hold = false;
	fail_pos = UINT64_MAX;
	admitted = 0;
	strays = results = 0;
	lock_depth = 0;
	while_waiting = device_runs;
}

static void teardown(void)
{
	assert_int_equal(vbreq_taken(&q), 0);
	virtio_detach(&vd);
	vbreq_free(&q);
	assert_int_equal(dma_live, 0);
}

/* Done callbacks record their status in ctx, once. */
static unsigned long dones;
static void record(struct blkreq *req, int status)
{
	dones++;
	int *r = req->ctx;
	assert_int_equal(*r, 0);
	*r = status == 0 ? 1 : status;
}

struct rq {
	struct blkreq req;
	struct blk_seg seg;
	int result;
};

static void make_rq(struct rq *r, enum blk_op op, uint64_t sector, void *buf, uint32_t len)
{
	memset(r, 0, sizeof(*r));
	r->seg = (struct blk_seg){ buf, len };
	r->req = (struct blkreq){
		.op = op, .sector = sector, .segs = &r->seg, .nsegs = len ? 1 : 0, .done = record, .ctx = &r->result
	};
	if (op == BLK_DISCARD || op == BLK_WRITE_ZEROES)
		r->req.nsectors = len / 512, r->req.nsegs = 0;
}

static uint8_t page[8][4096];

/* A read of page i at sector, submitted; the device keeps it. */
static void held_read(struct rq *r, unsigned i, uint64_t sector)
{
	make_rq(r, BLK_READ, sector, page[i], 4096);
	hold = true;
	assert_int_equal(vbreq_submit(&q, &r->req, NULL, &lim), 0);
}

/* Everything taken failed, as a reset does. */
static void fail_all(struct blkreq *aborted)
{
	bool irq = sched_lock();
	vbreq_fail_all(&q, aborted, -EIO);
	sched_unlock(irq);
	vbreq_run_done(&q);
}

/* --- tests ---------------------------------------------------------------------------------- */

/* Requests taken are counted until their last chunk is back; those that
 * find no room wait in order; every request slot taken refuses one more
 * with -EAGAIN. */
static void in_flight_tracking(void **state)
{
	setup(FEATURES);
	static uint8_t buf[QSIZE + 1][4096];
	static struct rq r[QSIZE + 1];
	hold = true;
	dones = 0;
	for (unsigned i = 0; i < QSIZE; i++) {
		blk_sim_pattern(buf[i], 4096, i);
		make_rq(&r[i], BLK_WRITE, i * 8, buf[i], 4096);
		assert_int_equal(vbreq_submit(&q, &r[i].req, NULL, &lim), 0);
		assert_int_equal(vbreq_taken(&q), i + 1);
	}
	make_rq(&r[QSIZE], BLK_WRITE, 0, buf[QSIZE], 4096);
	assert_int_equal(vbreq_submit(&q, &r[QSIZE].req, NULL, &lim), -EAGAIN);
	/* Every slot holds a chunk: indirect descriptors, one each. */
	unsigned held = 0;
	for (unsigned i = 0; i < QSIZE; i++)
		held += q.slot[i].in_flight;
	assert_int_equal(held, QSIZE);
	assert_null(q.free_slots);
	device_runs();
	assert_int_equal(fk.sim[0].nchains, QSIZE);
	assert_int_equal(dones, 0);
	hold = false;
	device_runs();
	assert_int_equal(dones, QSIZE);
	for (unsigned i = 0; i < QSIZE; i++) {
		assert_int_equal(r[i].result, 1);
		assert_memory_equal(disk + i * 4096, buf[i], 4096);
	}
	assert_int_equal(vbreq_taken(&q), 0);
	assert_int_equal(vbreq_submit(&q, &r[QSIZE].req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(r[QSIZE].result, 1);
	teardown();
}

/* Without indirect descriptors the ring holds fewer chunks than there
 * are slots: the rest wait, and are posted as room comes back. */
static void waits_for_room(void **state)
{
	setup(FEATURES & ~VIRTIO_RING_F_INDIRECT_DESC);
	static struct rq r[8];
	dones = 0;
	for (unsigned i = 0; i < 8; i++)
		held_read(&r[i], i, i * 8);
	device_runs();
	assert_int_equal(fk.sim[0].nchains, QSIZE / 3); /* header, data, status */
	assert_non_null(q.pending);
	hold = false;
	device_runs();
	assert_int_equal(dones, 8);
	assert_null(q.pending);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(r[i].result, 1);
	teardown();
}

/* Chunks answered in any order: each request ends once, when its last
 * chunk is back, whatever came back before. */
static void out_of_order(void **state)
{
	setup(FEATURES);
	lim.max_bytes = 4096; /* 16 KiB: four chunks */
	static uint8_t big[16384], small[4096];
	blk_sim_pattern(big, sizeof(big), 1);
	blk_sim_pattern(small, sizeof(small), 2);
	struct rq a, b;
	make_rq(&a, BLK_WRITE, 0, big, sizeof(big));
	make_rq(&b, BLK_WRITE, 64, small, sizeof(small));
	hold = true;
	dones = 0;
	assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), 0);
	assert_int_equal(vbreq_submit(&q, &b.req, NULL, &lim), 0);
	device_runs();
	struct vdev_sim *d = &fk.sim[0];
	assert_int_equal(d->nchains, 5);
	/* b's chunk first (the last taken), then a's from the last. */
	answer(4);
	assert_int_equal(b.result, 1);
	assert_int_equal(dones, 1);
	answer(3);
	answer(1);
	answer(1);
	assert_int_equal(a.result, 0);
	assert_int_equal(a.req.driver_priv != NULL, 1);
	answer(0);
	assert_int_equal(a.result, 1);
	assert_int_equal(dones, 2);
	assert_memory_equal(disk, big, sizeof(big));
	assert_memory_equal(disk + 64 * 512, small, sizeof(small));
	teardown();
}

/* A chunk that fails ends its request with the error, once the chunks
 * in flight are back; nothing more of it is posted. */
static void a_chunk_fails(void **state)
{
	setup(FEATURES);
	lim.max_bytes = 4096;
	static uint8_t buf[QSIZE * 4096 * 2];
	struct rq a;
	make_rq(&a, BLK_READ, 0, buf, sizeof(buf)); /* 32 chunks, 16 slots */
	fail_pos = 8;				    /* the second chunk */
	dones = 0;
	hold = true;
	assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(fk.sim[0].nchains, QSIZE);
	answer(1); /* the failing one */
	assert_int_equal(dones, 0);
	hold = false;
	device_runs();
	assert_int_equal(a.result, -EIO);
	assert_int_equal(dones, 1);
	assert_int_equal(nseen, QSIZE); /* none posted after the failure */
	teardown();
}

/* A request cut by every limit: pieces of at most max_piece, at most
 * max_pieces of them, whole blocks, positions in the driver's unit. */
static void cut_by_limits(void **state)
{
	setup(FEATURES);
	lim = (struct vbreq_limits){ 4, 2048, 8192, 4096, 4096, 8, 8 };
	block = 4096;
	static uint8_t buf[20 * 3072];
	static struct blk_seg segs[20];
	for (unsigned i = 0; i < 20; i++)
		segs[i] = (struct blk_seg){ buf + i * 3072, 3072 };
	blk_sim_pattern(buf, sizeof(buf), 5);
	int result = 0;
	struct blkreq req = {
		.op = BLK_WRITE, .sector = 16, .segs = segs, .nsegs = 20, .done = record, .ctx = &result
	};
	assert_int_equal(vbreq_submit(&q, &req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(result, 1);
	uint64_t pos = 2, bytes = 0;
	for (unsigned i = 0; i < nseen; i++) {
		assert_int_equal(seen[i].hdr.pos, pos);
		assert_true(seen[i].ndata <= 4);
		assert_true(seen[i].max_piece <= 2048);
		assert_int_equal(seen[i].bytes % 4096, 0);
		assert_int_equal(seen[i].hdr.count, seen[i].bytes);
		pos += seen[i].bytes / 4096;
		bytes += seen[i].bytes;
	}
	assert_int_equal(bytes, sizeof(buf));
	assert_memory_equal(disk + 2 * 4096, buf, sizeof(buf));
	/* A range in units of 4096 bytes, at most 8 a chunk; a flush is one. */
	nseen = 0;
	result = 0;
	req = (struct blkreq){ .op = BLK_DISCARD, .sector = 8, .nsectors = 160, .done = record, .ctx = &result };
	assert_int_equal(vbreq_submit(&q, &req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(nseen, 3);
	assert_int_equal(seen[0].hdr.pos, 1);
	assert_int_equal(seen[0].hdr.count, 8);
	assert_int_equal(seen[2].hdr.pos, 17);
	assert_int_equal(seen[2].hdr.count, 4);
	nseen = 0;
	result = 0;
	req = (struct blkreq){ .op = BLK_FLUSH, .done = record, .ctx = &result };
	assert_int_equal(vbreq_submit(&q, &req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].hdr.count, 1);
	/* Memory that cannot make a whole block fails with -EINVAL; a range
	 * the disk has no limit for, with -EOPNOTSUPP. */
	result = 0;
	struct blk_seg odd = { buf, 1000 };
	req = (struct blkreq){ .op = BLK_READ, .sector = 0, .segs = &odd, .nsegs = 1, .done = record, .ctx = &result };
	assert_int_equal(vbreq_submit(&q, &req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(result, -EINVAL);
	lim.max_write_zeroes = 0;
	result = 0;
	req = (struct blkreq){ .op = BLK_WRITE_ZEROES, .sector = 0, .nsectors = 8, .done = record, .ctx = &result };
	assert_int_equal(vbreq_submit(&q, &req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(result, -EOPNOTSUPP);
	teardown();
}

/* A used element naming a descriptor the driver holds free: the queue
 * breaks, the device is reset, every request fails with -EIO at once,
 * and the next is refused. */
static void lying_id(void **state)
{
	setup(FEATURES);
	struct rq a, b;
	dones = 0;
	held_read(&a, 0, 0);
	held_read(&b, 1, 8);
	vdev_sim_fetch(&fk.sim[0]);
	assert_true(vdev_sim_misbehave(&fk.sim[0], VDEV_ID_NOT_HEAD));
	unsigned statuses = fk.nstatus;
	toy_interrupt(vd.vq[0]);
	assert_int_equal(dones, 2);
	assert_int_equal(a.result, -EIO);
	assert_int_equal(b.result, -EIO);
	assert_true(vd.broken);
	assert_true(fk.nstatus > statuses); /* reset */
	assert_int_equal(vbreq_taken(&q), 0);
	assert_non_null(q.free_slots);
	struct rq c;
	make_rq(&c, BLK_READ, 0, page[0], 4096);
	assert_int_equal(vbreq_submit(&q, &c.req, NULL, &lim), -EIO);
	teardown();
}

/* A completion for a slot the engine does not hold in flight (memory
 * overwritten, or a bug): refused and counted, nothing of it believed. */
static void stray_completion(void **state)
{
	setup(FEATURES);
	struct rq a;
	dones = 0;
	held_read(&a, 0, 0);
	device_runs();
	struct vbreq_parent *p = a.req.driver_priv;
	q.slot[0].in_flight = false;
	answer(0);
	assert_int_equal(strays, 1);
	assert_int_equal(results, 0);
	assert_int_equal(dones, 0);
	assert_int_equal(p->in_flight, 1);
	/* Given back as a reset would. */
	fail_all(NULL);
	assert_int_equal(a.result, -EIO);
	teardown();
}

/* A used length short of the data the device had to write: the
 * driver's result says so, the request fails. Past the chain's writable
 * bytes: the virtqueue engine clamps it. */
static void lying_length(void **state)
{
	setup(FEATURES);
	struct rq a;
	held_read(&a, 0, 0);
	struct vdev_sim *d = &fk.sim[0];
	vdev_sim_fetch(d);
	vdev_sim_put_used(d, d->chain[0].head, 100);
	vdev_sim_drop(d, 0);
	vdev_sim_publish(d);
	toy_interrupt(vd.vq[0]);
	assert_int_equal(a.result, -EIO);
	held_read(&a, 0, 0);
	vdev_sim_fetch(d);
	assert_true(vdev_sim_misbehave(d, VDEV_LEN_BEYOND));
	toy_interrupt(vd.vq[0]);
	assert_int_equal(vd.vq[0]->clamped_lengths, 1);
	assert_false(vd.broken);
	assert_int_equal(a.result, -EIO); /* the status byte was never written */
	teardown();
}

/* Taking back: a pending request leaves the queue with -ECANCELED; a
 * disk's pending requests fail together; a reset fails all, the aborted
 * one with -ECANCELED. */
static void take_back(void **state)
{
	setup(FEATURES & ~VIRTIO_RING_F_INDIRECT_DESC);
	static struct rq r[8];
	int owner_a, owner_b;
	hold = true;
	dones = 0;
	for (unsigned i = 0; i < 8; i++) {
		make_rq(&r[i], BLK_READ, i * 8, page[i], 4096);
		assert_int_equal(vbreq_submit(&q, &r[i].req, i % 2 ? &owner_b : &owner_a, &lim), 0);
	}
	/* Five in the ring, three pending: 5 (b), 6 (a), 7 (b). */
	bool irq = sched_lock();
	struct vbreq_parent *p = vbreq_find(&q, &r[6].req);
	assert_non_null(p);
	assert_true(p->queued);
	vbreq_unlink_pending(&q, p);
	vbreq_stop(&q, p, -ECANCELED);
	sched_unlock(irq);
	vbreq_run_done(&q);
	assert_int_equal(r[6].result, -ECANCELED);
	assert_null(vbreq_find(&q, &r[6].req));
	vbreq_fail_pending(&q, &owner_b, -ENODEV);
	assert_int_equal(r[5].result, -ENODEV);
	assert_int_equal(r[7].result, -ENODEV);
	assert_int_equal(r[3].result, 0); /* in the ring: the device's */
	assert_null(q.pending);
	fail_all(&r[2].req);
	assert_int_equal(r[2].result, -ECANCELED);
	for (unsigned i = 0; i < 5; i++)
		if (i != 2)
			assert_int_equal(r[i].result, -EIO);
	assert_int_equal(dones, 8);
	for (unsigned i = 0; i < QSIZE; i++)
		assert_false(q.slot[i].in_flight);
	teardown();
}

/* What admit refuses, and a device being set up again, take nothing. */
static void refused(void **state)
{
	setup(FEATURES);
	struct rq a;
	make_rq(&a, BLK_READ, 0, page[0], 4096);
	admitted = -ENODEV;
	assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), -ENODEV);
	admitted = 0;
	q.resetting = true;
	assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), -EIO);
	q.resetting = false;
	assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), 0);
	device_runs();
	assert_int_equal(a.result, 1);
	teardown();
}

static int build_own(struct vbreq *eq, struct vbreq_slot *s, void *arg)
{
	struct vbreq_chunk ch = { BLK_FLUSH, 0, 1, NULL, 0 };
	return toy_post(eq, NULL, s, &ch);
}

/* A command of the driver's own: answered, it wakes its waiter; kept,
 * the wait ends at its deadline and a late answer is thrown away; with
 * every slot taken, the wait for one ends at the deadline too. */
static void waited_commands(void **state)
{
	setup(FEATURES);
	struct vbreq_wait w;
	struct vbreq_slot *s;
	uint64_t deadline = now_ns + 2 * SEC;
	assert_int_equal(vbreq_exec_start(&q, &w, build_own, NULL, deadline, &s), 0);
	assert_true(s->in_flight);
	assert_int_equal(vbreq_exec_wait(&q, &w, deadline), 0);
	assert_int_equal(w.len, 1);
	assert_false(s->in_flight);

	/* The device keeps it. */
	hold = true;
	deadline = now_ns + 2 * SEC;
	assert_int_equal(vbreq_exec_start(&q, &w, build_own, NULL, deadline, &s), 0);
	assert_int_equal(vbreq_exec_wait(&q, &w, deadline), -ETIMEDOUT);
	assert_int_equal(now_ns, deadline);
	vbreq_exec_give_up(&q, s, &w);
	results = 0;
	answer(0);
	assert_int_equal(results, 0); /* nobody's answer */
	assert_false(s->in_flight);

	/* Block requests hold every slot. */
	static uint8_t buf[QSIZE][4096];
	static struct rq r[QSIZE];
	for (unsigned i = 0; i < QSIZE; i++) {
		make_rq(&r[i], BLK_READ, 0, buf[i], 4096);
		assert_int_equal(vbreq_submit(&q, &r[i].req, NULL, &lim), 0);
	}
	deadline = now_ns + SEC;
	assert_int_equal(vbreq_exec_start(&q, &w, build_own, NULL, deadline, &s), -ETIMEDOUT);
	assert_true(now_ns >= deadline);
	/* They come back, and a slot is found. */
	hold = false;
	deadline = now_ns + SEC;
	assert_int_equal(vbreq_exec_start(&q, &w, build_own, NULL, deadline, &s), 0);
	assert_int_equal(vbreq_exec_wait(&q, &w, deadline), 0);
	for (unsigned i = 0; i < QSIZE; i++)
		assert_int_equal(r[i].result, 1);
	teardown();
}

/* A device that reports NEEDS_RESET while it holds a waited command and
 * a request: both fail (-EIO) at once, and nothing more is taken. */
static void broken_device(void **state)
{
	setup(FEATURES);
	struct rq a;
	held_read(&a, 0, 0);
	struct vbreq_wait w;
	struct vbreq_slot *s;
	uint64_t deadline = now_ns + 5 * SEC;
	assert_int_equal(vbreq_exec_start(&q, &w, build_own, NULL, deadline, &s), 0);
	fk.status |= VIRTIO_STATUS_NEEDS_RESET;
	assert_int_equal(vbreq_exec_wait(&q, &w, deadline), -EIO);
	assert_true(now_ns < deadline);
	assert_int_equal(a.result, -EIO);
	assert_true(vd.broken);
	assert_int_equal(vbreq_exec_start(&q, &w, build_own, NULL, deadline, &s), -EIO);
	teardown();
}

/* A broken device whose reset fails keeps what it holds: nothing is
 * failed until the caller's abort, and nothing more is posted. */
static void broken_reset_stuck(void **state)
{
	setup(FEATURES);
	struct rq a;
	held_read(&a, 0, 0);
	fk.reset_stuck = true;
	vd.broken = true;
	toy_interrupt(vd.vq[0]);
	assert_int_equal(a.result, 0);
	assert_int_equal(vbreq_taken(&q), 1);
	fail_all(&a.req);
	assert_int_equal(a.result, -ECANCELED);
	fk.reset_stuck = false;
	teardown();
}

/* The device set up again after a reset, as a driver does; or failing. */
static int setup_fails;
static unsigned setups;
static int setup_again(void *driver)
{
	setups++;
	if (setup_fails)
		return setup_fails;
	vd.broken = false;
	assert_int_equal(virtio_negotiate(&vd, FEATURES), 0);
	assert_int_equal(virtio_queue_setup(&vd, 0, 0, toy_interrupt, &q), 0);
	q.vq = vd.vq[0];
	return virtio_finish(&vd);
}

/* The last resort for a request the device keeps: the reset fails every
 * request (the aborted one with -ECANCELED) and the device is set up
 * again and works; a device that cannot be set up again, or does not
 * reset, is left broken and refuses what comes next. */
static void reset_and_again(void **state)
{
	for (int how = 0; how < 3; how++) {
		setup(FEATURES);
		struct rq a, b;
		held_read(&a, 0, 0);
		held_read(&b, 1, 8);
		device_runs();
		setups = 0;
		setup_fails = how == 1 ? -EIO : 0;
		fk.reset_stuck = how == 2;
		log_text[0] = '\0';
		int err = vbreq_reset(&q, &a.req, "toy", setup_again);
		assert_int_equal(a.result, -ECANCELED);
		assert_int_equal(b.result, -EIO);
		assert_int_equal(vbreq_taken(&q), 0);
		hold = false;
		if (how == 0) {
			assert_int_equal(err, 0);
			assert_int_equal(setups, 1);
			assert_true(q.ready);
			assert_false(q.resetting);
			make_rq(&a, BLK_READ, 0, page[0], 4096);
			assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), 0);
			device_runs();
			assert_int_equal(a.result, 1);
		} else {
			assert_true(err < 0);
			assert_int_equal(setups, how == 1);
			assert_true(vd.broken);
			assert_true(q.resetting);
			assert_null(q.vq);
			assert_non_null(strstr(log_text, "toy: the device could not be set up again"));
			if (how == 2)
				assert_non_null(strstr(log_text, "toy: the device did not reset"));
			make_rq(&a, BLK_READ, 0, page[0], 4096);
			assert_int_equal(vbreq_submit(&q, &a.req, NULL, &lim), -EIO);
		}
		fk.reset_stuck = false;
		teardown();
	}
}

static void max_pieces(void **state)
{
	setup(FEATURES);
	assert_int_equal(vbreq_max_pieces(&vd, 256, 0), VBREQ_MAX_PIECES);
	assert_int_equal(vbreq_max_pieces(&vd, 256, 5), 5);
	teardown();
	setup(FEATURES & ~VIRTIO_RING_F_INDIRECT_DESC);
	assert_int_equal(vbreq_max_pieces(&vd, 16, 0), 14);
	assert_int_equal(vbreq_max_pieces(&vd, 16, 20), 14);
	assert_int_equal(vbreq_max_pieces(&vd, 16, 3), 3);
	teardown();
}

/* Every allocation of vbreq_init failing in turn: -ENOMEM, and
 * vbreq_free gives back what was taken. */
static void init_unwinds(void **state)
{
	for (unsigned n = 1; n <= 3; n++) {
		fresh(false, FEATURES);
		struct vbreq e;
		memset(&e, 0, sizeof(e));
		counting = true;
		fail_alloc_at = n;
		assert_int_equal(vbreq_init(&e, &toy_ops, NULL, &vd, QSIZE, sizeof(struct toy_dma)), -ENOMEM);
		counting = false;
		vbreq_free(&e);
		assert_int_equal(dma_live, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_flight_tracking), cmocka_unit_test(waits_for_room),
		cmocka_unit_test(out_of_order),	      cmocka_unit_test(a_chunk_fails),
		cmocka_unit_test(cut_by_limits),      cmocka_unit_test(lying_id),
		cmocka_unit_test(stray_completion),   cmocka_unit_test(lying_length),
		cmocka_unit_test(take_back),	      cmocka_unit_test(refused),
		cmocka_unit_test(waited_commands),    cmocka_unit_test(broken_device),
		cmocka_unit_test(broken_reset_stuck), cmocka_unit_test(reset_and_again),
		cmocka_unit_test(max_pieces),	      cmocka_unit_test(init_unwinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
