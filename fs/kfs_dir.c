/*
 * KeelFS's inodes (records of the inode table, a tree like any file's,
 * inode number n at byte n * 128) and directories (a tree of blocks of
 * entries, struct kfs_dirent, searched in order).
 */
#include <errno.h>
#include <string.h>

#include "fs/kfs.h"

/* --- inodes ------------------------------------------------------------------------------ */

int kfs_inode_read(struct kfs *k, uint64_t ino, struct kfs_inode *out)
{
	struct kfs_ptr leaf;
	struct kfs_cblock *cb;

	if (ino == 0 || ino >= k->sb.next_ino)
		return -ENOENT;
	int rc = kfs_tree_lookup(k, &k->sb.inodes, ino / KFS_INODES_PER_BLOCK, &leaf);
	if (rc)
		return rc;
	if (!leaf.block)
		return -ENOENT;
	rc = kfs_cache_get(k, &leaf, &cb);
	if (rc)
		return rc;
	memcpy(out, cb->data + (ino % KFS_INODES_PER_BLOCK) * KFS_INODE_SIZE, sizeof(*out));
	if (out->ino == 0)
		return -ENOENT;
	return out->ino == ino && kfs_inode_sane(k, out) ? 0 : -EIO;
}

/* What every use of an inode relies on: a known type, a tree no higher
 * than the format allows, and a directory's blocks all present (so its
 * size bounds the work of a search by the disk's size). */
bool kfs_inode_sane(const struct kfs *k, const struct kfs_inode *in)
{
	uint32_t type = in->mode & KFS_S_IFMT;
	if ((type != KFS_S_IFDIR && type != KFS_S_IFREG) || in->tree.height > KFS_MAX_HEIGHT)
		return false;
	if (in->blocks > k->nblocks)
		return false;
	if (type == KFS_S_IFDIR && (in->size % KFS_BLOCK_SIZE || in->size / KFS_BLOCK_SIZE > in->blocks))
		return false;
	return true;
}

/* The record of inode ino, writable until the next commit. */
int kfs_inode_write(struct kfs *k, uint64_t ino, struct kfs_inode **ip)
{
	struct kfs_cblock *cb;

	if (ino == 0 || ino >= k->sb.next_ino)
		return -ENOENT;
	int rc = kfs_tree_meta_leaf(k, &k->sb.inodes, ino / KFS_INODES_PER_BLOCK, false, NULL, &cb);
	if (rc)
		return rc;
	*ip = (struct kfs_inode *)(cb->data + (ino % KFS_INODES_PER_BLOCK) * KFS_INODE_SIZE);
	if ((*ip)->ino != ino)
		return (*ip)->ino ? -EIO : -ENOENT;
	return kfs_inode_sane(k, *ip) ? 0 : -EIO;
}

/* A new inode: numbers are handed out in order and never reused, so an
 * inode number names one file for the filesystem's whole life. */
int kfs_inode_new(struct kfs *k, uint32_t mode, uint64_t *ino, struct kfs_inode **ip)
{
	struct kfs_cblock *cb;
	uint64_t n = k->sb.next_ino;

	int rc = kfs_tree_meta_leaf(k, &k->sb.inodes, n / KFS_INODES_PER_BLOCK, false, NULL, &cb);
	if (rc)
		return rc;
	k->sb.next_ino++;
	k->sb.inode_count++;
	struct kfs_inode *in = (struct kfs_inode *)(cb->data + (n % KFS_INODES_PER_BLOCK) * KFS_INODE_SIZE);
	memset(in, 0, sizeof(*in));
	in->ino = n;
	in->mode = mode;
	in->nlink = (mode & KFS_S_IFMT) == KFS_S_IFDIR ? 2 : 1;
	in->atime_ns = in->mtime_ns = in->ctime_ns = kfs_now(k);
	*ino = n;
	*ip = in;
	return 0;
}

int kfs_inode_free(struct kfs *k, uint64_t ino)
{
	struct kfs_inode *ip;
	int rc = kfs_inode_write(k, ino, &ip);
	if (rc)
		return rc;
	rc = kfs_tree_truncate(k, &ip->tree, 0, &ip->blocks);
	memset(ip, 0, sizeof(*ip));
	k->sb.inode_count--;
	return rc;
}

/* --- directory entries ------------------------------------------------------------------ */

static struct kfs_dirent *dirent_at(uint8_t *blk, uint32_t off) { return (struct kfs_dirent *)(blk + off); }

/* Whether the entry at off is well formed: an image's directory blocks
 * are checked entry by entry before any is used. */
