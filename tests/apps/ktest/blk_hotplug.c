/*
 * A disk that comes and goes while the kernel runs (tests/boot/
 * t-scsi-hotplug.sh): the test waits for the disk the host plugs in,
 * writes a pattern over its first MiB and reads it back, discards a range
 * when the disk can; then, while the host unplugs it, keeps reading from
 * it until it is gone, and checks that a request to the disk it still
 * holds fails with an error rather than hang.
 */
#include <errno.h>
#include <keel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/blkdev.h"
#include "ktest.h"

#define TIMEOUT_NS (10ull * 1000 * 1000 * 1000)
#define STEP_NS (10ull * 1000 * 1000)
#define WAIT_STEPS 6000 /* 60 s */
#define MIB (1u << 20)

static uint8_t pattern_byte(uint64_t off) { return (uint8_t)((off >> 9) * 131 + (off & 511) * 7 + 9); }

/* ktest blk-hotplug DISK */
int ktest_blk_hotplug(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "sdb";
	/* From the heap: a static buffer would take a MiB of every ktest
	 * image, whose memory tests count it. */
	uint8_t *buf = malloc(MIB);
	if (buf == NULL)
		return 1;
	printf("ktest blk-hotplug: waiting for %s\n", name);
	struct blkdev *bd = NULL;
	for (int i = 0; i < WAIT_STEPS && (bd = blkdev_find(name)) == NULL; i++)
		keel_sleep_ns(STEP_NS);
	if (bd == NULL) {
		printf("ktest blk-hotplug: %s did not come\n", name);
		free(buf);
		return 1;
	}
	for (uint32_t i = 0; i < MIB; i++)
		buf[i] = pattern_byte(i);
	int w = blkdev_write(bd, 0, buf, MIB, TIMEOUT_NS);
	int f = blkdev_flush(bd, TIMEOUT_NS);
	memset(buf, 0, MIB);
	int r = blkdev_read(bd, 0, buf, MIB, TIMEOUT_NS);
	long bad = -1;
	for (uint32_t i = 0; i < MIB && bad < 0; i++)
		if (buf[i] != pattern_byte(i))
			bad = (long)i;
	int d = 1;
	if (bd->features & BLKDEV_F_DISCARD) {
		struct blkreq req = { .op = BLK_DISCARD, .sector = 4096, .nsectors = 128 };
		d = blkdev_submit_wait(bd, &req, TIMEOUT_NS);
	}
	printf(
	    "ktest blk-hotplug: %s came, %lu sectors: write %d, flush %d, read %d, first wrong byte %ld, discard %d\n",
	    name, (unsigned long)bd->sectors, w, f, r, bad, d);
	if (w || f || r || bad >= 0) {
		free(buf);
		return 1;
	}

	/* Reads go on while the host takes the disk away: each must end,
	 * with data or an error. */
	printf("ktest blk-hotplug: waiting for %s to go\n", name);
	unsigned reads = 0, failed = 0;
	int first_err = 0;
	for (int i = 0; i < WAIT_STEPS && blkdev_find(name) == bd; i++) {
		int e = blkdev_read(bd, (uint64_t)(i % 16) * 65536, buf, 65536, TIMEOUT_NS);
		reads++;
		if (e) {
			failed++;
			if (!first_err)
				first_err = e;
		}
		keel_sleep_ns(STEP_NS);
	}
	if (blkdev_find(name) == bd) {
		printf("ktest blk-hotplug: %s did not go\n", name);
		free(buf);
		return 1;
	}
	uint64_t t0 = keel_clock_ns();
	int after = blkdev_read(bd, 0, buf, 4096, TIMEOUT_NS);
	int wafter = blkdev_write(bd, 0, buf, 4096, TIMEOUT_NS);
	uint64_t ms = (keel_clock_ns() - t0) / 1000000;
	printf("ktest blk-hotplug: %s gone; %u reads meanwhile, %u failed (first %d); after: read %d, write %d in %lu "
	       "ms\n",
	       name, reads, failed, first_err, after, wafter, (unsigned long)ms);
	free(buf);
	return after < 0 && wafter < 0 ? 0 : 1;
}
