/*
 * The VFS (fs/mount.h): mounts, the walk over paths, and the operations
 * by name with the checks Linux makes before a filesystem is asked, so
 * every filesystem gets them the same way and they are tested once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/mount.h"

static struct vfs_mount *mounts;  /* the root last: mounts are prepended */
static struct vfs_mount *retired; /* unmounted, freed by vfs_unmount_all */
static unsigned next_mount_id;
/* Held by whoever changes the table; readers walk it without. */
static struct mutex table_lock = MUTEX_INIT;

struct vfs_mount *vfs_root(void)
{
	struct vfs_mount *m = mounts;
	while (m && m->next)
		m = m->next;
	return m;
}

/* The mount covering name in directory dir of mount parent, or NULL. */
static struct vfs_mount *covering(struct vfs_mount *parent, uint64_t dir, const char *name, size_t len)
{
	for (struct vfs_mount *m = mounts; m; m = m->next)
		if (m->parent == parent && m->parent_dir == dir && strlen(m->name) == len &&
		    memcmp(m->name, name, len) == 0)
			return m;
	return NULL;
}

static bool is_mount_root(struct vfs_node n) { return n.ino == n.mnt->fs->root; }

/* --- operations on an inode, one at a time per mount ----------------------- */

#define LOCKED(n, call)                                                                                                \
	({                                                                                                             \
		mutex_lock(&(n).mnt->lock);                                                                            \
		__typeof__(call) r_ = (call);                                                                          \
		mutex_unlock(&(n).mnt->lock);                                                                          \
		r_;                                                                                                    \
	})

int vfs_getattr(struct vfs_node n, struct vfs_attr *a)
{
	return LOCKED(n, n.mnt->fs->ops->getattr(n.mnt->fs, n.ino, a));
}

long vfs_read(struct vfs_node n, uint64_t off, void *buf, size_t len)
{
	return LOCKED(n, n.mnt->fs->ops->read(n.mnt->fs, n.ino, off, buf, len));
}

long vfs_write(struct vfs_node n, uint64_t off, const void *buf, size_t len)
{
	if (n.mnt->fs->read_only)
		return -EROFS;
	return LOCKED(n, n.mnt->fs->ops->write(n.mnt->fs, n.ino, off, buf, len));
}

long vfs_append(struct vfs_node n, const void *buf, size_t len, uint64_t *end)
{
	if (n.mnt->fs->read_only)
		return -EROFS;
	struct vfs_fs *fs = n.mnt->fs;
	struct vfs_attr a;
	mutex_lock(&n.mnt->lock);
	long r = fs->ops->getattr(fs, n.ino, &a);
	if (r == 0)
		r = fs->ops->write(fs, n.ino, a.size, buf, len);
	mutex_unlock(&n.mnt->lock);
	if (r > 0)
		*end = a.size + (uint64_t)r;
	return r;
}

int vfs_truncate(struct vfs_node n, uint64_t size)
{
	if (n.mnt->fs->read_only)
		return -EROFS;
	return LOCKED(n, n.mnt->fs->ops->truncate(n.mnt->fs, n.ino, size));
}

int vfs_fsync(struct vfs_node n, bool data_only)
{
	if (n.mnt->fs->read_only)
		return 0; /* nothing can be pending */
	return LOCKED(n, n.mnt->fs->ops->fsync(n.mnt->fs, n.ino, data_only));
}

int vfs_statfs(struct vfs_node n, struct vfs_statfs *st) { return LOCKED(n, n.mnt->fs->ops->statfs(n.mnt->fs, st)); }

int vfs_set_times(struct vfs_node n, int64_t atime_ns, int64_t mtime_ns)
{
	if (n.mnt->fs->read_only)
		return -EROFS;
	if (!n.mnt->fs->ops->set_times)
		return 0;
	return LOCKED(n, n.mnt->fs->ops->set_times(n.mnt->fs, n.ino, atime_ns, mtime_ns));
}

