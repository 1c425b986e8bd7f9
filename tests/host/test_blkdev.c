/*
 * The block device class (kernel/blkdev.c) and the registry under it
 * (kernel/devreg.c) against a fake device: a RAM disk whose requests
 * complete inline, later from a timer (as from an interrupt handler),
 * with an error, or never (until aborted), on the host scheduler
 * (tests/host/sched_host.c), whose clock moves only while threads wait.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/blkdev.h"
#include "tests/host/sched_host.h"

#define T0 UINT64_C(1000000000)
#define MS UINT64_C(1000000)

/* --- panic ------------------------------------------------------------------------------ */

static jmp_buf panic_jmp;
static bool panic_armed;
static char panic_msg[256];

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (!panic_armed)
		fail_msg("unexpected panic at %s:%d: %s", file, line, panic_msg);
	panic_armed = false;
	longjmp(panic_jmp, 1);
}

/* --- the fake device ------------------------------------------------------------------- */

enum mode {
	INLINE, /* done before submit returns */
	LATER,	/* done from a timer after delay */
	FAILS,	/* done inline with -EIO */
	NEVER,	/* done only when aborted */
	BUSY,	/* submit refuses with -EAGAIN */
	DEAF,	/* never done, and abort does not do it either: a broken driver */
};

#define DISK_SECTORS 64

struct fake {
	struct blkdev bd;
	enum mode mode;
	uint64_t delay;
	uint8_t disk[DISK_SECTORS * BLK_SECTOR_SIZE];
	struct blkreq *inflight;
	struct timer timer;
	unsigned long submitted, aborted;
	int late_status;
};

static void perform(struct fake *f, struct blkreq *r)
{
	uint8_t *at = f->disk + r->sector * BLK_SECTOR_SIZE;
	switch (r->op) {
	case BLK_READ:
	case BLK_WRITE:
		for (unsigned i = 0; i < r->nsegs; i++) {
			if (r->op == BLK_READ)
				memcpy(r->segs[i].addr, at, r->segs[i].len);
			else
				memcpy(at, r->segs[i].addr, r->segs[i].len);
			at += r->segs[i].len;
		}
		break;
	case BLK_WRITE_ZEROES: memset(at, 0, (size_t)r->nsectors * BLK_SECTOR_SIZE); break;
	default: break;
	}
}

/* A timer: interrupt context, as a device's completion would be. */
static void complete_later(struct timer *t, void *ctx)
{
	struct fake *f = ctx;
	struct blkreq *r = f->inflight;
	HOST_CHECK(r != NULL && host_in_interrupt());
	f->inflight = NULL;
	perform(f, r);
	r->done(r, f->late_status);
}

static int fake_submit(struct blkdev *bd, struct blkreq *r)
{
	struct fake *f = bd->driver;
	HOST_CHECK(f->inflight == NULL);
	switch (f->mode) {
	case BUSY: return -EAGAIN;
	case INLINE:
		f->submitted++;
		perform(f, r);
		r->done(r, 0);
		return 0;
	case FAILS:
		f->submitted++;
		r->done(r, -EIO);
		return 0;
	case LATER: arch_timer_arm(&f->timer, host_clock() + f->delay, complete_later, f); /* fall through */
	case NEVER:
	case DEAF:
		f->submitted++;
		f->inflight = r;
		return 0;
	}
	return -EIO;
}

static void fake_abort(struct blkdev *bd, struct blkreq *r)
{
	struct fake *f = bd->driver;
	f->aborted++;
	if (f->mode == DEAF || f->inflight != r)
		return;
	arch_timer_cancel(&f->timer);
	f->inflight = NULL;
	r->done(r, -ECANCELED);
}

static const struct blkdev_ops fake_ops = { fake_submit, fake_abort };

static struct fake fakes[3];

static struct fake *make(unsigned i, const char *name)
{
	struct fake *f = &fakes[i];
	memset(f, 0, sizeof(*f));
	snprintf(f->bd.reg.name, sizeof(f->bd.reg.name), "%s", name);
	f->bd.ops = &fake_ops;
	f->bd.driver = f;
	f->bd.sectors = DISK_SECTORS;
	f->bd.block_size = 512;
	f->bd.queue_depth = 1;
	f->bd.max_segs = 4;
	f->bd.max_seg_size = 4096;
	f->delay = 3 * MS;
	for (size_t k = 0; k < sizeof(f->disk); k++)
		f->disk[k] = (uint8_t)(k * 13 + i);
	return f;
}

static struct fake *add(unsigned i, const char *name)
{
	struct fake *f = make(i, name);
	assert_int_equal(blkdev_register(&f->bd), 0);
	return f;
}

static int setup(void **state) { return host_reset(T0) ? 0 : -1; }

