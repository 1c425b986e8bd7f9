/*
 * The virtio-blk driver (drivers/virtio/virtio_blk.c and virtio_blk_queue.c,
 * built in here so their static functions can be called) over the fake
 * transport, under the block device class (kernel/blkdev.c). The device is played here: it
 * reads each chain the simulated ring hands it as a virtio-blk request
 * over a RAM disk, or misbehaves as told.
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

#include "drivers/virtio/virtio_blk.c"
#include "drivers/virtio/virtio_blk_queue.c"
#include "tests/host/blk_sim.h"

/* --- the device --------------------------------------------------------------------------- */

#define DISK_BYTES (8u << 20)
static uint8_t disk[DISK_BYTES];

enum behaviour {
	HONEST,
	SHORT_LEN,  /* the used length one byte short */
	NO_STATUS,  /* the status byte left as it was */
	BAD_STATUS, /* status 7 */
	IOERR,
	UNSUPP,
	SILENT, /* takes requests and never answers */
};
static enum behaviour behaviour;

/* What the device saw of each request. */
struct seen {
	uint32_t type;
	uint64_t sector;
	unsigned ndata;	    /* data segments */
	uint32_t max_piece; /* the longest */
	uint64_t bytes;
	bool indirect;
	unsigned ndescs;
	struct virtio_blk_discard_write_zeroes range;
};
static struct seen seen[4096];
static unsigned nseen;
static const char serial[] = "KEEL-DISK-0001";

static struct vtblk *vb_of(void) { return vd.driver; }

/* Plays request i of those the device holds; returns the used length to
 * report, or -1 to leave it unanswered. */
static long play(struct vdev_chain *c)
{
	assert_true(c->nsegs >= 2);
	assert_false(c->seg[0].write);
	assert_int_equal(c->seg[0].len, sizeof(struct virtio_blk_outhdr));
	struct vdev_seg *st = &c->seg[c->nsegs - 1];
	assert_true(st->write);
	assert_int_equal(st->len, 1);
	uint8_t *status = (uint8_t *)(uintptr_t)st->addr;
	assert_int_equal(*status, STATUS_UNWRITTEN); /* preset by the driver */
	struct virtio_blk_outhdr h;
	memcpy(&h, (void *)(uintptr_t)c->seg[0].addr, sizeof(h));
	struct seen *s = &seen[nseen++ % 4096];
	memset(s, 0, sizeof(*s));
	s->type = h.type;
	s->sector = h.sector;
	s->indirect = c->indirect;
	s->ndescs = c->ndescs;
	s->ndata = c->nsegs - 2;
	uint32_t written = 1;
	uint64_t at = h.sector * 512;
	uint8_t result = VIRTIO_BLK_S_OK;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		assert_true(at <= DISK_BYTES);
		struct blk_sim_moved m;
		blk_sim_move(c, 1, c->nsegs - 1, 0, disk + at, DISK_BYTES - at, &m);
		/* A read's data is all device-writable, a write's all readable. */
		assert_int_equal(m.written, h.type == VIRTIO_BLK_T_IN ? m.bytes : 0);
		written += (uint32_t)m.written;
		s->bytes = m.bytes;
		s->max_piece = m.max_piece;
		break;
	case VIRTIO_BLK_T_FLUSH: assert_int_equal(c->nsegs, 2); break;
	case VIRTIO_BLK_T_GET_ID:
		assert_int_equal(c->nsegs, 3);
		assert_true(c->seg[1].write);
		assert_int_equal(c->seg[1].len, 20);
		memset((void *)(uintptr_t)c->seg[1].addr, 0, 20);
		memcpy((void *)(uintptr_t)c->seg[1].addr, serial, strlen(serial));
		written += 20;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		assert_int_equal(c->nsegs, 3);
		assert_false(c->seg[1].write);
		assert_int_equal(c->seg[1].len, 16);
		memcpy(&s->range, (void *)(uintptr_t)c->seg[1].addr, 16);
		assert_true((s->range.sector + s->range.num_sectors) * 512 <= DISK_BYTES);
		if (h.type == VIRTIO_BLK_T_WRITE_ZEROES)
			memset(disk + s->range.sector * 512, 0, (size_t)s->range.num_sectors * 512);
		break;
	default: result = VIRTIO_BLK_S_UNSUPP;
	}
	if (h.type == VIRTIO_BLK_T_GET_ID)
		goto honest; /* the hostile ones wait for data */
	switch (behaviour) {
	case SILENT: return -1;
	case SHORT_LEN: written--; break;
	case NO_STATUS: return written;
	case BAD_STATUS: result = 7; break;
	case IOERR: result = VIRTIO_BLK_S_IOERR; break;
	case UNSUPP: result = VIRTIO_BLK_S_UNSUPP; break;
	default: break;
	}
