/*
 * The record-lock table (fs/locks.c): conflicts between owners, the
 * replacement and splitting of an owner's own ranges, and dropping.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fs/locks.h"

static const char fs_a, fs_b, proc, ofd1, ofd2;
#define END UINT64_MAX

static unsigned count(const struct lock_table *t)
{
	unsigned n = 0;
	for (const struct range_lock *l = t->head; l; l = l->next)
		n++;
	return n;
}

static void conflicts_between_owners(void **state)
{
	struct lock_table t = { 0 };
	assert_int_equal(locks_set(&t, &fs_a, 7, &proc, LOCK_READ, 0, 99), 0);
	/* Readers share; a writer of another owner conflicts; the owner
	 * itself never does. */
	assert_null(locks_conflict(&t, &fs_a, 7, &ofd1, LOCK_READ, 50, 60));
	const struct range_lock *c = locks_conflict(&t, &fs_a, 7, &ofd1, LOCK_WRITE, 99, 200);
	assert_non_null(c);
	assert_ptr_equal(c->owner, &proc);
	assert_null(locks_conflict(&t, &fs_a, 7, &ofd1, LOCK_WRITE, 100, END));
	assert_null(locks_conflict(&t, &fs_a, 7, &proc, LOCK_WRITE, 0, END));
	/* Another inode, another filesystem: no conflict. */
	assert_null(locks_conflict(&t, &fs_a, 8, &ofd1, LOCK_WRITE, 0, END));
	assert_null(locks_conflict(&t, &fs_b, 7, &ofd1, LOCK_WRITE, 0, END));
	assert_int_equal(locks_set(&t, &fs_a, 7, &ofd2, LOCK_WRITE, 200, END), 0);
	assert_non_null(locks_conflict(&t, &fs_a, 7, &ofd1, LOCK_READ, 1000000, 1000000));
	locks_drop(&t, NULL, 0, &ofd2);
	locks_drop(&t, &fs_a, 7, &proc);
	assert_int_equal(count(&t), 0);
}

static void owner_ranges_split_and_replace(void **state)
{
	struct lock_table t = { 0 };
	assert_int_equal(locks_set(&t, &fs_a, 1, &proc, LOCK_WRITE, 0, END), 0);
	/* Unlocking the middle splits the lock in two. */
	assert_int_equal(locks_set(&t, &fs_a, 1, &proc, LOCK_NONE, 10, 19), 0);
	assert_int_equal(count(&t), 2);
	assert_null(locks_conflict(&t, &fs_a, 1, &ofd1, LOCK_WRITE, 10, 19));
	assert_non_null(locks_conflict(&t, &fs_a, 1, &ofd1, LOCK_WRITE, 9, 9));
	assert_non_null(locks_conflict(&t, &fs_a, 1, &ofd1, LOCK_WRITE, 20, 20));
	/* A read lock over the gap and part of each side: the write lock's
	 * pieces shrink, the read lock takes their place. */
	assert_int_equal(locks_set(&t, &fs_a, 1, &proc, LOCK_READ, 5, 24), 0);
	assert_int_equal(count(&t), 3);
	assert_null(locks_conflict(&t, &fs_a, 1, &ofd1, LOCK_READ, 5, 24));
	assert_non_null(locks_conflict(&t, &fs_a, 1, &ofd1, LOCK_READ, 4, 4));
	assert_non_null(locks_conflict(&t, &fs_a, 1, &ofd1, LOCK_READ, 25, 25));
	/* Unlocking everything leaves nothing. */
	assert_int_equal(locks_set(&t, &fs_a, 1, &proc, LOCK_NONE, 0, END), 0);
	assert_int_equal(count(&t), 0);
}

static void drop_by_inode_or_owner(void **state)
{
	struct lock_table t = { 0 };
	assert_int_equal(locks_set(&t, &fs_a, 1, &proc, LOCK_WRITE, 0, 0), 0);
	assert_int_equal(locks_set(&t, &fs_a, 2, &proc, LOCK_WRITE, 0, 0), 0);
	assert_int_equal(locks_set(&t, &fs_a, 1, &ofd1, LOCK_READ, 5, 5), 0);
	locks_drop(&t, &fs_a, 1, &proc);
	assert_int_equal(count(&t), 2);
	assert_null(locks_conflict(&t, &fs_a, 1, &ofd2, LOCK_WRITE, 0, 0));
	assert_non_null(locks_conflict(&t, &fs_a, 2, &ofd2, LOCK_WRITE, 0, 0));
	locks_drop(&t, NULL, 0, &proc);
	locks_drop(&t, NULL, 0, &ofd1);
	assert_int_equal(count(&t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conflicts_between_owners),
		cmocka_unit_test(owner_ranges_split_and_replace),
		cmocka_unit_test(drop_by_inode_or_owner),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
