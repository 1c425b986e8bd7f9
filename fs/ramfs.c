/*
 * The RAM filesystem. Inodes live in a table indexed by number (0 is
 * unused, 1 the root). A file's data is a sorted array of its pages, so a
 * sparse file costs memory for what was written only; a directory is an
 * array of entries in the order they were made, each with a cookie that
 * only grows, which keeps readdir's cookies stable across changes.
 */
#include "fs/ramfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u
#define ROOT 1
/* Linux's MAX_LFS_FILESIZE: offsets are signed 64-bit. */
#define MAX_FILE_SIZE 0x7fffffffffffffffull

struct page_ref {
	uint64_t index;
	unsigned char *data;
};

struct dirent_rec {
	char *name;
	size_t len;
	uint64_t ino, cookie;
};

struct rnode {
	bool used;
	uint32_t mode, nlink;
	unsigned holds;
	uint64_t size;
	int64_t atime, mtime, ctime;
	/* a regular file */
	struct page_ref *pages;
	size_t npages, pages_cap;
	/* a directory */
	struct dirent_rec *ents;
	size_t nents, ents_cap;
	uint64_t next_cookie;
};

struct ramfs {
	struct vfs_fs fs;
	struct rnode *nodes;
	size_t nnodes;
	uint64_t max_pages, used_pages;
	int64_t (*now)(void);
};

static struct ramfs *R(struct vfs_fs *fs) { return fs->priv; }

static struct rnode *node(struct ramfs *r, uint64_t ino)
{
	return ino > 0 && ino < r->nnodes && r->nodes[ino].used ? &r->nodes[ino] : NULL;
}

static bool is_dir(const struct rnode *n) { return (n->mode & VFS_S_IFMT) == VFS_S_IFDIR; }

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 8;
	while (c < need)
		c *= 2;
	void *p = realloc(*arr, c * elem);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

static int new_inode(struct ramfs *r, uint32_t mode, uint64_t *ino)
{
	uint64_t i = ROOT;
	while (i < r->nnodes && r->nodes[i].used)
		i++;
	if (i >= r->nnodes) {
		size_t cap = r->nnodes * 2 + 8;
		struct rnode *p = realloc(r->nodes, cap * sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		memset(p + r->nnodes, 0, (cap - r->nnodes) * sizeof(*p));
		r->nodes = p;
		r->nnodes = cap;
	}
	struct rnode *n = &r->nodes[i];
	memset(n, 0, sizeof(*n));
	n->used = true;
	n->mode = mode;
	n->nlink = (mode & VFS_S_IFMT) == VFS_S_IFDIR ? 2 : 1;
	n->atime = n->mtime = n->ctime = r->now();
	*ino = i;
	return 0;
}

/* Frees an inode nobody names or holds any more. */
static void maybe_free(struct ramfs *r, uint64_t ino)
{
	struct rnode *n = &r->nodes[ino];
	bool gone = is_dir(n) ? n->nlink < 2 : n->nlink == 0;
	if (!gone || n->holds)
		return;
	for (size_t i = 0; i < n->npages; i++)
		free(n->pages[i].data);
	r->used_pages -= n->npages;
	for (size_t i = 0; i < n->nents; i++)
		free(n->ents[i].name);
	free(n->pages);
	free(n->ents);
	memset(n, 0, sizeof(*n));
}

/* --- directories ------------------------------------------------------------ */

static struct dirent_rec *find(struct rnode *d, const char *name, size_t len)
{
	for (size_t i = 0; i < d->nents; i++)
		if (d->ents[i].len == len && memcmp(d->ents[i].name, name, len) == 0)
			return &d->ents[i];
	return NULL;
}

static int add_entry(struct ramfs *r, struct rnode *d, const char *name, size_t len, uint64_t ino)
{
	if (grow((void **)&d->ents, &d->ents_cap, d->nents + 1, sizeof(*d->ents)))
		return -ENOMEM;
	char *copy = malloc(len);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, name, len);
	d->ents[d->nents++] = (struct dirent_rec){ copy, len, ino, d->next_cookie++ };
	d->mtime = d->ctime = r->now();
	return 0;
}

static void remove_entry(struct ramfs *r, struct rnode *d, struct dirent_rec *e)
{
	free(e->name);
	size_t i = (size_t)(e - d->ents);
	memmove(e, e + 1, (d->nents - i - 1) * sizeof(*e));
	d->nents--;
	d->mtime = d->ctime = r->now();
}