honest:
	*status = result;
	return written;
}

/* The device takes what is posted, answers it, and interrupts when the
 * driver asked; again while the driver posts more (a request split in
 * more chunks than the ring holds). */
static void device_runs(void) { blk_sim_run(0, play, behaviour == SILENT); }

#define FEATURES                                                                                                       \
	(VIRTIO_F_VERSION_1 | VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX | VIRTIO_BLK_F_FLUSH |             \
	 VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES)

static void config_put(unsigned off, uint64_t v, unsigned len) { memcpy(fk.config + off, &v, len); }

/* A new device of DISK_BYTES, not yet attached. */
static void device(bool legacy, uint64_t features)
{
	fresh(legacy, features);
	config_put(VIRTIO_BLK_CFG_CAPACITY, DISK_BYTES / 512, 8);
	memset(disk, 0, sizeof(disk));
	/* A test that failed left its disk behind. */
	struct blkdev *old = blkdev_find("vda");
	if (old)
		blkdev_unregister(old);
	behaviour = HONEST;
	nseen = 0;
	disks_found = 0;
	lock_depth = 0;
	while_waiting = device_runs;
	console_log_level = LOG_INFO;
}

static struct blkdev *attached(void)
{
	assert_int_equal(vtblk_attach(&vd), 0);
	struct blkdev *bd = blkdev_find("vda");
	assert_non_null(bd);
	return bd;
}

static void blk_release(void)
{
	struct vtblk *vb = vb_of();
	assert_int_equal(blkdev_unregister(&vb->bd), 0);
	virtio_detach(&vd);
	vtblk_free(vb);
	assert_int_equal(dma_live, 0);
}

#define SEC 1000000000ull

/* --- tests -------------------------------------------------------------------------------- */

static void attach_unwinds(void **state)
{
	device(false, FEATURES);
	counting = true;
	struct blkdev *bd = attached();
	counting = false;
	unsigned total = allocs;
	assert_non_null(
	    strstr(log_text, "vda: fake0, 16384 sectors of 512 bytes, 512-byte blocks, serial KEEL-DISK-0001"));
	assert_int_equal(bd->features, BLKDEV_F_FLUSH | BLKDEV_F_DISCARD | BLKDEV_F_WRITE_ZEROES);
	assert_int_equal(bd->queue_depth, 64);
	blk_release();

	for (unsigned n = 1; n <= total; n++) {
		device(false, FEATURES);
		counting = true;
		fail_alloc_at = n;
		int err = vtblk_attach(&vd);
		counting = false;
		assert_int_equal(err, -ENOMEM);
		assert_null(blkdev_find("vda"));
		if (fk.nstatus == 0)
			assert_int_equal(dma_live, 0);
		else
			assert_detached(err);
	}
	/* Impossible limits and a device that never answers GET_ID. */
	device(false, FEATURES | VIRTIO_BLK_F_BLK_SIZE);
	config_put(VIRTIO_BLK_CFG_BLK_SIZE, 1000, 4);
	assert_detached(vtblk_attach(&vd));
	device(false, FEATURES | VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX);
	config_put(VIRTIO_BLK_CFG_SIZE_MAX, 100, 4);
	config_put(VIRTIO_BLK_CFG_SEG_MAX, 2, 4);
	assert_detached(vtblk_attach(&vd));
	device(false, FEATURES);
	while_waiting = NULL;
	assert_detached(vtblk_attach(&vd));
	assert_null(blkdev_find("vda"));
}

