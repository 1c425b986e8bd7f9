/*
 * The disks' nodes under /dev (/dev/vda, /dev/sdb): they come and go with
 * the block devices (kernel/blkdev.h), so they are not in the table of
 * sys/devnode.h; devfs (sys/devnodes.c) asks the registry by name. Here
 * is the pure part: inode numbers that carry the disk's name, and stat
 * as Linux answers for a disk. Host-tested.
 */
#ifndef KEEL_SYS_DEVBLK_H
#define KEEL_SYS_DEVBLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/kstat.h"

#define DEVBLK_NAME_MAX 7 /* bytes, so that the name fits in an inode number */

/* The inode number of disk name (len bytes: lowercase letters and
 * digits, 1 to DEVBLK_NAME_MAX), or 0 for a name no disk can have. The
 * number never collides with the table's. */
uint64_t devblk_ino(const char *name, size_t len);
/* The disk name an inode number carries, into name (NUL-ended): true,
 * or false when ino is not a disk's. */
bool devblk_name(uint64_t ino, char name[DEVBLK_NAME_MAX + 1]);
/* stat of the node of disk name: a block device (0660), with Linux's
 * numbers for sd* (8, 16 per disk) and vd* (254, 16 per disk), others
 * 259:0; times are boot_sec. */
void devblk_stat(const char *name, int64_t boot_sec, struct linux_stat *st);

#endif
