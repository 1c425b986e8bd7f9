/*
 * Open files of the VFS (sys/fsfile.c): regular files and directories
 * behind the descriptor table, and the device nodes of /dev as a
 * filesystem (sys/devnodes.c). Shared by the file system calls.
 */
#ifndef KEEL_SYS_FSFILE_H
#define KEEL_SYS_FSFILE_H

#include "fs/locks.h"
#include "fs/mount.h"
#include "sys/fd.h"
#include "sys/kstat.h"

struct vfs_file {
	struct file file;
	struct vfs_node node;
	bool dir;
	/* Held around every use of pos: threads sharing the descriptor
	 * each see a transfer whole, as Linux's f_pos_lock makes it. */
	struct mutex lock;
	uint64_t pos; /* a directory's: 0 ".", 1 "..", then the cookie + 2 */
	char *path;   /* canonical: a directory is a base for *at() calls */
};

/* The VFS file behind f, or NULL for anything else. */
struct vfs_file *fsfile_of(struct file *f);

/* Opens what p found (vfs_open said yes) with open's flags: a file of
 * the VFS, or a device node's own object. Returns 0 with a reference in
 * *out, or -errno. */
int fsfile_open(const struct vfs_path *p, int flags, struct file **out);

/* stat of an inode, as Linux's struct stat. */
int fsfile_stat_node(struct vfs_node n, struct linux_stat *st);

/* fstat of any open object: its own stat, or an anonymous inode's. */
int fsfile_stat_any(struct file *f, struct linux_stat *st);

/* Called by close(fd) for the file it closes: a process's record locks
 * on the file go at any close of it, as POSIX says. */
void fsfile_fd_closing(struct file *f);

/* Record locks (sys/fslock.c): fcntl's lock commands on a file, and
 * the end of an open file description's locks at its last close. */
long fslock_fcntl(struct file *f, int cmd, unsigned long arg);
void fslock_file_closed(struct vfs_file *vf);

/* /dev (sys/devnodes.c). */
extern struct vfs_fs devfs;
/* Opens device node ino of devfs; -ENOENT for a dangling link. */
int devfs_open(uint64_t ino, int flags, struct file **out);
/* stat of devfs's ino; follow: a link's target rather than the link. */
int devfs_stat(uint64_t ino, bool follow, struct linux_stat *st);
/* What readlink says of ino: its target, or NULL for what is no link. */
const char *devfs_link_target(uint64_t ino);
/* Unmounts every filesystem, writing back what is pending: the end of
 * the application (sys/fsroot.c). */
void fs_shutdown(void);

/* The wall clock at boot, in seconds. */
int64_t boot_wall_sec(void);

#endif
