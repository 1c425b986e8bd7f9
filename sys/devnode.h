/*
 * The device nodes a Linux program expects under /dev, in one table that
 * sys/devnodes.c serves to the VFS as a filesystem. Pure logic:
 * host-tested.
 */
#ifndef KEEL_SYS_DEVNODE_H
#define KEEL_SYS_DEVNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/kstat.h"

#define LINUX_PATH_MAX 4096
#define LINUX_NAME_MAX 255

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

/* The node with inode number ino, or NULL. */
const struct devnode *devnode_by_ino(uint64_t ino);

/* The child of directory dir named name (len bytes), or NULL. */
const struct devnode *devnode_child(const struct devnode *dir, const char *name, size_t len);

/* stat of n: times are boot_sec, Linux's usual device and directory
 * modes. */
void devnode_stat(const struct devnode *n, int64_t boot_sec, struct linux_stat *st);

#endif
