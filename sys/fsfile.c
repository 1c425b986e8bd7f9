/*
 * The open file of the VFS and the descriptor calls that are a file's:
 * lseek, pread64, pwrite64, preadv, pwritev, fsync, fdatasync, ftruncate,
 * getdents64, fstatfs and sendfile. read, write and fstat reach it
 * through its struct file_ops (sys/files.c, sys/fscalls.c).
 */
#include "sys/fsfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/mm.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define O_APPEND 02000
#define O_NONBLOCK 04000
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define MAX_RW 0x7ffff000ul
#define MAX_OFF 0x7fffffffffffffffll

static const struct file_ops fsfile_ops, fsdir_ops;

struct vfs_file *fsfile_of(struct file *f) { return f->ops == &fsfile_ops || f->ops == &fsdir_ops ? f->priv : NULL; }

static long file_read(struct file *f, void *buf, size_t len)
{
	struct vfs_file *vf = f->priv;
	mutex_lock(&vf->lock);
	long r = vfs_read(vf->node, vf->pos, buf, len);
	if (r > 0)
		vf->pos += (uint64_t)r;
	mutex_unlock(&vf->lock);
	return r;
}

static long file_write(struct file *f, const void *buf, size_t len)
{
	struct vfs_file *vf = f->priv;
	long r;
	mutex_lock(&vf->lock);
	if (f->flags & O_APPEND) {
		r = vfs_append(vf->node, buf, len, &vf->pos);
	} else if (vf->pos > (uint64_t)MAX_OFF - len) {
		r = -EFBIG;
	} else {
		r = vfs_write(vf->node, vf->pos, buf, len);
		if (r > 0)
			vf->pos += (uint64_t)r;
	}
	mutex_unlock(&vf->lock);
	return r;
}

int fsfile_stat_node(struct vfs_node n, struct linux_stat *st)
{
	if (n.mnt->fs == &devfs)
		return devfs_stat(n.ino, false, st);
	struct vfs_attr a;
	int r = vfs_getattr(n, &a);
	if (r)
		return r;
	memset(st, 0, sizeof(*st));
	st->st_dev = linux_makedev(0, 32 + n.mnt->id);
	st->st_ino = a.ino;
	st->st_nlink = a.nlink;
	st->st_mode = a.mode;
	st->st_size = (int64_t)a.size;
	st->st_blksize = 4096;
	st->st_blocks = (int64_t)a.blocks;
	st->st_atime_sec = a.atime_ns / 1000000000, st->st_atime_nsec = a.atime_ns % 1000000000;
	st->st_mtime_sec = a.mtime_ns / 1000000000, st->st_mtime_nsec = a.mtime_ns % 1000000000;
	st->st_ctime_sec = a.ctime_ns / 1000000000, st->st_ctime_nsec = a.ctime_ns % 1000000000;
	return 0;
}

static int file_stat(struct file *f, struct linux_stat *st)
{
	return fsfile_stat_node(((struct vfs_file *)f->priv)->node, st);
}

static void file_close(struct file *f)
{
	struct vfs_file *vf = f->priv;
	fslock_file_closed(vf);
	vfs_release(vf->node);
	free(vf->path);
	free(vf);
}

static const struct file_ops fsfile_ops = {
	.kind = "file",
	.read = file_read,
	.write = file_write,
	.fcntl = fslock_fcntl,
	.stat = file_stat,
	.close = file_close,
};
static const struct file_ops fsdir_ops = {
	.kind = "directory",
	.stat = file_stat,
	.close = file_close,
};

int fsfile_open(const struct vfs_path *p, int flags, struct file **out)
{
	if (p->node.mnt->fs == &devfs && !p->is_dir)
		return devfs_open(p->node.ino, flags, out);
	struct vfs_file *vf = calloc(1, sizeof(*vf));
	char *path = malloc(strlen(p->canon) + 1);
	if (vf == NULL || path == NULL) {
		free(vf);
		free(path);
		return -ENOMEM;
	}
	strcpy(path, p->canon);
	vf->node = p->node;
	vf->dir = p->is_dir;
	vf->path = path;
	mutex_init(&vf->lock);
	vfs_hold(vf->node);
	file_init(&vf->file, p->is_dir ? &fsdir_ops : &fsfile_ops, vf);
	vf->file.flags = flags & (O_APPEND | O_NONBLOCK);
	vf->file.access = file_access_from_flags(flags);
	*out = &vf->file;
	return 0;
}

