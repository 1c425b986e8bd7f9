/*
 * The disks' nodes under /dev (sys/devblk.c): a name goes into an inode
 * number and comes back, names no disk has are refused, and stat answers
 * as Linux does for sd* and vd*.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/devblk.h"

static void names_round_trip(void **state)
{
	const char *names[] = { "vda", "sdb", "sdaa", "nvme0n1", "a" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t ino = devblk_ino(names[i], strlen(names[i]));
		assert_true(ino != 0);
		char back[DEVBLK_NAME_MAX + 1];
		assert_true(devblk_name(ino, back));
		assert_string_equal(back, names[i]);
	}
	/* Distinct names, distinct numbers, none in the table's range. */
	assert_true(devblk_ino("sda", 3) != devblk_ino("sdb", 3));
	assert_true(devblk_ino("sda", 3) > 1000000);
	/* Only the first len bytes count. */
	assert_true(devblk_ino("sdb/x", 3) == devblk_ino("sdb", 3));
}

static void refuses_what_no_disk_is_named(void **state)
{
	assert_true(devblk_ino("", 0) == 0);
	assert_true(devblk_ino("nvme0n1p", 8) == 0); /* too long */
	assert_true(devblk_ino("sd-a", 4) == 0);
	assert_true(devblk_ino("SDA", 3) == 0);
	assert_true(devblk_ino("..", 2) == 0);
	char name[DEVBLK_NAME_MAX + 1];
	assert_false(devblk_name(0, name));
	assert_false(devblk_name(2, name)); /* the table's */
	assert_false(devblk_name(devblk_ino("sda", 3) | (UINT64_C(1) << 60), name));
	/* A zero byte inside the name is not one devblk_ino makes. */
	assert_false(devblk_name(devblk_ino("sda", 3) & ~UINT64_C(0xff00), name));
	assert_false(devblk_name(UINT64_C(1) << 62, name)); /* an empty name */
}

static void stat_as_linux(void **state)
{
	struct linux_stat st;
	devblk_stat("sdb", 1234, &st);
	assert_int_equal(st.st_mode, LINUX_S_IFBLK | 0660);
	assert_true(st.st_rdev == linux_makedev(8, 16));
	assert_true(st.st_ino == devblk_ino("sdb", 3));
	assert_int_equal(st.st_mtime_sec, 1234);
	devblk_stat("vda", 0, &st);
	assert_true(st.st_rdev == linux_makedev(254, 0));
	devblk_stat("vdc", 0, &st);
	assert_true(st.st_rdev == linux_makedev(254, 32));
	devblk_stat("sdaa", 0, &st); /* past the 16 disks of major 8 */
	assert_true(st.st_rdev == linux_makedev(259, 0));
	devblk_stat("nvme0n1", 0, &st);
	assert_true(st.st_rdev == linux_makedev(259, 0));
	assert_int_equal(st.st_mode & LINUX_S_IFMT, LINUX_S_IFBLK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(refuses_what_no_disk_is_named),
		cmocka_unit_test(stat_as_linux),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
