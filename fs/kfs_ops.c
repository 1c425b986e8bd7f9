/*
 * KeelFS's answers to the VFS (struct vfs_fs_ops), each an operation
 * that either happens whole in memory or leaves it as it was (the space
 * it may need is reserved first), and reaches the disk at the next
 * commit with the operations around it.
 *
 * An inode unlinked while the VFS holds it stays, with no links, on the
 * orphan list the superblock heads, until its last release; a mount
 * after a crash frees what the list still holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/keelfs.h"
#include "fs/kfs.h"

static bool is_dir(const struct kfs_inode *in) { return (in->mode & KFS_S_IFMT) == KFS_S_IFDIR; }

/* The checks every change makes first; the start of an operation. */
static int may_change(struct kfs *k)
{
	k->op_changes = k->changes;
	if (k->broken)
		return -EIO;
	return k->read_only ? -EROFS : 0;
}

static int read_dir(struct kfs *k, uint64_t ino, struct kfs_inode *dir)
{
	int rc = kfs_inode_read(k, ino, dir);
	if (rc)
		return rc;
	return is_dir(dir) ? 0 : -ENOTDIR;
}

static int kfs_lookup(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint64_t *ino)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode d;
	int rc = read_dir(k, dir, &d);
	if (rc)
		return rc;
	if (len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	return kfs_dir_find(k, &d, name, len, ino, NULL);
}

static int kfs_getattr(struct vfs_fs *fs, uint64_t ino, struct vfs_attr *attr)
{
	struct kfs_inode in;
	int rc = kfs_inode_read(kfs_of(fs), ino, &in);
	if (rc)
		return rc;
	*attr = (struct vfs_attr){
		.ino = ino,
		.mode = in.mode,
		.nlink = in.nlink,
		.size = in.size,
		.blocks = in.blocks * (KFS_BLOCK_SIZE / 512),
		.atime_ns = in.atime_ns,
		.mtime_ns = in.mtime_ns,
		.ctime_ns = in.ctime_ns,
	};
	return 0;
}

static int kfs_create(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, uint32_t mode, uint64_t *ino)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode d, *ip;
	uint64_t existing;
	int rc = may_change(k);
	if (!rc)
		rc = read_dir(k, dir, &d);
	if (rc)
		return rc;
	if (len == 0 || len > VFS_NAME_MAX)
		return len ? -ENAMETOOLONG : -EINVAL;
	uint32_t type = mode & KFS_S_IFMT;
	if (type != KFS_S_IFDIR && type != KFS_S_IFREG)
		return -EINVAL;
	rc = kfs_dir_find(k, &d, name, len, &existing, NULL);
	if (rc != -ENOENT)
		return rc ? rc : -EEXIST;
	rc = kfs_reserve(k, kfs_op_blocks(k), false);
	if (rc)
		return rc;
	rc = kfs_inode_new(k, type | (mode & 07777), ino, &ip);
	if (rc)
		return kfs_op_done(k, rc);
	rc = kfs_dir_add(k, dir, name, len, *ino, type == KFS_S_IFDIR ? VFS_DT_DIR : VFS_DT_REG);
	if (rc)
		kfs_inode_free(k, *ino); /* no name: the inode goes too */
	return kfs_op_done(k, rc);
}

static struct kfs_hold *hold_find(struct kfs *k, uint64_t ino)
{
	for (size_t i = 0; i < k->nholds; i++)
		if (k->holds[i].ino == ino)
			return &k->holds[i];
	return NULL;
}

/* Drops a link to ino: frees it, or when it is held, puts it on the
 * orphan list for its last release to free. */
static int drop_inode(struct kfs *k, uint64_t ino)
{
	struct kfs_inode *ip;
	if (!hold_find(k, ino))
		return kfs_inode_free(k, ino);
	int rc = kfs_inode_write(k, ino, &ip);
	if (rc)
		return rc;
	ip->nlink = 0;
	ip->orphan_next = k->sb.orphan_head;
	ip->ctime_ns = kfs_now(k);
	k->sb.orphan_head = ino;
	return 0;
}