/* Writes through blkdev_write and reads back, checking what the device
 * saw of each request. */
static void read_write(bool legacy, uint64_t features)
{
	device(legacy, features);
	struct blkdev *bd = attached();
	static uint8_t out[1 << 20], in[1 << 20];
	blk_sim_pattern(out, sizeof(out), 3);
	nseen = 0;
	assert_int_equal(blkdev_write(bd, 4096, out, sizeof(out), SEC), 0);
	assert_int_equal(seen[0].type, VIRTIO_BLK_T_OUT);
	assert_int_equal(seen[0].sector, 8);
	assert_memory_equal(disk + 4096, out, sizeof(out));
	nseen = 0;
	assert_int_equal(blkdev_read(bd, 4096, in, sizeof(in), SEC), 0);
	assert_int_equal(seen[0].type, VIRTIO_BLK_T_IN);
	assert_memory_equal(in, out, sizeof(out));
	assert_int_equal(bd->reads, 1);
	assert_int_equal(bd->writes, 1);
	assert_int_equal(bd->errors, 0);
	blk_release();
}

static void modern_and_legacy(void **state)
{
	read_write(false, FEATURES);
	read_write(true, FEATURES & ~VIRTIO_F_VERSION_1);
	assert_int_equal(fk.driver_features >> 32, 0);
	read_write(false, FEATURES & ~(VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX));
}

/* A request of many segments, and of segments longer than size_max, is
 * cut into device requests within seg_max and size_max that together
 * carry it all, in order. */
static void split_by_limits(void **state)
{
	device(false, FEATURES | VIRTIO_BLK_F_SIZE_MAX | VIRTIO_BLK_F_SEG_MAX);
	config_put(VIRTIO_BLK_CFG_SIZE_MAX, 4096, 4);
	config_put(VIRTIO_BLK_CFG_SEG_MAX, 3, 4);
	struct blkdev *bd = attached();
	static uint8_t buf[1 << 20];
	blk_sim_pattern(buf, sizeof(buf), 11);

	/* One segment of 1 MiB: 86 requests of at most 3 pieces of 4 KiB. */
	nseen = 0;
	struct blk_seg one = { buf, sizeof(buf) };
	struct blkreq req = { .op = BLK_WRITE, .sector = 100, .segs = &one, .nsegs = 1 };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), 0);
	assert_int_equal(nseen, 86);
	uint64_t sector = 100, bytes = 0;
	for (unsigned i = 0; i < nseen; i++) {
		assert_int_equal(seen[i].sector, sector);
		assert_true(seen[i].ndata <= 3);
		assert_true(seen[i].max_piece <= 4096);
		sector += seen[i].bytes / 512;
		bytes += seen[i].bytes;
	}
	assert_int_equal(bytes, sizeof(buf));
	assert_memory_equal(disk + 100 * 512, buf, sizeof(buf));

	/* 300 segments of 1536 bytes: pieces cut so that each request is
	 * whole sectors, the tail of one moving to the next. */
	static struct blk_seg segs[300];
	for (unsigned i = 0; i < 300; i++)
		segs[i] = (struct blk_seg){ buf + i * 1536, 1536 };
	memset(disk, 0, DISK_BYTES);
	nseen = 0;
	req = (struct blkreq){ .op = BLK_WRITE, .sector = 0, .segs = segs, .nsegs = 300 };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), 0);
	for (unsigned i = 0; i < nseen; i++) {
		assert_int_equal(seen[i].bytes % 512, 0);
		assert_true(seen[i].ndata <= 3);
	}
	assert_memory_equal(disk, buf, 300 * 1536);
	blk_release();
}

/* With indirect descriptors a request takes one ring descriptor; without,
 * one per piece plus header and status. */
