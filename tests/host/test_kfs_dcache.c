/*
 * KeelFS's file-data cache (fs/kfs_dcache.c): on its own (hits only for
 * the pointer's block and checksum, LRU eviction under the bound, pages
 * reused when none is free, reclaim, the kernel option's parsing), and in
 * the filesystem on a RAM disk: a second read served without the disk,
 * coherence after writes, overwrites, truncation, unlink and a remount,
 * the bound held, reclaim under a mounted filesystem, and damage on the
 * disk still found by the first, uncached read.
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

#include "fs/kfs.h"
#include "fs/keelfs.h"
#include "fs/kfs_dcache.h"
#include "tests/host/kfs_env.h"
#include "tests/host/kfs_util.h"
#include "tools/keelfs/hostdisk.h"

/* A page source that counts its pages and runs out after budget of them. */
static uint64_t pages_out, budget = UINT64_MAX, bound = 8;

static void *counted_alloc(void)
{
	if (pages_out >= budget)
		return NULL;
	pages_out++;
	return malloc(KFS_BLOCK_SIZE);
}

static void counted_free(void *page)
{
	assert_true(pages_out > 0);
	pages_out--;
	free(page);
}

static uint64_t counted_bound(void) { return bound; }

static const struct kfs_page_source counted = { counted_alloc, counted_free, counted_bound };

static int setup(void **state)
{
	(void)state;
	pages_out = 0;
	budget = UINT64_MAX;
	bound = 8;
	kfs_data_pages = &counted;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(pages_out, 0);
	assert_int_equal(kfs_dcache_blocks_all, 0);
	return 0;
}

static void fill(uint8_t *b, uint8_t v) { memset(b, v, KFS_BLOCK_SIZE); }

static struct kfs_ptr ptr(uint64_t block, uint32_t crc) { return (struct kfs_ptr){ .block = block, .crc = crc }; }

static void test_hit_needs_block_and_checksum(void **state)
{
	struct kfs_dcache c;
	uint8_t b[KFS_BLOCK_SIZE];
	assert_int_equal(kfs_dcache_init(&c, &counted), 0);
	struct kfs_ptr p = ptr(100, 0x1234);
	assert_null(kfs_dcache_find(&c, &p));
	fill(b, 0xab);
	kfs_dcache_put(&c, 100, 0x1234, b);
	const uint8_t *got = kfs_dcache_find(&c, &p);
	assert_non_null(got);
	assert_memory_equal(got, b, KFS_BLOCK_SIZE);
	assert_int_equal(c.hits, 1);
	/* The same block under another checksum is a miss, and the stale
	 * entry is gone. */
	struct kfs_ptr q = ptr(100, 0x9999);
	assert_false(kfs_dcache_has(&c, &q));
	assert_null(kfs_dcache_find(&c, &q));
	assert_false(kfs_dcache_has(&c, &p));
	assert_int_equal(c.count, 0);
	/* A put replaces what the block held. */
	kfs_dcache_put(&c, 100, 0x1234, b);
	fill(b, 0xcd);
	kfs_dcache_put(&c, 100, 0x5678, b);
	assert_int_equal(c.count, 1);
	q = ptr(100, 0x5678);
	assert_memory_equal(kfs_dcache_find(&c, &q), b, KFS_BLOCK_SIZE);
	kfs_dcache_drop(&c, 100);
	assert_null(kfs_dcache_find(&c, &q));
	assert_int_equal(pages_out, 0);
	kfs_dcache_destroy(&c);
}

static void test_lru_eviction_under_bound(void **state)
{
	struct kfs_dcache c;
	uint8_t b[KFS_BLOCK_SIZE];
	assert_int_equal(kfs_dcache_init(&c, &counted), 0);
	for (uint64_t i = 0; i < 8; i++) {
		fill(b, (uint8_t)i);
		kfs_dcache_put(&c, 10 + i, (uint32_t)i, b);
	}
	assert_int_equal(c.count, 8);
	/* Block 10 used again: 11 is now the least recently used. */
	struct kfs_ptr p = ptr(10, 0);
	assert_non_null(kfs_dcache_find(&c, &p));
	fill(b, 0x77);
	kfs_dcache_put(&c, 50, 0x77, b);
	assert_int_equal(c.count, 8);
	assert_int_equal(pages_out, 8);
	assert_int_equal(c.evictions, 1);
	p = ptr(11, 1);
	assert_false(kfs_dcache_has(&c, &p));
	for (uint64_t i = 2; i < 8; i++) {
		p = ptr(10 + i, (uint32_t)i);
		assert_true(kfs_dcache_has(&c, &p));
	}
	p = ptr(10, 0);
	assert_true(kfs_dcache_has(&c, &p));
	p = ptr(50, 0x77);
	assert_memory_equal(kfs_dcache_find(&c, &p), b, KFS_BLOCK_SIZE);
	/* Many more blocks: never more than the bound. */
	for (uint64_t i = 0; i < 1000; i++)
		kfs_dcache_put(&c, 1000 + i, 0, b);
	assert_int_equal(c.count, 8);
	assert_int_equal(pages_out, 8);
	kfs_dcache_destroy(&c);
	assert_int_equal(pages_out, 0);
}