/* The entry name in directory dir: 0, -ENOENT or -ENOTDIR. */
static int dir_entry(struct ramfs *r, uint64_t dir, const char *name, size_t len, struct rnode **d,
		     struct dirent_rec **e)
{
	*d = node(r, dir);
	if (*d == NULL)
		return -ENOENT;
	if (!is_dir(*d))
		return -ENOTDIR;
	*e = find(*d, name, len);
	return *e ? 0 : -ENOENT;
}

static int rfs_lookup(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
	struct rnode *d;
	struct dirent_rec *e;
	int rc = dir_entry(R(fs), dir, name, len, &d, &e);
	if (rc == 0)
		*ino = e->ino;
	return rc;
}

static int rfs_getattr(struct vfs_fs *fs, uint64_t ino, struct vfs_attr *a)
{
	struct rnode *n = node(R(fs), ino);
	if (n == NULL)
		return -ENOENT;
	*a = (struct vfs_attr){ .ino = ino,
				.mode = n->mode,
				.nlink = n->nlink,
				.size = n->size,
				.blocks = n->npages * (PAGE / 512),
				.atime_ns = n->atime,
				.mtime_ns = n->mtime,
				.ctime_ns = n->ctime };
	if (is_dir(n))
		a->size = PAGE;
	return 0;
}

static int rfs_create(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint32_t mode, uint64_t *ino)
{
	struct ramfs *r = R(fs);
	struct rnode *d = node(r, dir);
	if (d == NULL)
		return -ENOENT;
	if (!is_dir(d))
		return -ENOTDIR;
	if (find(d, name, len))
		return -EEXIST;
	int e = new_inode(r, mode, ino);
	if (e)
		return e;
	d = node(r, dir); /* the table may have moved */
	if ((e = add_entry(r, d, name, len, *ino))) {
		r->nodes[*ino].nlink = 0;
		maybe_free(r, *ino);
		return e;
	}
	if ((mode & VFS_S_IFMT) == VFS_S_IFDIR)
		d->nlink++;
	return 0;
}

static int rfs_unlink(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len)
{
	struct ramfs *r = R(fs);
	struct rnode *d;
	struct dirent_rec *e;
	int rc = dir_entry(r, dir, name, len, &d, &e);
	if (rc)
		return rc;
	uint64_t ino = e->ino;
	if (is_dir(&r->nodes[ino]))
		return -EISDIR;
	remove_entry(r, d, e);
	r->nodes[ino].nlink--;
	r->nodes[ino].ctime = r->now();
	maybe_free(r, ino);
	return 0;
}

static int rfs_rmdir(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len)
{
	struct ramfs *r = R(fs);
	struct rnode *d;
	struct dirent_rec *e;
	int rc = dir_entry(r, dir, name, len, &d, &e);
	if (rc)
		return rc;
	uint64_t ino = e->ino;
	struct rnode *c = &r->nodes[ino];
	if (!is_dir(c))
		return -ENOTDIR;
	if (c->nents)
		return -ENOTEMPTY;
	remove_entry(r, d, e);
	d->nlink--;
	c->nlink = 0;
	maybe_free(r, ino);
	return 0;
}

static int rfs_rename(struct vfs_fs *fs, uint64_t olddir, const char *oldname, size_t oldlen, uint64_t newdir,
		      const char *newname, size_t newlen)
{
	struct ramfs *r = R(fs);
	struct rnode *od = node(r, olddir), *nd = node(r, newdir);
	if (od == NULL || nd == NULL)
		return -ENOENT;
	if (!is_dir(od) || !is_dir(nd))
		return -ENOTDIR;
	struct dirent_rec *oe = find(od, oldname, oldlen);
	if (oe == NULL)
		return -ENOENT;
	uint64_t ino = oe->ino;
	bool dir = is_dir(&r->nodes[ino]);
	struct dirent_rec *ne = find(nd, newname, newlen);
	if (ne) {
		uint64_t victim = ne->ino;
		if (victim == ino)
			return 0;
		struct rnode *v = &r->nodes[victim];
		if (dir && !is_dir(v))
			return -ENOTDIR;
		if (!dir && is_dir(v))
			return -EISDIR;
		if (dir && v->nents)
			return -ENOTEMPTY;
		/* The target's entry takes the moved inode: nothing can fail
		 * after this point, so the rename is all or nothing. */
		ne->ino = ino;
		if (dir) {
			/* nd loses the victim and gains the moved directory. */
			od->nlink--;
			v->nlink = 0;
		} else {
			v->nlink--;
		}
		v->ctime = r->now();
		oe = find(od, oldname, oldlen);
		remove_entry(r, od, oe);
		maybe_free(r, victim);
	} else {
		if (add_entry(r, nd, newname, newlen, ino))
			return -ENOMEM;
		oe = find(od, oldname, oldlen);
		remove_entry(r, od, oe);
		if (dir) {
			nd->nlink++;
			od->nlink--;
		}
	}
	r->nodes[ino].ctime = r->now();
	return 0;
}

