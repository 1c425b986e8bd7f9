/*
 * The application's paths for the file system calls (sys/fscalls.c):
 * each copied from its memory, with the directory it starts from (the
 * working directory, or an open directory's canonical path).
 */
#ifndef KEEL_SYS_FSPATH_H
#define KEEL_SYS_FSPATH_H

#include <stdbool.h>

#include "fs/mount.h"
#include "sys/fd.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EMPTY_PATH 0x1000

/* The working directory, canonical. */
extern char fs_cwd[VFS_PATH_MAX];

struct upath {
	char *path, *base;
	struct file *dir; /* AT_EMPTY_PATH: the descriptor itself, referenced */
};

/* Copies the path at upath and finds its base. Returns 0, or 1 when the
 * path is empty and empty_ok (u->dir is then dirfd's object, NULL for
 * the working directory), or -errno (-EFAULT, -ENAMETOOLONG, -EBADF,
 * -ENOTDIR). upath_put frees it in every case. */
long upath_get(int dirfd, const char *upath, bool empty_ok, struct upath *u);
void upath_put(struct upath *u);
/* The directory a relative path starts from. */
const char *upath_base(const struct upath *u);
/* upath_get, then the path resolved into a struct vfs_path of the heap:
 * vfs_resolve's result, or upath_get's when it is not 0 (then *pp is
 * NULL). The caller frees *pp either way. */
long upath_resolve(int dirfd, const char *upath, bool empty_ok, struct upath *u, struct vfs_path **pp);

/* Set by the AF_UNIX sockets (sys/unixcalls.c): unlink of a canonical
 * path the file system does not have takes a socket's name away; true
 * when there was one. */
extern bool (*unlink_socket_name)(const char *canon);

#endif