/* With no page free, the cache reuses its own least recently used page,
 * and with none at all it caches nothing. */
static void test_no_free_page(void **state)
{
	struct kfs_dcache c;
	uint8_t b[KFS_BLOCK_SIZE];
	budget = 0;
	assert_int_equal(kfs_dcache_init(&c, &counted), 0);
	fill(b, 1);
	kfs_dcache_put(&c, 5, 1, b);
	assert_int_equal(c.count, 0);
	budget = 2;
	kfs_dcache_put(&c, 5, 1, b);
	kfs_dcache_put(&c, 6, 2, b);
	kfs_dcache_put(&c, 7, 3, b);
	assert_int_equal(c.count, 2);
	assert_int_equal(pages_out, 2);
	struct kfs_ptr p = ptr(5, 1);
	assert_false(kfs_dcache_has(&c, &p));
	p = ptr(7, 3);
	assert_true(kfs_dcache_has(&c, &p));
	kfs_dcache_destroy(&c);
}

static void test_reclaim_gives_pages_back(void **state)
{
	struct kfs_dcache c, d;
	uint8_t b[KFS_BLOCK_SIZE];
	assert_int_equal(kfs_dcache_init(&c, &counted), 0);
	assert_int_equal(kfs_dcache_init(&d, &counted), 0);
	fill(b, 9);
	for (uint64_t i = 0; i < 6; i++) {
		kfs_dcache_put(&c, 10 + i, 0, b);
		kfs_dcache_put(&d, 10 + i, 0, b);
	}
	assert_int_equal(kfs_dcache_blocks_all, 12);
	/* The oldest first: after taking 3 of c's, 13 to 15 remain. */
	assert_int_equal(kfs_dcache_shrink(&c, 3), 3);
	struct kfs_ptr p = ptr(12, 0);
	assert_false(kfs_dcache_has(&c, &p));
	p = ptr(13, 0);
	assert_true(kfs_dcache_has(&c, &p));
	/* Across caches, as much as was asked when there is that much. */
	assert_int_equal(kfs_dcache_reclaim(5), 5);
	assert_int_equal(pages_out, 4);
	assert_int_equal(kfs_dcache_reclaim(100), 4);
	assert_int_equal(kfs_dcache_reclaim(1), 0);
	assert_int_equal(pages_out, 0);
	assert_int_equal(kfs_dcache_blocks_all, 0);
	/* Still usable afterwards. */
	kfs_dcache_put(&c, 1, 1, b);
	assert_int_equal(c.count, 1);
	kfs_dcache_destroy(&c);
	kfs_dcache_destroy(&d);
}

static void test_no_source_no_cache(void **state)
{
	struct kfs_dcache c;
	uint8_t b[KFS_BLOCK_SIZE] = { 0 };
	assert_int_equal(kfs_dcache_init(&c, NULL), 0);
	kfs_dcache_put(&c, 3, 0, b);
	struct kfs_ptr p = ptr(3, 0);
	assert_null(kfs_dcache_find(&c, &p));
	assert_int_equal(kfs_dcache_reclaim(10), 0);
	kfs_dcache_destroy(&c);
	bound = 0;
	assert_int_equal(kfs_dcache_init(&c, &counted), 0);
	kfs_dcache_put(&c, 3, 0, b);
	assert_int_equal(pages_out, 0);
	kfs_dcache_destroy(&c);
}