static void indirect_or_not(void **state)
{
	static uint8_t buf[64 * 1024];
	struct blk_seg segs[16];
	for (unsigned i = 0; i < 16; i++)
		segs[i] = (struct blk_seg){ buf + i * 4096, 4096 };
	for (int ind = 0; ind < 2; ind++) {
		device(false, ind ? FEATURES : FEATURES & ~VIRTIO_RING_F_INDIRECT_DESC);
		struct blkdev *bd = attached();
		nseen = 0;
		struct blkreq req = { .op = BLK_READ, .sector = 0, .segs = segs, .nsegs = 16 };
		assert_int_equal(blkdev_submit_wait(bd, &req, SEC), 0);
		assert_int_equal(nseen, 1);
		assert_int_equal(seen[0].ndata, 16);
		assert_int_equal(seen[0].indirect, ind);
		assert_int_equal(seen[0].ndescs, ind ? 1 : 18);
		blk_release();
	}
}

static unsigned long dones;
static int last_status;
static void count_done(struct blkreq *req, int status)
{
	dones++;
	last_status = status;
	assert_int_equal(*(int *)req->ctx, 0);
	*(int *)req->ctx = status == 0 ? 1 : status;
}

/* As many requests in flight as the queue has, each completed once by
 * interrupt; one more is refused until room comes back. */
static void many_in_flight(void **state)
{
	device(false, FEATURES & ~VIRTIO_RING_F_INDIRECT_DESC);
	struct blkdev *bd = attached();
	static uint8_t buf[64][4096];
	static struct blk_seg seg[65];
	static struct blkreq req[65];
	static int result[65];
	dones = 0;
	for (unsigned i = 0; i < 65; i++) {
		blk_sim_pattern(buf[i % 64], 4096, i);
		seg[i] = (struct blk_seg){ buf[i % 64], 4096 };
		result[i] = 0;
		req[i] = (struct blkreq){ .op = BLK_WRITE,
					  .sector = i * 8,
					  .segs = &seg[i],
					  .nsegs = 1,
					  .done = count_done,
					  .ctx = &result[i] };
	}
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(blkdev_submit(bd, &req[i]), 0);
	/* The ring (64 descriptors, 3 a request) holds 21: the rest wait
	 * in the driver. */
	assert_int_equal(blkdev_submit(bd, &req[64]), -EAGAIN);
	assert_int_equal(dones, 0);
	device_runs();
	while (dones < 64)
		device_runs();
	for (unsigned i = 0; i < 64; i++) {
		assert_int_equal(result[i], 1);
		assert_memory_equal(disk + i * 4096, buf[i], 4096);
	}
	assert_int_equal(blkdev_submit(bd, &req[64]), 0);
	device_runs();
	assert_int_equal(result[64], 1);
	blk_release();
}

static void flush_discard_write_zeroes(void **state)
{
	device(false, FEATURES);
	config_put(VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS, 64, 4);
	struct blkdev *bd = attached();
	nseen = 0;
	assert_int_equal(blkdev_flush(bd, SEC), 0);
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].type, VIRTIO_BLK_T_FLUSH);
	assert_int_equal(seen[0].sector, 0);

	nseen = 0;
	struct blkreq req = { .op = BLK_DISCARD, .sector = 16, .nsectors = 100 };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), 0);
	assert_int_equal(nseen, 2); /* 64 + 36 */
	assert_int_equal(seen[0].type, VIRTIO_BLK_T_DISCARD);
	assert_int_equal(seen[0].sector, 0);
	assert_int_equal(seen[0].range.sector, 16);
	assert_int_equal(seen[0].range.num_sectors, 64);
	assert_int_equal(seen[1].range.sector, 80);
	assert_int_equal(seen[1].range.num_sectors, 36);

	memset(disk, 0xaa, 8192);
	nseen = 0;
	req = (struct blkreq){ .op = BLK_WRITE_ZEROES, .sector = 2, .nsectors = 4 };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), 0);
	assert_int_equal(seen[0].type, VIRTIO_BLK_T_WRITE_ZEROES);
	assert_int_equal(seen[0].range.sector, 2);
	assert_int_equal(seen[0].range.num_sectors, 4);
	assert_int_equal(seen[0].range.flags, 0);
	assert_int_equal(disk[1023], 0xaa);
	assert_int_equal(disk[1024], 0);
	assert_int_equal(disk[3071], 0);
	assert_int_equal(disk[3072], 0xaa);
	blk_release();

	/* Without the features: flush has nothing to do, the others are refused. */
	device(false, VIRTIO_F_VERSION_1);
	bd = attached();
	nseen = 0;
	assert_int_equal(bd->features, 0);
	assert_int_equal(blkdev_flush(bd, SEC), 0);
	assert_int_equal(nseen, 0);
	req = (struct blkreq){ .op = BLK_DISCARD, .sector = 0, .nsectors = 8 };
	assert_int_equal(blkdev_submit_wait(bd, &req, SEC), -EOPNOTSUPP);
	blk_release();
}