int vfs_set_mode(struct vfs_node n, uint32_t mode)
{
	if (n.mnt->fs->read_only)
		return -EROFS;
	if (!n.mnt->fs->ops->set_mode)
		return -EPERM;
	return LOCKED(n, n.mnt->fs->ops->set_mode(n.mnt->fs, n.ino, mode & 07777));
}

int vfs_drop_cache(struct vfs_node n, uint64_t off, uint64_t len)
{
	if (!n.mnt->fs->ops->drop_cache)
		return 0;
	return LOCKED(n, n.mnt->fs->ops->drop_cache(n.mnt->fs, n.ino, off, len));
}

int vfs_readdir(struct vfs_node n, uint64_t cookie, vfs_dirent_fn fn, void *arg)
{
	return LOCKED(n, n.mnt->fs->ops->readdir(n.mnt->fs, n.ino, cookie, fn, arg));
}

/* Holds are counted per mount as well, for umount2's -EBUSY. */
void vfs_hold(struct vfs_node n)
{
	mutex_lock(&n.mnt->lock);
	n.mnt->users++;
	if (n.mnt->fs->ops->hold)
		n.mnt->fs->ops->hold(n.mnt->fs, n.ino);
	mutex_unlock(&n.mnt->lock);
}

void vfs_release(struct vfs_node n)
{
	mutex_lock(&n.mnt->lock);
	n.mnt->users--;
	if (n.mnt->fs->ops->release)
		n.mnt->fs->ops->release(n.mnt->fs, n.ino);
	mutex_unlock(&n.mnt->lock);
}

static int lookup(struct vfs_node dir, const char *name, size_t len, uint64_t *ino)
{
	return LOCKED(dir, dir.mnt->fs->ops->lookup(dir.mnt->fs, dir.ino, name, len, ino));
}

static bool node_is_dir(struct vfs_node n, int *err)
{
	struct vfs_attr a;
	*err = vfs_getattr(n, &a);
	return *err == 0 && (a.mode & VFS_S_IFMT) == VFS_S_IFDIR;
}

/* --- the walk ----------------------------------------------------------------- */

int vfs_resolve(const char *base, const char *path, struct vfs_path *p)
{
	memset(p, 0, offsetof(struct vfs_path, canon));
	p->canon[0] = '\0';
	struct vfs_mount *root = vfs_root();
	if (root == NULL || path[0] == '\0')
		return -ENOENT;
	size_t plen = strlen(path), blen = path[0] == '/' ? 0 : strlen(base);
	if (plen >= VFS_PATH_MAX)
		return -ENAMETOOLONG;
	/* The whole path from the root, and a stack of the directories above
	 * the current one, for "..": at most one per two characters. */
	char *full = malloc(blen + plen + 2);
	size_t depth = 0, max_depth = (blen + plen) / 2 + 2;
	struct vfs_node *up = malloc(max_depth * sizeof(*up));
	size_t *canon_at = malloc(max_depth * sizeof(*canon_at));
	int r = -ENOMEM;
	if (!full || !up || !canon_at)
		goto out;
	memcpy(full, base, blen);
	full[blen] = '/';
	memcpy(full + blen + 1, path, plen + 1);

	struct vfs_node cur = { root, root->fs->root };
	bool cur_dir = true;
	size_t clen = 0; /* canon holds "" for "/", then "/a", "/a/b" */
	const char *s = full;
	for (;;) {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		const char *end = strchr(s, '/');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		bool last = true;
		for (const char *q = s + len; *q; q++)
			if (*q != '/')
				last = false;
		if (len > VFS_NAME_MAX) {
			r = -ENAMETOOLONG;
			goto out;
		}
		if (!cur_dir) {
			r = -ENOTDIR;
			goto out;
		}
		p->dots = 0;
		memcpy(p->name, s, len);
		p->name[len] = '\0';
		p->len = len;
		if (len == 1 && s[0] == '.') {
			p->dots = 1;
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			p->dots = 2;
			if (depth > 0) {
				cur = up[--depth];
				clen = canon_at[depth];
			}
		} else {
			struct vfs_node next;
			struct vfs_mount *m = covering(cur.mnt, cur.ino, s, len);
			if (m) {
				next = (struct vfs_node){ m, m->fs->root };
			} else {
				next.mnt = cur.mnt;
				r = lookup(cur, s, len, &next.ino);
				if (r == -ENOENT && last) {
					p->has_parent = true;
					p->parent = cur;
					p->dir_wanted = s[len] == '/';
				}
				if (r < 0) {
					if (r == -ENOENT && clen + 1 + len < VFS_PATH_MAX) {
						p->canon[clen] = '/';
						memcpy(p->canon + clen + 1, s, len);
						p->canon[clen + 1 + len] = '\0';
					}
					goto out;
				}
			}
			up[depth] = cur;
			canon_at[depth++] = clen;
			p->parent = cur;
			cur = next;
			if (clen + 1 + len >= VFS_PATH_MAX) {
				r = -ENAMETOOLONG;
				goto out;
			}
			p->canon[clen] = '/';
			memcpy(p->canon + clen + 1, s, len);
			clen += 1 + len;
			int err;
			cur_dir = node_is_dir(cur, &err);
			if (err) {
				r = err;
				goto out;
			}
		}
		s += len;
	}
	p->canon[clen] = '\0';
	if (clen == 0) {
		p->canon[0] = '/';
		p->canon[1] = '\0';
	}
	if (p->dots)
		p->parent = depth > 0 ? up[depth - 1] : cur;
	/* A trailing slash (or a last "." or "..") asks for a directory. */
	p->dir_wanted = full[blen + plen] == '/' || p->dots; /* full's last character */
	if (!cur_dir && p->dir_wanted) {
		r = -ENOTDIR;
		goto out;
	}
	p->node = cur;
	p->is_dir = cur_dir;
	p->found = true;
	r = 0;
out:
	free(full);
	free(up);
	free(canon_at);
	return r;
}

