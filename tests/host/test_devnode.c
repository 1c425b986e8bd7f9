/*
 * The names before there is a filesystem (sys/devnode.c): the walk with
 * its normalisation and every error, what flags may open, Linux's answer
 * for a missing name, stat of each kind, getdents64's records.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/devnode.h"

static const struct devnode *walk_ok(const char *path)
{
	const struct devnode *n, *parent;
	int r = devnode_walk(path, &n, &parent);
	assert_int_equal(r, 0);
	assert_non_null(n);
	return n;
}

static int walk_err(const char *path, const struct devnode **parent)
{
	const struct devnode *n, *p;
	int r = devnode_walk(path, &n, &p);
	assert_null(n);
	if (parent)
		*parent = p;
	return r;
}

static const struct devnode *root(void) { return &devnode_table[0]; }

static void finds_every_node(void **state)
{
	(void)state;
	assert_ptr_equal(walk_ok("/"), root());
	assert_string_equal(walk_ok("/dev")->name, "dev");
	const char *names[] = { "null", "zero",	   "full",  "random", "urandom",
				"tty",	"console", "stdin", "stdout", "stderr" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64] = "/dev/";
		strcat(path, names[i]);
		const struct devnode *n = walk_ok(path);
		assert_string_equal(n->name, names[i]);
	}
}

static void normalises(void **state)
{
	(void)state;
	const struct devnode *null = walk_ok("/dev/null");
	assert_ptr_equal(walk_ok("//dev///null"), null);
	assert_ptr_equal(walk_ok("/./dev/./null"), null);
	assert_ptr_equal(walk_ok("/dev/../dev/null"), null);
	assert_ptr_equal(walk_ok("/../../dev/null"), null); /* ".." of "/" is "/" */
	assert_ptr_equal(walk_ok("dev/null"), null);	    /* relative to "/" */
	assert_ptr_equal(walk_ok("./dev/null"), null);
	assert_ptr_equal(walk_ok("../dev/null"), null);
	assert_ptr_equal(walk_ok("."), root());
	assert_ptr_equal(walk_ok(".."), root());
	assert_ptr_equal(walk_ok("/dev/.."), root());
	assert_ptr_equal(walk_ok("/dev/"), walk_ok("/dev"));
	assert_ptr_equal(walk_ok("/dev/."), walk_ok("/dev"));
}

static void reports_errors(void **state)
{
	(void)state;
	const struct devnode *parent;
	assert_int_equal(walk_err("", NULL), -ENOENT);
	assert_int_equal(walk_err("/nonexistent", &parent), -ENOENT);
	assert_ptr_equal(parent, root());
	assert_int_equal(walk_err("/dev/nothing", &parent), -ENOENT);
	assert_ptr_equal(parent, walk_ok("/dev"));
	assert_int_equal(walk_err("/dev/nothing/", &parent), -ENOENT);
	assert_ptr_equal(parent, walk_ok("/dev"));
	/* Missing before the last component: no parent to create in. */
	assert_int_equal(walk_err("/etc/passwd", &parent), -ENOENT);
	assert_null(parent);
	/* A device is not a directory, wherever it stands. */
	assert_int_equal(walk_err("/dev/null/", NULL), -ENOTDIR);
	assert_int_equal(walk_err("/dev/null/.", NULL), -ENOTDIR);
	assert_int_equal(walk_err("/dev/null/..", NULL), -ENOTDIR);
	assert_int_equal(walk_err("/dev/null/x", NULL), -ENOTDIR);
	assert_int_equal(walk_err("/dev/stdin/x", NULL), -ENOTDIR);
	/* Names are whole components: no prefix matches. */
	assert_int_equal(walk_err("/dev/nul", NULL), -ENOENT);
	assert_int_equal(walk_err("/dev/nullx", NULL), -ENOENT);
	assert_int_equal(walk_err("/de", NULL), -ENOENT);
	/* A component over NAME_MAX. */
	char *long_name = malloc(LINUX_NAME_MAX + 8);
	long_name[0] = '/';
	memset(long_name + 1, 'a', LINUX_NAME_MAX + 1);
	long_name[LINUX_NAME_MAX + 2] = '\0';
	assert_int_equal(walk_err(long_name, NULL), -ENAMETOOLONG);
	long_name[LINUX_NAME_MAX + 1] = '\0'; /* exactly NAME_MAX: only missing */
	assert_int_equal(walk_err(long_name, NULL), -ENOENT);
	free(long_name);
}

