/*
 * KeelFS's lines in the memory report (kernel/memreport.h): the blocks its
 * caches hold.
 *
 * kfs_cache_blocks: the metadata caches' blocks, each a block of data and
 * its struct kfs_cblock on the heap. That cache grows as a disk is used,
 * up to its bound (2,048 clean blocks per mount, fs/kfs_mount.c, and the
 * dirty ones of the transaction being built), so the heap of a busy
 * appliance grows with it for a while; a soak subtracts it to judge the
 * rest of the heap.
 *
 * kfs_data_blocks: the file-data caches' blocks (fs/kfs_dcache.h), each a
 * page of the page allocator, not of the heap: they show in free_pages,
 * and their bookkeeping is one array per mount, allocated when it mounts,
 * so the heap does not grow with them.
 */
#include "fs/kfs.h"
#include "kernel/init.h"
#include "kernel/memreport.h"

static unsigned long read_cache_blocks(void) { return kfs_cache_blocks_all; }
static unsigned long read_data_blocks(void) { return kfs_dcache_blocks_all; }

static struct memreport_source cache_source = { .name = "kfs_cache_blocks", .read = read_cache_blocks };
static struct memreport_source data_source = { .name = "kfs_data_blocks", .read = read_data_blocks };

static void kfs_memreport_init(void)
{
	memreport_register(&cache_source);
	memreport_register(&data_source);
}
INIT_CALL(INIT_LATE, kfs_memreport_init);
