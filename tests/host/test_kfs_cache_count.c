/*
 * The count of KeelFS's cached blocks that the memory report shows
 * (fs/kfs.h: kfs_cache_blocks_all): it follows every block the caches
 * take and give back, so it returns to zero when every filesystem is
 * unmounted, and stays within the cache's bound however many files pass
 * through it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "fs/kfs.h"
#include "tests/host/kfs_env.h"

static void test_count_returns_to_zero(void **state)
{
	assert_int_equal(kfs_cache_blocks_all, 0);
	struct env *e = env_new(4096, false);
	struct vfs_fs *fs = e->fs;
	char name[32];
	uint64_t ino;
	for (int i = 0; i < 500; i++) {
		int n = snprintf(name, sizeof(name), "f-%04d", i);
		assert_int_equal(fs->ops->create(fs, fs->root, name, (size_t)n, VFS_S_IFREG | 0644, &ino), 0);
		assert_int_equal(fs->ops->write(fs, ino, 0, name, (size_t)n), n);
	}
	assert_true(kfs_cache_blocks_all > 0);
	remount(e);
	fs = e->fs;
	assert_int_equal(fs->ops->lookup(fs, fs->root, "f-0042", 6, &ino), 0);
	assert_true(kfs_cache_blocks_all > 0);
	env_free(e);
	assert_int_equal(kfs_cache_blocks_all, 0);
}

/* Files created and removed over and over: the count stays bounded by the
 * cache's clean limit plus what one transaction dirties. */
static void test_count_stays_bounded(void **state)
{
	struct env *e = env_new(8192, false);
	struct vfs_fs *fs = e->fs;
	char name[32];
	uint64_t ino;
	unsigned long most = 0;
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(name, sizeof(name), "t-%06d", i);
		assert_int_equal(fs->ops->create(fs, fs->root, name, (size_t)n, VFS_S_IFREG | 0644, &ino), 0);
		assert_int_equal(fs->ops->write(fs, ino, 0, name, (size_t)n), n);
		assert_int_equal(fs->ops->unlink(fs, fs->root, name, (size_t)n), 0);
		if (kfs_cache_blocks_all > most)
			most = kfs_cache_blocks_all;
	}
	assert_true(most > 0);
	assert_true(most <= 2048 + 1024);
	env_free(e);
	assert_int_equal(kfs_cache_blocks_all, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_returns_to_zero),
		cmocka_unit_test(test_count_stays_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