/* --- calls on a descriptor ---------------------------------------------------- */

/* The VFS file at fd with a reference, or NULL with *err: -EBADF, or
 * not_file for an object that is no file of the VFS. */
static struct vfs_file *get_file(long fd, int not_file, long *err)
{
	struct file *f = fd_get(&app_fds, (int)fd);
	if (f == NULL) {
		*err = -EBADF;
		return NULL;
	}
	struct vfs_file *vf = fsfile_of(f);
	if (vf == NULL) {
		file_put(f);
		*err = not_file;
	}
	return vf;
}

static long sys_lseek(long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r;
	struct vfs_file *vf = get_file(a0, -ESPIPE, &r);
	if (vf == NULL)
		return r;
	int64_t off = a1, base = 0;
	struct vfs_attr a;
	mutex_lock(&vf->lock);
	switch (a2) {
	case SEEK_SET: break;
	case SEEK_CUR: base = (int64_t)vf->pos; break;
	case SEEK_END:
	case SEEK_DATA:
	case SEEK_HOLE:
		if ((r = vfs_getattr(vf->node, &a)))
			goto out;
		if (a2 == SEEK_END) {
			base = (int64_t)a.size;
			break;
		}
		/* No hole is reported but the one at the end, as Linux's
		 * simplest filesystems do. */
		if (off < 0 || (uint64_t)off >= a.size) {
			r = -ENXIO;
			goto out;
		}
		if (a2 == SEEK_HOLE)
			off = (int64_t)a.size;
		break;
	default: r = -EINVAL; goto out;
	}
	if ((off > 0 && base > MAX_OFF - off) || base + off < 0) {
		r = -EINVAL;
		goto out;
	}
	/* A directory's position is a d_off getdents64 gave (telldir,
	 * seekdir): the filesystem's cookies stay valid across changes. */
	vf->pos = (uint64_t)(base + off);
	r = (long)vf->pos;
out:
	mutex_unlock(&vf->lock);
	file_put(&vf->file);
	return r;
}
SYSCALL(SYS_lseek, sys_lseek);

/* One transfer at offset off without moving the file's position. */
static long positioned(long fd, void *buf, size_t len, int64_t off, bool writing)
{
	long r;
	struct vfs_file *vf = get_file(fd, -ESPIPE, &r);
	if (vf == NULL)
		return r;
	r = 0;
	if (off < 0)
		r = -EINVAL;
	else if (vf->dir)
		r = writing ? -EBADF : -EISDIR;
	else if (!(vf->file.access & (writing ? FILE_WRITE : FILE_READ)))
		r = -EBADF;
	else if (writing ? !user_range_ok(buf, len) : !user_writable_ok(buf, len))
		r = -EFAULT;
	else if (len > MAX_RW)
		len = MAX_RW;
	if (r == 0)
		r = writing ? vfs_write(vf->node, (uint64_t)off, buf, len)
			    : vfs_read(vf->node, (uint64_t)off, buf, len);
	file_put(&vf->file);
	return r;
}

static long sys_pread64(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return positioned(a0, (void *)a1, (size_t)a2, a3, false);
}
SYSCALL(SYS_pread64, sys_pread64);

static long sys_pwrite64(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return positioned(a0, (void *)a1, (size_t)a2, a3, true);
}
SYSCALL(SYS_pwrite64, sys_pwrite64);

static long vector_positioned(long fd, long iov_addr, long count, int64_t off, bool writing)
{
	const struct linux_iovec *iov = (const struct linux_iovec *)iov_addr;
	if (count < 0 || count > IOV_MAX)
		return -EINVAL;
	if (!user_range_ok(iov, (size_t)count * sizeof(*iov)))
		return -EFAULT;
	long total = 0, r = 0;
	if (count == 0) {
		struct vfs_file *vf = get_file(fd, -ESPIPE, &r);
		if (vf)
			file_put(&vf->file);
		return r;
	}
	for (long i = 0; i < count; i++) {
		if (iov[i].len > MAX_RW || (size_t)total + iov[i].len > MAX_RW)
			return total ? total : -EINVAL;
		r = positioned(fd, (void *)(uintptr_t)iov[i].base, iov[i].len, off + total, writing);
		if (r < 0)
			break;
		total += r;
		if ((uint64_t)r < iov[i].len)
			break;
	}
	return total > 0 ? total : r;
}

static long sys_preadv(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return vector_positioned(a0, a1, a2, a3, false);
}
SYSCALL(SYS_preadv, sys_preadv);

