/*
 * The VFS (fs/vfs.c) over the RAM filesystem (fs/ramfs.c): path
 * resolution, mounts, the checks of every operation by name, and the
 * RAM filesystem's own behaviour (sparse files, holds, cookies, limits).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs/mount.h"
#include "fs/ramfs.h"
#include "tests/host/sched_host.h"

static int64_t fake_now(void) { return 1700000000000000000ll; }

static struct vfs_path P;

static int setup(void **state)
{
	assert_true(host_reset(0));
	struct vfs_fs *root, *tmp;
	assert_int_equal(ramfs_create(1 << 20, fake_now, &root), 0);
	assert_int_equal(vfs_mount("/", root, NULL), 0);
	assert_int_equal(vfs_mkdir("/", "/tmp", 0755), 0);
	assert_int_equal(ramfs_create(64 * 4096, fake_now, &tmp), 0);
	assert_int_equal(vfs_mount("/tmp", tmp, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	vfs_unmount_all();
	return 0;
}

static void mkfile(const char *path, const char *text)
{
	assert_int_equal(vfs_open("/", path, VFS_O_CREAT | 2, 0644, &P), 0);
	if (text)
		assert_int_equal(vfs_write(P.node, 0, text, strlen(text)), (long)strlen(text));
}

static void resolve_paths(void **state)
{
	assert_int_equal(vfs_mkdir("/", "/a", 0755), 0);
	assert_int_equal(vfs_mkdir("/", "/a/b", 0755), 0);
	mkfile("/a/b/f", "hi");
	assert_int_equal(vfs_resolve("/", "//a/./b/../b//f", &P), 0);
	assert_string_equal(P.canon, "/a/b/f");
	assert_string_equal(P.name, "f");
	assert_int_equal(vfs_resolve("/a", "b/f", &P), 0);
	assert_string_equal(P.canon, "/a/b/f");
	assert_int_equal(vfs_resolve("/a/b", "../../../..", &P), 0);
	assert_string_equal(P.canon, "/");
	assert_true(P.is_dir);
	assert_int_equal(vfs_resolve("/", "/a/b/f/", &P), -ENOTDIR);
	assert_int_equal(vfs_resolve("/", "/a/b/f/.", &P), -ENOTDIR);
	assert_int_equal(vfs_resolve("/", "/a/b/f/x", &P), -ENOTDIR);
	assert_int_equal(vfs_resolve("/", "/a/b/f/..", &P), -ENOTDIR);
	assert_int_equal(vfs_resolve("/", "", &P), -ENOENT);
	assert_int_equal(vfs_resolve("/", "/a/x/y", &P), -ENOENT);
	assert_false(P.has_parent);
	assert_int_equal(vfs_resolve("/", "/a/x//", &P), -ENOENT);
	assert_true(P.has_parent);
	assert_true(P.dir_wanted);
	assert_string_equal(P.name, "x");

	char name[300];
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	assert_int_equal(vfs_resolve("/", name, &P), -ENAMETOOLONG);
	name[255] = '\0';
	assert_int_equal(vfs_resolve("/", name, &P), -ENOENT);
	char *longp = malloc(5000);
	for (int i = 0; i < 4999; i++)
		longp[i] = i % 2 ? '/' : 'a';
	longp[4999] = '\0';
	assert_int_equal(vfs_resolve("/", longp, &P), -ENAMETOOLONG);
	free(longp);
}

static void mounts_cross(void **state)
{
	mkfile("/tmp/t", "tmp");
	assert_int_equal(vfs_resolve("/tmp", "t", &P), 0);
	assert_ptr_not_equal(P.node.mnt, vfs_root());
	assert_int_equal(vfs_resolve("/tmp", "..", &P), 0);
	assert_ptr_equal(P.node.mnt, vfs_root());
	assert_int_equal(P.node.ino, vfs_root()->fs->root);
	assert_int_equal(vfs_mkdir("/", "/tmp/d", 0755), 0);
	assert_int_equal(vfs_resolve("/tmp/d", "../../tmp/t", &P), 0);
	assert_string_equal(P.canon, "/tmp/t");
	/* The root filesystem does not know the file. */
	assert_int_equal(vfs_rename("/", "/tmp/t", "/", "/t2", false), -EXDEV);
	assert_int_equal(vfs_rmdir("/", "/tmp"), -EBUSY);
	assert_int_equal(vfs_rename("/", "/tmp", "/", "/tmp2", false), -EBUSY);
	struct vfs_fs *x;
	assert_int_equal(ramfs_create(4096, fake_now, &x), 0);
	assert_int_equal(vfs_mount("/tmp", x, NULL), -EBUSY);
	assert_int_equal(vfs_mount("/nope/x", x, NULL), -ENOENT);
	/* A mount needs no directory under it. */
	assert_int_equal(vfs_mount("/mnt", x, NULL), 0);
	assert_int_equal(vfs_resolve("/", "/mnt/.", &P), 0);
	assert_ptr_equal(P.node.mnt->fs, x);
}

