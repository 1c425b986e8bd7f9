/*
 * KeelFS (fs/kfs_*.c) on the host: CRC32C against known values, every
 * operation and every error, a full disk and its recovery, many files,
 * a sparse 1 GiB file, deep directories, large requests, attributes and
 * timed commits; on a RAM disk and on an image file.
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

#include "fs/crc32c.h"
#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "tests/host/kfs_env.h"
#include "tests/host/kfs_util.h"
#include "tools/keelfs/hostdisk.h"

#define MIB (UINT64_C(1) << 20)

static void test_crc32c_vectors(void **state)
{
	uint8_t zeros[32] = { 0 }, ones[32], inc[32];
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283);
	/* RFC 3720, B.4. */
	assert_int_equal(crc32c(0, zeros, 32), 0x8a9136aa);
	assert_int_equal(crc32c(0, ones, 32), 0x62a8ab43);
	assert_int_equal(crc32c(0, inc, 32), 0x46dd794e);
	/* In pieces, at every alignment, the same as whole. */
	uint8_t big[1000];
	for (int i = 0; i < 1000; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	uint32_t whole = crc32c(0, big, sizeof(big));
	for (size_t cut = 0; cut < 40; cut++)
		assert_int_equal(crc32c(crc32c(0, big, cut), big + cut, sizeof(big) - cut), whole);
}

/* The two implementations crc32c() picks between agree: on the standard
 * vectors, and on every length and alignment (which exercise the byte
 * loops before and after the 8-byte one), continuing any prior CRC. */
static void test_crc32c_insn_matches_table(void **state)
{
	(void)state;
	assert_int_equal(crc32c_table(0, "123456789", 9), 0xe3069283);
	if (!crc32c_insn_available()) {
		skip();
		return;
	}
	assert_int_equal(crc32c_insn(0, "123456789", 9), 0xe3069283);
	uint8_t buf[300];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 151 + 29);
	for (size_t off = 0; off < 16; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 1 + len / 16) {
			uint32_t seed = (uint32_t)(off * 0x9e3779b9u + len);
			assert_int_equal(crc32c_insn(seed, buf + off, len), crc32c_table(seed, buf + off, len));
		}
}