static void read_only(void **state)
{
	device(false, FEATURES | VIRTIO_BLK_F_RO);
	struct blkdev *bd = attached();
	assert_true(bd->read_only);
	uint8_t buf[512] = { 1 };
	assert_int_equal(blkdev_write(bd, 0, buf, 512, SEC), -EROFS);
	assert_int_equal(blkdev_read(bd, 0, buf, 512, SEC), 0);
	assert_int_equal(buf[0], 0);
	assert_non_null(strstr(log_text, "read-only"));
	blk_release();
}

static void blocks_of_4096(void **state)
{
	device(false, FEATURES | VIRTIO_BLK_F_BLK_SIZE);
	config_put(VIRTIO_BLK_CFG_BLK_SIZE, 4096, 4);
	config_put(VIRTIO_BLK_CFG_CAPACITY, DISK_BYTES / 512 + 5, 8); /* a partial block at the end is not used */
	struct blkdev *bd = attached();
	assert_int_equal(bd->block_size, 4096);
	assert_int_equal(bd->sectors, DISK_BYTES / 512);
	static uint8_t buf[8192];
	blk_sim_pattern(buf, sizeof(buf), 5);
	assert_int_equal(blkdev_write(bd, 512, buf, 4096, SEC), -EINVAL);
	assert_int_equal(blkdev_write(bd, 4096, buf, 2048, SEC), -EINVAL);
	nseen = 0;
	assert_int_equal(blkdev_write(bd, 8192, buf, 8192, SEC), 0);
	assert_int_equal(seen[0].sector, 16); /* always in 512-byte sectors */
	assert_memory_equal(disk + 8192, buf, 8192);
	blk_release();
}

/* Each lie of the device fails its request with -EIO, once logged per
 * kind, every one counted; the disk goes on working. */
static void lying_device(void **state)
{
	device(false, FEATURES);
	struct blkdev *bd = attached();
	uint8_t buf[4096];
	unsigned long faults = device_faults();
	static const struct {
		enum behaviour b;
		int err;
		const char *log;
	} lies[] = {
		{ SHORT_LEN, -EIO, "vda (fake0, fake slot 3): device fault: a used length that does not cover" },
		{ NO_STATUS, -EIO,
		  "vda (fake0, fake slot 3): device fault: a status byte outside the specification (255" },
		{ BAD_STATUS, -EIO, NULL }, /* the same kind: counted only */
		{ IOERR, -EIO, NULL },
		{ UNSUPP, -EOPNOTSUPP, NULL },
	};
	for (unsigned i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		log_text[0] = '\0';
		behaviour = lies[i].b;
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), lies[i].err);
		if (lies[i].log)
			assert_non_null(strstr(log_text, lies[i].log));
		behaviour = HONEST;
		assert_int_equal(blkdev_read(bd, 0, buf, sizeof(buf), SEC), 0);
	}
	assert_int_equal(device_faults() - faults, 3);
	/* Again, on a write (whose used length must cover the status byte
	 * alone): counted, not logged a second time. */
	log_text[0] = '\0';
	behaviour = SHORT_LEN;
	assert_int_equal(blkdev_write(bd, 0, buf, sizeof(buf), SEC), -EIO);
	assert_null(strstr(log_text, "device fault"));
	assert_int_equal(device_faults() - faults, 4);
	assert_int_equal(vb_of()->faults[FAULT_SHORT_LEN], 2);
	behaviour = HONEST;
	assert_int_equal(blkdev_write(bd, 0, buf, sizeof(buf), SEC), 0);
	blk_release();
}