static void open_flags(void **state)
{
	mkfile("/f", "hello");
	assert_int_equal(vfs_open("/", "/f", VFS_O_CREAT | VFS_O_EXCL | 2, 0644, &P), -EEXIST);
	assert_int_equal(vfs_open("/", "/f", VFS_O_DIRECTORY, 0, &P), -ENOTDIR);
	assert_int_equal(vfs_open("/", "/tmp", 1, 0, &P), -EISDIR);
	assert_int_equal(vfs_open("/", "/tmp", VFS_O_CREAT, 0, &P), -EISDIR);
	assert_int_equal(vfs_open("/", "/tmp", VFS_O_DIRECTORY, 0, &P), 0);
	assert_int_equal(vfs_open("/", "/g/", VFS_O_CREAT | 1, 0644, &P), -EISDIR);
	assert_int_equal(vfs_open("/", "/g/h", VFS_O_CREAT | 1, 0644, &P), -ENOENT);
	assert_int_equal(vfs_open("/", "/g", 0, 0, &P), -ENOENT);
	assert_int_equal(vfs_open("/", "/f", VFS_O_TRUNC | 1, 0, &P), 0);
	struct vfs_attr a;
	assert_int_equal(vfs_getattr(P.node, &a), 0);
	assert_int_equal(a.size, 0);
	assert_int_equal(a.mode, VFS_S_IFREG | 0644);
	assert_int_equal(vfs_open("/", "/new", VFS_O_CREAT | VFS_O_EXCL | 1, 0600, &P), 0);
	assert_int_equal(vfs_getattr(P.node, &a), 0);
	assert_int_equal(a.mode, VFS_S_IFREG | 0600);
}

static void names(void **state)
{
	mkfile("/f", "x");
	assert_int_equal(vfs_mkdir("/", "/f", 0755), -EEXIST);
	assert_int_equal(vfs_mkdir("/", "/d/", 0755), 0);
	assert_int_equal(vfs_mkdir("/", "/d/e", 0755), 0);
	assert_int_equal(vfs_mkdir("/", "/x/y", 0755), -ENOENT);
	assert_int_equal(vfs_unlink("/", "/d"), -EISDIR);
	assert_int_equal(vfs_unlink("/", "/nope"), -ENOENT);
	assert_int_equal(vfs_rmdir("/", "/f"), -ENOTDIR);
	assert_int_equal(vfs_rmdir("/", "/d"), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir("/", "/d/e/."), -EINVAL);
	assert_int_equal(vfs_rmdir("/", "/d/e/.."), -ENOTEMPTY);
	assert_int_equal(vfs_rmdir("/", "/"), -EBUSY);
	assert_int_equal(vfs_rename("/", "/d", "/", "/d/e/z", false), -EINVAL);
	assert_int_equal(vfs_rename("/", "/d", "/", "/d", false), 0);
	assert_int_equal(vfs_rename("/", "/f", "/", "/d", false), -EISDIR);
	assert_int_equal(vfs_rename("/", "/d", "/", "/f", false), -ENOTDIR);
	assert_int_equal(vfs_rename("/", "/f", "/", "/f2/", false), -ENOTDIR);
	assert_int_equal(vfs_mkdir("/", "/empty", 0755), 0);
	assert_int_equal(vfs_rename("/", "/empty", "/", "/d", false), -ENOTEMPTY);
	assert_int_equal(vfs_rename("/", "/d", "/", "/empty", false), 0);
	assert_int_equal(vfs_resolve("/", "/empty/e", &P), 0);
	assert_int_equal(vfs_resolve("/", "/d", &P), -ENOENT);
	mkfile("/g", "gg");
	assert_int_equal(vfs_rename("/", "/g", "/", "/f", true), -EEXIST);
	assert_int_equal(vfs_rename("/", "/g", "/", "/f", false), 0);
	assert_int_equal(vfs_resolve("/", "/f", &P), 0);
	char buf[4];
	assert_int_equal(vfs_read(P.node, 0, buf, 4), 2);
	assert_memory_equal(buf, "gg", 2);
	assert_int_equal(vfs_unlink("/", "/f"), 0);
	assert_int_equal(vfs_truncate_path("/", "/empty", 0), -EISDIR);
}

