/*
 * What the loader tells the kernel, whichever protocol it spoke: the memory
 * map, the command line and where ACPI's root pointer is. Everything is
 * copied out of the loader's structures, whose memory is ordinary RAM the
 * page allocator will hand out.
 */
#ifndef KEEL_BOOTINFO_H
#define KEEL_BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/mm/memmap.h"

enum boot_protocol {
	BOOT_PROTOCOL_PVH,
	BOOT_PROTOCOL_MULTIBOOT2,
};

#define BOOTINFO_CMDLINE_MAX 4096
#define ACPI_RSDP_COPY_MAX 36 /* ACPI 2.0+ RSDP; the 1.0 one is 20 bytes */

struct boot_info {
	enum boot_protocol protocol;
	char loader[64];
	char cmdline[BOOTINFO_CMDLINE_MAX];
	bool cmdline_truncated;
	struct memmap memmap;
	bool memmap_truncated;
	/* PVH gives the RSDP's address; multiboot2 gives a copy of it. */
	uint64_t rsdp_phys;
	uint8_t rsdp_copy[ACPI_RSDP_COPY_MAX];
	size_t rsdp_copy_len;
};

/* Physical memory as the parser sees it: returns a pointer to len bytes at
 * phys, or NULL when they are not reachable. The kernel maps the first
 * 4 GiB one to one; host tests hand out a fake physical memory. */
typedef const void *(*phys_reader_fn)(uint64_t phys, size_t len);

/* Each returns 0, or a negative errno value with msg set to why the
 * structure was refused (bad magic, a tag that runs past the end...). */
int bootinfo_parse_pvh(struct boot_info *bi, uint64_t start_info_phys, phys_reader_fn read, const char **msg);
int bootinfo_parse_multiboot2(struct boot_info *bi, uint64_t mbi_phys, phys_reader_fn read, const char **msg);

/* Layouts of the two protocols, fixed by their specifications. */
struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version 1 and later */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_paddr) == 40, "hvm_start_info v1");

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");

struct mb2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
};
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2_tag_mmap");

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2_mmap_entry");

#endif