static int teardown(void **state)
{
	for (unsigned i = 0; i < 3; i++)
		if (fakes[i].bd.reg.registered)
			blkdev_unregister(&fakes[i].bd);
	if (blkdev_find("vda") || !host_quiescent()) {
		print_error("the test left devices, threads or timers behind\n");
		return -1;
	}
	return 0;
}

/* --- the registry ------------------------------------------------------------------------ */

static void test_register_checks_the_driver(void **state)
{
	struct fake *f = make(0, "vda");
	f->bd.block_size = 1000;
	assert_int_equal(blkdev_register(&f->bd), -EINVAL);
	f->bd.block_size = 256;
	assert_int_equal(blkdev_register(&f->bd), -EINVAL);
	f = make(0, "vda");
	f->bd.queue_depth = 0;
	assert_int_equal(blkdev_register(&f->bd), -EINVAL);
	f = make(0, "");
	assert_int_equal(blkdev_register(&f->bd), -EINVAL);
	f = make(0, "vda");
	static const struct blkdev_ops no_abort = { fake_submit, NULL };
	f->bd.ops = &no_abort;
	assert_int_equal(blkdev_register(&f->bd), -EINVAL);
	add(0, "vda");
	assert_int_equal(blkdev_register(&fakes[0].bd), -EINVAL); /* twice */
	struct fake *g = make(1, "vda");
	assert_int_equal(blkdev_register(&g->bd), -EEXIST);
}

struct seen {
	struct blkdev_notifier n;
	char log[256];
};

static void on_added(struct blkdev_notifier *n, struct blkdev *bd)
{
	struct seen *s = (struct seen *)n;
	/* Found by name while the notifier runs. */
	HOST_CHECK(blkdev_find(bd->reg.name) == bd);
	snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log), "+%s", bd->reg.name);
}

static void on_removed(struct blkdev_notifier *n, struct blkdev *bd)
{
	struct seen *s = (struct seen *)n;
	/* Still there to be let go of. */
	HOST_CHECK(blkdev_find(bd->reg.name) == bd);
	snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log), "-%s", bd->reg.name);
}

static int list_names(struct blkdev *bd, void *arg)
{
	strcat(arg, bd->reg.name);
	strcat(arg, " ");
	return 0;
}

static int stop_at_vdb(struct blkdev *bd, void *arg) { return strcmp(bd->reg.name, "vdb") == 0 ? 7 : 0; }

static void test_find_iterate_notify(void **state)
{
	add(0, "vda");
	add(1, "vdb");
	struct seen s = { .n = { on_added, on_removed } };
	blkdev_notifier_register(&s.n);
	assert_string_equal(s.log, "+vda+vdb"); /* those present, at once */
	add(2, "vdc");
	assert_string_equal(s.log, "+vda+vdb+vdc");
	assert_ptr_equal(blkdev_find("vdb"), &fakes[1].bd);
	assert_null(blkdev_find("vdz"));
	assert_null(blkdev_find(NULL));
	char names[64] = "";
	assert_int_equal(blkdev_foreach(list_names, names), 0);
	assert_string_equal(names, "vda vdb vdc ");
	assert_int_equal(blkdev_foreach(stop_at_vdb, NULL), 7);
	assert_int_equal(blkdev_unregister(&fakes[1].bd), 0);
	assert_string_equal(s.log, "+vda+vdb+vdc-vdb");
	assert_null(blkdev_find("vdb"));
	assert_int_equal(blkdev_unregister(&fakes[1].bd), -ENOENT);
	/* The name is free again. */
	add(1, "vdb");
	assert_int_equal(blkdev_notifier_unregister(&s.n), 0);
	assert_int_equal(blkdev_notifier_unregister(&s.n), -ENOENT);
	assert_int_equal(blkdev_unregister(&fakes[0].bd), 0);
	assert_string_equal(s.log, "+vda+vdb+vdc-vdb+vdb");
}

/* --- the checks before a driver sees a request -------------------------------------------- */

static int submit(struct fake *f, struct blkreq *r) { return blkdev_submit_wait(&f->bd, r, 100 * MS); }

