/*
 * The descriptor table (sys/fd.c): lowest-free allocation, references
 * shared by dup, dup2 over an open descriptor, the last close calling the
 * object's close exactly once, the soft limit and raising it, a table
 * that grows to thousands of descriptors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/fd.h"

static int closes;

static void count_close(struct file *f)
{
	closes++;
	free(f);
}

static const struct file_ops counted_ops = { .kind = "test", .close = count_close };

static struct file *new_file(void)
{
	struct file *f = malloc(sizeof(*f));
	assert_non_null(f);
	file_init(f, &counted_ops, NULL);
	return f;
}

static struct fd_table *new_table(void)
{
	struct fd_table *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	closes = 0;
	return t;
}

static void install_lowest_free(void **state)
{
	struct fd_table *t = new_table();
	struct file *a = new_file(), *b = new_file();
	assert_int_equal(fd_install(t, a, 0), 0);
	assert_int_equal(fd_install(t, b, 0), 1);
	assert_int_equal(fd_install(t, a, 5), 5);
	assert_int_equal(fd_close(t, 0), 0);
	assert_int_equal(fd_install(t, b, 0), 0); /* the hole first */
	assert_int_equal(fd_install(t, b, -1), -EINVAL);
	assert_int_equal(fd_install(t, b, FD_NOFILE_SOFT), -EINVAL);
	file_put(a);
	file_put(b);
	assert_int_equal(closes, 0); /* the table still holds both */
	assert_int_equal(fd_close(t, 5), 0);
	assert_int_equal(closes, 1); /* a's last reference */
	assert_int_equal(fd_close(t, 0), 0);
	assert_int_equal(fd_close(t, 1), 0);
	assert_int_equal(closes, 2);
	assert_int_equal(fd_close(t, 1), -EBADF);
	assert_int_equal(fd_close(t, -1), -EBADF);
	assert_int_equal(fd_close(t, FD_NOFILE_SOFT), -EBADF);
	fd_table_release(t);
	free(t);
}

static void dup_shares(void **state)
{
	struct fd_table *t = new_table();
	struct file *a = new_file();
	assert_int_equal(fd_install(t, a, 0), 0);
	file_put(a);
	assert_int_equal(fd_dup(t, 0, 0), 1);
	assert_int_equal(fd_dup(t, 0, 10), 10);
	assert_int_equal(fd_dup(t, 3, 0), -EBADF);
	assert_ptr_equal(t->fd[1], a);
	assert_int_equal(a->refs, 3);
	/* A reference taken by a call in progress outlives the close. */
	struct file *held = fd_get(t, 10);
	assert_ptr_equal(held, a);
	assert_null(fd_get(t, 4));
	assert_null(fd_get(t, -3));
	assert_int_equal(fd_close(t, 0), 0);
	assert_int_equal(fd_close(t, 1), 0);
	assert_int_equal(fd_close(t, 10), 0);
	assert_int_equal(closes, 0);
	file_put(held);
	assert_int_equal(closes, 1);
	fd_table_release(t);
	free(t);
}

static void dup2_replaces(void **state)
{
	struct fd_table *t = new_table();
	struct file *a = new_file(), *b = new_file();
	assert_int_equal(fd_install(t, a, 0), 0);
	assert_int_equal(fd_install(t, b, 0), 1);
	file_put(a);
	file_put(b);
	/* Onto an open descriptor: b loses its only reference. */
	assert_int_equal(fd_dup2(t, 0, 1), 1);
	assert_int_equal(closes, 1);
	assert_ptr_equal(t->fd[1], a);
	/* Onto itself: nothing changes. */
	assert_int_equal(fd_dup2(t, 1, 1), 1);
	assert_int_equal(a->refs, 2);
	assert_int_equal(fd_dup2(t, 7, 2), -EBADF);
	assert_int_equal(fd_dup2(t, 0, FD_NOFILE_SOFT), -EBADF);
	assert_int_equal(fd_dup2(t, 0, -1), -EBADF);
	assert_int_equal(fd_dup2(t, 0, FD_NOFILE_SOFT - 1), FD_NOFILE_SOFT - 1);
	/* Full: nothing at or above FD_NOFILE_SOFT - 1 is free. */
	assert_int_equal(fd_dup(t, 0, FD_NOFILE_SOFT - 1), -EMFILE);
	for (int fd = 0; fd < FD_NOFILE_SOFT; fd++)
		fd_close(t, fd);
	assert_int_equal(closes, 2);
	fd_table_release(t);
	free(t);
}

/* A new object: the table takes the caller's reference, or it is put. */
static void install_new_takes_the_reference(void **state)
{
	struct fd_table *t = new_table();
	struct file *a = new_file(), *b = new_file();
	assert_int_equal(fd_install_new(t, a, true), 0);
	assert_int_equal(a->refs, 1);
	assert_true(t->cloexec[0]);
	assert_int_equal(fd_set_limit(t, 1), 0);
	assert_int_equal(fd_install_new(t, b, false), -EMFILE);
	assert_int_equal(closes, 1); /* b went with the reference */
	fd_table_release(t);
	assert_int_equal(closes, 2);
	free(t);
}