/* --- mounts ------------------------------------------------------------------- */

static int mount_locked(const char *path, struct vfs_fs *fs, struct vfs_mount **out)
{
	struct vfs_mount *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->fs = fs;
	mutex_init(&m->lock);
	m->id = next_mount_id++;
	if (mounts == NULL) {
		if (strcmp(path, "/") != 0) {
			free(m);
			return -ENOENT;
		}
	} else {
		struct vfs_path *p = malloc(sizeof(*p));
		if (p == NULL) {
			free(m);
			return -ENOMEM;
		}
		int r = vfs_resolve("/", path, p);
		if (r == 0 && p->len == 0)
			r = -EBUSY; /* "/" */
		else if (r == 0 && (p->dots || !p->is_dir))
			r = p->dots ? -EINVAL : -ENOTDIR;
		else if (r == 0 && is_mount_root(p->node) && p->node.mnt != p->parent.mnt)
			r = -EBUSY;
		else if (r == -ENOENT && p->has_parent)
			r = 0; /* the name needs no inode beneath the mount */
		if (r == 0) {
			m->parent = p->parent.mnt;
			m->parent_dir = p->parent.ino;
			memcpy(m->name, p->name, p->len + 1);
		}
		free(p);
		if (r) {
			free(m);
			return r;
		}
	}
	m->next = mounts;
	mounts = m;
	if (out)
		*out = m;
	return 0;
}

int vfs_mount(const char *path, struct vfs_fs *fs, struct vfs_mount **out)
{
	mutex_lock(&table_lock);
	int r = mount_locked(path, fs, out);
	mutex_unlock(&table_lock);
	return r;
}

