/*
 * The recording disk of the crash tests (crashdisk.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/keelfs_format.h"
#include "tests/host/crashdisk.h"

static uint8_t zero_block[KFS_BLOCK_SIZE];

static int cd_read(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf)
{
	struct crashdisk *cd = disk->priv;
	if (block >= disk->block_count || count > disk->block_count - block)
		return -EIO;
	for (uint32_t i = 0; i < count; i++)
		memcpy((uint8_t *)buf + (size_t)i * KFS_BLOCK_SIZE,
		       cd->live[block + i] ? cd->live[block + i] : zero_block, KFS_BLOCK_SIZE);
	return 0;
}

static void log_push(struct crashdisk *cd, uint64_t block, uint8_t *data)
{
	if (cd->nlog == cd->cap) {
		cd->cap = cd->cap ? 2 * cd->cap : 256;
		cd->log = realloc(cd->log, cd->cap * sizeof(*cd->log));
	}
	cd->log[cd->nlog++] = (struct crash_entry){ .block = block, .data = data };
}

static int cd_write(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf)
{
	struct crashdisk *cd = disk->priv;
	if (block >= disk->block_count || count > disk->block_count - block)
		return -EIO;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *copy = malloc(KFS_BLOCK_SIZE);
		memcpy(copy, (const uint8_t *)buf + (size_t)i * KFS_BLOCK_SIZE, KFS_BLOCK_SIZE);
		if (cd->recording) {
			log_push(cd, block + i, copy);
			cd->live[block + i] = copy; /* the log owns it */
		} else {
			/* Not recording: live and base are the same blocks. */
			free(cd->base[block + i]);
			cd->live[block + i] = copy;
			cd->base[block + i] = copy;
		}
	}
	return 0;
}

static int cd_flush(struct fs_disk *disk)
{
	struct crashdisk *cd = disk->priv;
	if (cd->recording)
		log_push(cd, 0, NULL);
	return 0;
}

static const struct fs_disk_ops crashdisk_ops = {
	.read = cd_read,
	.write = cd_write,
	.flush = cd_flush,
};

int crashdisk_open(struct crashdisk *cd, uint64_t blocks)
{
	memset(cd, 0, sizeof(*cd));
	cd->live = calloc(blocks, sizeof(*cd->live));
	cd->base = calloc(blocks, sizeof(*cd->base));
	if (!cd->live || !cd->base)
		return -ENOMEM;
	cd->disk =
	    (struct fs_disk){ .ops = &crashdisk_ops, .block_size = KFS_BLOCK_SIZE, .block_count = blocks, .priv = cd };
	return 0;
}

static void log_free(struct crashdisk *cd)
{
	for (size_t i = 0; i < cd->nlog; i++)
		free(cd->log[i].data);
	free(cd->log);
	cd->log = NULL;
	cd->nlog = cd->cap = 0;
}

void crashdisk_record(struct crashdisk *cd)
{
	/* The live image becomes the base: copies of the logged blocks. */
	for (uint64_t b = 0; b < cd->disk.block_count; b++) {
		if (cd->live[b] == cd->base[b])
			continue;
		uint8_t *copy = malloc(KFS_BLOCK_SIZE);
		memcpy(copy, cd->live[b], KFS_BLOCK_SIZE);
		free(cd->base[b]);
		cd->base[b] = cd->live[b] = copy;
	}
	log_free(cd);
	cd->recording = true;
}

void crashdisk_close(struct crashdisk *cd)
{
	for (uint64_t b = 0; b < cd->disk.block_count; b++)
		free(cd->base[b]);
	log_free(cd);
	free(cd->live);
	free(cd->base);
}

/* --- a crash state as a disk ----------------------------------------------------------- */

static int vd_read(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf)
{
	struct viewdisk *vd = disk->priv;
	if (block >= disk->block_count || count > disk->block_count - block)
		return -EIO;
	for (uint32_t i = 0; i < count; i++)
		memcpy((uint8_t *)buf + (size_t)i * KFS_BLOCK_SIZE,
		       vd->blocks[block + i] ? vd->blocks[block + i] : zero_block, KFS_BLOCK_SIZE);
	return 0;
}

static int vd_write(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf)
{
	struct viewdisk *vd = disk->priv;
	if (block >= disk->block_count || count > disk->block_count - block)
		return -EIO;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *copy = malloc(KFS_BLOCK_SIZE);
		memcpy(copy, (const uint8_t *)buf + (size_t)i * KFS_BLOCK_SIZE, KFS_BLOCK_SIZE);
		vd->own[vd->nown++] = copy;
		vd->blocks[block + i] = copy;
	}
	return 0;
}

static int vd_flush(struct fs_disk *disk) { return 0; }

static const struct fs_disk_ops viewdisk_ops = {
	.read = vd_read,
	.write = vd_write,
	.flush = vd_flush,
};

int viewdisk_open(struct viewdisk *vd, uint64_t blocks)
{
	memset(vd, 0, sizeof(*vd));
	vd->blocks = calloc(blocks, sizeof(*vd->blocks));
	/* A repairing mount writes each block at most a few times. */
	vd->own = calloc(blocks * 8, sizeof(*vd->own));
	if (!vd->blocks || !vd->own)
		return -ENOMEM;
	vd->disk =
	    (struct fs_disk){ .ops = &viewdisk_ops, .block_size = KFS_BLOCK_SIZE, .block_count = blocks, .priv = vd };
	return 0;
}

void viewdisk_reset(struct viewdisk *vd)
{
	for (size_t i = 0; i < vd->nown; i++)
		free(vd->own[i]);
	vd->nown = 0;
}

void viewdisk_close(struct viewdisk *vd)
{
	viewdisk_reset(vd);
	free(vd->blocks);
	free(vd->own);
}
