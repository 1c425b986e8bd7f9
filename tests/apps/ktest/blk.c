/*
 * Boot tests of disks through the kernel's block device API
 * (kernel/blkdev.h), below any filesystem: a pattern written over the
 * disk and read back, many requests in flight at once, a large request,
 * flush, write-zeroes; a read-only disk; a disk whose writes fail.
 *
 * The pattern is a function of the byte's offset on the disk, so that the
 * host can check the image afterwards (tests/boot/t-blk.sh).
 */
#include <errno.h>
#include <keel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/blkdev.h"
#include "kernel/sync.h"
#include "ktest.h"

#define TIMEOUT_NS (10ull * 1000 * 1000 * 1000)
#define MIB (1u << 20)

/* The byte at disk offset off, for the pass numbered seed. */
static uint8_t pattern_byte(uint64_t off, unsigned seed)
{
	return (uint8_t)((off >> 9) * 131 + (off & 511) * 7 + seed);
}

static void pattern(uint8_t *p, uint64_t off, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(off + i, seed);
}

/* The first offset in p (at disk offset off) that is not the pattern, or -1. */
static long mismatch(const uint8_t *p, uint64_t off, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern_byte(off + i, seed))
			return (long)i;
	return -1;
}

static unsigned long requests;

/* Writes the pattern over [0, bytes) in 1 MiB steps, reads it back. */
static int whole_disk(struct blkdev *bd, uint64_t bytes, unsigned seed)
{
	static uint8_t buf[MIB];
	uint64_t t0 = keel_clock_ns();
	for (uint64_t off = 0; off < bytes; off += MIB) {
		size_t n = bytes - off < MIB ? (size_t)(bytes - off) : MIB;
		pattern(buf, off, n, seed);
		int err = blkdev_write(bd, off, buf, n, TIMEOUT_NS);
		requests++;
		if (err) {
			printf("ktest blk: write at %lu returned %d\n", (unsigned long)off, err);
			return 1;
		}
	}
	uint64_t t1 = keel_clock_ns();
	for (uint64_t off = 0; off < bytes; off += MIB) {
		size_t n = bytes - off < MIB ? (size_t)(bytes - off) : MIB;
		memset(buf, 0, n);
		int err = blkdev_read(bd, off, buf, n, TIMEOUT_NS);
		requests++;
		long bad = mismatch(buf, off, n, seed);
		if (err || bad >= 0) {
			printf("ktest blk: read at %lu returned %d, first wrong byte %ld\n", (unsigned long)off, err,
			       bad);
			return 1;
		}
	}
	uint64_t t2 = keel_clock_ns();
	printf("ktest blk: pattern over %lu MiB written (%lu us) and read back (%lu us)\n",
	       (unsigned long)(bytes >> 20), (unsigned long)((t1 - t0) / 1000), (unsigned long)((t2 - t1) / 1000));
	return 0;
}

struct inflight {
	struct sem done;
	unsigned long completed, failed;
};

static void count_done(struct blkreq *req, int status)
{
	struct inflight *f = req->ctx;
	f->completed++;
	if (status)
		f->failed++;
	sem_post(&f->done);
}

/* depth reads of 4 KiB at once, scattered over the first bytes of the
 * disk, each checked. */
static int many_in_flight(struct blkdev *bd, uint64_t bytes, unsigned depth, unsigned seed)
{
	struct blkreq *req = calloc(depth, sizeof(*req));
	struct blk_seg *seg = calloc(depth, sizeof(*seg));
	uint8_t *buf = malloc((size_t)depth * 4096);
	if (!req || !seg || !buf) {
		printf("ktest blk: out of memory\n");
		return 1;
	}
	struct inflight f = { .completed = 0 };
	sem_init(&f.done, 0);
	unsigned taken = 0;
	for (unsigned i = 0; i < depth; i++) {
		uint64_t off = ((uint64_t)i * 7919 * 4096) % bytes;
		seg[i] = (struct blk_seg){ buf + (size_t)i * 4096, 4096 };
		req[i] = (struct blkreq){
			.op = BLK_READ, .sector = off / 512, .segs = &seg[i], .nsegs = 1, .done = count_done, .ctx = &f
		};
		int err = blkdev_submit(bd, &req[i]);
		if (err) {
			printf("ktest blk: request %u of %u refused: %d\n", i, depth, err);
			break;
		}
		taken++;
	}
	unsigned most = taken - (unsigned)f.completed; /* in flight at once, at least */
	for (unsigned i = 0; i < taken; i++)
		if (sem_timedwait(&f.done, TIMEOUT_NS) != 0) {
			printf("ktest blk: %lu of %u requests completed\n", f.completed, taken);
			return 1;
		}
	requests += taken;
	unsigned bad = 0;
	for (unsigned i = 0; i < taken; i++)
		if (mismatch(seg[i].addr, req[i].sector * 512, 4096, seed) >= 0)
			bad++;
	printf("ktest blk: %u reads submitted at once (%u in flight), %lu completed, %lu failed, %u wrong\n", taken,
	       most, f.completed, f.failed, bad);
	free(req);
	free(seg);
	free(buf);
	return taken != depth || f.failed || bad ? 1 : 0;
}

