/*
 * fcntl's record locks on files of the VFS: F_GETLK, F_SETLK, F_SETLKW
 * (the process's locks) and F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW (an
 * open file description's), over the table of fs/locks.c. There is one
 * process, so its own locks never conflict with each other, but they do
 * with another description's OFD locks, as on Linux.
 */
#include <errno.h>

#include "kernel/sync.h"
#include "sys/fsfile.h"
#include "sys/process.h"

#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

struct linux_flock {
	int16_t l_type, l_whence;
	int64_t l_start, l_len;
	int32_t l_pid;
};
_Static_assert(sizeof(struct linux_flock) == 32, "Linux's struct flock on x86-64");

static struct lock_table table;
static struct mutex table_lock = MUTEX_INIT;
static struct cond released = COND_INIT;
static const char process_owner; /* the owner of the process's locks */

/* The range [start, end] a struct flock names, from the file's
 * position or size as l_whence says. */
static long flock_range(struct vfs_file *vf, const struct linux_flock *fl, uint64_t *start, uint64_t *end)
{
	int64_t base = 0;
	if (fl->l_whence == 1) {
		base = (int64_t)vf->pos;
	} else if (fl->l_whence == 2) {
		struct vfs_attr a;
		long r = vfs_getattr(vf->node, &a);
		if (r)
			return r;
		base = (int64_t)a.size;
	} else if (fl->l_whence != 0) {
		return -EINVAL;
	}
	int64_t s = base + fl->l_start, len = fl->l_len;
	if (len < 0) {
		s += len;
		len = -len;
	}
	if (s < 0)
		return -EINVAL;
	*start = (uint64_t)s;
	*end = len == 0 ? UINT64_MAX : (uint64_t)s + (uint64_t)len - 1;
	return 0;
}

long fslock_fcntl(struct file *f, int cmd, unsigned long arg)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK, wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	if (!ofd && !get && cmd != F_SETLK && !wait)
		return -EINVAL;
	struct linux_flock *ufl = (struct linux_flock *)arg;
	if (!user_writable_ok(ufl, sizeof(*ufl)))
		return -EFAULT;
	struct linux_flock fl = *ufl;
	struct vfs_file *vf = fsfile_of(f);
	if (ofd && fl.l_pid != 0)
		return -EINVAL;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (!get &&
	    ((fl.l_type == F_RDLCK && !(f->access & FILE_READ)) || (fl.l_type == F_WRLCK && !(f->access & FILE_WRITE))))
		return -EBADF;
	uint64_t start, end;
	long r = flock_range(vf, &fl, &start, &end);
	if (r)
		return r;
	const void *owner = ofd ? (const void *)f : &process_owner;
	const void *fs = vf->node.mnt;
	enum lock_type type = fl.l_type == F_RDLCK ? LOCK_READ : fl.l_type == F_WRLCK ? LOCK_WRITE : LOCK_NONE;
	mutex_lock(&table_lock);
	const struct range_lock *c;
	if (get) {
		c = type == LOCK_NONE ? NULL : locks_conflict(&table, fs, vf->node.ino, owner, type, start, end);
		if (c == NULL) {
			ufl->l_type = F_UNLCK;
		} else {
			ufl->l_type = c->type == LOCK_READ ? F_RDLCK : F_WRLCK;
			ufl->l_whence = 0;
			ufl->l_start = (int64_t)c->start;
			ufl->l_len = c->end == UINT64_MAX ? 0 : (int64_t)(c->end - c->start + 1);
			ufl->l_pid = c->owner == &process_owner ? APP_PID : -1;
		}
		mutex_unlock(&table_lock);
		return 0;
	}
	while (type != LOCK_NONE && locks_conflict(&table, fs, vf->node.ino, owner, type, start, end)) {
		if (!wait) {
			mutex_unlock(&table_lock);
			return -EAGAIN;
		}
		/* Another description holds it: whoever unlocks wakes us. A
		 * description of this thread's own never unlocks while it
		 * waits, as on Linux, where OFD locks know no deadlock. */
		cond_wait(&released, &table_lock);
	}
	r = locks_set(&table, fs, vf->node.ino, owner, type, start, end);
	cond_broadcast(&released);
	mutex_unlock(&table_lock);
	return r;
}

void fslock_file_closed(struct vfs_file *vf)
{
	mutex_lock(&table_lock);
	locks_drop(&table, vf->node.mnt, vf->node.ino, &vf->file);
	cond_broadcast(&released);
	mutex_unlock(&table_lock);
}

void fsfile_fd_closing(struct file *f)
{
	struct vfs_file *vf = fsfile_of(f);
	if (vf == NULL)
		return;
	mutex_lock(&table_lock);
	locks_drop(&table, vf->node.mnt, vf->node.ino, &process_owner);
	cond_broadcast(&released);
	mutex_unlock(&table_lock);
}