static long sys_pwritev(long a0, long a1, long a2, long a3, long a4, long a5)
{
	return vector_positioned(a0, a1, a2, a3, true);
}
SYSCALL(SYS_pwritev, sys_pwritev);

static long do_fsync(long fd, bool data_only)
{
	long r;
	struct vfs_file *vf = get_file(fd, -EINVAL, &r);
	if (vf == NULL)
		return r;
	r = vfs_fsync(vf->node, data_only);
	file_put(&vf->file);
	return r;
}

static long sys_fsync(long a0, long a1, long a2, long a3, long a4, long a5) { return do_fsync(a0, false); }
SYSCALL(SYS_fsync, sys_fsync);

static long sys_fdatasync(long a0, long a1, long a2, long a3, long a4, long a5) { return do_fsync(a0, true); }
SYSCALL(SYS_fdatasync, sys_fdatasync);

/* fadvise64: advice, of which Keel takes one: POSIX_FADV_DONTNEED forgets
 * what the filesystem caches of the range (KeelFS's file data), as Linux
 * drops its clean pages. The rest changes nothing and answers 0 (KeelFS
 * reads whole runs of blocks anyway); the errors are Linux's: a bad
 * descriptor, a pipe, a negative length, unknown advice. */
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5
static long sys_fadvise64(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r = 0;
	if (strcmp(f->ops->kind, "pipe") == 0)
		r = -ESPIPE;
	else if (a2 < 0 || a3 < 0 || a3 > POSIX_FADV_NOREUSE)
		r = -EINVAL;
	else if (a3 == POSIX_FADV_DONTNEED && a1 >= 0 && fsfile_of(f) && !fsfile_of(f)->dir)
		(void)vfs_drop_cache(fsfile_of(f)->node, (uint64_t)a1, (uint64_t)a2); /* advice: never an error */
	file_put(f);
	return r;
}
SYSCALL(SYS_fadvise64, sys_fadvise64);

static long sys_ftruncate(long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r;
	struct vfs_file *vf = get_file(a0, -EINVAL, &r);
	if (vf == NULL)
		return r;
	if (a1 < 0 || vf->dir || !(vf->file.access & FILE_WRITE))
		r = -EINVAL;
	else
		r = vfs_truncate(vf->node, (uint64_t)a1);
	file_put(&vf->file);
	return r;
}
SYSCALL(SYS_ftruncate, sys_ftruncate);

/* --- getdents64 ------------------------------------------------------------- */