/* One request of bytes through one segment, and one of 4 KiB pieces from
 * separate allocations (as a filesystem's pages), each written then read. */
static int large(struct blkdev *bd, uint64_t off, size_t bytes, unsigned seed)
{
	uint8_t *buf = malloc(bytes);
	if (!buf)
		return 1;
	pattern(buf, off, bytes, seed);
	struct blk_seg one = { buf, (uint32_t)bytes };
	struct blkreq req = { .op = BLK_WRITE, .sector = off / 512, .segs = &one, .nsegs = 1 };
	int werr = blkdev_submit_wait(bd, &req, TIMEOUT_NS);
	memset(buf, 0, bytes);
	req = (struct blkreq){ .op = BLK_READ, .sector = off / 512, .segs = &one, .nsegs = 1 };
	int rerr = blkdev_submit_wait(bd, &req, TIMEOUT_NS);
	long bad = mismatch(buf, off, bytes, seed);
	free(buf);
	requests += 2;
	printf("ktest blk: one request of %lu KiB: write %d, read %d, first wrong byte %ld\n",
	       (unsigned long)(bytes >> 10), werr, rerr, bad);
	if (werr || rerr || bad >= 0)
		return 1;

	/* 1 MiB in 256 pieces. */
	enum { PIECES = 256 };
	static struct blk_seg segs[PIECES];
	for (unsigned i = 0; i < PIECES; i++) {
		segs[i].addr = malloc(4096);
		segs[i].len = 4096;
		if (!segs[i].addr)
			return 1;
		pattern(segs[i].addr, off + (uint64_t)i * 4096, 4096, seed + 1);
	}
	req = (struct blkreq){ .op = BLK_WRITE, .sector = off / 512, .segs = segs, .nsegs = PIECES };
	werr = blkdev_submit_wait(bd, &req, TIMEOUT_NS);
	for (unsigned i = 0; i < PIECES; i++)
		memset(segs[i].addr, 0, 4096);
	req = (struct blkreq){ .op = BLK_READ, .sector = off / 512, .segs = segs, .nsegs = PIECES };
	rerr = blkdev_submit_wait(bd, &req, TIMEOUT_NS);
	unsigned wrong = 0;
	for (unsigned i = 0; i < PIECES; i++) {
		wrong += mismatch(segs[i].addr, off + (uint64_t)i * 4096, 4096, seed + 1) >= 0;
		free(segs[i].addr);
	}
	requests += 2;
	printf("ktest blk: one request of %u pieces of 4 KiB: write %d, read %d, %u pieces wrong\n", PIECES, werr, rerr,
	       wrong);
	return werr || rerr || wrong;
}

/* Zeroes [off, off + bytes) when the disk can, and checks it reads back
 * as zeros. */
static int zeroes(struct blkdev *bd, uint64_t off, uint32_t bytes)
{
	if (!(bd->features & BLKDEV_F_WRITE_ZEROES)) {
		printf("ktest blk: no write-zeroes\n");
		return 0;
	}
	struct blkreq req = { .op = BLK_WRITE_ZEROES, .sector = off / 512, .nsectors = bytes / 512 };
	int err = blkdev_submit_wait(bd, &req, TIMEOUT_NS);
	uint8_t *buf = malloc(bytes);
	int rerr = buf ? blkdev_read(bd, off, buf, bytes, TIMEOUT_NS) : -ENOMEM;
	unsigned nonzero = 0;
	for (uint32_t i = 0; buf && i < bytes; i++)
		nonzero += buf[i] != 0;
	free(buf);
	requests += 2;
	printf("ktest blk: write-zeroes of %u KiB at %lu: %d, read %d, %u bytes not zero\n", bytes >> 10,
	       (unsigned long)off, err, rerr, nonzero);
	return err || rerr || nonzero;
}