/* A used element for a request not in flight breaks the queue: every
 * request taken fails with -EIO at once, and later ones are refused. */
static void unknown_id(void **state)
{
	device(false, FEATURES);
	struct blkdev *bd = attached();
	static uint8_t buf[4096];
	struct blk_seg seg = { buf, 4096 };
	int result = 0;
	struct blkreq req = {
		.op = BLK_READ, .sector = 0, .segs = &seg, .nsegs = 1, .done = count_done, .ctx = &result
	};
	dones = 0;
	assert_int_equal(blkdev_submit(bd, &req), 0);
	vdev_sim_fetch(&fk.sim[0]);
	assert_true(vdev_sim_misbehave(&fk.sim[0], VDEV_ID_NOT_HEAD));
	vtblk_interrupt(vd.vq[0]);
	assert_int_equal(dones, 1);
	assert_int_equal(result, -EIO);
	assert_true(vd.broken);
	assert_int_equal(blkdev_read(bd, 0, buf, 4096, SEC), -EIO);
	assert_non_null(strstr(log_text, "device fault on queue 0"));
	blk_release();
}

/* A device that keeps a request: the wait ends at its bound, the abort
 * resets the device (the other request in flight fails with -EIO), sets
 * it up again, and the disk works. */
static void never_answers(void **state)
{
	device(false, FEATURES);
	struct blkdev *bd = attached();
	static uint8_t a[4096], b[4096];
	struct blk_seg sa = { a, 4096 }, sb = { b, 4096 };
	int other = 0;
	struct blkreq ra = { .op = BLK_READ, .sector = 0, .segs = &sa, .nsegs = 1, .done = count_done, .ctx = &other };
	dones = 0;
	behaviour = SILENT;
	assert_int_equal(blkdev_submit(bd, &ra), 0);
	struct blkreq rb = { .op = BLK_WRITE, .sector = 8, .segs = &sb, .nsegs = 1 };
	uint64_t t = now_ns;
	unsigned resets_before = fk.nstatus;
	assert_int_equal(blkdev_submit_wait(bd, &rb, 2 * SEC), -ETIMEDOUT);
	assert_int_equal(now_ns - t, 2 * SEC);
	assert_int_equal(dones, 1);
	assert_int_equal(other, -EIO);
	assert_true(fk.nstatus > resets_before);
	assert_int_equal(vb_of()->resets, 1);
	assert_non_null(strstr(log_text, "vda: a request did not complete in time"));
	assert_true(fk.status & VIRTIO_STATUS_DRIVER_OK);
	assert_false(vd.broken);
	behaviour = HONEST;
	blk_sim_pattern(b, 4096, 9);
	assert_int_equal(blkdev_write(bd, 8 * 512, b, 4096, SEC), 0);
	assert_memory_equal(disk + 4096, b, 4096);
	assert_int_equal(bd->errors, 1);
	blk_release();
}

/* A device that keeps a request and then does not reset either: the
 * wait still ends at its bound, both requests are given back, and the
 * disk refuses the next ones rather than hang. */
static void never_answers_nor_resets(void **state)
{
	device(false, FEATURES);
	struct blkdev *bd = attached();
	static uint8_t a[4096], b[4096];
	struct blk_seg sa = { a, 4096 }, sb = { b, 4096 };
	int other = 0;
	struct blkreq ra = { .op = BLK_READ, .sector = 0, .segs = &sa, .nsegs = 1, .done = count_done, .ctx = &other };
	dones = 0;
	behaviour = SILENT;
	assert_int_equal(blkdev_submit(bd, &ra), 0);
	fk.reset_stuck = true;
	struct blkreq rb = { .op = BLK_WRITE, .sector = 8, .segs = &sb, .nsegs = 1 };
	assert_int_equal(blkdev_submit_wait(bd, &rb, SEC), -ETIMEDOUT);
	assert_int_equal(other, -EIO);
	assert_non_null(strstr(log_text, "vda: the device did not reset"));
	assert_true(vd.broken);
	assert_int_equal(blkdev_read(bd, 0, a, 4096, SEC), -EIO);
	/* Given up for good: its memory stays with it (a leak, by design). */
	struct vtblk *vb = vb_of();
	assert_int_equal(blkdev_unregister(&vb->bd), 0);
	fk.reset_stuck = false;
	virtio_detach(&vd);
	vtblk_free(vb);
}