static void test_requests_are_checked(void **state)
{
	struct fake *f = add(0, "vda");
	static uint8_t buf[8192];
	struct blk_seg seg = { buf, 512 };
	struct blk_seg five[5] = { { buf, 512 }, { buf, 512 }, { buf, 512 }, { buf, 512 }, { buf, 512 } };
	struct blkreq r;

	r = (struct blkreq){ .op = BLK_READ, .sector = DISK_SECTORS - 1, .segs = &seg, .nsegs = 1 };
	assert_int_equal(submit(f, &r), 0); /* the last sector */
	r = (struct blkreq){ .op = BLK_READ, .sector = DISK_SECTORS, .segs = &seg, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL); /* past the end */
	r = (struct blkreq){ .op = BLK_READ, .sector = UINT64_MAX, .segs = &seg, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL); /* no wrap-around */
	struct blk_seg two = { buf, 1024 };
	r = (struct blkreq){ .op = BLK_READ, .sector = DISK_SECTORS - 1, .segs = &two, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL); /* runs past the end */
	struct blk_seg odd = { buf, 700 };
	r = (struct blkreq){ .op = BLK_READ, .segs = &odd, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL);
	r = (struct blkreq){ .op = BLK_READ, .segs = five, .nsegs = 5 };
	assert_int_equal(submit(f, &r), -EINVAL); /* max_segs 4 */
	r = (struct blkreq){ .op = BLK_READ, .segs = five, .nsegs = 0 };
	assert_int_equal(submit(f, &r), -EINVAL);
	struct blk_seg big = { buf, 8192 };
	r = (struct blkreq){ .op = BLK_READ, .segs = &big, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL); /* max_seg_size 4096 */
	f->bd.max_sectors = 2;
	r = (struct blkreq){ .op = BLK_READ, .segs = five, .nsegs = 3 };
	assert_int_equal(submit(f, &r), -EINVAL);
	f->bd.max_sectors = 0;
	r = (struct blkreq){ .op = BLK_DISCARD, .sector = 0, .nsectors = 8 };
	assert_int_equal(submit(f, &r), -EOPNOTSUPP);
	f->bd.features = BLKDEV_F_DISCARD | BLKDEV_F_WRITE_ZEROES;
	assert_int_equal(submit(f, &r), 0);
	r = (struct blkreq){ .op = BLK_WRITE_ZEROES, .sector = 60, .nsectors = 8 };
	assert_int_equal(submit(f, &r), -EINVAL);
	r = (struct blkreq){ .op = BLK_WRITE_ZEROES, .sector = 8, .nsectors = 0 };
	assert_int_equal(submit(f, &r), -EINVAL);
	r = (struct blkreq){ .op = 99 };
	assert_int_equal(submit(f, &r), -EINVAL);

	/* A 4096-byte block: offsets and lengths in whole blocks. */
	f->bd.block_size = 4096;
	r = (struct blkreq){ .op = BLK_READ, .sector = 0, .segs = &seg, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL);
	struct blk_seg block = { buf, 4096 };
	r = (struct blkreq){ .op = BLK_READ, .sector = 4, .segs = &block, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EINVAL);
	r = (struct blkreq){ .op = BLK_READ, .sector = 8, .segs = &block, .nsegs = 1 };
	assert_int_equal(submit(f, &r), 0);

	f->bd.read_only = true;
	r = (struct blkreq){ .op = BLK_WRITE, .sector = 8, .segs = &block, .nsegs = 1 };
	assert_int_equal(submit(f, &r), -EROFS);
	r = (struct blkreq){ .op = BLK_WRITE_ZEROES, .sector = 8, .nsectors = 8 };
	assert_int_equal(submit(f, &r), -EROFS);
	/* Only 3 reached the driver; the refusals are counted. */
	assert_int_equal(f->submitted, 3);
	assert_int_equal(f->bd.reads, 2);
	assert_int_equal(f->bd.discards, 1);
	assert_int_equal(f->bd.rejected, 16);
	r = (struct blkreq){ .op = BLK_READ, .sector = 8, .segs = &block, .nsegs = 1 };
	assert_int_equal(blkdev_submit(&f->bd, &r), -EINVAL); /* no done callback */
}

/* Without a volatile cache a flush has nothing to do: done at once. */
static void test_flush(void **state)
{
	struct fake *f = add(0, "vda");
	f->mode = NEVER;
	assert_int_equal(blkdev_flush(&f->bd, 100 * MS), 0);
	assert_int_equal(f->submitted, 0);
	f->bd.features = BLKDEV_F_FLUSH;
	f->mode = LATER;
	assert_int_equal(blkdev_flush(&f->bd, 100 * MS), 0);
	assert_int_equal(f->submitted, 1);
	assert_int_equal(f->bd.flushes, 2);
}

/* --- the synchronous helper ------------------------------------------------------------- */