static void describe(struct blkdev *bd)
{
	printf("ktest blk: %s: %lu sectors, %u-byte blocks, %s, flush %s, discard %s, write-zeroes %s, depth %u\n",
	       bd->reg.name, (unsigned long)bd->sectors, bd->block_size, bd->read_only ? "read-only" : "read-write",
	       bd->features & BLKDEV_F_FLUSH ? "yes" : "no", bd->features & BLKDEV_F_DISCARD ? "yes" : "no",
	       bd->features & BLKDEV_F_WRITE_ZEROES ? "yes" : "no", bd->queue_depth);
}

/* ktest blk DISK [rw|ro|ioerr|resize] */
int ktest_blk(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "vda";
	const char *mode = argc > 2 ? argv[2] : "rw";
	struct blkdev *bd = blkdev_find(name);
	if (bd == NULL) {
		printf("ktest blk: no disk %s\n", name);
		return 1;
	}
	describe(bd);
	uint64_t bytes = bd->sectors * 512;
	static uint8_t buf[MIB];
	if (strcmp(mode, "ro") == 0) {
		int w = blkdev_write(bd, 0, buf, 4096, TIMEOUT_NS);
		int r = blkdev_read(bd, 0, buf, MIB, TIMEOUT_NS);
		int f = blkdev_flush(bd, TIMEOUT_NS);
		printf("ktest blk: read-only: write %d, read %d, flush %d, first byte 0x%02x\n", w, r, f, buf[0]);
		return w == -EROFS && r == 0 ? 0 : 1;
	}
	if (strcmp(mode, "ioerr") == 0) {
		/* The host fails writes at sector 2048 (blkdebug). */
		pattern(buf, 0, 4096, 1);
		int ok = blkdev_write(bd, 0, buf, 4096, TIMEOUT_NS);
		int bad = blkdev_write(bd, 2048 * 512, buf, 4096, TIMEOUT_NS);
		int again = blkdev_write(bd, 4096, buf, 4096, TIMEOUT_NS);
		int r = blkdev_read(bd, 0, buf, 4096, TIMEOUT_NS);
		printf("ktest blk: write %d, write at sector 2048 %d, write after %d, read %d, %lu errors counted\n",
		       ok, bad, again, r, bd->errors);
		printf("ktest blk: the kernel is alive after the write error\n");
		return ok == 0 && bad == -EIO && again == 0 && r == 0 ? 0 : 1;
	}
	if (strcmp(mode, "resize") == 0) {
		/* The host grows the disk (block_resize) once it reads this. */
		printf("ktest blk: waiting for a capacity change\n");
		uint64_t was = bd->sectors;
		for (int i = 0; i < 6000 && bd->sectors == was; i++)
			keel_sleep_ns(10 * 1000 * 1000);
		uint64_t end = bd->sectors * 512;
		pattern(buf, end - 4096, 4096, 3);
		int w = end > was * 512 ? blkdev_write(bd, end - 4096, buf, 4096, TIMEOUT_NS) : -EINVAL;
		memset(buf, 0, 4096);
		int r = end > was * 512 ? blkdev_read(bd, end - 4096, buf, 4096, TIMEOUT_NS) : -EINVAL;
		printf("ktest blk: capacity %lu sectors, was %lu; the last 4 KiB written %d, read back %d, first wrong "
		       "byte %ld\n",
		       (unsigned long)bd->sectors, (unsigned long)was, w, r, mismatch(buf, end - 4096, 4096, 3));
		return w == 0 && r == 0 && mismatch(buf, end - 4096, 4096, 3) < 0 ? 0 : 1;
	}
	int fail = whole_disk(bd, bytes, 0);
	fail |= many_in_flight(bd, bytes, bd->queue_depth, 0);
	uint64_t big = 4 * MIB;
	if (bytes >= 2 * big)
		fail |= large(bd, big, big, 5);
	int ferr = blkdev_flush(bd, TIMEOUT_NS);
	requests++;
	printf("ktest blk: flush %d\n", ferr);
	fail |= ferr != 0;
	if (bytes >= 2 * big)
		fail |= zeroes(bd, big + MIB, 64 * 1024);
	ferr = blkdev_flush(bd, TIMEOUT_NS);
	printf(
	    "ktest blk: %lu requests, %lu reads, %lu writes, %lu flushes, %lu errors, %lu MiB read, %lu MiB written: "
	    "%s\n",
	    requests, bd->reads, bd->writes, bd->flushes, bd->errors, (unsigned long)(bd->read_bytes >> 20),
	    (unsigned long)(bd->written_bytes >> 20), fail || ferr ? "FAILED" : "ok");
	return fail || ferr ? 1 : 0;
}
