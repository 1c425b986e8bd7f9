/*
 * The file tree an application starts with: a root filesystem at "/",
 * a RAM filesystem at /tmp, the device nodes at /dev and the generated
 * files at /etc (kernel/genfile.h), mounted at boot before the
 * application runs.
 *
 * The root is named on the command line with root=: "ram" for a RAM
 * filesystem, or a block device's name. An image without a disk
 * filesystem (or a boot without a disk) gets a RAM filesystem, and says
 * so when a disk was asked for.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/genfs.h"
#include "fs/ramfs.h"
#include "kernel/console.h"
#include "kernel/genfile.h"
#include "kernel/init.h"
#include "kernel/mm/mm.h"
#include "kernel/wallclock.h"
#include "sys/fsfile.h"

static const char *root_option;

static void set_root(const char *value) { root_option = value; }
KERNEL_OPTION("root=", set_root);

static int64_t now_ns(void) { return (int64_t)wallclock_ns(); }

/* The localhost lines every Linux machine has; the network stack
 * replaces the file with its own. */
static size_t default_hosts(char *buf, size_t cap)
{
	return (size_t)snprintf(buf, cap, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
}

/* A mount point shows in its parent's listing when the parent can hold
 * the directory; one that cannot (a read-only disk) still works. */
static void mount_at(const char *path, struct vfs_fs *fs)
{
	int r = vfs_mkdir("/", path, 0755);
	if (r && r != -EEXIST && r != -EROFS)
		kwarn("fs: cannot make %s: %d\n", path, r);
	if ((r = vfs_mount(path, fs, NULL)))
		kwarn("fs: cannot mount %s: %d\n", path, r);
}

static void fs_root_init(void)
{
	genfile_register("/etc/hosts", default_hosts, true);
	/* Like Linux's tmpfs, each RAM filesystem may fill half the memory. */
	uint64_t half = mm_free_bytes() / 2;
	struct vfs_fs *root, *tmp, *etc;
	if (root_option && strcmp(root_option, "ram") != 0)
		kwarn("fs: root=%s: no disk filesystem in this image, the root is in memory\n", root_option);
	if (ramfs_create(half, now_ns, &root) || vfs_mount("/", root, NULL)) {
		kwarn("fs: no root filesystem\n");
		return;
	}
	if (ramfs_create(half, now_ns, &tmp) == 0)
		mount_at("/tmp", tmp);
	mount_at("/dev", &devfs);
	if (genfs_create("/etc", now_ns(), &etc) == 0)
		mount_at("/etc", etc);
}
INIT_CALL(INIT_LATE, fs_root_init);