struct dirent64_head {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __attribute__((packed));

struct fill {
	char *buf;
	size_t len, used;
	struct vfs_file *vf;
};

static int put_entry(void *arg, const char *name, size_t nlen, uint64_t ino, unsigned dtype, uint64_t next_cookie)
{
	struct fill *fl = arg;
	size_t reclen = (sizeof(struct dirent64_head) + nlen + 1 + 7) & ~(size_t)7;
	if (fl->used + reclen > fl->len)
		return 1;
	struct dirent64_head h = { ino, (int64_t)(next_cookie + 2), (uint16_t)reclen, (uint8_t)dtype };
	char *rec = fl->buf + fl->used;
	memset(rec, 0, reclen);
	memcpy(rec, &h, sizeof(h));
	memcpy(rec + sizeof(h), name, nlen);
	fl->used += reclen;
	fl->vf->pos = next_cookie + 2;
	return 0;
}

static long getdents(struct vfs_file *vf, void *ubuf, size_t len)
{
	struct fill fl = { ubuf, len, 0, vf };
	if (vf->pos == 0 && put_entry(&fl, ".", 1, vf->node.ino, VFS_DT_DIR, (uint64_t)-1))
		return -EINVAL;
	if (vf->pos == 1) {
		struct vfs_path *p = malloc(sizeof(*p));
		if (p == NULL)
			return -ENOMEM;
		uint64_t up = vfs_resolve(vf->path, "..", p) == 0 ? p->node.ino : vf->node.ino;
		free(p);
		if (put_entry(&fl, "..", 2, up, VFS_DT_DIR, 0))
			return fl.used ? (long)fl.used : -EINVAL;
	}
	int r = vfs_readdir(vf->node, vf->pos - 2, put_entry, &fl);
	if (r < 0)
		return r;
	if (fl.used == 0 && r == 0) {
		/* Nothing fitted, or the listing is over: tell them apart by
		 * asking for one entry into a buffer of the largest size. */
		char probe[sizeof(struct dirent64_head) + VFS_NAME_MAX + 8];
		struct fill pf = { probe, sizeof(probe), 0, vf };
		uint64_t pos = vf->pos;
		vfs_readdir(vf->node, pos - 2, put_entry, &pf);
		vf->pos = pos;
		if (pf.used)
			return -EINVAL;
	}
	return (long)fl.used;
}

static long fsfile_getdents(struct file *f, void *buf, size_t len)
{
	struct vfs_file *vf = fsfile_of(f);
	if (vf == NULL || !vf->dir)
		return -ENOTDIR;
	if (!user_writable_ok(buf, len))
		return -EFAULT;
	mutex_lock(&vf->lock);
	long r = getdents(vf, buf, len);
	mutex_unlock(&vf->lock);
	return r;
}

static long sys_getdents64(long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct file *f = fd_get(&app_fds, (int)a0);
	if (f == NULL)
		return -EBADF;
	long r = fsfile_getdents(f, (void *)a1, (size_t)(unsigned)a2);
	file_put(f);
	return r;
}
SYSCALL(SYS_getdents64, sys_getdents64);

/* --- sendfile ---------------------------------------------------------------- */

/* The bounce buffer: 256 KiB, each a notification of the device for
 * what it carries (lighttpd served a 1 MiB file 25% faster than with
 * 64 KiB), but at most a 128th of memory: in lighttpd's 8 MiB appliance
 * a larger one took the pages the file system's next read needed. */
#define SENDFILE_CHUNK_MAX (256u * 1024)
#define SENDFILE_MIN_CHUNK 4096
#define SENDFILE_RAM_SHARE 128

static long sys_sendfile(long a0, long a1, long a2, long a3, long a4, long a5)
{
	int64_t *uoff = (int64_t *)a2;
	size_t count = (size_t)a3 > MAX_RW ? MAX_RW : (size_t)a3;
	if (uoff && !user_writable_ok(uoff, sizeof(*uoff)))
		return -EFAULT;
	long r;
	struct vfs_file *in = get_file(a1, -EINVAL, &r);
	if (in == NULL)
		return r;
	struct file *out = fd_get(&app_fds, (int)a0);
	char *buf = NULL;
	if (out == NULL || !(in->file.access & FILE_READ)) {
		r = -EBADF;
		goto done;
	}
	if (!out->ops->write || !(out->access & FILE_WRITE) || (out->flags & O_APPEND)) {
		r = out->ops->write && (out->access & FILE_WRITE) ? -EINVAL : -EBADF;
		goto done;
	}
	if (in->dir || (uoff && *uoff < 0)) {
		r = -EINVAL;
		goto done;
	}
	/* A smaller bounce buffer when memory is short (a small guest whose
	 * sockets hold their send buffers): slower, but the call goes on
	 * where Linux's would, rather than failing a transfer midway. */
	size_t chunk = SENDFILE_CHUNK_MAX;
	while (chunk > SENDFILE_MIN_CHUNK && chunk > mm_ram_bytes() / SENDFILE_RAM_SHARE)
		chunk /= 2;
	while ((buf = malloc(chunk)) == NULL && chunk > SENDFILE_MIN_CHUNK)
		chunk /= 4;
	if (buf == NULL) {
		r = -ENOMEM;
		goto done;
	}
	/* The position is taken and put back under the file's lock, not
	 * held in between: out may be the same file. */
	mutex_lock(&in->lock);
	uint64_t pos = uoff ? (uint64_t)*uoff : in->pos;
	mutex_unlock(&in->lock);
	long total = 0;
	r = 0;
	while ((size_t)total < count) {
		size_t want = count - (size_t)total < chunk ? count - (size_t)total : chunk;
		long n = vfs_read(in->node, pos, buf, want);
		if (n <= 0) {
			r = n;
			break;
		}
		long w = out->ops->write(out, buf, (size_t)n);
		if (w <= 0) {
			r = w;
			break;
		}
		pos += (uint64_t)w;
		total += w;
		if (w < n)
			break;
	}
	if (uoff) {
		*uoff = (int64_t)pos;
	} else {
		mutex_lock(&in->lock);
		in->pos = pos;
		mutex_unlock(&in->lock);
	}
	if (total > 0)
		r = total;
done:
	free(buf);
	if (out)
		file_put(out);
	file_put(&in->file);
	return r;
}
SYSCALL(SYS_sendfile, sys_sendfile);