/* A pair goes in whole or not at all (pipe2, socketpair). */
static void install_pair_whole_or_not(void **state)
{
	struct fd_table *t = new_table();
	struct file *a = new_file(), *b = new_file();
	struct file *pair[2] = { a, b };
	int fds[2] = { -1, -1 };
	assert_int_equal(fd_install(t, a, 0), 0);
	assert_int_equal(fd_install_pair(t, pair, true, fds), 0);
	assert_int_equal(fds[0], 1);
	assert_int_equal(fds[1], 2);
	assert_true(t->cloexec[1] && t->cloexec[2] && !t->cloexec[0]);
	assert_int_equal(a->refs, 3);
	assert_int_equal(b->refs, 2);
	/* Room for one more: neither goes in. */
	assert_int_equal(fd_set_limit(t, 4), 0);
	fds[0] = fds[1] = -1;
	assert_int_equal(fd_install_pair(t, pair, false, fds), -EMFILE);
	assert_int_equal(fds[0], -1);
	assert_null(fd_get(t, 3));
	assert_int_equal(a->refs, 3);
	assert_int_equal(b->refs, 2);
	file_put(a);
	file_put(b);
	fd_table_release(t);
	assert_int_equal(closes, 2);
	free(t);
}

/* The soft limit bounds new descriptors; raised, the table grows to
 * thousands of them (as a server raising RLIMIT_NOFILE at start does). */
#define MANY 5000
static void raised_limit(void **state)
{
	struct fd_table *t = new_table();
	struct file *a = new_file();
	assert_int_equal(fd_limit(t), FD_NOFILE_SOFT);
	for (int i = 0; i < FD_NOFILE_SOFT; i++)
		assert_int_equal(fd_install(t, a, 0), i);
	assert_int_equal(fd_install(t, a, 0), -EMFILE);
	assert_int_equal(fd_set_limit(t, FD_NOFILE_HARD + 1ul), -EINVAL);
	assert_int_equal(fd_set_limit(t, FD_NOFILE_HARD), 0);
	assert_int_equal(fd_limit(t), FD_NOFILE_HARD);
	for (int i = FD_NOFILE_SOFT; i < MANY; i++)
		assert_int_equal(fd_install(t, a, 0), i);
	assert_int_equal(a->refs, MANY + 1);
	for (int i = 0; i < MANY; i++) {
		struct file *f = fd_get(t, i);
		assert_ptr_equal(f, a);
		file_put(f);
	}
	assert_null(fd_get(t, MANY));
	/* dup2 far above what is open grows the table to it. */
	assert_int_equal(fd_dup2(t, 7, FD_NOFILE_HARD - 1), FD_NOFILE_HARD - 1);
	assert_int_equal(fd_dup2(t, 7, FD_NOFILE_HARD), -EBADF);
	assert_int_equal(fd_install(t, a, MANY + 10), MANY + 10);
	/* A hole is found again. */
	assert_int_equal(fd_close(t, 4321), 0);
	assert_int_equal(fd_install(t, a, 0), 4321);
	/* Lowered below what is open: those stay usable, new ones refused. */
	assert_int_equal(fd_set_limit(t, 100), 0);
	assert_int_equal(fd_install(t, a, 0), -EMFILE);
	assert_int_equal(fd_install(t, a, 100), -EINVAL);
	assert_int_equal(fd_dup2(t, 0, 200), -EBADF);
	struct file *f = fd_get(t, 4999);
	assert_ptr_equal(f, a);
	file_put(f);
	assert_int_equal(fd_close(t, 4999), 0);
	assert_int_equal(fd_install(t, a, 0), -EMFILE);
	/* Zero, as Linux allows: nothing can be opened. */
	assert_int_equal(fd_set_limit(t, 0), 0);
	assert_int_equal(fd_install(t, a, 0), -EMFILE);
	assert_int_equal(fd_install(t, a, 1), -EINVAL);
	assert_int_equal(fd_set_limit(t, 100), 0);
	file_put(a);
	assert_int_equal(closes, 0);
	fd_table_release(t);
	assert_int_equal(closes, 1);
	assert_int_equal(fd_limit(t), 100);
	free(t);
}

/* The access mode of an open: what read and write then allow. */
static void access_from_flags(void **state)
{
	(void)state;
	assert_int_equal(file_access_from_flags(0), FILE_READ);
	assert_int_equal(file_access_from_flags(1), FILE_WRITE);
	assert_int_equal(file_access_from_flags(2), FILE_READ | FILE_WRITE);
	assert_int_equal(file_access_from_flags(3), 0);
	assert_int_equal(file_access_from_flags(04000 | 02000000 | 1), FILE_WRITE); /* O_NONBLOCK, O_CLOEXEC */
	struct file *f = new_file();
	assert_int_equal(f->access, FILE_READ | FILE_WRITE); /* pipes and the console: both */
	closes = 0;
	file_put(f);
	assert_int_equal(closes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(install_lowest_free),
		cmocka_unit_test(install_pair_whole_or_not),
		cmocka_unit_test(install_new_takes_the_reference),
		cmocka_unit_test(dup_shares),
		cmocka_unit_test(dup2_replaces),
		cmocka_unit_test(raised_limit),
		cmocka_unit_test(access_from_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
