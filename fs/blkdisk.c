/*
 * The kernel's struct fs_disk: KeelFS's 4096-byte blocks on a struct
 * blkdev of 512- or 4096-byte sectors, through the synchronous helpers
 * of kernel/blkdev.h, each request bounded by a timeout so that a device
 * that stops answering fails the filesystem's operation (-EIO) instead
 * of hanging it.
 */
#include <errno.h>
#include <stdlib.h>

#include "fs/blkdisk.h"
#include "fs/keelfs_format.h"
#include "kernel/blkdev.h"
#include "kernel/wallclock.h"

/* Long enough for a 1 MiB request on a slow emulated disk. */
#define BLKDISK_TIMEOUT_NS (30 * UINT64_C(1000000000))

static int blkdisk_read(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf)
{
	struct blkdev *bd = disk->priv;
	return blkdev_read(bd, block * KFS_BLOCK_SIZE, buf, (size_t)count * KFS_BLOCK_SIZE, BLKDISK_TIMEOUT_NS) ? -EIO
														: 0;
}

static int blkdisk_write(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf)
{
	struct blkdev *bd = disk->priv;
	return blkdev_write(bd, block * KFS_BLOCK_SIZE, buf, (size_t)count * KFS_BLOCK_SIZE, BLKDISK_TIMEOUT_NS) ? -EIO
														 : 0;
}

static int blkdisk_flush(struct fs_disk *disk)
{
	struct blkdev *bd = disk->priv;
	/* A device without a volatile cache has nothing to flush: what it
	 * completed is durable. */
	if (!(bd->features & BLKDEV_F_FLUSH))
		return 0;
	return blkdev_flush(bd, BLKDISK_TIMEOUT_NS) ? -EIO : 0;
}

static int64_t blkdisk_now(struct fs_disk *disk) { return (int64_t)wallclock_ns(); }

static const struct fs_disk_ops blkdisk_ops = {
	.read = blkdisk_read,
	.write = blkdisk_write,
	.flush = blkdisk_flush,
	.now_ns = blkdisk_now,
};

int blkdisk_init(struct fs_disk *disk, struct blkdev *bd)
{
	if (bd->block_size > KFS_BLOCK_SIZE || KFS_BLOCK_SIZE % bd->block_size)
		return -EINVAL;
	*disk = (struct fs_disk){
		.ops = &blkdisk_ops,
		.block_size = KFS_BLOCK_SIZE,
		.block_count = bd->sectors / (KFS_BLOCK_SIZE / BLK_SECTOR_SIZE),
		.priv = bd,
	};
	return 0;
}