static int rfs_readdir(struct vfs_fs *fs, uint64_t ino, uint64_t cookie, vfs_dirent_fn fn, void *arg)
{
	struct ramfs *r = R(fs);
	struct rnode *d = node(r, ino);
	if (d == NULL)
		return -ENOENT;
	if (!is_dir(d))
		return -ENOTDIR;
	for (size_t i = 0; i < d->nents; i++) {
		struct dirent_rec *e = &d->ents[i];
		if (e->cookie < cookie)
			continue;
		unsigned dt = is_dir(&r->nodes[e->ino]) ? VFS_DT_DIR : VFS_DT_REG;
		if (fn(arg, e->name, e->len, e->ino, dt, e->cookie + 1))
			break;
	}
	return 0;
}

/* --- file data ---------------------------------------------------------------- */

/* The slot of page index in n->pages: where it is, or where it would go. */
static size_t page_slot(const struct rnode *n, uint64_t index)
{
	size_t lo = 0, hi = n->npages;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (n->pages[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static unsigned char *page_get(const struct rnode *n, uint64_t index)
{
	size_t s = page_slot(n, index);
	return s < n->npages && n->pages[s].index == index ? n->pages[s].data : NULL;
}

static long rfs_read(struct vfs_fs *fs, uint64_t ino, uint64_t off, void *buf, size_t len)
{
	struct ramfs *r = R(fs);
	struct rnode *n = node(r, ino);
	if (n == NULL)
		return -ENOENT;
	if (is_dir(n))
		return -EISDIR;
	if (off >= n->size)
		return 0;
	if (len > n->size - off)
		len = (size_t)(n->size - off);
	for (size_t done = 0; done < len;) {
		uint64_t o = off + done;
		size_t in = o % PAGE, chunk = PAGE - in < len - done ? PAGE - in : len - done;
		unsigned char *p = page_get(n, o / PAGE);
		if (p)
			memcpy((char *)buf + done, p + in, chunk);
		else
			memset((char *)buf + done, 0, chunk);
		done += chunk;
	}
	n->atime = r->now();
	return (long)len;
}

static unsigned char *page_make(struct ramfs *r, struct rnode *n, uint64_t index)
{
	size_t s = page_slot(n, index);
	if (s < n->npages && n->pages[s].index == index)
		return n->pages[s].data;
	if (r->used_pages >= r->max_pages)
		return NULL;
	if (grow((void **)&n->pages, &n->pages_cap, n->npages + 1, sizeof(*n->pages)))
		return NULL;
	unsigned char *p = calloc(1, PAGE);
	if (p == NULL)
		return NULL;
	memmove(&n->pages[s + 1], &n->pages[s], (n->npages - s) * sizeof(*n->pages));
	n->pages[s] = (struct page_ref){ index, p };
	n->npages++;
	r->used_pages++;
	return p;
}

static long rfs_write(struct vfs_fs *fs, uint64_t ino, uint64_t off, const void *buf, size_t len)
{
	struct ramfs *r = R(fs);
	struct rnode *n = node(r, ino);
	if (n == NULL)
		return -ENOENT;
	if (is_dir(n))
		return -EISDIR;
	if (off > MAX_FILE_SIZE || len > MAX_FILE_SIZE - off)
		return -EFBIG;
	size_t done = 0;
	while (done < len) {
		uint64_t o = off + done;
		size_t in = o % PAGE, chunk = PAGE - in < len - done ? PAGE - in : len - done;
		unsigned char *p = page_make(r, n, o / PAGE);
		if (p == NULL)
			break;
		memcpy(p + in, (const char *)buf + done, chunk);
		done += chunk;
	}
	if (done == 0 && len > 0)
		return -ENOSPC;
	if (off + done > n->size)
		n->size = off + done;
	n->mtime = n->ctime = r->now();
	return (long)done;
}

static int rfs_truncate(struct vfs_fs *fs, uint64_t ino, uint64_t size)
{
	struct ramfs *r = R(fs);
	struct rnode *n = node(r, ino);
	if (n == NULL)
		return -ENOENT;
	if (is_dir(n))
		return -EISDIR;
	if (size > MAX_FILE_SIZE)
		return -EFBIG;
	if (size < n->size) {
		/* Pages wholly past the end go; the last one's tail is zeroed
		 * so a later extension reads zeros there. */
		uint64_t keep = (size + PAGE - 1) / PAGE;
		size_t s = page_slot(n, keep);
		for (size_t i = s; i < n->npages; i++)
			free(n->pages[i].data);
		r->used_pages -= n->npages - s;
		n->npages = s;
		unsigned char *p = size % PAGE ? page_get(n, size / PAGE) : NULL;
		if (p)
			memset(p + size % PAGE, 0, PAGE - size % PAGE);
	}
	n->size = size;
	n->mtime = n->ctime = r->now();
	return 0;
}

static int rfs_fsync(struct vfs_fs *fs, uint64_t ino, bool data_only)
{
	return node(R(fs), ino) ? 0 : -ENOENT; /* memory is as durable as it gets */
}

static int rfs_set_times(struct vfs_fs *fs, uint64_t ino, int64_t atime_ns, int64_t mtime_ns)
{
	struct ramfs *r = R(fs);
	struct rnode *n = node(r, ino);
	if (n == NULL)
		return -ENOENT;
	if (atime_ns >= 0)
		n->atime = atime_ns;
	if (mtime_ns >= 0)
		n->mtime = mtime_ns;
	n->ctime = r->now();
	return 0;
}

static int rfs_set_mode(struct vfs_fs *fs, uint64_t ino, uint32_t mode)
{
	struct ramfs *r = R(fs);
	struct rnode *n = node(r, ino);
	if (n == NULL)
		return -ENOENT;
	n->mode = (n->mode & VFS_S_IFMT) | (mode & 07777);
	n->ctime = r->now();
	return 0;
}

static int rfs_statfs(struct vfs_fs *fs, struct vfs_statfs *st)
{
	struct ramfs *r = R(fs);
	uint64_t used = 0;
	for (size_t i = ROOT; i < r->nnodes; i++)
		used += r->nodes[i].used;
	*st = (struct vfs_statfs){ .magic = RAMFS_MAGIC,
				   .block_size = PAGE,
				   .blocks = r->max_pages,
				   .blocks_free = r->max_pages - r->used_pages,
				   .files = r->max_pages + used,
				   .files_free = r->max_pages,
				   .name_max = VFS_NAME_MAX };
	return 0;
}

static void rfs_hold(struct vfs_fs *fs, uint64_t ino)
{
	struct rnode *n = node(R(fs), ino);
	if (n)
		n->holds++;
}

static void rfs_release(struct vfs_fs *fs, uint64_t ino)
{
	struct rnode *n = node(R(fs), ino);
	if (n && n->holds) {
		n->holds--;
		maybe_free(R(fs), ino);
	}
}

static int rfs_unmount(struct vfs_fs *fs)
{
	struct ramfs *r = R(fs);
	for (size_t i = ROOT; i < r->nnodes; i++) {
		if (r->nodes[i].used) {
			r->nodes[i].nlink = 0;
			r->nodes[i].holds = 0;
			maybe_free(r, i);
		}
	}
	free(r->nodes);
	free(r);
	return 0;
}

static const struct vfs_fs_ops ramfs_ops = {
	.lookup = rfs_lookup,
	.getattr = rfs_getattr,
	.create = rfs_create,
	.unlink = rfs_unlink,
	.rmdir = rfs_rmdir,
	.rename = rfs_rename,
	.read = rfs_read,
	.write = rfs_write,
	.truncate = rfs_truncate,
	.readdir = rfs_readdir,
	.fsync = rfs_fsync,
	.set_times = rfs_set_times,
	.set_mode = rfs_set_mode,
	.statfs = rfs_statfs,
	.hold = rfs_hold,
	.release = rfs_release,
	.unmount = rfs_unmount,
};

int ramfs_create(uint64_t max_bytes, int64_t (*now)(void), struct vfs_fs **out)
{
	struct ramfs *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->now = now;
	r->max_pages = max_bytes / PAGE;
	r->fs = (struct vfs_fs){ .ops = &ramfs_ops, .root = ROOT, .priv = r };
	uint64_t root;
	if (new_inode(r, VFS_S_IFDIR | 0755, &root)) {
		free(r);
		return -ENOMEM;
	}
	r->nodes[root].nlink = 2;
	*out = &r->fs;
	return 0;
}