static void sparse_and_truncate(void **state)
{
	mkfile("/tmp/s", NULL);
	struct vfs_node n = P.node;
	assert_int_equal(vfs_write(n, 1ull << 40, "end", 3), 3);
	struct vfs_attr a;
	assert_int_equal(vfs_getattr(n, &a), 0);
	assert_int_equal(a.size, (1ull << 40) + 3);
	assert_int_equal(a.blocks, 8);
	char buf[8192];
	memset(buf, 1, sizeof(buf));
	assert_int_equal(vfs_read(n, 12345, buf, sizeof(buf)), (long)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(vfs_write(n, 0, "abcdefgh", 8), 8);
	assert_int_equal(vfs_truncate(n, 3), 0);
	assert_int_equal(vfs_truncate(n, 8), 0);
	assert_int_equal(vfs_read(n, 0, buf, 100), 8);
	assert_memory_equal(buf, "abc\0\0\0\0\0", 8);
	assert_int_equal(vfs_write(n, 0x7ffffffffffffffell, "ab", 2), -EFBIG);
	/* /tmp holds 64 pages: a write that does not fit is short, then
	 * -ENOSPC. */
	static char big[65 * 4096];
	long w = vfs_write(n, 0, big, sizeof(big));
	assert_true(w > 0 && w < (long)sizeof(big));
	assert_int_equal(vfs_write(n, sizeof(big), big, 4096), -ENOSPC);
	struct vfs_statfs st;
	assert_int_equal(vfs_statfs(n, &st), 0);
	assert_int_equal(st.blocks_free, 0);
	assert_int_equal(vfs_truncate(n, 0), 0);
	assert_int_equal(vfs_statfs(n, &st), 0);
	assert_int_equal(st.blocks_free, 64);
}

static void append_at_the_end(void **state)
{
	mkfile("/tmp/log", "abc");
	struct vfs_node n = P.node;
	uint64_t end = 0;
	assert_int_equal(vfs_append(n, "de", 2, &end), 2);
	assert_int_equal(end, 5);
	/* Another writer moved the end: the next append follows it. */
	assert_int_equal(vfs_write(n, 5, "XYZ", 3), 3);
	assert_int_equal(vfs_append(n, "f", 1, &end), 1);
	assert_int_equal(end, 9);
	char buf[16];
	assert_int_equal(vfs_read(n, 0, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "abcdeXYZf", 9);
	/* A read-only filesystem takes no append. */
	assert_int_equal(vfs_resolve("/", "/tmp/log", &P), 0);
	P.node.mnt->fs->read_only = true;
	assert_int_equal(vfs_append(P.node, "g", 1, &end), -EROFS);
	assert_int_equal(vfs_write(P.node, 0, "g", 1), -EROFS);
	assert_int_equal(vfs_open("/", "/tmp/log", 1, 0, &P), -EROFS);
	assert_int_equal(vfs_open("/", "/tmp/log", 0, 0, &P), 0);
	assert_int_equal(vfs_mkdir("/", "/tmp/x", 0755), -EROFS);
	assert_int_equal(vfs_unlink("/", "/tmp/log"), -EROFS);
	P.node.mnt->fs->read_only = false;
}

static void held_after_unlink(void **state)
{
	mkfile("/tmp/h", "kept");
	struct vfs_node n = P.node;
	vfs_hold(n);
	assert_int_equal(vfs_unlink("/", "/tmp/h"), 0);
	assert_int_equal(vfs_resolve("/", "/tmp/h", &P), -ENOENT);
	char buf[8];
	assert_int_equal(vfs_read(n, 0, buf, 8), 4);
	struct vfs_attr a;
	assert_int_equal(vfs_getattr(n, &a), 0);
	assert_int_equal(a.nlink, 0);
	vfs_release(n);
	assert_int_equal(vfs_getattr(n, &a), -ENOENT);
}

struct listing {
	char names[16][16];
	uint64_t next[16];
	int n, stop_after;
};

static int collect(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct listing *l = arg;
	if (l->n == l->stop_after)
		return 1;
	memcpy(l->names[l->n], name, len);
	l->names[l->n][len] = '\0';
	l->next[l->n++] = next;
	return 0;
}

static void readdir_cookies(void **state)
{
	assert_int_equal(vfs_mkdir("/", "/dir", 0755), 0);
	mkfile("/dir/a", NULL);
	mkfile("/dir/b", NULL);
	mkfile("/dir/c", NULL);
	assert_int_equal(vfs_resolve("/", "/dir", &P), 0);
	struct vfs_node d = P.node;
	struct listing l = { .stop_after = 2 };
	assert_int_equal(vfs_readdir(d, 0, collect, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.names[1], "b");
	/* Removing an entry already listed does not disturb the rest. */
	assert_int_equal(vfs_unlink("/", "/dir/a"), 0);
	uint64_t c = l.next[1];
	l = (struct listing){ .stop_after = 16 };
	assert_int_equal(vfs_readdir(d, c, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.names[0], "c");
	struct vfs_attr a;
	assert_int_equal(vfs_getattr(d, &a), 0);
	assert_int_equal(a.nlink, 2);
	assert_int_equal(vfs_mkdir("/", "/dir/sub", 0755), 0);
	assert_int_equal(vfs_getattr(d, &a), 0);
	assert_int_equal(a.nlink, 3);
}

/* umount2's rules: only a mount point, not while a file is open on it
 * or a mount lies below it; then the covered directory shows again and
 * the name can be mounted anew. */
static void unmount_one(void **state)
{
	struct vfs_mount *gone = NULL, *m;
	mkfile("/tmp/f", "x");
	assert_int_equal(vfs_unmount("/", "/tmp/f", NULL), -EINVAL);
	assert_int_equal(vfs_unmount("/", "/nope", NULL), -ENOENT);
	assert_int_equal(vfs_unmount("/", "/", NULL), -EINVAL);
	assert_int_equal(vfs_mkdir("/", "/a", 0755), 0);
	assert_int_equal(vfs_unmount("/", "/a", NULL), -EINVAL);

	/* An open file keeps the mount busy until it is released. */
	assert_int_equal(vfs_open("/", "/tmp/f", 0, 0, &P), 0);
	struct vfs_node held = P.node;
	vfs_hold(held);
	assert_int_equal(vfs_unmount("/", "/tmp", NULL), -EBUSY);
	vfs_release(held);

	/* So does a mount below it. */
	struct vfs_fs *sub;
	assert_int_equal(vfs_mkdir("/", "/tmp/sub", 0755), 0);
	assert_int_equal(ramfs_create(4096, fake_now, &sub), 0);
	assert_int_equal(vfs_mount("/tmp/sub", sub, &m), 0);
	assert_int_equal(vfs_unmount("/", "/tmp", NULL), -EBUSY);
	assert_int_equal(vfs_unmount("/tmp", "sub/", &gone), 0);
	assert_ptr_equal(gone, m);
	assert_int_equal(vfs_unmount("/", "/tmp/sub", NULL), -EINVAL);

	assert_int_equal(vfs_resolve("/", "/tmp", &P), 0);
	unsigned tmp_dev = P.node.mnt->id;
	assert_int_equal(vfs_unmount("/", "/tmp/.", &gone), 0);
	/* The root's own /tmp directory is what the name finds now. */
	assert_int_equal(vfs_resolve("/", "/tmp", &P), 0);
	assert_ptr_equal(P.node.mnt, vfs_root());
	assert_int_not_equal(P.node.mnt->id, tmp_dev);
	assert_int_equal(vfs_resolve("/", "/tmp/f", &P), -ENOENT);

	/* And a new filesystem mounts there again, once. */
	struct vfs_fs *again, *twice;
	assert_int_equal(ramfs_create(4096, fake_now, &again), 0);
	assert_int_equal(vfs_mount("/tmp", again, NULL), 0);
	assert_int_equal(ramfs_create(4096, fake_now, &twice), 0);
	assert_int_equal(vfs_mount("/tmp", twice, NULL), -EBUSY);
	assert_int_equal(twice->ops->unmount(twice), 0);
	mkfile("/tmp/g", "y");
	assert_int_equal(vfs_resolve("/", "/tmp/g", &P), 0);
	assert_ptr_not_equal(P.node.mnt, vfs_root());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(resolve_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(mounts_cross, setup, teardown),
		cmocka_unit_test_setup_teardown(open_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(names, setup, teardown),
		cmocka_unit_test_setup_teardown(sparse_and_truncate, setup, teardown),
		cmocka_unit_test_setup_teardown(append_at_the_end, setup, teardown),
		cmocka_unit_test_setup_teardown(held_after_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(readdir_cookies, setup, teardown),
		cmocka_unit_test_setup_teardown(unmount_one, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