static void test_sync_inline_and_later(void **state)
{
	struct fake *f = add(0, "vda");
	uint8_t want[2048], got[2048];
	memcpy(want, f->disk + 4 * 512, sizeof(want));
	assert_int_equal(blkdev_read(&f->bd, 4 * 512, got, sizeof(got), 100 * MS), 0);
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(host_clock(), T0);

	f->mode = LATER;
	memset(got, 0, sizeof(got));
	assert_int_equal(blkdev_read(&f->bd, 4 * 512, got, sizeof(got), 100 * MS), 0);
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(host_clock(), T0 + f->delay);

	/* A write, then the data read back through several segments. */
	for (size_t k = 0; k < sizeof(want); k++)
		want[k] = (uint8_t)(k ^ 0x5a);
	assert_int_equal(blkdev_write(&f->bd, 8 * 512, want, sizeof(want), 100 * MS), 0);
	memset(got, 0, sizeof(got));
	struct blk_seg segs[3] = { { got, 512 }, { got + 512, 1024 }, { got + 1536, 512 } };
	struct blkreq r = { .op = BLK_READ, .sector = 8, .segs = segs, .nsegs = 3 };
	assert_int_equal(blkdev_submit_wait(&f->bd, &r, UINT64_MAX), 0);
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(f->bd.written_bytes, sizeof(want));
	assert_int_equal(f->bd.read_bytes, 3 * sizeof(got));
	assert_int_equal(f->bd.errors, 0);
}

/* A transfer larger than a segment goes as several requests. */
static void test_sync_splits_large_transfers(void **state)
{
	struct fake *f = add(0, "vda");
	f->bd.max_seg_size = 1024;
	static uint8_t data[16384], back[16384];
	for (size_t k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 7);
	assert_int_equal(blkdev_write(&f->bd, 0, data, sizeof(data), 100 * MS), 0);
	assert_int_equal(blkdev_read(&f->bd, 0, back, sizeof(back), 100 * MS), 0);
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(f->submitted, 32);
	assert_int_equal(blkdev_read(&f->bd, 100, back, 512, 100 * MS), -EINVAL);
	assert_int_equal(blkdev_read(&f->bd, 0, back, 100, 100 * MS), -EINVAL);
}

static void test_sync_error_and_refusal(void **state)
{
	struct fake *f = add(0, "vda");
	uint8_t buf[512];
	f->mode = FAILS;
	assert_int_equal(blkdev_read(&f->bd, 0, buf, sizeof(buf), 100 * MS), -EIO);
	f->mode = LATER;
	f->late_status = -EIO;
	assert_int_equal(blkdev_read(&f->bd, 0, buf, sizeof(buf), 100 * MS), -EIO);
	assert_int_equal(f->bd.errors, 2);
	f->mode = BUSY;
	assert_int_equal(blkdev_read(&f->bd, 0, buf, sizeof(buf), 100 * MS), -EAGAIN);
	assert_int_equal(f->bd.rejected, 1);
}

/* A request the device does not answer: -ETIMEDOUT at the deadline, and
 * the request taken back, so the caller's buffer is its own again. */
static void test_sync_timeout_aborts(void **state)
{
	struct fake *f = add(0, "vda");
	uint8_t buf[512];
	f->mode = NEVER;
	assert_int_equal(blkdev_read(&f->bd, 0, buf, sizeof(buf), 20 * MS), -ETIMEDOUT);
	assert_int_equal(host_clock(), T0 + 20 * MS);
	assert_int_equal(f->aborted, 1);
	assert_null(f->inflight);
	/* A completion later than the deadline: aborted too. */
	f->mode = LATER;
	f->delay = 50 * MS;
	assert_int_equal(blkdev_read(&f->bd, 0, buf, sizeof(buf), 20 * MS), -ETIMEDOUT);
	assert_int_equal(f->aborted, 2);
	assert_int_equal(host_timers_armed(), 0);
	assert_int_equal(f->bd.errors, 2);
}

/* A driver whose abort breaks its promise is a bug in Keel: a panic,
 * not a wait without end or a write into a dead stack frame. */
static void test_abort_that_does_not_complete_panics(void **state)
{
	struct fake *f = add(0, "vda");
	uint8_t buf[512];
	f->mode = DEAF;
	panic_armed = true;
	if (setjmp(panic_jmp) == 0) {
		blkdev_read(&f->bd, 0, buf, sizeof(buf), 20 * MS);
		fail_msg("no panic");
	}
	assert_non_null(strstr(panic_msg, "abort returned before the request completed"));
	f->inflight = NULL;
}

/* Disk names as Linux gives them, whatever the prefix. */
static void test_disk_names(void **state)
{
	static const struct {
		const char *prefix;
		unsigned n;
		const char *name;
	} names[] = {
		{ "vd", 0, "vda" },
		{ "vd", 25, "vdz" },
		{ "vd", 26, "vdaa" },
		{ "vd", 27, "vdab" },
		{ "sd", 26 * 27 - 1, "sdzz" },
		{ "sd", 26 * 27, "sdaaa" },
		{ "vd", 26 + 26 * 26, "vdaaa" },
	};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char out[DEVREG_NAME_MAX];
		blkdev_disk_name(out, names[i].prefix, names[i].n);
		assert_string_equal(out, names[i].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_names),
		cmocka_unit_test_setup_teardown(test_register_checks_the_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_iterate_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_inline_and_later, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_splits_large_transfers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_error_and_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_timeout_aborts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_that_does_not_complete_panics, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
