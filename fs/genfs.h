/*
 * A read-only filesystem of one directory whose files are the generated
 * files (kernel/genfile.h) registered under it: /etc.
 */
#ifndef KEEL_FS_GENFS_H
#define KEEL_FS_GENFS_H

#include "fs/vfs.h"

/* The files registered as dir + "/" + name (dir absolute, without a
 * trailing slash), stamped with time now_ns. Returns 0 or -ENOMEM. */
int genfs_create(const char *dir, int64_t now_ns, struct vfs_fs **out);

#endif
