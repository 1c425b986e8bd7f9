/*
 * The generated files' directory. Inode 1 is the directory; file i of
 * the registry is inode i + 2, so numbers are stable as files come. The
 * text is made afresh for each read and each stat: the files are small.
 */
#include "fs/genfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/genfile.h"

#define ROOT 1
#define GENFS_MAGIC 0x67656e66 /* "genf" */

struct genfs {
	struct vfs_fs fs;
	const char *dir;
	int64_t now;
};

/* The name of registry file i if it lives in this directory, or NULL. */
static const char *name_of(struct genfs *g, unsigned i)
{
	const char *p = genfile_path(i);
	size_t l = strlen(g->dir);
	if (p == NULL || strncmp(p, g->dir, l) != 0 || p[l] != '/' || strchr(p + l + 1, '/'))
		return NULL;
	return p + l + 1;
}

static bool file_ino(struct genfs *g, uint64_t ino)
{
	return ino >= 2 && ino - 2 < genfile_count() && name_of(g, (unsigned)(ino - 2));
}

static int gen_lookup(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
	struct genfs *g = fs->priv;
	if (dir != ROOT)
		return file_ino(g, dir) ? -ENOTDIR : -ENOENT;
	for (unsigned i = 0; i < genfile_count(); i++) {
		const char *n = name_of(g, i);
		if (n && strlen(n) == len && memcmp(n, name, len) == 0) {
			*ino = i + 2;
			return 0;
		}
	}
	return -ENOENT;
}

static int gen_getattr(struct vfs_fs *fs, uint64_t ino, struct vfs_attr *a)
{
	struct genfs *g = fs->priv;
	*a = (struct vfs_attr){ .ino = ino, .atime_ns = g->now, .mtime_ns = g->now, .ctime_ns = g->now };
	if (ino == ROOT) {
		a->mode = VFS_S_IFDIR | 0755;
		a->nlink = 2;
		a->size = 4096;
		return 0;
	}
	if (!file_ino(g, ino))
		return -ENOENT;
	char *text;
	long n = genfile_text((unsigned)(ino - 2), &text);
	if (n < 0)
		return (int)n;
	free(text);
	a->mode = VFS_S_IFREG | 0444;
	a->nlink = 1;
	a->size = (uint64_t)n;
	a->blocks = ((uint64_t)n + 511) / 512;
	return 0;
}

static long gen_read(struct vfs_fs *fs, uint64_t ino, uint64_t off, void *buf, size_t len)
{
	struct genfs *g = fs->priv;
	if (ino == ROOT)
		return -EISDIR;
	if (!file_ino(g, ino))
		return -ENOENT;
	char *text;
	long n = genfile_text((unsigned)(ino - 2), &text);
	if (n < 0)
		return n;
	long r = 0;
	if (off < (uint64_t)n) {
		r = (long)((uint64_t)n - off < len ? (uint64_t)n - off : len);
		memcpy(buf, text + off, (size_t)r);
	}
	free(text);
	return r;
}

static int gen_readdir(struct vfs_fs *fs, uint64_t ino, uint64_t cookie, vfs_dirent_fn fn, void *arg)
{
	struct genfs *g = fs->priv;
	if (ino != ROOT)
		return file_ino(g, ino) ? -ENOTDIR : -ENOENT;
	for (unsigned i = (unsigned)cookie; i < genfile_count(); i++) {
		const char *n = name_of(g, i);
		if (n && fn(arg, n, strlen(n), i + 2, VFS_DT_REG, i + 1))
			break;
	}
	return 0;
}

static int gen_refuse(void) { return -EROFS; }
static int gen_create(struct vfs_fs *fs, uint64_t d, const char *n, size_t l, uint32_t m, uint64_t *i)
{
	return gen_refuse();
}
static int gen_remove(struct vfs_fs *fs, uint64_t d, const char *n, size_t l) { return gen_refuse(); }
static int gen_rename(struct vfs_fs *fs, uint64_t od, const char *on, size_t ol, uint64_t nd, const char *nn, size_t nl)
{
	return gen_refuse();
}
static long gen_write(struct vfs_fs *fs, uint64_t ino, uint64_t off, const void *buf, size_t len)
{
	return gen_refuse();
}
static int gen_truncate(struct vfs_fs *fs, uint64_t ino, uint64_t size) { return gen_refuse(); }
static int gen_fsync(struct vfs_fs *fs, uint64_t ino, bool data_only) { return 0; }

static int gen_statfs(struct vfs_fs *fs, struct vfs_statfs *st)
{
	*st = (struct vfs_statfs){
		.magic = GENFS_MAGIC, .block_size = 4096, .files = genfile_count(), .name_max = VFS_NAME_MAX
	};
	return 0;
}

static int gen_unmount(struct vfs_fs *fs)
{
	free(fs->priv);
	return 0;
}

static const struct vfs_fs_ops genfs_ops = {
	.lookup = gen_lookup,
	.getattr = gen_getattr,
	.create = gen_create,
	.unlink = gen_remove,
	.rmdir = gen_remove,
	.rename = gen_rename,
	.read = gen_read,
	.write = gen_write,
	.truncate = gen_truncate,
	.readdir = gen_readdir,
	.fsync = gen_fsync,
	.statfs = gen_statfs,
	.unmount = gen_unmount,
};

int genfs_create(const char *dir, int64_t now_ns, struct vfs_fs **out)
{
	struct genfs *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return -ENOMEM;
	g->dir = dir;
	g->now = now_ns;
	g->fs = (struct vfs_fs){ .ops = &genfs_ops, .root = ROOT, .read_only = true, .priv = g };
	*out = &g->fs;
	return 0;
}