static void test_option_and_default_bound(void **state)
{
	uint64_t blocks = 1;
	assert_int_equal(kfs_dcache_parse_mib("64", &blocks), 0);
	assert_int_equal(blocks, 64 * 256);
	assert_int_equal(kfs_dcache_parse_mib("0", &blocks), 0);
	assert_int_equal(blocks, 0);
	assert_int_equal(kfs_dcache_parse_mib("1048576", &blocks), 0);
	assert_int_equal(kfs_dcache_parse_mib("1048577", &blocks), -EINVAL);
	assert_int_equal(kfs_dcache_parse_mib("99999999999999999999999", &blocks), -EINVAL);
	assert_int_equal(kfs_dcache_parse_mib("", &blocks), -EINVAL);
	assert_int_equal(kfs_dcache_parse_mib("12M", &blocks), -EINVAL);
	assert_int_equal(kfs_dcache_parse_mib("-1", &blocks), -EINVAL);
	assert_int_equal(kfs_dcache_default_bound(UINT64_C(256) << 20), 32768);
	/* A small guest has a small cache; the heap takes its pages back. */
	assert_int_equal(kfs_dcache_default_bound(UINT64_C(6) << 20), 768);
	assert_int_equal(kfs_dcache_default_bound(UINT64_C(32) << 20), 4096);
}

/* --- in the filesystem --------------------------------------------------------------- */

static struct kfs_dcache *dcache_of(struct env *e) { return &kfs_of(e->fs)->dcache; }

static void pattern(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31 + seed + (i >> 12) * 7);
}

static void expect_file(struct env *e, const char *path, const uint8_t *want, size_t len)
{
	uint8_t *got;
	size_t got_len;
	assert_int_equal(kfs_get(e->fs, path, &got, &got_len), 0);
	assert_int_equal(got_len, len);
	assert_memory_equal(got, want, len);
	free(got);
}

static void test_second_read_from_cache(void **state)
{
	bound = 64;
	struct env *e = env_new(1024, false);
	size_t len = 20 * KFS_BLOCK_SIZE + 100;
	uint8_t *data = malloc(len);
	pattern(data, len, 1);
	assert_int_equal(kfs_put(e->fs, "/f", data, len), 0);
	remount(e);
	assert_int_equal(dcache_of(e)->count, 0);
	expect_file(e, "/f", data, len);
	assert_int_equal(dcache_of(e)->count, 21);
	uint64_t reads = ramdisk_stats(&e->disk)->reads, hits = dcache_of(e)->hits;
	expect_file(e, "/f", data, len);
	assert_int_equal(ramdisk_stats(&e->disk)->reads, reads);
	assert_int_equal(dcache_of(e)->hits, hits + 21);
	/* Pieces at odd offsets, from the cache too. */
	uint8_t piece[5000];
	uint64_t ino;
	assert_int_equal(kfs_path(e->fs, "/f", &ino), 0);
	assert_int_equal(e->fs->ops->read(e->fs, ino, 4000, piece, sizeof(piece)), (long)sizeof(piece));
	assert_memory_equal(piece, data + 4000, sizeof(piece));
	assert_int_equal(ramdisk_stats(&e->disk)->reads, reads);
	free(data);
	env_free(e);
}

/* Every kind of change, each read back at once (through the cache) and
 * after a remount (from the disk). */
