/*
 * Memory system calls: brk, mmap (anonymous memory, and private copies of
 * files), munmap, mprotect, mremap, madvise. Pages come from the page allocator (mapped at their
 * own address, as all RAM is) and go back to it; the protections asked
 * for are the page tables' own, so touching PROT_NONE memory faults.
 * musl's mallocng uses every one of them.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/paging.h"
#include "kernel/mm/mm.h"
#include "sys/fsfile.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

#define PAGE VM_PAGE
/* Requests larger than this are refused at once (the address space is
 * the machine's RAM). */
#define MAX_MAP (1ull << 40)

static uint64_t page_up(uint64_t v) { return (v + PAGE - 1) & ~(PAGE - 1); }

int app_apply_prot(uint64_t p, uint64_t len, unsigned prot)
{
	unsigned flags = MAP_NONE;
	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		flags = MAP_READ;
	if (prot & PROT_WRITE)
		flags |= MAP_WRITE;
	if (prot & PROT_EXEC)
		flags |= MAP_EXEC;
	return paging_map(p, len, flags);
}

/* Pages leaving the application: ordinary kernel memory again, then free. */
static void release(uint64_t start, uint64_t end, void *ctx)
{
	(void)ctx;
	paging_map(start, end - start, MAP_WRITE);
	mm_free_pages(start, (end - start) / PAGE);
}

/* Zeroes [p, p + len) of application memory whatever its protection. */
static void zero_pages(uint64_t p, uint64_t len, unsigned prot)
{
	if (!(prot & PROT_WRITE))
		paging_map(p, len, MAP_WRITE);
	memset((void *)(uintptr_t)p, 0, len);
	if (!(prot & PROT_WRITE))
		app_apply_prot(p, len, prot);
}

/* --- brk: one area, grown in place with the pages just above it ----------- */

static uint64_t brk_base, brk_cur, brk_top; /* brk_top: end of its pages */

static long sys_brk(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t want = (uint64_t)a0;
	if (brk_base == 0) {
		/* At a 2 MiB boundary: the pages above are likely free to grow
		 * into, since the allocator hands out low pages first. */
		uint64_t p = mm_alloc_pages_aligned(1, 512, 0);
		if (p == 0)
			return 0;
		memset((void *)(uintptr_t)p, 0, PAGE);
		if (vm_insert(&app_vm, p, p + PAGE, PROT_READ | PROT_WRITE, VM_BRK)) {
			mm_free_pages(p, 1);
			return 0;
		}
		brk_base = brk_cur = p;
		brk_top = p + PAGE;
	}
	if (want < brk_base || want - brk_base > MAX_MAP)
		return (long)brk_cur;
	uint64_t top = page_up(want);
	if (top > brk_top) {
		uint64_t n = (top - brk_top) / PAGE;
		/* As Linux: a break that cannot move stays where it was. */
		if (mm_claim_pages(brk_top, n))
			return (long)brk_cur;
		if (vm_insert(&app_vm, brk_top, top, PROT_READ | PROT_WRITE, VM_BRK)) {
			mm_free_pages(brk_top, n);
			return (long)brk_cur;
		}
		memset((void *)(uintptr_t)brk_top, 0, top - brk_top);
		brk_top = top;
	} else if (top < brk_top && top > brk_base) {
		vm_remove(&app_vm, top, brk_top, VM_BRK, release, NULL);
		brk_top = top;
	}
	brk_cur = want;
	return (long)brk_cur;
}
SYSCALL(SYS_brk, sys_brk);

/* --- mmap and friends -------------------------------------------------------- */

/* The application's addresses are canonical lower-half ones: a range
 * that reaches past them (or wraps past 2^64) is nobody's. */
#define USER_TOP (1ull << 47)
static bool beyond_user(uint64_t addr, uint64_t len) { return addr >= USER_TOP || len > USER_TOP - addr; }

