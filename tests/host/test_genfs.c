/*
 * The registry of generated files (kernel/genfile.c) and the directory
 * that serves them (fs/genfs.c): defaults and what replaces them, text
 * longer than a first guess, lookups, listings and reads at offsets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/genfs.h"
#include "kernel/genfile.h"

static size_t hosts_default(char *buf, size_t cap) { return (size_t)snprintf(buf, cap, "127.0.0.1 localhost\n"); }
static size_t hosts_net(char *buf, size_t cap) { return (size_t)snprintf(buf, cap, "10.0.2.15 keel\n"); }

/* 1000 bytes: more than the registry's first buffer. */
static size_t big(char *buf, size_t cap)
{
	for (size_t i = 0; i < 1000 && i < cap; i++)
		buf[i] = (char)('a' + i % 26);
	return 1000;
}

struct names {
	char list[8][32];
	int n;
};

static int collect(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct names *l = arg;
	snprintf(l->list[l->n++], 32, "%.*s", (int)len, name);
	return 0;
}

static void registry_and_directory(void **state)
{
	assert_int_equal(genfile_register("/etc/hosts", hosts_default, true), 0);
	assert_int_equal(genfile_register("/etc/hosts", hosts_default, true), -EEXIST);
	assert_int_equal(genfile_register("/etc/hosts", hosts_net, false), 0);
	assert_int_equal(genfile_register("/etc/hosts", hosts_net, false), -EEXIST);
	assert_int_equal(genfile_register("/etc/", big, false), -EINVAL);
	assert_int_equal(genfile_register("hosts", big, false), -EINVAL);
	assert_int_equal(genfile_register("/etc/big", big, false), 0);
	assert_int_equal(genfile_register("/other/x", big, false), 0);

	struct vfs_fs *fs;
	assert_int_equal(genfs_create("/etc", 5, &fs), 0);
	uint64_t ino;
	assert_int_equal(fs->ops->lookup(fs, fs->root, "hosts", 5, &ino), 0);
	char buf[2000];
	assert_int_equal(fs->ops->read(fs, ino, 0, buf, sizeof(buf)), 15);
	assert_memory_equal(buf, "10.0.2.15 keel\n", 15);
	assert_int_equal(fs->ops->read(fs, ino, 10, buf, 3), 3);
	assert_memory_equal(buf, "kee", 3);
	assert_int_equal(fs->ops->read(fs, ino, 100, buf, 3), 0);
	assert_int_equal(fs->ops->lookup(fs, fs->root, "x", 1, &ino), -ENOENT);
	assert_int_equal(fs->ops->lookup(fs, fs->root, "big", 3, &ino), 0);
	struct vfs_attr a;
	assert_int_equal(fs->ops->getattr(fs, ino, &a), 0);
	assert_int_equal(a.size, 1000);
	assert_int_equal(a.mode, VFS_S_IFREG | 0444);
	assert_int_equal(fs->ops->read(fs, ino, 990, buf, 100), 10);
	assert_int_equal(buf[9], 'a' + 999 % 26);
	assert_int_equal(fs->ops->lookup(fs, ino, "x", 1, &ino), -ENOTDIR);
	assert_int_equal(fs->ops->write(fs, ino, 0, "x", 1), -EROFS);
	assert_true(fs->read_only);
	struct names l = { .n = 0 };
	assert_int_equal(fs->ops->readdir(fs, fs->root, 0, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.list[0], "hosts");
	assert_string_equal(l.list[1], "big");
	fs->ops->unmount(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(registry_and_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
