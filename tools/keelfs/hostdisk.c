/*
 * Host disks for KeelFS: an image file through pread/pwrite/fdatasync,
 * and a RAM disk of lazily allocated blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/keelfs_format.h"
#include "tools/keelfs/hostdisk.h"

static int64_t host_now(struct fs_disk *disk)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- pages for the file-data cache ---------------------------------------------------- */

static void *host_page_alloc(void) { return aligned_alloc(KFS_BLOCK_SIZE, KFS_BLOCK_SIZE); }
static void host_page_free(void *page) { free(page); }
static uint64_t host_bound(void) { return HOST_DCACHE_BLOCKS; }

const struct kfs_page_source host_data_pages = {
	.alloc = host_page_alloc,
	.free = host_page_free,
	.bound = host_bound,
};

/* --- an image file ------------------------------------------------------------------- */

static int file_io(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf, bool write)
{
	int fd = (int)(intptr_t)disk->priv;
	size_t len = (size_t)count * KFS_BLOCK_SIZE, done = 0;
	off_t off = (off_t)(block * KFS_BLOCK_SIZE);

	if (block >= disk->block_count || count > disk->block_count - block)
		return -EIO;
	while (done < len) {
		ssize_t n = write ? pwrite(fd, (char *)buf + done, len - done, off + (off_t)done)
				  : pread(fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_read(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf)
{
	return file_io(disk, block, count, buf, false);
}

static int file_write(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf)
{
	return file_io(disk, block, count, (void *)buf, true);
}

static int file_flush(struct fs_disk *disk) { return fdatasync((int)(intptr_t)disk->priv) ? -EIO : 0; }

static const struct fs_disk_ops file_ops = {
	.read = file_read,
	.write = file_write,
	.flush = file_flush,
	.now_ns = host_now,
};

int filedisk_open(struct fs_disk *disk, const char *path, bool create, uint64_t size, bool read_only)
{
	int fd = open(path, read_only ? O_RDONLY : O_RDWR | (create ? O_CREAT : 0), 0644);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (create && (uint64_t)lseek(fd, 0, SEEK_END) < size && ftruncate(fd, (off_t)size)) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		return -e;
	}
	memset(disk, 0, sizeof(*disk));
	disk->ops = &file_ops;
	disk->block_size = KFS_BLOCK_SIZE;
	disk->block_count = (uint64_t)st.st_size / KFS_BLOCK_SIZE;
	disk->priv = (void *)(intptr_t)fd;
	return 0;
}

void filedisk_close(struct fs_disk *disk) { close((int)(intptr_t)disk->priv); }

/* --- a RAM disk ---------------------------------------------------------------------- */

struct ramdisk {
	uint8_t **blocks;
	struct ramdisk_stats stats;
};

static int ram_read(struct fs_disk *disk, uint64_t block, uint32_t count, void *buf)
{
	struct ramdisk *rd = disk->priv;
	if (block >= disk->block_count || count > disk->block_count - block)
		return -EIO;
	rd->stats.reads++;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *dst = (uint8_t *)buf + (size_t)i * KFS_BLOCK_SIZE;
		if (rd->blocks[block + i])
			memcpy(dst, rd->blocks[block + i], KFS_BLOCK_SIZE);
		else
			memset(dst, 0, KFS_BLOCK_SIZE);
	}
	return 0;
}

static int ram_write(struct fs_disk *disk, uint64_t block, uint32_t count, const void *buf)
{
	struct ramdisk *rd = disk->priv;
	if (block >= disk->block_count || count > disk->block_count - block || rd->stats.fail_writes)
		return -EIO;
	rd->stats.writes++;
	rd->stats.blocks_written += count;
	if (count > rd->stats.largest_write)
		rd->stats.largest_write = count;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t **b = &rd->blocks[block + i];
		if (!*b && !(*b = malloc(KFS_BLOCK_SIZE)))
			return -EIO;
		memcpy(*b, (const uint8_t *)buf + (size_t)i * KFS_BLOCK_SIZE, KFS_BLOCK_SIZE);
	}
	return 0;
}

static int ram_flush(struct fs_disk *disk)
{
	struct ramdisk *rd = disk->priv;
	rd->stats.flushes++;
	return 0;
}

static const struct fs_disk_ops ram_ops = {
	.read = ram_read,
	.write = ram_write,
	.flush = ram_flush,
	.now_ns = host_now,
};

int ramdisk_open(struct fs_disk *disk, uint64_t count)
{
	struct ramdisk *rd = calloc(1, sizeof(*rd));
	if (!rd || !(rd->blocks = calloc(count, sizeof(*rd->blocks)))) {
		free(rd);
		return -ENOMEM;
	}
	memset(disk, 0, sizeof(*disk));
	disk->ops = &ram_ops;
	disk->block_size = KFS_BLOCK_SIZE;
	disk->block_count = count;
	disk->priv = rd;
	return 0;
}

void ramdisk_close(struct fs_disk *disk)
{
	struct ramdisk *rd = disk->priv;
	for (uint64_t i = 0; i < disk->block_count; i++)
		free(rd->blocks[i]);
	free(rd->blocks);
	free(rd);
}

struct ramdisk_stats *ramdisk_stats(struct fs_disk *disk) { return &((struct ramdisk *)disk->priv)->stats; }

uint8_t *ramdisk_block(struct fs_disk *disk, uint64_t block) { return ((struct ramdisk *)disk->priv)->blocks[block]; }