static bool bad_range(uint64_t addr, uint64_t len)
{
	return (addr & (PAGE - 1)) != 0 || len == 0 || len > MAX_MAP || beyond_user(addr, len);
}

/* The file system calls may stay out of an image (KEEL_SYSCALLS_OUT):
 * then no descriptor is a file's, and no mapping reads one. */
extern __typeof__(fsfile_of) fsfile_of __attribute__((weak));
extern __typeof__(vfs_read) vfs_read __attribute__((weak));

/* New pages of a mapping, still writable by the kernel: zeros, then the
 * file's bytes from off when the mapping is a file's (what lies past
 * its end stays zero). */
static long fill(uint64_t p, uint64_t len, struct vfs_file *vf, uint64_t off)
{
	memset((void *)(uintptr_t)p, 0, len);
	if (vf == NULL)
		return 0;
	for (uint64_t done = 0; done < len;) {
		long n = vfs_read(vf->node, off + done, (void *)(uintptr_t)(p + done), len - done);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	return 0;
}

static long map(uint64_t addr, uint64_t len, unsigned prot, unsigned flags, struct vfs_file *vf, uint64_t off)
{
	len = page_up(len);
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		/* Only over the application's own anonymous memory: the
		 * rest of the address space is the kernel's. */
		if (addr & (PAGE - 1))
			return -EINVAL;
		if (beyond_user(addr, len))
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) || !vm_covered(&app_vm, addr, addr + len, VM_ANON))
			return -ENOMEM;
		if (vm_protect(&app_vm, addr, addr + len, prot, VM_ANON))
			return -ENOMEM;
		paging_map(addr, len, MAP_WRITE);
		long r = fill(addr, len, vf, off);
		app_apply_prot(addr, len, prot);
		return r ? r : (long)addr;
	}
	uint64_t p = mm_alloc_pages(len / PAGE);
	if (p == 0)
		return -ENOMEM;
	if (vm_insert(&app_vm, p, p + len, prot, VM_ANON)) {
		mm_free_pages(p, len / PAGE);
		return -ENOMEM;
	}
	long r = fill(p, len, vf, off);
	if (r || app_apply_prot(p, len, prot)) {
		vm_remove(&app_vm, p, p + len, VM_ANON, release, NULL);
		return r ? r : -ENOMEM;
	}
	return (long)p;
}

/*
 * A file's mapping is a private copy of its bytes: MAP_PRIVATE as Linux
 * has it, except that the copy is made at once, so later writes to the
 * file do not show through pages not yet written. A shared mapping is
 * the same copy when it cannot be written; a shared writable one would
 * have to write back, which Keel does not do: -ENODEV.
 */
static long sys_mmap(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t addr = (uint64_t)a0, len = (uint64_t)a1, off = (uint64_t)a5;
	unsigned prot = (unsigned)a2, flags = (unsigned)a3;
	if (len == 0 || len > MAX_MAP || (prot & ~(unsigned)(PROT_READ | PROT_WRITE | PROT_EXEC)) ||
	    ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED))
		return -EINVAL;
	if (flags & MAP_ANONYMOUS)
		return map(addr, len, prot, flags, NULL, 0);
	if (off & (PAGE - 1))
		return -EINVAL;
	struct file *f = fd_get(&app_fds, (int)a4);
	if (f == NULL)
		return -EBADF;
	struct vfs_file *vf = fsfile_of ? fsfile_of(f) : NULL;
	long r;
	if (vf == NULL || vf->dir)
		r = -ENODEV;
	else if (!(f->access & FILE_READ) ||
		 ((flags & MAP_TYPE) == MAP_SHARED && (prot & PROT_WRITE) && !(f->access & FILE_WRITE)))
		r = -EACCES;
	else if ((flags & MAP_TYPE) == MAP_SHARED && (prot & PROT_WRITE))
		r = -ENODEV;
	else
		r = map(addr, len, prot, flags, vf, off);
	file_put(f);
	return r;
}
SYSCALL(SYS_mmap, sys_mmap);