static int orphan_unlist(struct kfs *k, uint64_t ino)
{
	uint64_t *link = &k->sb.orphan_head;
	for (uint64_t steps = 0; *link && steps <= kfs_max_inodes(k); steps++) {
		struct kfs_inode *ip;
		if (*link == ino) {
			struct kfs_inode in;
			int rc = kfs_inode_read(k, ino, &in);
			if (rc)
				return rc;
			*link = in.orphan_next;
			return 0;
		}
		int rc = kfs_inode_write(k, *link, &ip);
		if (rc)
			return rc;
		link = &ip->orphan_next;
	}
	return -EIO;
}

static int remove_name(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len, bool want_dir)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode d, victim;
	uint64_t ino;
	int rc = may_change(k);
	if (!rc)
		rc = read_dir(k, dir, &d);
	if (!rc)
		rc = len > VFS_NAME_MAX ? -ENAMETOOLONG : kfs_dir_find(k, &d, name, len, &ino, NULL);
	if (!rc)
		rc = kfs_inode_read(k, ino, &victim);
	if (rc)
		return rc;
	if (is_dir(&victim) != want_dir)
		return want_dir ? -ENOTDIR : -EISDIR;
	if (want_dir && victim.entries)
		return -ENOTEMPTY;
	rc = kfs_reserve(k, kfs_op_blocks(k), true);
	if (!rc)
		rc = kfs_dir_remove(k, dir, name, len);
	if (!rc)
		rc = drop_inode(k, ino);
	return kfs_op_done(k, rc);
}

static int kfs_unlink(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len)
{
	return remove_name(fs, dir, name, len, false);
}

static int kfs_rmdir(struct vfs_fs *fs, uint64_t dir, const char *name, size_t len)
{
	return remove_name(fs, dir, name, len, true);
}

static int kfs_rename(struct vfs_fs *fs, uint64_t olddir, const char *oldname, size_t oldlen, uint64_t newdir,
		      const char *newname, size_t newlen)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode od, nd, src, dst;
	uint64_t ino, target;
	uint8_t type;
	int rc = may_change(k);
	if (!rc)
		rc = read_dir(k, olddir, &od);
	if (!rc)
		rc = read_dir(k, newdir, &nd);
	if (rc)
		return rc;
	if (oldlen > VFS_NAME_MAX || newlen > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (!newlen)
		return -EINVAL;
	rc = kfs_dir_find(k, &od, oldname, oldlen, &ino, &type);
	if (!rc)
		rc = kfs_inode_read(k, ino, &src);
	if (rc)
		return rc;
	if (ino == newdir)
		return -EINVAL;
	rc = kfs_dir_find(k, &nd, newname, newlen, &target, NULL);
	if (rc && rc != -ENOENT)
		return rc;
	bool replace = !rc;
	if (replace) {
		if (target == ino)
			return 0; /* two names of one inode: nothing to do */
		rc = kfs_inode_read(k, target, &dst);
		if (rc)
			return rc;
		if (is_dir(&src) && !is_dir(&dst))
			return -ENOTDIR;
		if (!is_dir(&src) && is_dir(&dst))
			return -EISDIR;
		if (is_dir(&dst) && dst.entries)
			return -ENOTEMPTY;
	}
	rc = kfs_reserve(k, 2 * kfs_op_blocks(k), replace);
	if (rc)
		return rc;
	/* The new name first, so a failure leaves the old one. */
	if (replace)
		rc = kfs_dir_set(k, newdir, newname, newlen, ino, type);
	else
		rc = kfs_dir_add(k, newdir, newname, newlen, ino, type);
	if (!rc) {
		rc = kfs_dir_remove(k, olddir, oldname, oldlen);
		/* The old name could not go: nor does the new one. */
		if (rc && !replace)
			kfs_dir_remove(k, newdir, newname, newlen);
		else if (rc)
			kfs_dir_set(k, newdir, newname, newlen, target, type);
	}
	if (!rc && replace)
		rc = drop_inode(k, target);
	if (!rc) {
		struct kfs_inode *ip;
		rc = kfs_inode_write(k, ino, &ip);
		if (!rc)
			ip->ctime_ns = kfs_now(k);
	}
	return kfs_op_done(k, rc);
}

