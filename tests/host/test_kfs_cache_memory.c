/*
 * KeelFS's block cache when memory runs out (fs/kfs_block.c): a read
 * that finds no memory for a block lets the least recently used clean
 * blocks go and goes on; with nothing left to let go, down to the
 * KFS_CACHE_KEEP most recent, it answers -ENOMEM and the filesystem
 * works again once memory is back. Allocations of a block's size are
 * made to fail through the linker's --wrap.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fs/kfs.h"
#include "tests/host/kfs_env.h"

/* Allocations of KFS_BLOCK_SIZE bytes to refuse: a count, or all. */
static int refuse_blocks;
static bool refuse_all_blocks;

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size)
{
	if (size == KFS_BLOCK_SIZE && (refuse_all_blocks || refuse_blocks > 0)) {
		if (refuse_blocks > 0)
			refuse_blocks--;
		return NULL;
	}
	return __real_malloc(size);
}

enum { DIRS = 120 };

/* DIRS directories of one file each, on a cold cache: looking a file up
 * reads its directory's blocks. */
static struct env *populated(void)
{
	struct env *e = env_new(4096, false);
	struct vfs_fs *fs = e->fs;
	char name[32];
	for (int i = 0; i < DIRS; i++) {
		uint64_t dir, ino;
		snprintf(name, sizeof(name), "d%03d", i);
		assert_int_equal(fs->ops->create(fs, fs->root, name, 4, VFS_S_IFDIR | 0755, &dir), 0);
		assert_int_equal(fs->ops->create(fs, dir, "f", 1, VFS_S_IFREG | 0644, &ino), 0);
		assert_int_equal(fs->ops->write(fs, ino, 0, name, 4), 4);
	}
	remount(e);
	return e;
}

static int look_up(struct vfs_fs *fs, int i)
{
	char name[8];
	uint64_t dir, ino;
	snprintf(name, sizeof(name), "d%03d", i);
	int rc = fs->ops->lookup(fs, fs->root, name, 4, &dir);
	return rc ? rc : fs->ops->lookup(fs, dir, "f", 1, &ino);
}

static void test_evicts_to_read(void **state)
{
	struct env *e = populated();
	struct kfs *k = e->fs->priv;
	for (int i = 0; i < DIRS / 2; i++)
		assert_int_equal(look_up(e->fs, i), 0);
	size_t before = k->clean.count;
	assert_true(before > KFS_CACHE_KEEP + 8);
	/* The next block read finds no memory three times: three clean
	 * blocks make room, and the lookups all succeed. */
	refuse_blocks = 3;
	for (int i = DIRS / 2; i < DIRS; i++)
		assert_int_equal(look_up(e->fs, i), 0);
	assert_int_equal(refuse_blocks, 0);
	assert_int_equal(k->cache_evicted_for_memory, 3);
	env_free(e);
}

static void test_enomem_then_recovers(void **state)
{
	struct env *e = populated();
	struct kfs *k = e->fs->priv;
	for (int i = 0; i < DIRS / 2; i++)
		assert_int_equal(look_up(e->fs, i), 0);
	/* No memory at all for blocks: what is not cached fails cleanly,
	 * once every clean block but the most recent went. */
	refuse_all_blocks = true;
	int failed = 0;
	for (int i = DIRS / 2; i < DIRS; i++)
		if (look_up(e->fs, i) == -ENOMEM)
			failed++;
	assert_true(failed > 0);
	assert_int_equal(k->clean.count, KFS_CACHE_KEEP);
	refuse_all_blocks = false;
	for (int i = 0; i < DIRS; i++)
		assert_int_equal(look_up(e->fs, i), 0);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evicts_to_read),
		cmocka_unit_test(test_enomem_then_recovers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