static void test_coherent_with_changes(void **state)
{
	bound = 64;
	struct env *e = env_new(1024, false);
	size_t len = 8 * KFS_BLOCK_SIZE;
	uint8_t *data = malloc(len), *other = malloc(len);
	pattern(data, len, 2);
	assert_int_equal(kfs_put(e->fs, "/f", data, len), 0);
	expect_file(e, "/f", data, len);
	uint64_t ino;
	assert_int_equal(kfs_path(e->fs, "/f", &ino), 0);

	/* Overwrites before a commit (in place: the blocks are fresh) and
	 * after one (copies to new blocks), whole and partial. */
	pattern(other, len, 3);
	memcpy(data + KFS_BLOCK_SIZE, other, 2 * KFS_BLOCK_SIZE);
	assert_int_equal(e->fs->ops->write(e->fs, ino, KFS_BLOCK_SIZE, other, 2 * KFS_BLOCK_SIZE), 2 * KFS_BLOCK_SIZE);
	expect_file(e, "/f", data, len);
	assert_int_equal(keelfs_sync(e->fs), 0);
	memcpy(data + 100, "hello", 5);
	assert_int_equal(e->fs->ops->write(e->fs, ino, 100, "hello", 5), 5);
	memcpy(data + 5 * KFS_BLOCK_SIZE, other + 7, KFS_BLOCK_SIZE);
	assert_int_equal(e->fs->ops->write(e->fs, ino, 5 * KFS_BLOCK_SIZE, other + 7, KFS_BLOCK_SIZE), KFS_BLOCK_SIZE);
	expect_file(e, "/f", data, len);

	/* Truncate inside a block, then grow again: zeros, not the old
	 * bytes the cache saw. */
	assert_int_equal(dcache_of(e)->count, 8);
	assert_int_equal(e->fs->ops->truncate(e->fs, ino, 3 * KFS_BLOCK_SIZE + 10), 0);
	/* Blocks 4 to 7 freed, block 3's tail zeroed in a copy (the old
	 * one freed, the copy cached). */
	assert_int_equal(dcache_of(e)->count, 4);
	assert_int_equal(e->fs->ops->truncate(e->fs, ino, len), 0);
	memset(data + 3 * KFS_BLOCK_SIZE + 10, 0, len - 3 * KFS_BLOCK_SIZE - 10);
	expect_file(e, "/f", data, len);
	remount(e);
	expect_file(e, "/f", data, len);

	/* Unlink, then new files that take the freed blocks: each reads as
	 * its own. */
	assert_true(dcache_of(e)->count > 0);
	assert_int_equal(e->fs->ops->unlink(e->fs, e->fs->root, "f", 1), 0);
	/* Its blocks are freed, and forgotten with them. */
	assert_int_equal(dcache_of(e)->count, 0);
	assert_int_equal(keelfs_sync(e->fs), 0);
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "/g%d", i);
		pattern(other, len, 10 + (unsigned)i);
		assert_int_equal(kfs_put(e->fs, name, other, len), 0);
		expect_file(e, name, other, len);
	}
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "/g%d", i);
		pattern(other, len, 10 + (unsigned)i);
		expect_file(e, name, other, len);
	}
	remount(e);
	pattern(other, len, 13);
	expect_file(e, "/g3", other, len);
	free(data);
	free(other);
	env_free(e);
}

static void test_bound_held_in_fs(void **state)
{
	bound = 8;
	struct env *e = env_new(1024, false);
	size_t len = 64 * KFS_BLOCK_SIZE;
	uint8_t *data = malloc(len);
	pattern(data, len, 4);
	assert_int_equal(kfs_put(e->fs, "/big", data, len), 0);
	assert_int_equal(dcache_of(e)->count, 8);
	remount(e);
	expect_file(e, "/big", data, len);
	expect_file(e, "/big", data, len);
	assert_int_equal(dcache_of(e)->count, 8);
	assert_int_equal(pages_out, 8);
	assert_true(dcache_of(e)->evictions >= 56);
	free(data);
	env_free(e);
}

static void test_reclaim_under_mount(void **state)
{
	bound = 64;
	struct env *e = env_new(1024, false);
	size_t len = 32 * KFS_BLOCK_SIZE;
	uint8_t *data = malloc(len);
	pattern(data, len, 5);
	assert_int_equal(kfs_put(e->fs, "/f", data, len), 0);
	assert_int_equal(pages_out, 32);
	assert_int_equal(kfs_dcache_reclaim(20), 20);
	assert_int_equal(pages_out, 12);
	uint64_t reads = ramdisk_stats(&e->disk)->reads;
	expect_file(e, "/f", data, len);
	assert_true(ramdisk_stats(&e->disk)->reads > reads);
	assert_int_equal(kfs_dcache_reclaim(1000), 32);
	expect_file(e, "/f", data, len);
	free(data);
	env_free(e);
	assert_int_equal(pages_out, 0);
}

/* A damaged block is found by the read that brings it in, and is not
 * cached: every later read fails too. A block cached before its damage
 * keeps answering with what was checked. */