static long kfs_read(struct vfs_fs *fs, uint64_t ino, uint64_t off, void *buf, size_t len)
{
	struct kfs_inode in;
	int rc = kfs_inode_read(kfs_of(fs), ino, &in);
	if (rc)
		return rc;
	if (is_dir(&in))
		return -EISDIR;
	return kfs_file_read(kfs_of(fs), &in, off, buf, len);
}

static int kfs_drop_cache(struct vfs_fs *fs, uint64_t ino, uint64_t off, uint64_t len)
{
	struct kfs_inode in;
	int rc = kfs_inode_read(kfs_of(fs), ino, &in);
	if (rc || is_dir(&in))
		return rc;
	return kfs_file_drop_cache(kfs_of(fs), &in, off, len);
}

static long kfs_write(struct vfs_fs *fs, uint64_t ino, uint64_t off, const void *buf, size_t len)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode in;
	int rc = may_change(k);
	if (!rc)
		rc = kfs_inode_read(k, ino, &in);
	if (rc)
		return rc;
	if (is_dir(&in))
		return -EISDIR;
	long n = kfs_file_write(k, ino, off, buf, len);
	int orc = kfs_op_done(k, n < 0 ? (int)n : 0);
	return n >= 0 && orc ? orc : n;
}

static int kfs_truncate(struct vfs_fs *fs, uint64_t ino, uint64_t size)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode in;
	int rc = may_change(k);
	if (!rc)
		rc = kfs_inode_read(k, ino, &in);
	if (rc)
		return rc;
	if (is_dir(&in))
		return -EISDIR;
	if (size == in.size)
		return 0;
	return kfs_op_done(k, kfs_file_truncate(k, ino, size));
}

static int kfs_readdir(struct vfs_fs *fs, uint64_t ino, uint64_t cookie, vfs_dirent_fn fn, void *arg)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode d;
	int rc = read_dir(k, ino, &d);
	if (rc)
		return rc;
	return kfs_dir_list(k, &d, cookie, fn, arg);
}

/* Every operation is in the next commit, so syncing one inode is
 * committing them all: what fsync acknowledges survives any crash. */
static int kfs_fsync(struct vfs_fs *fs, uint64_t ino, bool data_only)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode in;
	int rc = kfs_inode_read(k, ino, &in);
	if (rc)
		return rc;
	return kfs_commit(k);
}

int keelfs_sync(struct vfs_fs *fs) { return kfs_commit(kfs_of(fs)); }

/* An operation that changes ino's inode alone (its times, its mode):
 * *ip to change, then kfs_op_done. */
static int change_inode(struct kfs *k, uint64_t ino, struct kfs_inode **ip)
{
	int rc = may_change(k);
	if (!rc)
		rc = kfs_reserve(k, kfs_op_blocks(k), false);
	if (!rc)
		rc = kfs_inode_write(k, ino, ip);
	return rc;
}

static int kfs_set_times(struct vfs_fs *fs, uint64_t ino, int64_t atime_ns, int64_t mtime_ns)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode *ip;
	int rc = change_inode(k, ino, &ip);
	if (rc)
		return rc;
	if (atime_ns >= 0)
		ip->atime_ns = atime_ns;
	if (mtime_ns >= 0)
		ip->mtime_ns = mtime_ns;
	ip->ctime_ns = kfs_now(k);
	k->pending = true;
	return kfs_op_done(k, 0);
}

static int kfs_set_mode(struct vfs_fs *fs, uint64_t ino, uint32_t mode)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_inode *ip;
	int rc = change_inode(k, ino, &ip);
	if (rc)
		return rc;
	ip->mode = (ip->mode & VFS_S_IFMT) | (mode & 07777);
	ip->ctime_ns = kfs_now(k);
	k->pending = true;
	return kfs_op_done(k, 0);
}

