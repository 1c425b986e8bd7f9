/*
 * KeelFS's disk on a kernel block device (fs/blkdisk.c).
 */
#ifndef KEEL_FS_BLKDISK_H
#define KEEL_FS_BLKDISK_H

#include "fs/disk.h"

struct blkdev;

/* Makes disk read and write bd in 4096-byte blocks (the last partial
 * block of the device unused), through a 1 MiB bounce buffer. -EINVAL
 * when bd's blocks are larger than 4096 bytes or do not divide them,
 * -ENOMEM. From a thread (requests wait). */
int blkdisk_init(struct fs_disk *disk, struct blkdev *bd);
/* Frees what blkdisk_init took (after the filesystem's unmount). */
void blkdisk_fini(struct fs_disk *disk);

#endif
