/*
 * The raw-disk benchmark's Keel side (bench/blk.sh), the measures of
 * bench/progs/blkbench.c through the block device API:
 *
 *   seq-write, seq-read   MIB MiB in 1 MiB requests, one at a time (MB/s)
 *   rand-read-qd1         OPS reads of 4 KiB at random places, one at a time (IOPS)
 *   rand-read-qd32        4 * OPS such reads, 32 kept in flight (IOPS)
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
#define QD 32

static uint64_t blocks; /* of 4 KiB, in the first MIB MiB */

/* The same generator as the Linux side. */
static uint64_t next_block(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (*state >> 33) % blocks;
}

/* Completions, by index, for the submitting thread to send again. */
struct ring {
	struct sem done;
	unsigned idx[QD];
	unsigned head, tail;
	unsigned long failed;
};

static struct blkreq req[QD];

/* From an interrupt handler: one producer, the thread the one consumer. */
static void on_done(struct blkreq *q, int status)
{
	struct ring *r = q->ctx;
	if (status)
		r->failed++;
	r->idx[r->tail++ % QD] = (unsigned)(q - req);
	sem_post(&r->done);
}

/* Throughput in tenths of MB/s, and operations per second, in integers
 * (the kernel's printf has no floating point). */
static void print_mbs(const char *what, uint64_t bytes, uint64_t ns)
{
	uint64_t tenths = bytes * 10000 / (ns ? ns : 1);
	printf("bench: %s %lu.%lu MB/s\n", what, (unsigned long)(tenths / 10), (unsigned long)(tenths % 10));
}

static void print_iops(const char *what, uint64_t ops, uint64_t ns)
{
	printf("bench: %s %lu IOPS\n", what, (unsigned long)(ops * 1000000000ull / (ns ? ns : 1)));
}

int ktest_blk_bench(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "vda";
	unsigned mib = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 64;
	unsigned long ops = argc > 3 ? strtoul(argv[3], NULL, 0) : 2000;
	struct blkdev *bd = blkdev_find(name);
	if (bd == NULL || bd->sectors * 512 < (uint64_t)mib * MIB) {
		printf("ktest blk-bench: no disk %s of %u MiB\n", name, mib);
		return 1;
	}
	blocks = (uint64_t)mib * MIB / 4096;
	uint8_t *buf = malloc(MIB);
	if (buf == NULL)
		return 1;
	memset(buf, 0x5a, MIB);

	uint64_t t0 = keel_clock_ns();
	for (unsigned i = 0; i < mib; i++)
		if (blkdev_write(bd, (uint64_t)i * MIB, buf, MIB, TIMEOUT_NS) != 0)
			return 1;
	if (blkdev_flush(bd, TIMEOUT_NS) != 0)
		return 1;
	uint64_t t1 = keel_clock_ns();
	for (unsigned i = 0; i < mib; i++)
		if (blkdev_read(bd, (uint64_t)i * MIB, buf, MIB, TIMEOUT_NS) != 0)
			return 1;
	uint64_t t2 = keel_clock_ns();
	print_mbs("seq-write", (uint64_t)mib * MIB, t1 - t0);
	print_mbs("seq-read", (uint64_t)mib * MIB, t2 - t1);

	uint64_t seed = 1;
	t0 = keel_clock_ns();
	for (unsigned long i = 0; i < ops; i++)
		if (blkdev_read(bd, next_block(&seed) * 4096, buf, 4096, TIMEOUT_NS) != 0)
			return 1;
	t1 = keel_clock_ns();
	print_iops("rand-read-qd1", ops, t1 - t0);

	/* QD32: each completion sends its request again at a new place
	 * until 4 * OPS were sent. */
	static struct ring r;
	static struct blk_seg seg[QD];
	sem_init(&r.done, 0);
	unsigned long total = 4 * ops, sent = 0, done = 0;
	t0 = keel_clock_ns();
	for (unsigned i = 0; i < QD; i++) {
		seg[i] = (struct blk_seg){ buf + (size_t)i * 4096, 4096 };
		req[i] = (struct blkreq){ .op = BLK_READ,
					  .sector = next_block(&seed) * 8,
					  .segs = &seg[i],
					  .nsegs = 1,
					  .done = on_done,
					  .ctx = &r };
		if (blkdev_submit(bd, &req[i]) != 0)
			return 1;
		sent++;
	}
	while (done < total) {
		if (sem_timedwait(&r.done, TIMEOUT_NS) != 0) {
			printf("ktest blk-bench: a request did not complete\n");
			return 1;
		}
		done++;
		unsigned i = r.idx[r.head++ % QD];
		if (sent < total) {
			req[i].sector = next_block(&seed) * 8;
			if (blkdev_submit(bd, &req[i]) != 0)
				return 1;
			sent++;
		}
	}
	t1 = keel_clock_ns();
	print_iops("rand-read-qd32", total, t1 - t0);
	free(buf);
	return r.failed ? 1 : 0;
}