bool kfs_dirent_valid(const uint8_t *blk, uint32_t off, uint32_t *rec_len)
{
	const struct kfs_dirent *de = (const struct kfs_dirent *)(blk + off);
	uint32_t len = de->rec_len;

	if (len < KFS_DIRENT_HEADER || len % 4 || len > KFS_BLOCK_SIZE - off)
		return false;
	if (de->ino) {
		if (de->name_len == 0 || KFS_DIRENT_LEN(de->name_len) > len)
			return false;
		if (de->type != VFS_DT_REG && de->type != VFS_DT_DIR)
			return false;
	}
	*rec_len = len;
	return true;
}

struct dir_pos {
	uint64_t block;
	uint32_t off, prev; /* prev: the entry before, or UINT32_MAX */
	uint64_t ino;
	uint8_t type;
};

/* Finds name in dir: 0 with its position, -ENOENT, or -EIO. */
static int dir_locate(struct kfs *k, const struct kfs_inode *dir, const char *name, size_t len, struct dir_pos *pos)
{
	uint64_t nblocks = dir->size / KFS_BLOCK_SIZE;

	for (uint64_t b = 0; b < nblocks; b++) {
		struct kfs_ptr leaf;
		struct kfs_cblock *cb;
		int rc = kfs_tree_lookup(k, &dir->tree, b, &leaf);
		if (rc)
			return rc;
		if (!leaf.block)
			continue;
		rc = kfs_cache_get(k, &leaf, &cb);
		if (rc)
			return rc;
		uint32_t prev = UINT32_MAX, rec;
		for (uint32_t off = 0; off < KFS_BLOCK_SIZE; prev = off, off += rec) {
			if (!kfs_dirent_valid(cb->data, off, &rec))
				return -EIO;
			struct kfs_dirent *de = dirent_at(cb->data, off);
			if (de->ino && de->name_len == len && !memcmp(cb->data + off + KFS_DIRENT_HEADER, name, len)) {
				*pos = (struct dir_pos){
					.block = b, .off = off, .prev = prev, .ino = de->ino, .type = de->type
				};
				return 0;
			}
		}
	}
	return -ENOENT;
}

int kfs_dir_find(struct kfs *k, const struct kfs_inode *dir, const char *name, size_t len, uint64_t *ino, uint8_t *type)
{
	struct dir_pos pos;
	int rc = dir_locate(k, dir, name, len, &pos);
	if (rc)
		return rc;
	*ino = pos.ino;
	if (type)
		*type = pos.type;
	return 0;
}

static void dirent_fill(uint8_t *blk, uint32_t off, uint32_t rec_len, const char *name, size_t len, uint64_t ino,
			uint8_t type)
{
	struct kfs_dirent *de = dirent_at(blk, off);
	memset(blk + off, 0, KFS_DIRENT_LEN(len));
	de->ino = ino;
	de->rec_len = (uint16_t)rec_len;
	de->name_len = (uint8_t)len;
	de->type = type;
	memcpy(blk + off + KFS_DIRENT_HEADER, name, len);
}

/* Adds an entry (the caller knows name is not there yet): into the first
 * entry with room enough at its end, else into a new block. */
int kfs_dir_add(struct kfs *k, uint64_t dir, const char *name, size_t len, uint64_t ino, uint8_t type)
{
	struct kfs_inode copy, *ip;
	uint32_t need = KFS_DIRENT_LEN(len);
	int rc = kfs_inode_read(k, dir, &copy);
	if (rc)
		return rc;
	uint64_t nblocks = copy.size / KFS_BLOCK_SIZE, found = nblocks;
	uint32_t found_off = 0;

	for (uint64_t b = 0; b < nblocks && found == nblocks; b++) {
		struct kfs_ptr leaf;
		struct kfs_cblock *cb;
		rc = kfs_tree_lookup(k, &copy.tree, b, &leaf);
		if (rc)
			return rc;
		if (!leaf.block)
			continue;
		rc = kfs_cache_get(k, &leaf, &cb);
		if (rc)
			return rc;
		uint32_t rec;
		for (uint32_t off = 0; off < KFS_BLOCK_SIZE; off += rec) {
			if (!kfs_dirent_valid(cb->data, off, &rec))
				return -EIO;
			struct kfs_dirent *de = dirent_at(cb->data, off);
			uint32_t used = de->ino ? KFS_DIRENT_LEN(de->name_len) : 0;
			if (rec - used >= need) {
				found = b;
				found_off = off;
				break;
			}
		}
	}
	rc = kfs_inode_write(k, dir, &ip);
	if (rc)
		return rc;
	struct kfs_cblock *cb;
	rc = kfs_tree_meta_leaf(k, &ip->tree, found, false, &ip->blocks, &cb);
	if (rc)
		return rc;
	if (found == nblocks) {
		dirent_fill(cb->data, 0, KFS_BLOCK_SIZE, name, len, ino, type);
		ip->size += KFS_BLOCK_SIZE;
	} else {
		struct kfs_dirent *de = dirent_at(cb->data, found_off);
		uint32_t rec = de->rec_len;
		if (!de->ino) {
			dirent_fill(cb->data, found_off, rec, name, len, ino, type);
		} else {
			uint32_t used = KFS_DIRENT_LEN(de->name_len);
			de->rec_len = (uint16_t)used;
			dirent_fill(cb->data, found_off + used, rec - used, name, len, ino, type);
		}
	}
	ip->entries++;
	if (type == VFS_DT_DIR)
		ip->nlink++;
	ip->mtime_ns = ip->ctime_ns = kfs_now(k);
	return 0;
}

