/*
 * KeelFS against a model: seeded random operations (creations, writes,
 * truncations, renames, removals, directories, fsyncs) run on the
 * filesystem and on a small in-memory tree that does what POSIX says;
 * every result must agree, and the whole tree (names, types, inode
 * numbers, link counts, sizes, bytes) is compared after each batch and
 * after each remount, which fsck must find clean.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "tests/host/kfs_util.h"
#include "tools/keelfs/hostdisk.h"

#define MAX_FILE 70000

static uint64_t rng;
static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

struct mnode {
	char name[32];
	bool dir;
	uint64_t ino;
	uint8_t *data;
	size_t size;
	struct mnode *parent, *child, *next;
};

static struct mnode *m_find(struct mnode *dir, const char *name)
{
	for (struct mnode *c = dir->child; c; c = c->next)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void m_unlink(struct mnode *n)
{
	struct mnode **pp = &n->parent->child;
	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
}

static void m_free(struct mnode *n)
{
	while (n->child) {
		struct mnode *c = n->child;
		n->child = c->next;
		m_free(c);
	}
	free(n->data);
	free(n);
}

static void m_link(struct mnode *dir, struct mnode *n)
{
	n->parent = dir;
	n->next = dir->child;
	dir->child = n;
}

static const char *const names[] = { "a", "b", "c", "d", "e", "f" };

/* A random path of up to three levels; *dir and the model's node for
 * its parent directory (NULL when the parent is missing). */
static struct mnode *pick(struct mnode *root, struct vfs_fs *fs, uint64_t *dir, const char **name)
{
	struct mnode *m = root;
	uint64_t ino = fs->root;
	unsigned depth = next_rand() % 3;
	for (unsigned i = 0; i < depth; i++) {
		const char *n = names[next_rand() % 3];
		struct mnode *c = m_find(m, n);
		int rc = fs->ops->lookup(fs, ino, n, strlen(n), &ino);
		if (!c || !c->dir) {
			assert_int_equal(rc, c ? 0 : -ENOENT);
			return NULL;
		}
		assert_int_equal(rc, 0);
		m = c;
	}
	*dir = ino;
	*name = names[next_rand() % 6];
	return m;
}

static bool is_ancestor(const struct mnode *a, const struct mnode *n)
{
	for (; n; n = n->parent)
		if (n == a)
			return true;
	return false;
}

static unsigned long applied[9];

static void one_op(struct vfs_fs *fs, struct mnode *root)
{
	uint64_t dir, dir2, ino;
	const char *name, *name2;
	struct mnode *md = pick(root, fs, &dir, &name);
	static uint8_t buf[20000];
	if (!md)
		return;
	struct mnode *n = m_find(md, name);
	size_t len = strlen(name);
	unsigned op = next_rand() % 9;
	applied[op]++;
	switch (op) {
	case 0:
	case 1: {
		bool mkdir = next_rand() % 3 == 0;
		int rc = fs->ops->create(fs, dir, name, len, (mkdir ? VFS_S_IFDIR : VFS_S_IFREG) | 0644, &ino);
		assert_int_equal(rc, n ? -EEXIST : 0);
		if (!n) {
			n = calloc(1, sizeof(*n));
			strcpy(n->name, name);
			n->dir = mkdir;
			n->ino = ino;
			m_link(md, n);
		}
		break;
	}
	case 2:
	case 3: {
		if (!n)
			break;
		/* Often at 0 or a block boundary, where trees start and grow. */
		size_t off = next_rand() % (MAX_FILE - sizeof(buf)), cnt = 1 + next_rand() % sizeof(buf);
		if (next_rand() % 3 == 0)
			off = (next_rand() % 4) * 4096;
		for (size_t i = 0; i < cnt; i++)
			buf[i] = (uint8_t)next_rand();
		long w = fs->ops->write(fs, n->ino, off, buf, cnt);
		if (n->dir) {
			assert_int_equal(w, -EISDIR);
			break;
		}
		assert_int_equal(w, (long)cnt);
		if (off + cnt > n->size) {
			n->data = realloc(n->data, off + cnt);
			memset(n->data + n->size, 0, off + cnt - n->size);
			n->size = off + cnt;
		}
		memcpy(n->data + off, buf, cnt);
		break;
	}
	case 4: {
		if (!n)
			break;
		size_t size = next_rand() % MAX_FILE;
		int rc = fs->ops->truncate(fs, n->ino, size);
		if (n->dir) {
			assert_int_equal(rc, -EISDIR);
			break;
		}
		assert_int_equal(rc, 0);
		n->data = realloc(n->data, size + 1);
		if (size > n->size)
			memset(n->data + n->size, 0, size - n->size);
		n->size = size;
		break;
	}
	case 5: {
		struct mnode *md2 = pick(root, fs, &dir2, &name2);
		if (!md2 || (n && n->dir && is_ancestor(n, md2)))
			break; /* into its own subtree: the VFS refuses that first */
		int rc = fs->ops->rename(fs, dir, name, len, dir2, name2, strlen(name2));
		struct mnode *t = m_find(md2, name2);
		int want = !n ? -ENOENT : 0;
		if (n && t && t != n) {
			if (n->dir && !t->dir)
				want = -ENOTDIR;
			else if (!n->dir && t->dir)
				want = -EISDIR;
			else if (t->dir && t->child)
				want = -ENOTEMPTY;
		}
		assert_int_equal(rc, want);
		if (want || t == n)
			break;
		if (t) {
			m_unlink(t);
			m_free(t);
		}
		m_unlink(n);
		strcpy(n->name, name2);
		m_link(md2, n);
		break;
	}
	case 6: {
		int rc = fs->ops->unlink(fs, dir, name, len);
		assert_int_equal(rc, !n ? -ENOENT : n->dir ? -EISDIR : 0);
		if (!rc) {
			m_unlink(n);
			m_free(n);
		}
		break;
	}
	case 7: {
		int rc = fs->ops->rmdir(fs, dir, name, len);
		assert_int_equal(rc, !n ? -ENOENT : !n->dir ? -ENOTDIR : n->child ? -ENOTEMPTY : 0);
		if (!rc) {
			m_unlink(n);
			m_free(n);
		}
		break;
	}
	case 8: assert_int_equal(fs->ops->fsync(fs, dir, false), 0); break;
	}
}