static void judges_open_flags(void **state)
{
	(void)state;
	const struct devnode *null = walk_ok("/dev/null"), *dev = walk_ok("/dev");
	assert_int_equal(devnode_open_check(null, DEVNODE_O_RDONLY), 0);
	assert_int_equal(devnode_open_check(null, 1), 0);
	assert_int_equal(devnode_open_check(null, 2 | DEVNODE_O_CREAT), 0);
	assert_int_equal(devnode_open_check(null, 1 | DEVNODE_O_CREAT | DEVNODE_O_EXCL), -EEXIST);
	assert_int_equal(devnode_open_check(null, DEVNODE_O_DIRECTORY), -ENOTDIR);
	assert_int_equal(devnode_open_check(dev, DEVNODE_O_DIRECTORY), 0);
	assert_int_equal(devnode_open_check(root(), DEVNODE_O_RDONLY), 0);
	assert_int_equal(devnode_open_check(dev, 1), -EISDIR);
	assert_int_equal(devnode_open_check(dev, 2 | DEVNODE_O_DIRECTORY), -EISDIR);
	assert_int_equal(devnode_open_check(dev, DEVNODE_O_CREAT), -EISDIR);
	assert_int_equal(devnode_open_check(dev, DEVNODE_O_CREAT | DEVNODE_O_EXCL), -EEXIST);

	const struct devnode *parent;
	walk_err("/newfile", &parent);
	assert_int_equal(devnode_missing_error(parent, 1 | DEVNODE_O_CREAT), -EROFS);
	assert_int_equal(devnode_missing_error(parent, 0), -ENOENT);
	walk_err("/no/newfile", &parent);
	assert_int_equal(devnode_missing_error(parent, 1 | DEVNODE_O_CREAT), -ENOENT);
}

static void describes_nodes(void **state)
{
	(void)state;
	struct linux_stat st;
	devnode_stat(walk_ok("/dev/urandom"), 1700000000, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFCHR | 0666);
	assert_int_equal(st.st_rdev, linux_makedev(1, 9));
	assert_int_equal(st.st_rdev, (1 << 8) | 9);
	assert_int_equal(st.st_blksize, 4096);
	assert_int_equal(st.st_mtime_sec, 1700000000);
	assert_int_equal(st.st_atime_sec, 1700000000);
	assert_int_equal(st.st_ctime_sec, 1700000000);
	devnode_stat(walk_ok("/dev/console"), 0, &st);
	assert_int_equal(st.st_rdev, linux_makedev(5, 1));
	devnode_stat(walk_ok("/dev"), 0, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFDIR | 0755);
	devnode_stat(root(), 0, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFDIR | 0755);
	assert_int_equal(st.st_nlink, 3); /* ".", its entry, and "dev"'s ".." */
	devnode_stat(walk_ok("/dev/stdout"), 0, &st);
	assert_int_equal(st.st_mode & LINUX_S_IFMT, LINUX_S_IFLNK);
	assert_int_equal(st.st_size, strlen("/proc/self/fd/1"));

	/* Every node its own inode number. */
	for (unsigned i = 0; i < devnode_count; i++)
		for (unsigned j = i + 1; j < devnode_count; j++)
			assert_int_not_equal(devnode_ino(&devnode_table[i]), devnode_ino(&devnode_table[j]));
	assert_int_equal(linux_makedev(4, 64), 0x440);
	assert_int_equal(linux_makedev(300, 300),
			 ((uint64_t)300 & 0xfff) << 8 | (300 & 0xff) | ((300u & ~0xffu) << 12));
}

struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
} __attribute__((packed));

/* Every name getdents64 gives for dir with a buffer of len, in calls. */
static int list(const struct devnode *dir, size_t len, char names[][16], int max)
{
	uint64_t pos = 0;
	int count = 0;
	char *buf = malloc(len);
	for (;;) {
		long r = devnode_getdents(dir, &pos, buf, len);
		assert_true(r >= 0);
		if (r == 0)
			break;
		for (long off = 0; off < r;) {
			struct dirent64_head *d = (struct dirent64_head *)(buf + off);
			assert_int_equal(d->d_reclen % 8, 0);
			assert_true(count < max);
			strcpy(names[count++], d->d_name);
			off += d->d_reclen;
		}
	}
	free(buf);
	return count;
}

static void lists_directories(void **state)
{
	(void)state;
	char names[20][16];
	int n = list(root(), 4096, names, 20);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], ".");
	assert_string_equal(names[1], "..");
	assert_string_equal(names[2], "dev");

	n = list(walk_ok("/dev"), 4096, names, 20);
	assert_int_equal(n, 12);
	assert_string_equal(names[2], "null");
	assert_string_equal(names[11], "stderr");
	/* One record a call: the same listing, nothing lost or repeated. */
	char again[20][16];
	assert_int_equal(list(walk_ok("/dev"), 32, again, 20), 12);
	for (int i = 0; i < 12; i++)
		assert_string_equal(names[i], again[i]);

	/* A buffer too small for one record. */
	char small[8];
	uint64_t pos = 0;
	assert_int_equal(devnode_getdents(root(), &pos, small, sizeof(small)), -EINVAL);
	assert_int_equal(pos, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_every_node), cmocka_unit_test(normalises),
		cmocka_unit_test(reports_errors),   cmocka_unit_test(judges_open_flags),
		cmocka_unit_test(describes_nodes),  cmocka_unit_test(lists_directories),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