static void test_damage_found_on_first_read(void **state)
{
	bound = 64;
	struct env *e = env_new(256, false);
	uint8_t block[KFS_BLOCK_SIZE], buf[KFS_BLOCK_SIZE];
	memset(block, 0x5a, sizeof(block));
	assert_int_equal(kfs_put(e->fs, "/f", block, sizeof(block)), 0);
	remount(e);
	uint64_t hit = 0;
	for (uint64_t b = 2; b < 256 && !hit; b++) {
		uint8_t *p = ramdisk_block(&e->disk, b);
		if (p && p[0] == 0x5a && p[4095] == 0x5a)
			hit = b;
	}
	assert_true(hit);
	ramdisk_block(&e->disk, hit)[99] ^= 1;
	uint64_t ino;
	assert_int_equal(kfs_path(e->fs, "/f", &ino), 0);
	assert_int_equal(e->fs->ops->read(e->fs, ino, 0, buf, sizeof(buf)), -EIO);
	assert_int_equal(dcache_of(e)->count, 0);
	assert_int_equal(e->fs->ops->read(e->fs, ino, 10, buf, 10), -EIO);
	ramdisk_block(&e->disk, hit)[99] ^= 1;
	assert_int_equal(e->fs->ops->read(e->fs, ino, 0, buf, sizeof(buf)), (long)sizeof(buf));
	assert_int_equal(dcache_of(e)->count, 1);
	ramdisk_block(&e->disk, hit)[99] ^= 1;
	assert_int_equal(e->fs->ops->read(e->fs, ino, 0, buf, sizeof(buf)), (long)sizeof(buf));
	assert_memory_equal(buf, block, sizeof(buf));
	ramdisk_block(&e->disk, hit)[99] ^= 1;
	env_free(e);
}

/* POSIX_FADV_DONTNEED's operation: the whole blocks of the range, or of
 * the whole file (the partial last one too), and nothing else. */
static void test_drop_cache_range(void **state)
{
	bound = 64;
	struct env *e = env_new(1024, false);
	size_t len = 10 * KFS_BLOCK_SIZE + 100;
	uint8_t *data = malloc(len);
	pattern(data, len, 6);
	assert_int_equal(kfs_put(e->fs, "/f", data, len), 0);
	uint64_t ino;
	assert_int_equal(kfs_path(e->fs, "/f", &ino), 0);
	assert_int_equal(dcache_of(e)->count, 11);
	/* Bytes 4097 to 16384: blocks 2 and 3 only (1 and 4 partly). */
	assert_int_equal(e->fs->ops->drop_cache(e->fs, ino, KFS_BLOCK_SIZE + 1, 3 * KFS_BLOCK_SIZE), 0);
	assert_int_equal(dcache_of(e)->count, 9);
	uint64_t reads = ramdisk_stats(&e->disk)->reads;
	expect_file(e, "/f", data, len);
	assert_int_equal(ramdisk_stats(&e->disk)->reads, reads + 1); /* blocks 2 and 3 in one request */
	assert_int_equal(dcache_of(e)->count, 11);
	assert_int_equal(e->fs->ops->drop_cache(e->fs, ino, len, 0), 0);
	assert_int_equal(e->fs->ops->drop_cache(e->fs, ino, UINT64_MAX, 5), 0);
	assert_int_equal(dcache_of(e)->count, 11);
	assert_int_equal(e->fs->ops->drop_cache(e->fs, ino, 0, 0), 0);
	assert_int_equal(dcache_of(e)->count, 0);
	expect_file(e, "/f", data, len);
	assert_int_equal(e->fs->ops->drop_cache(e->fs, ino, 0, UINT64_MAX), 0);
	assert_int_equal(dcache_of(e)->count, 0);
	free(data);
	env_free(e);
}

/* A write that fails leaves nothing of itself in the cache. */
static void test_failed_write_not_cached(void **state)
{
	bound = 64;
	struct env *e = env_new(256, false);
	uint8_t block[KFS_BLOCK_SIZE];
	memset(block, 0x11, sizeof(block));
	uint64_t ino;
	assert_int_equal(e->fs->ops->create(e->fs, e->fs->root, "f", 1, VFS_S_IFREG | 0644, &ino), 0);
	assert_int_equal(e->fs->ops->write(e->fs, ino, 0, block, sizeof(block)), (long)sizeof(block));
	assert_int_equal(dcache_of(e)->count, 1);
	/* The block is fresh: the rewrite goes to the same place, and fails. */
	ramdisk_stats(&e->disk)->fail_writes = true;
	memset(block, 0x22, sizeof(block));
	assert_true(e->fs->ops->write(e->fs, ino, 0, block, sizeof(block)) < 0);
	assert_int_equal(dcache_of(e)->count, 0);
	assert_true(e->fs->ops->write(e->fs, ino, 100, block, 10) < 0);
	assert_int_equal(dcache_of(e)->count, 0);
	ramdisk_stats(&e->disk)->fail_writes = false;
	e->fs->ops->unmount(e->fs);
	e->fs = NULL;
	ramdisk_close(&e->disk);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_needs_block_and_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_eviction_under_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_free_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_gives_pages_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_source_no_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_option_and_default_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_read_from_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coherent_with_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_held_in_fs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_under_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damage_found_on_first_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_cache_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_not_cached, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