struct seen {
	char names[8][32];
	uint64_t inos[8];
	unsigned types[8];
	size_t n;
};

static int collect(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct seen *s = arg;
	assert_true(s->n < 8 && len < 32);
	memcpy(s->names[s->n], name, len);
	s->names[s->n][len] = 0;
	s->inos[s->n] = ino;
	s->types[s->n] = dtype;
	s->n++;
	return 0;
}

static void compare(struct vfs_fs *fs, struct mnode *m, uint64_t ino)
{
	struct seen s = { .n = 0 };
	struct vfs_attr at;
	size_t count = 0, subdirs = 0;

	assert_int_equal(fs->ops->readdir(fs, ino, 0, collect, &s), 0);
	for (struct mnode *c = m->child; c; c = c->next) {
		count++;
		subdirs += c->dir;
		size_t i = 0;
		while (i < s.n && strcmp(s.names[i], c->name))
			i++;
		assert_true(i < s.n);
		assert_int_equal(s.inos[i], c->ino);
		assert_int_equal(s.types[i], c->dir ? VFS_DT_DIR : VFS_DT_REG);
		assert_int_equal(fs->ops->getattr(fs, c->ino, &at), 0);
		if (c->dir) {
			compare(fs, c, c->ino);
			continue;
		}
		assert_int_equal(at.size, c->size);
		assert_int_equal(at.nlink, 1);
		uint8_t *buf = malloc(c->size + 1);
		assert_int_equal(fs->ops->read(fs, c->ino, 0, buf, c->size + 1), (long)c->size);
		assert_memory_equal(buf, c->data ? c->data : buf, c->size);
		free(buf);
	}
	assert_int_equal(s.n, count);
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.nlink, 2 + subdirs);
}

static void model_run(uint64_t seed, struct fs_disk *disk, int ops)
{
	struct vfs_fs *fs;
	struct mnode *root = calloc(1, sizeof(*root));

	rng = seed * UINT64_C(0x2545f4914f6cdd1d) + 7;
	root->dir = true;
	assert_int_equal(keelfs_mkfs(disk), 0);
	assert_int_equal(keelfs_mount(disk, false, &fs), 0);
	root->ino = fs->root;
	for (int i = 1; i <= ops; i++) {
		one_op(fs, root);
		if (i % 100 == 0)
			compare(fs, root, fs->root);
		if (i % 700 == 0) {
			assert_int_equal(fs->ops->unmount(fs), 0);
			assert_int_equal(keelfs_fsck(disk, NULL, NULL), 0);
			assert_int_equal(keelfs_mount(disk, false, &fs), 0);
			compare(fs, root, fs->root);
		}
	}
	assert_int_equal(fs->ops->unmount(fs), 0);
	assert_int_equal(keelfs_fsck(disk, NULL, NULL), 0);
	m_free(root);
}

static void test_model_ram(void **state)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		struct fs_disk disk;
		assert_int_equal(ramdisk_open(&disk, 4096), 0);
		model_run(seed, &disk, 3000);
		ramdisk_close(&disk);
	}
}

static void test_model_file(void **state)
{
	struct fs_disk disk;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/keelfs-model-%d.img", (int)getpid());
	assert_int_equal(filedisk_open(&disk, path, true, 16 << 20, false), 0);
	model_run(99, &disk, 2000);
	filedisk_close(&disk);
	remove(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_ram),
		cmocka_unit_test(test_model_file),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	printf("operations tried: create %lu, write %lu, truncate %lu, rename %lu, unlink %lu, rmdir %lu, fsync %lu\n",
	       applied[0] + applied[1], applied[2] + applied[3], applied[4], applied[5], applied[6], applied[7],
	       applied[8]);
	return rc;
}
