/*
 * The disk a KeelFS filesystem lives on, as the filesystem sees it: a
 * number of 4096-byte blocks read and written whole, a flush that makes
 * what was written before it durable, and a clock for timestamps. The
 * kernel's is fs/blkdisk.c over a struct blkdev; the host tool and tests
 * bring a file, a RAM disk, and a disk that records writes to replay
 * crashes.
 *
 * A write that has not been followed by a completed flush may be lost,
 * torn or reordered by a crash; the filesystem never relies on it.
 */
#ifndef KEEL_FS_DISK_H
#define KEEL_FS_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fs_disk;

struct fs_disk_ops {
	/* count blocks from block into or out of buf: 0 or a negative errno
	 * (-EIO). Requests of up to 256 blocks (1 MiB) are made. */
	int (*read)(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf);
	int (*write)(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf);
	/* Makes every completed write durable. */
	int (*flush)(struct fs_disk *disk);
	/* Nanoseconds since the epoch, for timestamps. May be NULL (0). */
	int64_t (*now_ns)(struct fs_disk *disk);
};

#define FS_DISK_MAX_REQUEST 256u /* blocks */

struct fs_disk {
	const struct fs_disk_ops *ops;
	uint32_t block_size; /* 4096 */
	uint64_t block_count;
	void *priv; /* the implementation's */
	/* Why the last keelfs_mount, keelfs_mkfs or keelfs_fsck failed, in
	 * a sentence (empty when it did not). */
	char error[160];
};

#endif
