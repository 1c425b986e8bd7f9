/*
 * KeelFS disks on the host (tools/keelfs/hostdisk.c): an image file, and
 * a RAM disk whose blocks are allocated when first written (so a 1 GiB
 * sparse file costs only what is written). The host tool and the host
 * tests use both.
 */
#ifndef KEEL_TOOLS_KEELFS_HOSTDISK_H
#define KEEL_TOOLS_KEELFS_HOSTDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "fs/disk.h"
#include "fs/kfs_dcache.h"

/* Opens path as a disk of its size in whole blocks (create: makes or
 * extends it to size bytes first). 0 or a negative errno. */
int filedisk_open(struct fs_disk *disk, const char *path, bool create, uint64_t size, bool read_only);
void filedisk_close(struct fs_disk *disk);

/* A RAM disk of count blocks. */
int ramdisk_open(struct fs_disk *disk, uint64_t count);
void ramdisk_close(struct fs_disk *disk);
/* Counters of what the disk was asked, for tests. */
struct ramdisk_stats {
	uint64_t reads, writes, flushes, blocks_written;
	uint32_t largest_write;
	bool fail_writes; /* every write fails with -EIO while set */
};
struct ramdisk_stats *ramdisk_stats(struct fs_disk *disk);
/* The block's memory (NULL while never written), for tests that damage it. */
uint8_t *ramdisk_block(struct fs_disk *disk, uint64_t block);

/* Pages for KeelFS's file-data cache from the heap, at most
 * HOST_DCACHE_BLOCKS (16 MiB) per mount: set kfs_data_pages to it. */
#define HOST_DCACHE_BLOCKS 4096u
extern const struct kfs_page_source host_data_pages;

#endif
