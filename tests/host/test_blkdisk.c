/*
 * KeelFS's kernel disk (fs/blkdisk.c) on the block device class
 * (kernel/blkdev.c) over a fake device that completes requests inline:
 * 512-byte and 4096-byte sectors, a segment limit that splits the 1 MiB
 * requests, flushes only for a device with a volatile cache, and a
 * device that fails, refused by mount with -EIO.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/blkdisk.h"
#include "fs/keelfs.h"
#include "kernel/blkdev.h"
#include "kernel/mm/dma.h"
#include "kernel/wallclock.h"
#include "tests/host/sched_host.h"

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("unexpected panic at %s:%d: %s", file, line, msg);
	abort();
}

/* The kernel's services blkdisk uses, on the host. */
void *dma_alloc_pages(size_t bytes, uint64_t *phys)
{
	void *p = calloc(1, bytes);
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}

void dma_free_pages(void *p, size_t bytes) { free(p); }

/* What the fake dma_contiguous says, so both of blkdisk's read paths run:
 * straight into the caller's buffer and through the bounce buffer. */
static bool contiguous;

bool dma_contiguous(const void *p, size_t len) { return contiguous; }

uint64_t wallclock_ns(void) { return UINT64_C(1700000000000000000); }

#define DISK_BYTES (4u << 20)

struct fake {
	struct blkdev bd;
	uint8_t *disk;
	bool fails;
	unsigned long requests, flushes;
	uint32_t largest;
	/* Reads whose segment lay within [watch, watch + watch_len). */
	const uint8_t *watch;
	size_t watch_len;
	unsigned long watched_reads;
};

static int fake_submit(struct blkdev *bd, struct blkreq *r)
{
	struct fake *f = bd->driver;
	uint8_t *at = f->disk + r->sector * BLK_SECTOR_SIZE;
	f->requests++;
	if (f->fails) {
		r->done(r, -EIO);
		return 0;
	}
	if (r->op == BLK_FLUSH)
		f->flushes++;
	for (unsigned i = 0; i < r->nsegs && (r->op == BLK_READ || r->op == BLK_WRITE); i++) {
		const uint8_t *addr = r->segs[i].addr;
		if (r->op == BLK_READ && addr >= f->watch && addr < f->watch + f->watch_len)
			f->watched_reads++;
		if (r->op == BLK_READ)
			memcpy(r->segs[i].addr, at, r->segs[i].len);
		else
			memcpy(at, r->segs[i].addr, r->segs[i].len);
		if (r->segs[i].len > f->largest)
			f->largest = r->segs[i].len;
		at += r->segs[i].len;
	}
	r->done(r, 0);
	return 0;
}

static void fake_abort(struct blkdev *bd, struct blkreq *r) {}

static const struct blkdev_ops fake_ops = { fake_submit, fake_abort };

static struct fake *fake_new(uint32_t sector_size, bool cache)
{
	struct fake *f = calloc(1, sizeof(*f));
	f->disk = calloc(1, DISK_BYTES);
	snprintf(f->bd.reg.name, sizeof(f->bd.reg.name), "vda");
	f->bd.ops = &fake_ops;
	f->bd.driver = f;
	f->bd.sectors = DISK_BYTES / BLK_SECTOR_SIZE;
	f->bd.block_size = sector_size;
	f->bd.queue_depth = 1;
	f->bd.max_segs = 1;
	f->bd.max_seg_size = 64 * 1024;
	f->bd.features = cache ? BLKDEV_F_FLUSH : 0;
	assert_int_equal(blkdev_register(&f->bd), 0);
	return f;
}

static void fake_free(struct fake *f)
{
	assert_int_equal(blkdev_unregister(&f->bd), 0);
	free(f->disk);
	free(f);
}

static int setup(void **state) { return host_reset(1000) ? 0 : -1; }

static void roundtrip(uint32_t sector_size, bool cache, bool direct)
{
	struct fake *f = fake_new(sector_size, cache);
	struct fs_disk disk;
	struct vfs_fs *fs;
	uint64_t ino;
	static uint8_t data[3 << 20], back[3 << 20];

	assert_int_equal(blkdisk_init(&disk, &f->bd), 0);
	assert_int_equal(disk.block_count, DISK_BYTES / 4096);
	assert_int_equal(keelfs_mkfs(&disk), 0);
	assert_int_equal(keelfs_mount(&disk, false, &fs), 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + i / 4096);
	assert_int_equal(fs->ops->create(fs, fs->root, "big", 3, VFS_S_IFREG | 0644, &ino), 0);
	assert_int_equal(fs->ops->write(fs, ino, 0, data, sizeof(data)), (long)sizeof(data));
	assert_int_equal(fs->ops->fsync(fs, ino, false), 0);
	/* mkfs: after zeroing the superblocks, and its commit's two; the
	 * fsync's commit, two. */
	assert_int_equal(f->flushes, cache ? 1 + 2 + 2 : 0);
	assert_int_equal(fs->ops->unmount(fs), 0);
	/* The 1 MiB requests reached the device in pieces it takes. */
	assert_int_equal(f->largest, 64 * 1024);
	assert_int_equal(keelfs_fsck(&disk, NULL, NULL), 0);
	assert_int_equal(keelfs_mount(&disk, true, &fs), 0);
	assert_int_equal(fs->ops->lookup(fs, fs->root, "big", 3, &ino), 0);
	contiguous = direct;
	f->watch = back;
	f->watch_len = sizeof(back);
	assert_int_equal(fs->ops->read(fs, ino, 0, back, sizeof(back)), (long)sizeof(back));
	assert_memory_equal(back, data, sizeof(data));
	/* The device wrote into the reader's buffer only when allowed to. */
	if (direct)
		assert_true(f->watched_reads > 0);
	else
		assert_int_equal(f->watched_reads, 0);
	f->watch = NULL;
	struct vfs_attr at;
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.mtime_ns, (int64_t)wallclock_ns());
	assert_int_equal(fs->ops->unmount(fs), 0);

	/* A device that fails every request: mount says so. */
	f->fails = true;
	assert_int_equal(keelfs_mount(&disk, false, &fs), -EIO);
	blkdisk_fini(&disk);
	fake_free(f);
}

static void test_512_byte_sectors_with_cache(void **state) { roundtrip(512, true, false); }
static void test_4096_byte_sectors_without_cache(void **state) { roundtrip(4096, false, false); }
static void test_reads_straight_into_contiguous_buffers(void **state) { roundtrip(512, true, true); }

static void test_refuses_large_sectors(void **state)
{
	struct fake *f = fake_new(512, false);
	struct fs_disk disk;
	f->bd.block_size = 8192;
	assert_int_equal(blkdisk_init(&disk, &f->bd), -EINVAL);
	f->bd.block_size = 512;
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_512_byte_sectors_with_cache, setup),
		cmocka_unit_test_setup(test_4096_byte_sectors_without_cache, setup),
		cmocka_unit_test_setup(test_reads_straight_into_contiguous_buffers, setup),
		cmocka_unit_test_setup(test_refuses_large_sectors, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