/* The entry name in dir, found and made writable (its directory inode and
 * block copied on write) for a change in place. */
static int dir_entry_writable(struct kfs *k, uint64_t dir, const char *name, size_t len, struct kfs_inode **ip,
			      struct dir_pos *pos, struct kfs_cblock **cb, struct kfs_dirent **de)
{
	struct kfs_inode copy;
	int rc = kfs_inode_read(k, dir, &copy);
	if (rc)
		return rc;
	rc = dir_locate(k, &copy, name, len, pos);
	if (rc)
		return rc;
	rc = kfs_inode_write(k, dir, ip);
	if (rc)
		return rc;
	rc = kfs_tree_meta_leaf(k, &(*ip)->tree, pos->block, false, &(*ip)->blocks, cb);
	if (rc)
		return rc;
	*de = dirent_at((*cb)->data, pos->off);
	return 0;
}

int kfs_dir_remove(struct kfs *k, uint64_t dir, const char *name, size_t len)
{
	struct kfs_inode *ip;
	struct dir_pos pos;
	struct kfs_cblock *cb;
	struct kfs_dirent *de;
	int rc = dir_entry_writable(k, dir, name, len, &ip, &pos, &cb, &de);
	if (rc)
		return rc;
	if (pos.prev == UINT32_MAX) {
		uint16_t rec = de->rec_len;
		memset(cb->data + pos.off, 0, rec);
		de->rec_len = rec;
	} else {
		struct kfs_dirent *prev = dirent_at(cb->data, pos.prev);
		prev->rec_len = (uint16_t)(prev->rec_len + de->rec_len);
		memset(cb->data + pos.off, 0, KFS_DIRENT_HEADER);
	}
	ip->entries--;
	if (pos.type == VFS_DT_DIR && ip->nlink > 2)
		ip->nlink--;
	ip->mtime_ns = ip->ctime_ns = kfs_now(k);
	return 0;
}

/* Points an existing entry at another inode of the same type (rename over
 * an existing name). */
int kfs_dir_set(struct kfs *k, uint64_t dir, const char *name, size_t len, uint64_t ino, uint8_t type)
{
	struct kfs_inode *ip;
	struct dir_pos pos;
	struct kfs_cblock *cb;
	struct kfs_dirent *de;
	int rc = dir_entry_writable(k, dir, name, len, &ip, &pos, &cb, &de);
	if (rc)
		return rc;
	de->ino = ino;
	de->type = type;
	ip->mtime_ns = ip->ctime_ns = kfs_now(k);
	return 0;
}

/* Lists entries from position cookie on; each entry's next cookie is its
 * own position plus one, and an entry's position never changes. */
int kfs_dir_list(struct kfs *k, const struct kfs_inode *dir, uint64_t cookie, vfs_dirent_fn fn, void *arg)
{
	uint64_t nblocks = dir->size / KFS_BLOCK_SIZE;

	for (uint64_t b = cookie / KFS_BLOCK_SIZE; b < nblocks; b++) {
		struct kfs_ptr leaf;
		struct kfs_cblock *cb;
		int rc = kfs_tree_lookup(k, &dir->tree, b, &leaf);
		if (rc)
			return rc;
		if (!leaf.block)
			continue;
		rc = kfs_cache_get(k, &leaf, &cb);
		if (rc)
			return rc;
		uint32_t rec;
		for (uint32_t off = 0; off < KFS_BLOCK_SIZE; off += rec) {
			if (!kfs_dirent_valid(cb->data, off, &rec))
				return -EIO;
			struct kfs_dirent *de = dirent_at(cb->data, off);
			uint64_t here = b * KFS_BLOCK_SIZE + off;
			if (!de->ino || here < cookie)
				continue;
			if (fn(arg, (const char *)cb->data + off + KFS_DIRENT_HEADER, de->name_len, de->ino, de->type,
			       here + 1))
				return 0;
		}
	}
	return 0;
}
