/*
 * The kernel's struct fs_disk: KeelFS's 4096-byte blocks on a struct
 * blkdev of 512- or 4096-byte sectors, through the synchronous helpers
 * of kernel/blkdev.h (which split a request into what the device takes),
 * each bounded by a timeout so that a device that stops answering fails
 * the filesystem's operation (-EIO) instead of hanging it.
 *
 * The filesystem reads and writes whole runs straight from its caller's
 * buffers, which may be an application's memory. A read goes straight
 * into such a buffer when kernel/mm/dma.h says it is physically
 * contiguous, which spares a copy of every byte (under QEMU's TCG, a
 * 64 MiB file read about a tenth faster); otherwise, and for writes,
 * requests go through a bounce buffer of DMA pages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/blkdisk.h"
#include "fs/keelfs_format.h"
#include "kernel/blkdev.h"
#include "kernel/mm/dma.h"
#include "kernel/wallclock.h"

/* Long enough for a 1 MiB request on a slow emulated disk. */
#define BLKDISK_TIMEOUT_NS (30 * UINT64_C(1000000000))
#define BOUNCE_BYTES ((size_t)FS_DISK_MAX_REQUEST * KFS_BLOCK_SIZE)

struct blkdisk {
	struct blkdev *bd;
	uint8_t *bounce;
};

static int blkdisk_read(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf)
{
	struct blkdisk *d = disk->priv;
	size_t bytes = (size_t)count * KFS_BLOCK_SIZE;
	if (bytes > BOUNCE_BYTES)
		return -EIO;
	if (dma_contiguous(buf, bytes))
		return blkdev_read(d->bd, block * KFS_BLOCK_SIZE, buf, bytes, BLKDISK_TIMEOUT_NS) ? -EIO : 0;
	if (blkdev_read(d->bd, block * KFS_BLOCK_SIZE, d->bounce, bytes, BLKDISK_TIMEOUT_NS))
		return -EIO;
	memcpy(buf, d->bounce, bytes);
	return 0;
}

static int blkdisk_write(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf)
{
	struct blkdisk *d = disk->priv;
	size_t bytes = (size_t)count * KFS_BLOCK_SIZE;
	if (bytes > BOUNCE_BYTES)
		return -EIO;
	memcpy(d->bounce, buf, bytes);
	return blkdev_write(d->bd, block * KFS_BLOCK_SIZE, d->bounce, bytes, BLKDISK_TIMEOUT_NS) ? -EIO : 0;
}

static int blkdisk_flush(struct fs_disk *disk)
{
	struct blkdisk *d = disk->priv;
	/* A device without a volatile cache has nothing to flush: what it
	 * completed is durable. */
	if (!(d->bd->features & BLKDEV_F_FLUSH))
		return 0;
	return blkdev_flush(d->bd, BLKDISK_TIMEOUT_NS) ? -EIO : 0;
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
	uint64_t phys;

	if (bd->block_size > KFS_BLOCK_SIZE || KFS_BLOCK_SIZE % bd->block_size)
		return -EINVAL;
	struct blkdisk *d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->bd = bd;
	d->bounce = dma_alloc_pages(BOUNCE_BYTES, &phys);
	if (!d->bounce) {
		free(d);
		return -ENOMEM;
	}
	*disk = (struct fs_disk){
		.ops = &blkdisk_ops,
		.block_size = KFS_BLOCK_SIZE,
		.block_count = bd->sectors / (KFS_BLOCK_SIZE / BLK_SECTOR_SIZE),
		.priv = d,
	};
	return 0;
}

void blkdisk_fini(struct fs_disk *disk)
{
	struct blkdisk *d = disk->priv;
	dma_free_pages(d->bounce, BOUNCE_BYTES);
	free(d);
	disk->priv = NULL;
}
