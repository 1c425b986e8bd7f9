/*
 * KeelFS's line in the memory report (kernel/memreport.h): the blocks its
 * caches hold. The cache grows as a disk is used, up to its bound (2,048
 * clean blocks per mount, fs/kfs_mount.c, and the dirty ones of the
 * transaction being built), so the heap of a busy appliance grows with it
 * for a while; a soak subtracts it to judge the rest of the heap.
 */
#include "fs/kfs.h"
#include "kernel/init.h"
#include "kernel/memreport.h"

static unsigned long read_cache_blocks(void) { return kfs_cache_blocks_all; }

static struct memreport_source cache_source = { .name = "kfs_cache_blocks", .read = read_cache_blocks };

static void kfs_memreport_init(void) { memreport_register(&cache_source); }
INIT_CALL(INIT_LATE, kfs_memreport_init);