/* NEEDS_RESET announced by a configuration interrupt: the device is
 * reset, the requests it held fail with -EIO at once. */
static void needs_reset(void **state)
{
	device(false, FEATURES);
	struct blkdev *bd = attached();
	static uint8_t a[4096];
	struct blk_seg sa = { a, 4096 };
	int result = 0;
	struct blkreq ra = { .op = BLK_READ, .sector = 0, .segs = &sa, .nsegs = 1, .done = count_done, .ctx = &result };
	dones = 0;
	behaviour = SILENT;
	assert_int_equal(blkdev_submit(bd, &ra), 0);
	device_runs();
	assert_int_equal(dones, 0);
	fk.status |= VIRTIO_STATUS_NEEDS_RESET;
	virtio_dispatch(&vd, 2);
	assert_int_equal(dones, 1);
	assert_int_equal(result, -EIO);
	assert_int_equal(blkdev_read(bd, 0, a, 4096, SEC), -EIO);
	blk_release();
}

/* A request still waiting for room in the ring is taken back without a
 * reset. */
static void abort_pending(void **state)
{
	device(false, FEATURES & ~VIRTIO_RING_F_INDIRECT_DESC);
	fk.qsize[0] = 4; /* room for one request of one segment */
	struct blkdev *bd = attached();
	static uint8_t buf[2][4096];
	struct blk_seg seg[2] = { { buf[0], 4096 }, { buf[1], 4096 } };
	int r0 = 0, r1 = 0;
	struct blkreq q0 = { .op = BLK_READ, .sector = 0, .segs = &seg[0], .nsegs = 1, .done = count_done, .ctx = &r0 };
	struct blkreq q1 = { .op = BLK_READ, .sector = 8, .segs = &seg[1], .nsegs = 1, .done = count_done, .ctx = &r1 };
	dones = 0;
	assert_int_equal(blkdev_submit(bd, &q0), 0);
	assert_int_equal(blkdev_submit(bd, &q1), 0);
	blkdev_abort(bd, &q1);
	assert_int_equal(r1, -ECANCELED);
	assert_int_equal(vb_of()->resets, 0);
	device_runs();
	assert_int_equal(r0, 1);
	blk_release();
}

static void capacity_change(void **state)
{
	device(false, FEATURES);
	struct blkdev *bd = attached();
	config_put(VIRTIO_BLK_CFG_CAPACITY, 1000, 8);
	virtio_dispatch(&vd, 2);
	assert_int_equal(bd->sectors, 1000);
	assert_non_null(strstr(log_text, "vda: capacity changed from 16384 to 1000 sectors"));
	uint8_t buf[512];
	assert_int_equal(blkdev_read(bd, 1000 * 512, buf, 512, SEC), -EINVAL);
	assert_int_equal(blkdev_read(bd, 999 * 512, buf, 512, SEC), 0);
	blk_release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attach_unwinds),  cmocka_unit_test(modern_and_legacy),
		cmocka_unit_test(split_by_limits), cmocka_unit_test(indirect_or_not),
		cmocka_unit_test(many_in_flight),  cmocka_unit_test(flush_discard_write_zeroes),
		cmocka_unit_test(read_only),	   cmocka_unit_test(blocks_of_4096),
		cmocka_unit_test(lying_device),	   cmocka_unit_test(unknown_id),
		cmocka_unit_test(never_answers),   cmocka_unit_test(never_answers_nor_resets),
		cmocka_unit_test(needs_reset),	   cmocka_unit_test(abort_pending),
		cmocka_unit_test(capacity_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