static int kfs_statfs(struct vfs_fs *fs, struct vfs_statfs *st)
{
	struct kfs *k = kfs_of(fs);
	uint64_t keep = k->commit_reserve + kfs_delete_reserve(k);
	uint64_t avail = k->free_blocks + k->pinned_count;
	*st = (struct vfs_statfs){
		.magic = KEELFS_MAGIC,
		.block_size = KFS_BLOCK_SIZE,
		.blocks = k->nblocks,
		.blocks_free = avail > keep ? avail - keep : 0,
		.files = k->sb.inode_count + (avail > keep ? avail - keep : 0) * KFS_INODES_PER_BLOCK,
		.files_free = (avail > keep ? avail - keep : 0) * KFS_INODES_PER_BLOCK,
		.name_max = VFS_NAME_MAX,
	};
	return 0;
}

static void kfs_hold(struct vfs_fs *fs, uint64_t ino)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_hold *h = hold_find(k, ino);
	if (h) {
		h->count++;
		return;
	}
	if (k->nholds == k->holds_cap) {
		size_t cap = k->holds_cap ? 2 * k->holds_cap : 16;
		struct kfs_hold *n = realloc(k->holds, cap * sizeof(*n));
		if (!n)
			return; /* untracked: an unlink frees it at once, as with no hold */
		k->holds = n;
		k->holds_cap = cap;
	}
	k->holds[k->nholds++] = (struct kfs_hold){ .ino = ino, .count = 1 };
}

static void kfs_release(struct vfs_fs *fs, uint64_t ino)
{
	struct kfs *k = kfs_of(fs);
	struct kfs_hold *h = hold_find(k, ino);
	struct kfs_inode in;

	if (!h || --h->count)
		return;
	*h = k->holds[--k->nholds];
	if (k->read_only || k->broken || kfs_inode_read(k, ino, &in) || in.nlink)
		return;
	/* The last user of an unlinked inode: free it now. A failure
	 * leaves it on the orphan list for the next mount. */
	if (!orphan_unlist(k, ino))
		kfs_inode_free(k, ino);
	kfs_op_done(k, 0);
}

static int kfs_unmount(struct vfs_fs *fs)
{
	struct kfs *k = kfs_of(fs);
	int rc = kfs_commit(k);
	kfs_destroy(k);
	return rc;
}

static const struct vfs_fs_ops keelfs_ops = {
	.lookup = kfs_lookup,
	.getattr = kfs_getattr,
	.create = kfs_create,
	.unlink = kfs_unlink,
	.rmdir = kfs_rmdir,
	.rename = kfs_rename,
	.read = kfs_read,
	.write = kfs_write,
	.truncate = kfs_truncate,
	.readdir = kfs_readdir,
	.fsync = kfs_fsync,
	.set_times = kfs_set_times,
	.set_mode = kfs_set_mode,
	.statfs = kfs_statfs,
	.drop_cache = kfs_drop_cache,
	.hold = kfs_hold,
	.release = kfs_release,
	.unmount = kfs_unmount,
};

/* Frees the inodes a crash left unlinked but open. */
static int free_orphans(struct kfs *k)
{
	for (uint64_t steps = 0; k->sb.orphan_head; steps++) {
		struct kfs_inode in;
		uint64_t ino = k->sb.orphan_head;
		if (steps > kfs_max_inodes(k) || kfs_inode_read(k, ino, &in) || in.nlink)
			return -EUCLEAN;
		k->sb.orphan_head = in.orphan_next;
		int rc = kfs_inode_free(k, ino);
		if (rc)
			return rc;
		k->pending = true;
	}
	return kfs_commit(k);
}

int keelfs_mount(struct fs_disk *disk, bool read_only, struct vfs_fs **out)
{
	struct kfs *k;
	int rc = kfs_load(disk, read_only, &k);
	if (rc)
		return rc;
	if (!read_only && k->sb.orphan_head) {
		rc = free_orphans(k);
		if (rc) {
			snprintf(disk->error, sizeof(disk->error), "the list of unlinked open inodes is damaged");
			kfs_destroy(k);
			return rc == -EUCLEAN ? rc : -EIO;
		}
	}
	k->vfs.ops = &keelfs_ops;
	k->vfs.root = KFS_ROOT_INO;
	k->vfs.read_only = read_only;
	k->vfs.priv = k;
	*out = &k->vfs;
	return 0;
}
