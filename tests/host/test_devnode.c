/*
 * The table of device nodes (sys/devnode.c): every node found by name
 * and by inode number, and stat of each kind.
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

static const struct devnode *root(void) { return &devnode_table[0]; }

static const struct devnode *dev(void) { return devnode_child(root(), "dev", 3); }

/* /dev/NAME, which must exist. */
static const struct devnode *node(const char *name)
{
	const struct devnode *n = devnode_child(dev(), name, strlen(name));
	assert_non_null(n);
	return n;
}

static void finds_every_node(void **state)
{
	(void)state;
	assert_non_null(dev());
	assert_string_equal(dev()->name, "dev");
	const char *names[] = { "null", "zero",	   "full",  "random", "urandom",
				"tty",	"console", "stdin", "stdout", "stderr" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct devnode *n = node(names[i]);
		assert_string_equal(n->name, names[i]);
		assert_ptr_equal(devnode_by_ino(devnode_ino(n)), n);
	}
	/* Names are whole: no prefix, no longer name, nothing at the root. */
	assert_null(devnode_child(dev(), "nul", 3));
	assert_null(devnode_child(dev(), "nullx", 5));
	assert_null(devnode_child(root(), "null", 4));
	assert_null(devnode_child(node("null"), "x", 1));
	assert_ptr_equal(devnode_by_ino(devnode_ino(dev())), dev());
	assert_null(devnode_by_ino(0));
	assert_null(devnode_by_ino(devnode_ino(root()) + devnode_count));
}

static void describes_nodes(void **state)
{
	(void)state;
	struct linux_stat st;
	devnode_stat(node("urandom"), 1700000000, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFCHR | 0666);
	assert_int_equal(st.st_rdev, linux_makedev(1, 9));
	assert_int_equal(st.st_rdev, (1 << 8) | 9);
	assert_int_equal(st.st_blksize, 4096);
	assert_int_equal(st.st_mtime_sec, 1700000000);
	assert_int_equal(st.st_atime_sec, 1700000000);
	assert_int_equal(st.st_ctime_sec, 1700000000);
	devnode_stat(node("console"), 0, &st);
	assert_int_equal(st.st_rdev, linux_makedev(5, 1));
	devnode_stat(dev(), 0, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFDIR | 0755);
	devnode_stat(root(), 0, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFDIR | 0755);
	assert_int_equal(st.st_nlink, 3); /* ".", its entry, and "dev"'s ".." */
	devnode_stat(node("stdout"), 0, &st);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_every_node),
		cmocka_unit_test(describes_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
