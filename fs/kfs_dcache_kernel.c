/*
 * The file-data cache's place in the kernel (fs/kfs_dcache.h): its pages
 * come from the page allocator, never by taking them back from a
 * reclaimer (a cache must not deflate a balloon to grow); its bound is the
 * option kfs.cache=MIB (0: no cache) or half the memory free at
 * mount; and it is one of the page allocator's reclaimers, so an
 * allocation that would fail takes cached blocks back first (the heap
 * then grows by the pages it needs, not by its usual 256 KiB run,
 * which the cache's scattered pages seldom make: kernel/mm/heap.h).
 */
#include <stdint.h>

#include "fs/kfs_dcache.h"
#include "kernel/console.h"
#include "kernel/init.h"
#include "kernel/mm/mm.h"
#include "kernel/option.h"

static const char *cache_option;
static void set_cache_option(const char *value) { cache_option = value; }
KERNEL_OPTION("kfs.cache=", set_cache_option);

static uint64_t option_blocks;
static bool option_valid;

static void *kernel_page_alloc(void)
{
	uint64_t pa = mm_try_alloc_page();
	return pa ? (void *)(uintptr_t)pa : NULL;
}

static void kernel_page_free(void *page) { mm_free_pages((uintptr_t)page, 1); }

static uint64_t kernel_bound(void) { return option_valid ? option_blocks : kfs_dcache_default_bound(mm_free_bytes()); }

static const struct kfs_page_source kernel_pages = {
	.alloc = kernel_page_alloc,
	.free = kernel_page_free,
	.bound = kernel_bound,
};

/* Called from inside an allocation that found no memory (thread context,
 * never in the middle of the cache's own functions: they allocate only
 * from kernel_page_alloc, which does not reclaim). Its pages are counted
 * by the memory report, not as lent: they are the kernel's own. */
static uint64_t kfs_dcache_reclaimer(void *ctx, uint64_t npages)
{
	(void)ctx;
	return kfs_dcache_reclaim(npages);
}

static const struct pmm_reclaimer reclaimer = {
	.name = "kfs-data-cache",
	.reclaim = kfs_dcache_reclaimer,
	.held = NULL,
	.ctx = NULL,
};

/* INIT_CORE: memory is up, and no disk is mounted before the init calls
 * are done. */
static void kfs_dcache_kernel_init(void)
{
	if (cache_option) {
		option_valid = kfs_dcache_parse_mib(cache_option, &option_blocks) == 0;
		if (!option_valid)
			kwarn("boot: kfs.cache=%s is not a whole number of MiB (half of free memory is used)\n",
			      cache_option);
	}
	if (mm_register_reclaimer(&reclaimer) != 0)
		kwarn("boot: no room among the page allocator's reclaimers: KeelFS's data cache is not shrunk on "
		      "demand\n");
	kfs_data_pages = &kernel_pages;
}
INIT_CALL(INIT_CORE, kfs_dcache_kernel_init);
