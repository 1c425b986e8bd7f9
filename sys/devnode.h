/*
 * The names a Linux program expects before there is a filesystem: "/",
 * "/dev" and the device nodes in it, in one table. devnode_walk is the
 * whole path lookup: the VFS replaces it. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_DEVNODE_H
#define KEEL_SYS_DEVNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/kstat.h"

#define LINUX_PATH_MAX 4096
#define LINUX_NAME_MAX 255

/* Open flags the lookup judges (Linux's values). */
#define DEVNODE_O_ACCMODE 03
#define DEVNODE_O_RDONLY 0
#define DEVNODE_O_CREAT 0100
#define DEVNODE_O_EXCL 0200
#define DEVNODE_O_DIRECTORY 0200000

enum devnode_kind {
	DEVNODE_DIR,
	DEVNODE_CHAR, /* a character device: major, minor */
	DEVNODE_LINK, /* /dev/stdin and friends: descriptor fd */
};

/* What a character device node does when opened (sys/devnodes.c). */
enum devnode_dev { DEV_NONE, DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM, DEV_TTY };

struct devnode {
	const char *name; /* the last component; "/" for the root */
	int parent;	  /* index in the table; the root is its own */
	enum devnode_kind kind;
	unsigned major, minor;
	enum devnode_dev dev;
	int fd;		    /* DEVNODE_LINK: which descriptor it names */
	const char *target; /* DEVNODE_LINK: what readlink says */
};

/* The table and its length; index 0 is "/". */
extern const struct devnode devnode_table[];
extern const unsigned devnode_count;

/* The node's inode number: stable and unique. */
uint64_t devnode_ino(const struct devnode *n);

/*
 * Resolves path (absolute, or relative to the working directory "/"):
 * repeated slashes, "." and ".." as Linux does. Returns 0 with *node
 * set, or -ENOENT, -ENOTDIR (a component that is not a directory, or a
 * trailing slash after one), -ENAMETOOLONG (a component over NAME_MAX).
 * On -ENOENT *parent is the directory the last component was missing
 * from, or NULL when an earlier component was missing: what O_CREAT
 * needs to say -EROFS rather than -ENOENT.
 */
int devnode_walk(const char *path, const struct devnode **node, const struct devnode **parent);

/* Whether flags (O_*) may open n: 0, -EEXIST (O_CREAT|O_EXCL), -ENOTDIR
 * (O_DIRECTORY on a device) or -EISDIR (a directory for writing). */
int devnode_open_check(const struct devnode *n, int flags);

/* Linux's answer to opening a name that is not there with flags. */
int devnode_missing_error(const struct devnode *parent, int flags);

/* stat of n: times are boot_sec, Linux's usual device and directory
 * modes. */
void devnode_stat(const struct devnode *n, int64_t boot_sec, struct linux_stat *st);

/*
 * getdents64 of directory dir from entry *pos ("." is 0, ".." 1, then
 * its children): packs whole records into buf. Returns the bytes
 * written (0 at the end) or -EINVAL when the first record does not fit.
 */
long devnode_getdents(const struct devnode *dir, uint64_t *pos, void *buf, size_t len);

#endif
