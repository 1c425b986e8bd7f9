/*
 * The descriptor table (sys/fd.c): lowest-free allocation, references
 * shared by dup, dup2 over an open descriptor, the last close calling the
 * object's close exactly once, limits.
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
	assert_int_equal(fd_install(t, b, FD_MAX), -EINVAL);
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
	assert_int_equal(fd_close(t, FD_MAX), -EBADF);
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
	assert_int_equal(fd_dup2(t, 0, FD_MAX), -EBADF);
	assert_int_equal(fd_dup2(t, 0, -1), -EBADF);
	assert_int_equal(fd_dup2(t, 0, FD_MAX - 1), FD_MAX - 1);
	/* Full: nothing at or above FD_MAX - 1 is free. */
	assert_int_equal(fd_dup(t, 0, FD_MAX - 1), -EMFILE);
	for (int fd = 0; fd < FD_MAX; fd++)
		fd_close(t, fd);
	assert_int_equal(closes, 2);
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
		cmocka_unit_test(dup_shares),
		cmocka_unit_test(dup2_replaces),
		cmocka_unit_test(access_from_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