static void basic_ops(struct env *e)
{
	struct vfs_fs *fs = e->fs;
	uint64_t a, d, x;
	struct vfs_attr at;
	char buf[64];

	assert_int_equal(fs->ops->create(fs, fs->root, "a", 1, VFS_S_IFREG | 0644, &a), 0);
	assert_int_equal(fs->ops->write(fs, a, 0, "hello world", 11), 11);
	assert_int_equal(fs->ops->read(fs, a, 6, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "world", 5);
	assert_int_equal(fs->ops->create(fs, fs->root, "d", 1, VFS_S_IFDIR | 0755, &d), 0);
	assert_int_equal(fs->ops->getattr(fs, fs->root, &at), 0);
	assert_int_equal(at.nlink, 3);
	assert_int_equal(fs->ops->rename(fs, fs->root, "a", 1, d, "b", 1), 0);
	assert_int_equal(fs->ops->lookup(fs, fs->root, "a", 1, &x), -ENOENT);
	assert_int_equal(kfs_path(fs, "/d/b", &x), 0);
	assert_int_equal(x, a);
	assert_int_equal(fs->ops->truncate(fs, a, 5), 0);
	assert_int_equal(fs->ops->truncate(fs, a, 8000), 0);
	assert_int_equal(fs->ops->getattr(fs, a, &at), 0);
	assert_int_equal(at.size, 8000);
	assert_int_equal(fs->ops->read(fs, a, 0, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, "hello\0\0\0", 8);
	assert_int_equal(fs->ops->fsync(fs, a, false), 0);
	remount(e);
	fs = e->fs;
	assert_int_equal(kfs_path(fs, "/d/b", &x), 0);
	assert_int_equal(x, a);
	assert_int_equal(fs->ops->read(fs, a, 0, buf, 5), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(fs->ops->unlink(fs, d, "b", 1), 0);
	assert_int_equal(fs->ops->rmdir(fs, fs->root, "d", 1), 0);
	assert_int_equal(fs->ops->getattr(fs, fs->root, &at), 0);
	assert_int_equal(at.nlink, 2);
	assert_int_equal(fs->ops->getattr(fs, a, &at), -ENOENT);
}

static void test_ops_ram(void **state)
{
	struct env *e = env_new(1024, false);
	basic_ops(e);
	env_free(e);
}

static void test_ops_file(void **state)
{
	struct env *e = env_new(1024, true);
	basic_ops(e);
	env_free(e);
}

static void test_errors(void **state)
{
	struct env *e = env_new(1024, false);
	struct vfs_fs *fs = e->fs;
	uint64_t f, d, d2, x;
	char longname[300];

	memset(longname, 'n', sizeof(longname));
	assert_int_equal(fs->ops->create(fs, fs->root, "f", 1, VFS_S_IFREG | 0644, &f), 0);
	assert_int_equal(fs->ops->create(fs, fs->root, "d", 1, VFS_S_IFDIR | 0755, &d), 0);
	assert_int_equal(fs->ops->create(fs, d, "x", 1, VFS_S_IFREG | 0644, &x), 0);
	assert_int_equal(fs->ops->create(fs, fs->root, "d2", 2, VFS_S_IFDIR | 0755, &d2), 0);
	assert_int_equal(fs->ops->create(fs, fs->root, "f", 1, VFS_S_IFREG | 0644, &x), -EEXIST);
	assert_int_equal(fs->ops->create(fs, fs->root, "d", 1, VFS_S_IFDIR | 0755, &x), -EEXIST);
	assert_int_equal(fs->ops->lookup(fs, fs->root, "nope", 4, &x), -ENOENT);
	assert_int_equal(fs->ops->unlink(fs, fs->root, "nope", 4), -ENOENT);
	assert_int_equal(fs->ops->rmdir(fs, fs->root, "nope", 4), -ENOENT);
	assert_int_equal(fs->ops->rename(fs, fs->root, "nope", 4, fs->root, "x", 1), -ENOENT);
	assert_int_equal(fs->ops->lookup(fs, f, "x", 1, &x), -ENOTDIR);
	assert_int_equal(fs->ops->create(fs, f, "x", 1, VFS_S_IFREG, &x), -ENOTDIR);
	assert_int_equal(fs->ops->rmdir(fs, fs->root, "f", 1), -ENOTDIR);
	assert_int_equal(fs->ops->unlink(fs, fs->root, "d", 1), -EISDIR);
	assert_int_equal(fs->ops->rmdir(fs, fs->root, "d", 1), -ENOTEMPTY);
	assert_int_equal(fs->ops->read(fs, d, 0, longname, 1), -EISDIR);
	assert_int_equal(fs->ops->write(fs, d, 0, "x", 1), -EISDIR);
	assert_int_equal(fs->ops->truncate(fs, d, 0), -EISDIR);
	/* rename's: a directory over a file, a file over a directory, a
	 * directory over one that is not empty, into itself. */
	assert_int_equal(fs->ops->rename(fs, fs->root, "d2", 2, fs->root, "f", 1), -ENOTDIR);
	assert_int_equal(fs->ops->rename(fs, fs->root, "f", 1, fs->root, "d", 1), -EISDIR);
	assert_int_equal(fs->ops->rename(fs, fs->root, "d2", 2, fs->root, "d", 1), -ENOTEMPTY);
	assert_int_equal(fs->ops->rename(fs, fs->root, "d", 1, d, "y", 1), -EINVAL);
	/* Names: 255 bytes fit, 256 do not. */
	assert_int_equal(fs->ops->create(fs, fs->root, longname, 255, VFS_S_IFREG, &x), 0);
	assert_int_equal(fs->ops->lookup(fs, fs->root, longname, 255, &x), 0);
	assert_int_equal(fs->ops->create(fs, fs->root, longname, 256, VFS_S_IFREG, &x), -ENAMETOOLONG);
	assert_int_equal(fs->ops->lookup(fs, fs->root, longname, 256, &x), -ENAMETOOLONG);
	assert_int_equal(fs->ops->write(fs, f, UINT64_MAX - 10, "x", 1), -EFBIG);
	/* Replacing: a file over a file, an empty directory over one. */
	assert_int_equal(fs->ops->rename(fs, fs->root, longname, 255, fs->root, "f", 1), 0);
	assert_int_equal(fs->ops->getattr(fs, f, &(struct vfs_attr){ 0 }), -ENOENT);
	assert_int_equal(fs->ops->unlink(fs, d, "x", 1), 0);
	assert_int_equal(fs->ops->rename(fs, fs->root, "d2", 2, fs->root, "d", 1), 0);
	assert_int_equal(kfs_path(fs, "/d", &x), 0);
	assert_int_equal(x, d2);
	struct vfs_attr at;
	assert_int_equal(fs->ops->getattr(fs, fs->root, &at), 0);
	assert_int_equal(at.nlink, 3);
	env_free(e);
}

static int count_entries(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	(*(size_t *)arg)++;
	return 0;
}

/* Writes of every length at offsets around block boundaries, into new
 * files, read back whole. A whole block then a partial one once lost the
 * whole block's checksum: the partial block grew the tree under the
 * pending run of whole blocks. */
static void test_writes_of_every_shape(void **state)
{
	struct env *e = env_new(1024, false);
	struct vfs_fs *fs = e->fs;
	static uint8_t data[3 * KFS_BLOCK_SIZE + 17], back[sizeof(data)];
	static const size_t lens[] = { 1, 4095, 4096, 4097, 5000, 8191, 8192, 8193, sizeof(data) };
	static const uint64_t offs[] = { 0, 1, 4095, 4096, 10000 };
	uint64_t ino;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
		for (unsigned l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			assert_int_equal(fs->ops->create(fs, fs->root, "f", 1, VFS_S_IFREG, &ino), 0);
			assert_int_equal(fs->ops->write(fs, ino, offs[o], data, lens[l]), (long)lens[l]);
			memset(back, 0xee, sizeof(back));
			assert_int_equal(fs->ops->read(fs, ino, offs[o], back, lens[l]), (long)lens[l]);
			assert_memory_equal(back, data, lens[l]);
			assert_int_equal(fs->ops->unlink(fs, fs->root, "f", 1), 0);
		}
	}
	env_free(e);
}

static void test_many_files(void **state)
{
	struct env *e = env_new(4096, false);
	struct vfs_fs *fs = e->fs;
	char name[32];
	uint64_t ino, first = 0;

	for (int i = 0; i < 3000; i++) {
		int n = snprintf(name, sizeof(name), "file-%05d", i);
		assert_int_equal(fs->ops->create(fs, fs->root, name, (size_t)n, VFS_S_IFREG | 0644, &ino), 0);
		assert_int_equal(fs->ops->write(fs, ino, 0, name, (size_t)n), n);
		if (!first)
			first = ino;
		assert_true(ino >= first + (uint64_t)i);
	}
	remount(e);
	fs = e->fs;
	size_t count = 0;
	assert_int_equal(fs->ops->readdir(fs, fs->root, 0, count_entries, &count), 0);
	assert_int_equal(count, 3000);
	for (int i = 0; i < 3000; i += 7) {
		int n = snprintf(name, sizeof(name), "file-%05d", i);
		char buf[32];
		assert_int_equal(fs->ops->lookup(fs, fs->root, name, (size_t)n, &ino), 0);
		assert_int_equal(fs->ops->read(fs, ino, 0, buf, sizeof(buf)), n);
		assert_memory_equal(buf, name, (size_t)n);
	}
	for (int i = 0; i < 3000; i += 2) {
		int n = snprintf(name, sizeof(name), "file-%05d", i);
		assert_int_equal(fs->ops->unlink(fs, fs->root, name, (size_t)n), 0);
	}
	count = 0;
	assert_int_equal(fs->ops->readdir(fs, fs->root, 0, count_entries, &count), 0);
	assert_int_equal(count, 1500);
	env_free(e);
}

/* Stops after 3 entries; listing again from the last cookie goes on. */
struct pager {
	size_t seen, limit;
	uint64_t cookie;
	char names[64][16];
};

static int page_fn(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct pager *p = arg;
	if (p->seen == p->limit)
		return 1;
	memcpy(p->names[p->seen], name, len);
	p->names[p->seen][len] = 0;
	p->seen++;
	p->cookie = next;
	return 0;
}

static void test_readdir_cookies(void **state)
{
	struct env *e = env_new(256, false);
	struct vfs_fs *fs = e->fs;
	uint64_t ino;
	char name[16];

	for (int i = 0; i < 20; i++) {
		int n = snprintf(name, sizeof(name), "e%02d", i);
		assert_int_equal(fs->ops->create(fs, fs->root, name, (size_t)n, VFS_S_IFREG, &ino), 0);
	}
	struct pager p = { .limit = 3 };
	assert_int_equal(fs->ops->readdir(fs, fs->root, 0, page_fn, &p), 0);
	assert_int_equal(p.seen, 3);
	/* Removing entries already listed moves nothing after them. */
	assert_int_equal(fs->ops->unlink(fs, fs->root, "e01", 3), 0);
	assert_int_equal(fs->ops->unlink(fs, fs->root, "e02", 3), 0);
	p.limit = 64;
	assert_int_equal(fs->ops->readdir(fs, fs->root, p.cookie, page_fn, &p), 0);
	assert_int_equal(p.seen, 20);
	assert_string_equal(p.names[3], "e03");
	assert_string_equal(p.names[19], "e19");
	env_free(e);
}

static void test_full_disk(void **state)
{
	struct env *e = env_new(512, false);
	struct vfs_fs *fs = e->fs;
	uint8_t *buf = malloc(MIB);
	uint64_t ino, total = 0;
	struct vfs_statfs st;

	memset(buf, 0x5a, MIB);
	assert_int_equal(fs->ops->create(fs, fs->root, "big", 3, VFS_S_IFREG, &ino), 0);
	for (;;) {
		long n = fs->ops->write(fs, ino, total, buf, MIB);
		if (n < 0) {
			assert_int_equal(n, -ENOSPC);
			break;
		}
		total += (uint64_t)n;
	}
	assert_true(total > 256 * KFS_BLOCK_SIZE);
	/* Small creations fail too, and the disk stays consistent. */
	char name[16];
	int made = 0;
	for (int i = 0; i < 200; i++) {
		int n = snprintf(name, sizeof(name), "s%d", i);
		uint64_t s;
		int rc = fs->ops->create(fs, fs->root, name, (size_t)n, VFS_S_IFREG, &s);
		if (rc) {
			assert_int_equal(rc, -ENOSPC);
			break;
		}
		made++;
		if (fs->ops->write(fs, s, 0, buf, KFS_BLOCK_SIZE) < 0)
			break;
	}
	assert_int_equal(fs->ops->statfs(fs, &st), 0);
	/* A full disk still shrinks a file to a size within a block (which
	 * rewrites that block). */
	uint64_t half = total / 2 + 123;
	assert_int_equal(fs->ops->truncate(fs, ino, half), 0);
	struct vfs_attr at;
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.size, half);
	uint8_t tail[200];
	assert_int_equal(fs->ops->read(fs, ino, half - 100, tail, sizeof(tail)), 100);
	assert_int_equal(tail[99], 0x5a);
	remount(e);
	fs = e->fs;
	/* Removing the big file makes room again at once. */
	assert_int_equal(fs->ops->unlink(fs, fs->root, "big", 3), 0);
	assert_int_equal(fs->ops->create(fs, fs->root, "again", 5, VFS_S_IFREG, &ino), 0);
	assert_int_equal(fs->ops->write(fs, ino, 0, buf, MIB), MIB);
	free(buf);
	env_free(e);
}

static void test_sparse_gib(void **state)
{
	struct env *e = env_new(4096, false); /* 16 MiB */
	struct vfs_fs *fs = e->fs;
	uint64_t ino, gib = UINT64_C(1) << 30;
	char buf[16];
	struct vfs_attr at;

	assert_int_equal(fs->ops->create(fs, fs->root, "sparse", 6, VFS_S_IFREG, &ino), 0);
	assert_int_equal(fs->ops->write(fs, ino, 12345, "start", 5), 5);
	assert_int_equal(fs->ops->write(fs, ino, gib - 3, "end", 3), 3);
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.size, gib);
	assert_true(at.blocks < 64);
	remount(e);
	fs = e->fs;
	assert_int_equal(fs->ops->read(fs, ino, gib - 3, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "end", 3);
	assert_int_equal(fs->ops->read(fs, ino, gib / 2, buf, 8), 8);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(fs->ops->truncate(fs, ino, 20000), 0);
	assert_int_equal(fs->ops->read(fs, ino, 12345, buf, 5), 5);
	assert_memory_equal(buf, "start", 5);
	env_free(e);
}

static void test_deep_dirs(void **state)
{
	struct env *e = env_new(1024, false);
	struct vfs_fs *fs = e->fs;
	char path[4096] = "";
	uint64_t ino;

	for (int i = 0; i < 200; i++)
		strcat(path, "/deep");
	assert_int_equal(kfs_mkdir_p(fs, path), 0);
	strcat(path, "/leaf");
	assert_int_equal(kfs_put(fs, path, "bottom", 6), 0);
	remount(e);
	assert_int_equal(kfs_path(e->fs, path, &ino), 0);
	env_free(e);
}

static void test_large_writes_batched(void **state)
{
	struct env *e = env_new(2048, false);
	struct vfs_fs *fs = e->fs;
	uint8_t *buf = malloc(4 * MIB), *back = malloc(4 * MIB);
	uint64_t ino;

	for (size_t i = 0; i < 4 * MIB; i++)
		buf[i] = (uint8_t)(i * 31 + i / 4096);
	assert_int_equal(fs->ops->create(fs, fs->root, "seq", 3, VFS_S_IFREG, &ino), 0);
	struct ramdisk_stats *st = ramdisk_stats(&e->disk);
	uint64_t writes = st->writes;
	assert_int_equal(fs->ops->write(fs, ino, 0, buf, 4 * MIB), 4 * MIB);
	/* 1024 blocks in a handful of requests, the largest 1 MiB. */
	assert_true(st->writes - writes < 16);
	assert_int_equal(st->largest_write, FS_DISK_MAX_REQUEST);
	remount(e);
	fs = e->fs;
	uint64_t reads = ramdisk_stats(&e->disk)->reads;
	assert_int_equal(fs->ops->read(fs, ino, 0, back, 4 * MIB), 4 * MIB);
	assert_true(ramdisk_stats(&e->disk)->reads - reads < 32);
	assert_memory_equal(buf, back, 4 * MIB);
	free(buf);
	free(back);
	env_free(e);
}

static int64_t fake_ns;
static int64_t fake_now(struct fs_disk *disk) { return fake_ns; }

/* Attributes, times, statfs, and the commit that time alone brings. */
static void test_attrs_and_timed_commit(void **state)
{
	struct fs_disk disk;
	struct fs_disk_ops ops;
	struct vfs_fs *fs;
	struct vfs_attr at;
	struct vfs_statfs st, st2;
	uint64_t ino;
	static uint8_t block[3 * KFS_BLOCK_SIZE];

	assert_int_equal(ramdisk_open(&disk, 1024), 0);
	ops = *disk.ops;
	ops.now_ns = fake_now;
	disk.ops = &ops;
	fake_ns = INT64_C(1700000000) * 1000000000;
	assert_int_equal(keelfs_mkfs(&disk), 0);
	assert_int_equal(keelfs_mount(&disk, false, &fs), 0);
	assert_int_equal(fs->ops->statfs(fs, &st), 0);
	assert_int_equal(st.magic, KEELFS_MAGIC);
	assert_int_equal(st.block_size, KFS_BLOCK_SIZE);
	assert_int_equal(st.blocks, 1024);
	assert_int_equal(st.name_max, 255);

	fake_ns += 1000;
	assert_int_equal(fs->ops->create(fs, fs->root, "t", 1, VFS_S_IFREG | 0640, &ino), 0);
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.mode, VFS_S_IFREG | 0640);
	assert_int_equal(at.mtime_ns, fake_ns);
	assert_int_equal(at.ino, ino);
	fake_ns += 1000;
	assert_int_equal(fs->ops->write(fs, ino, KFS_BLOCK_SIZE, block, sizeof(block)), sizeof(block));
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.mtime_ns, fake_ns);
	assert_int_equal(at.size, 4 * KFS_BLOCK_SIZE);
	/* Three data blocks (the first is a hole) and a pointer block. */
	assert_int_equal(at.blocks, 4 * (KFS_BLOCK_SIZE / 512));
	assert_int_equal(fs->ops->set_times(fs, ino, 5, -1), 0);
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.atime_ns, 5);
	assert_int_equal(at.mtime_ns, fake_ns);
	/* chmod: the permission bits change, the type never; the change
	 * time moves. */
	fake_ns += 1000;
	assert_int_equal(fs->ops->set_mode(fs, ino, VFS_S_IFDIR | 04750), 0);
	assert_int_equal(fs->ops->getattr(fs, ino, &at), 0);
	assert_int_equal(at.mode, VFS_S_IFREG | 04750);
	assert_int_equal(at.ctime_ns, fake_ns);
	assert_int_equal(at.mtime_ns, fake_ns - 1000);
	assert_int_equal(fs->ops->set_mode(fs, fs->root, 0700), 0);
	assert_int_equal(fs->ops->getattr(fs, fs->root, &at), 0);
	assert_int_equal(at.mode, VFS_S_IFDIR | 0700);
	assert_int_equal(fs->ops->statfs(fs, &st2), 0);
	assert_true(st2.blocks_free + 3 <= st.blocks_free);

	/* Nothing committed yet; five seconds later, the next operation
	 * commits everything before it. */
	uint64_t flushes = ramdisk_stats(&disk)->flushes;
	assert_int_equal(fs->ops->create(fs, fs->root, "u", 1, VFS_S_IFREG, &ino), 0);
	assert_int_equal(ramdisk_stats(&disk)->flushes, flushes);
	fake_ns += 6 * INT64_C(1000000000);
	assert_int_equal(fs->ops->create(fs, fs->root, "v", 1, VFS_S_IFREG, &ino), 0);
	assert_int_equal(ramdisk_stats(&disk)->flushes, flushes + 2);
	struct vfs_fs *other;
	assert_int_equal(keelfs_mount(&disk, true, &other), 0);
	assert_int_equal(kfs_path(other, "/v", &ino), 0);
	/* The modes were committed with the rest; a read-only mount keeps
	 * them as they are. */
	assert_int_equal(kfs_path(other, "/t", &ino), 0);
	assert_int_equal(other->ops->getattr(other, ino, &at), 0);
	assert_int_equal(at.mode, VFS_S_IFREG | 04750);
	assert_int_equal(other->ops->set_mode(other, ino, 0600), -EROFS);
	assert_int_equal(other->ops->getattr(other, other->root, &at), 0);
	assert_int_equal(at.mode, VFS_S_IFDIR | 0700);
	assert_int_equal(other->ops->unmount(other), 0);
	assert_int_equal(fs->ops->unmount(fs), 0);
	assert_int_equal(fsck_problems(&disk), 0);
	ramdisk_close(&disk);
}