static long sys_munmap(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t addr = (uint64_t)a0, len = page_up((uint64_t)a1);
	if (bad_range(addr, len))
		return -EINVAL;
	return vm_remove(&app_vm, addr, addr + len, VM_ANON, release, NULL);
}
SYSCALL(SYS_munmap, sys_munmap);

static long sys_mprotect(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t addr = (uint64_t)a0, len = page_up((uint64_t)a1);
	unsigned prot = (unsigned)a2;
	if ((addr & (PAGE - 1)) || (prot & ~(unsigned)(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (beyond_user(addr, len))
		return -ENOMEM;
	int err = vm_protect(&app_vm, addr, addr + len, prot, VM_ANON);
	if (err)
		return err;
	return app_apply_prot(addr, len, prot);
}
SYSCALL(SYS_mprotect, sys_mprotect);

static long sys_mremap(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t old = (uint64_t)a0, oldlen = page_up((uint64_t)a1), newlen = page_up((uint64_t)a2);
	unsigned flags = (unsigned)a3;
	if (bad_range(old, oldlen) || newlen == 0 || newlen > MAX_MAP || (flags & ~(unsigned)MREMAP_MAYMOVE))
		return -EINVAL;
	if (!vm_covered(&app_vm, old, old + oldlen, VM_ANON))
		return -EFAULT;
	if (newlen <= oldlen) {
		vm_remove(&app_vm, old + newlen, old + oldlen, VM_ANON, release, NULL);
		return (long)old;
	}
	unsigned prot = vm_find(&app_vm, old)->prot;
	uint64_t extra = newlen - oldlen;
	/* In place when the pages above are free. */
	if (mm_claim_pages(old + oldlen, extra / PAGE) == 0) {
		if (vm_insert(&app_vm, old + oldlen, old + newlen, prot, VM_ANON) == 0) {
			memset((void *)(uintptr_t)(old + oldlen), 0, extra);
			app_apply_prot(old + oldlen, extra, prot);
			return (long)old;
		}
		mm_free_pages(old + oldlen, extra / PAGE);
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t p = mm_alloc_pages(newlen / PAGE);
	if (p == 0)
		return -ENOMEM;
	if (vm_insert(&app_vm, p, p + newlen, prot, VM_ANON)) {
		mm_free_pages(p, newlen / PAGE);
		return -ENOMEM;
	}
	/* The old pages may be unreadable to the application (PROT_NONE);
	 * the copy reads them through a readable mapping. */
	paging_map(old, oldlen, MAP_READ);
	memcpy((void *)(uintptr_t)p, (const void *)(uintptr_t)old, oldlen);
	memset((void *)(uintptr_t)(p + oldlen), 0, extra);
	app_apply_prot(p, newlen, prot);
	vm_remove(&app_vm, old, old + oldlen, VM_ANON, release, NULL);
	return (long)p;
}
SYSCALL(SYS_mremap, sys_mremap);

static long sys_madvise(long a0, long a1, long a2, long a3, long a4, long a5)
{
	uint64_t addr = (uint64_t)a0, len = page_up((uint64_t)a1);
	if (addr & (PAGE - 1))
		return -EINVAL;
	if (len == 0)
		return 0;
	if (!vm_access_ok(&app_vm, addr, len, 0))
		return -ENOMEM;
	if (a2 != MADV_DONTNEED)
		return 0; /* advice only: nothing to do */
	/* Anonymous memory reads as zeros after MADV_DONTNEED. */
	for (uint64_t at = addr; at < addr + len;) {
		const struct vm_region *r = vm_find(&app_vm, at);
		uint64_t end = r->end < addr + len ? r->end : addr + len;
		if (r->kind == VM_IMAGE)
			return -EINVAL;
		zero_pages(at, end - at, r->prot);
		at = end;
	}
	return 0;
}
SYSCALL(SYS_madvise, sys_madvise);