static int unmount_locked(const char *base, const char *path, struct vfs_mount **gone)
{
	struct vfs_path *p = malloc(sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	int r = vfs_resolve(base, path, p);
	struct vfs_mount *m = p->node.mnt;
	bool mount_point = r == 0 && p->is_dir && is_mount_root(p->node) && m->parent != NULL;
	free(p);
	if (r)
		return r;
	if (!mount_point)
		return -EINVAL;
	for (struct vfs_mount *c = mounts; c; c = c->next)
		if (c->parent == m)
			return -EBUSY;
	mutex_lock(&m->lock); /* after the operation under way, if any */
	if (m->users) {
		mutex_unlock(&m->lock);
		return -EBUSY;
	}
	struct vfs_mount **link = &mounts;
	while (*link != m)
		link = &(*link)->next;
	/* Unlinked with its next kept: a walk standing on it goes on. */
	*link = m->next;
	r = m->fs->ops->unmount(m->fs);
	mutex_unlock(&m->lock);
	m->retired_next = retired;
	retired = m;
	if (gone)
		*gone = m;
	return r;
}

int vfs_unmount(const char *base, const char *path, struct vfs_mount **gone)
{
	mutex_lock(&table_lock);
	int r = unmount_locked(base, path, gone);
	mutex_unlock(&table_lock);
	return r;
}

int vfs_unmount_all(void)
{
	int first = 0;
	mutex_lock(&table_lock);
	while (mounts) {
		struct vfs_mount *m = mounts;
		mutex_lock(&m->lock); /* after the operation under way, if any */
		mounts = m->next;
		int r = m->fs->ops->unmount(m->fs);
		if (r && !first)
			first = r;
		mutex_unlock(&m->lock);
		free(m);
	}
	while (retired) {
		struct vfs_mount *m = retired;
		retired = m->retired_next;
		free(m);
	}
	next_mount_id = 0;
	mutex_unlock(&table_lock);
	return first;
}

/* --- operations by name ------------------------------------------------------- */

static struct vfs_path *resolve_new(const char *base, const char *path, int *r)
{
	struct vfs_path *p = malloc(sizeof(*p));
	if (p == NULL) {
		*r = -ENOMEM;
		return NULL;
	}
	*r = vfs_resolve(base, path, p);
	return p;
}

int vfs_open(const char *base, const char *path, int flags, uint32_t mode, struct vfs_path *p)
{
	int r = vfs_resolve(base, path, p);
	bool writing = (flags & VFS_O_ACCMODE) != VFS_O_RDONLY;
	if (r == -ENOENT && p->has_parent && (flags & VFS_O_CREAT)) {
		if (p->dir_wanted)
			return -EISDIR;
		struct vfs_node d = p->parent;
		if (d.mnt->fs->read_only)
			return -EROFS;
		uint64_t ino;
		r = LOCKED(
		    d, d.mnt->fs->ops->create(d.mnt->fs, d.ino, p->name, p->len, VFS_S_IFREG | (mode & 07777), &ino));
		if (r)
			return r;
		p->node = (struct vfs_node){ d.mnt, ino };
		p->found = true;
		p->is_dir = false;
		return 0;
	}
	if (r)
		return r;
	if ((flags & (VFS_O_CREAT | VFS_O_EXCL)) == (VFS_O_CREAT | VFS_O_EXCL))
		return -EEXIST;
	if (p->is_dir) {
		if (writing || (flags & VFS_O_CREAT))
			return -EISDIR;
		return 0;
	}
	if (flags & VFS_O_DIRECTORY)
		return -ENOTDIR;
	/* Only a regular file's data is the filesystem's: a device node
	 * opens for writing on a read-only filesystem, as on Linux. */
	struct vfs_attr a;
	if ((r = vfs_getattr(p->node, &a)))
		return r;
	if ((a.mode & VFS_S_IFMT) != VFS_S_IFREG)
		return 0;
	if ((writing || (flags & VFS_O_TRUNC)) && p->node.mnt->fs->read_only)
		return -EROFS;
	if ((flags & VFS_O_TRUNC) && a.size != 0)
		return vfs_truncate(p->node, 0);
	return 0;
}

int vfs_mkdir(const char *base, const char *path, uint32_t mode)
{
	int r;
	struct vfs_path *p = resolve_new(base, path, &r);
	if (p == NULL)
		return r;
	if (r == 0) {
		r = -EEXIST;
	} else if (r == -ENOENT && p->has_parent) {
		struct vfs_node d = p->parent;
		uint64_t ino;
		r = d.mnt->fs->read_only ? -EROFS
					 : LOCKED(d, d.mnt->fs->ops->create(d.mnt->fs, d.ino, p->name, p->len,
									    VFS_S_IFDIR | (mode & 07777), &ino));
	}
	free(p);
	return r;
}

int vfs_unlink(const char *base, const char *path)
{
	int r;
	struct vfs_path *p = resolve_new(base, path, &r);
	if (p == NULL)
		return r;
	if (r == 0) {
		struct vfs_node d = p->parent;
		if (p->is_dir)
			r = -EISDIR;
		else if (d.mnt->fs->read_only)
			r = -EROFS;
		else
			r = LOCKED(d, d.mnt->fs->ops->unlink(d.mnt->fs, d.ino, p->name, p->len));
	}
	free(p);
	return r;
}

int vfs_rmdir(const char *base, const char *path)
{
	int r;
	struct vfs_path *p = resolve_new(base, path, &r);
	if (p == NULL)
		return r;
	if (r == 0) {
		struct vfs_node d = p->parent;
		if (!p->is_dir)
			r = -ENOTDIR;
		else if (p->dots == 1)
			r = -EINVAL;
		else if (p->dots == 2)
			r = -ENOTEMPTY;
		else if (p->len == 0 || is_mount_root(p->node))
			r = -EBUSY;
		else if (d.mnt->fs->read_only)
			r = -EROFS;
		else
			r = LOCKED(d, d.mnt->fs->ops->rmdir(d.mnt->fs, d.ino, p->name, p->len));
	}
	free(p);
	return r;
}

static int rename_checked(struct vfs_path *o, struct vfs_path *n, int nr, bool noreplace)
{
	if (o->dots || o->len == 0 || is_mount_root(o->node))
		return -EBUSY;
	if (nr == 0 && (n->dots || n->len == 0 || is_mount_root(n->node)))
		return -EBUSY;
	if (nr == -ENOENT && n->has_parent)
		nr = 0;
	else if (nr)
		return nr;
	struct vfs_node od = o->parent, nd = n->parent;
	if (od.mnt != nd.mnt)
		return -EXDEV;
	if (n->found && noreplace)
		return -EEXIST;
	if (o->is_dir) {
		/* A directory into its own subtree: its canonical path is a
		 * prefix of the target's. */
		size_t l = strlen(o->canon);
		if (strncmp(n->canon, o->canon, l) == 0 && n->canon[l] == '/')
			return -EINVAL;
	} else if (!n->found && n->dir_wanted) {
		return -ENOTDIR;
	}
	if (n->found) {
		if (n->node.ino == o->node.ino)
			return 0; /* the same file: nothing to do, as POSIX says */
		if (o->is_dir && !n->is_dir)
			return -ENOTDIR;
		if (!o->is_dir && n->is_dir)
			return -EISDIR;
	}
	if (od.mnt->fs->read_only)
		return -EROFS;
	return LOCKED(od, od.mnt->fs->ops->rename(od.mnt->fs, od.ino, o->name, o->len, nd.ino, n->name, n->len));
}

int vfs_rename(const char *obase, const char *opath, const char *nbase, const char *npath, bool noreplace)
{
	int r, nr;
	struct vfs_path *o = resolve_new(obase, opath, &r);
	if (o == NULL)
		return r;
	struct vfs_path *n = resolve_new(nbase, npath, &nr);
	if (n == NULL) {
		free(o);
		return nr;
	}
	if (r == 0)
		r = rename_checked(o, n, nr, noreplace);
	free(o);
	free(n);
	return r;
}

int vfs_truncate_path(const char *base, const char *path, uint64_t size)
{
	int r;
	struct vfs_path *p = resolve_new(base, path, &r);
	if (p == NULL)
		return r;
	if (r == 0)
		r = p->is_dir ? -EISDIR : vfs_truncate(p->node, size);
	free(p);
	return r;
}