/* A disk filled with small files and directories until creations fail,
 * then emptied: every block comes back. */
static void test_fill_with_small_files(void **state)
{
	struct env *e = env_new(600, false);
	struct vfs_fs *fs = e->fs;
	struct vfs_statfs before, after;
	char name[32];
	uint64_t ino, dirs[4];
	int made = 0;

	assert_int_equal(fs->ops->statfs(fs, &before), 0);
	for (int d = 0; d < 4; d++) {
		snprintf(name, sizeof(name), "dir%d", d);
		assert_int_equal(fs->ops->create(fs, fs->root, name, strlen(name), VFS_S_IFDIR | 0755, &dirs[d]), 0);
	}
	for (;; made++) {
		int n = snprintf(name, sizeof(name), "small-file-%06d", made);
		int rc = fs->ops->create(fs, dirs[made % 4], name, (size_t)n, VFS_S_IFREG, &ino);
		if (rc) {
			assert_int_equal(rc, -ENOSPC);
			break;
		}
		long w = fs->ops->write(fs, ino, 0, name, (size_t)n);
		if (w < 0) {
			assert_int_equal(w, -ENOSPC);
			break;
		}
	}
	assert_true(made > 200);
	remount(e);
	fs = e->fs;
	for (int i = 0; i <= made; i++) {
		int n = snprintf(name, sizeof(name), "small-file-%06d", i);
		int rc = fs->ops->unlink(fs, dirs[i % 4], name, (size_t)n);
		assert_true(rc == 0 || (i == made && rc == -ENOENT));
	}
	for (int d = 0; d < 4; d++) {
		snprintf(name, sizeof(name), "dir%d", d);
		assert_int_equal(fs->ops->rmdir(fs, fs->root, name, strlen(name)), 0);
	}
	assert_int_equal(keelfs_sync(fs), 0);
	assert_int_equal(fs->ops->statfs(fs, &after), 0);
	/* The inode table keeps the blocks its slots use (numbers are never
	 * reused); everything else is back. */
	assert_true(after.blocks_free + (uint64_t)made / KFS_INODES_PER_BLOCK + 8 >= before.blocks_free);
	env_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_crc32c_insn_matches_table),
		cmocka_unit_test(test_ops_ram),
		cmocka_unit_test(test_ops_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_writes_of_every_shape),
		cmocka_unit_test(test_many_files),
		cmocka_unit_test(test_readdir_cookies),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_sparse_gib),
		cmocka_unit_test(test_deep_dirs),
		cmocka_unit_test(test_large_writes_batched),
		cmocka_unit_test(test_attrs_and_timed_commit),
		cmocka_unit_test(test_fill_with_small_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
