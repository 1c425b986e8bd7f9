/*
 * Helpers of the KeelFS host tests (kfs_util.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/host/kfs_util.h"

int kfs_path(struct vfs_fs *fs, const char *path, uint64_t *ino)
{
	uint64_t cur = fs->root;
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (!n)
			break;
		int rc = fs->ops->lookup(fs, cur, path, n, &cur);
		if (rc)
			return rc;
		path += n;
	}
	*ino = cur;
	return 0;
}

int kfs_parent(struct vfs_fs *fs, const char *path, uint64_t *dir, const char **name)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return -EINVAL;
	char *head = strndup(path, (size_t)(slash - path));
	int rc = kfs_path(fs, head, dir);
	free(head);
	*name = slash + 1;
	return rc;
}

int kfs_mkdir_p(struct vfs_fs *fs, const char *path)
{
	uint64_t cur = fs->root;
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (!n)
			break;
		int rc = fs->ops->lookup(fs, cur, path, n, &cur);
		if (rc == -ENOENT)
			rc = fs->ops->create(fs, cur, path, n, VFS_S_IFDIR | 0755, &cur);
		if (rc)
			return rc;
		path += n;
	}
	return 0;
}

int kfs_put(struct vfs_fs *fs, const char *path, const void *data, size_t len)
{
	uint64_t dir, ino;
	const char *name;
	int rc = kfs_parent(fs, path, &dir, &name);
	if (rc)
		return rc;
	rc = fs->ops->lookup(fs, dir, name, strlen(name), &ino);
	if (rc == -ENOENT)
		rc = fs->ops->create(fs, dir, name, strlen(name), VFS_S_IFREG | 0644, &ino);
	else if (!rc)
		rc = fs->ops->truncate(fs, ino, 0);
	if (rc)
		return rc;
	size_t done = 0;
	while (done < len) {
		long n = fs->ops->write(fs, ino, done, (const uint8_t *)data + done, len - done);
		if (n <= 0)
			return n ? (int)n : -EIO;
		done += (size_t)n;
	}
	return 0;
}

int kfs_get(struct vfs_fs *fs, const char *path, uint8_t **data, size_t *len)
{
	uint64_t ino;
	struct vfs_attr a;
	int rc = kfs_path(fs, path, &ino);
	if (!rc)
		rc = fs->ops->getattr(fs, ino, &a);
	if (rc)
		return rc;
	*data = malloc(a.size + 1);
	long n = fs->ops->read(fs, ino, 0, *data, a.size);
	if (n < 0 || (uint64_t)n != a.size) {
		free(*data);
		*data = NULL;
		return n < 0 ? (int)n : -EIO;
	}
	*len = a.size;
	return 0;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

struct entry {
	char name[VFS_NAME_MAX + 1];
	uint64_t ino;
	unsigned type;
};

struct listing {
	struct entry *e;
	size_t n, cap;
};

static int collect(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct listing *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->e = realloc(l->e, l->cap * sizeof(*l->e));
	}
	memcpy(l->e[l->n].name, name, len);
	l->e[l->n].name[len] = 0;
	l->e[l->n].ino = ino;
	l->e[l->n].type = dtype;
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

int kfs_digest(struct vfs_fs *fs, uint64_t ino, uint64_t *digest)
{
	struct listing l = { 0 };
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	int rc = fs->ops->readdir(fs, ino, 0, collect, &l);
	if (rc)
		goto out;
	if (l.n)
		qsort(l.e, l.n, sizeof(*l.e), by_name);
	for (size_t i = 0; i < l.n && !rc; i++) {
		struct vfs_attr a;
		h = mix(h, l.e[i].name, strlen(l.e[i].name) + 1);
		h = mix(h, &l.e[i].type, sizeof(l.e[i].type));
		rc = fs->ops->getattr(fs, l.e[i].ino, &a);
		if (rc)
			break;
		if (l.e[i].type == VFS_DT_DIR) {
			uint64_t sub;
			rc = kfs_digest(fs, l.e[i].ino, &sub);
			h = mix(h, &sub, sizeof(sub));
			continue;
		}
		h = mix(h, &a.size, sizeof(a.size));
		uint8_t *buf = malloc(a.size + 1);
		long n = fs->ops->read(fs, l.e[i].ino, 0, buf, a.size);
		if (n < 0 || (uint64_t)n != a.size)
			rc = n < 0 ? (int)n : -EIO;
		else
			h = mix(h, buf, a.size);
		free(buf);
	}
out:
	free(l.e);
	*digest = h;
	return rc;
}
