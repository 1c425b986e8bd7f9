/*
 * Reading the loader's hand-over: the PVH hvm_start_info (Xen's
 * public/arch-x86/hvm/start_info.h) and the multiboot2 information
 * structure (multiboot2 specification, section 3.6).
 *
 * Both are input from outside the kernel: every length is checked against
 * the structure that contains it before anything is read.
 */
#include "kernel/bootinfo.h"

#include <errno.h>
#include <string.h>

#include "boot/boot.h"

/* Upper bounds that no sane loader reaches; past them the input is wrong. */
#define MB2_INFO_MAX (1u << 20)
#define PVH_MEMMAP_MAX_ENTRIES 1024

static void add_region(struct boot_info *bi, uint64_t base, uint64_t length, uint32_t type)
{
	if (memmap_add(&bi->memmap, base, length, type) != 0)
		bi->memmap_truncated = true;
}

/* Copies a NUL-terminated string of at most max bytes from physical memory. */
static void copy_string(char *dst, size_t dst_size, const char *src, size_t max, bool *truncated)
{
	size_t n = 0;
	while (n < max && src[n] != '\0')
		n++;
	if (n >= dst_size) {
		n = dst_size - 1;
		if (truncated)
			*truncated = true;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Reads a string at a physical address a page at a time, so that a string
 * near the end of a mapping is not refused for the bytes beyond it. */
static void copy_phys_string(char *dst, size_t dst_size, uint64_t phys, phys_reader_fn read, bool *truncated)
{
	size_t n = 0;
	for (;;) {
		size_t chunk = 4096 - (size_t)((phys + n) & 4095);
		const char *src = read(phys + n, chunk);
		if (src == NULL) {
			/* Unreachable memory after part of the string: what
			 * was read is kept, but it may not be all of it. (An
			 * unreachable start reads as no command line.) */
			if (truncated && n > 0)
				*truncated = true;
			break;
		}
		size_t i = 0;
		while (i < chunk && src[i] != '\0') {
			if (n + 1 >= dst_size) {
				if (truncated)
					*truncated = true;
				goto done;
			}
			dst[n++] = src[i++];
		}
		if (i < chunk)
			break; /* found the NUL */
	}
done:
	dst[n] = '\0';
}

int bootinfo_parse_pvh(struct boot_info *bi, uint64_t start_info_phys, phys_reader_fn read, const char **msg)
{
	memset(bi, 0, sizeof(*bi));
	bi->protocol = BOOT_PROTOCOL_PVH;
	strcpy(bi->loader, "PVH");

	const struct hvm_start_info *si = read(start_info_phys, 40);
	if (si == NULL) {
		*msg = "hvm_start_info is not in reachable memory";
		return -EFAULT;
	}
	if (si->magic != PVH_START_MAGIC) {
		*msg = "hvm_start_info has a bad magic";
		return -EINVAL;
	}
	if (si->cmdline_paddr != 0)
		copy_phys_string(bi->cmdline, sizeof(bi->cmdline), si->cmdline_paddr, read, &bi->cmdline_truncated);
	bi->rsdp_phys = si->rsdp_paddr;

	if (si->version >= 1) {
		si = read(start_info_phys, sizeof(*si));
		if (si == NULL) {
			*msg = "hvm_start_info (version 1) is not in reachable memory";
			return -EFAULT;
		}
		/* Xen's start_info.h: an address of 0 means the field is not
		 * present, so a map "at 0" is no map at all. */
		uint32_t n = si->memmap_paddr != 0 ? si->memmap_entries : 0;
		if (n > PVH_MEMMAP_MAX_ENTRIES) {
			*msg = "hvm_start_info has an implausibly long memory map";
			return -EINVAL;
		}
		const struct hvm_memmap_table_entry *e = NULL;
		if (n > 0)
			e = read(si->memmap_paddr, (size_t)n * sizeof(*e));
		if (n > 0 && e == NULL) {
			*msg = "the PVH memory map is not in reachable memory";
			return -EFAULT;
		}
		for (uint32_t i = 0; i < n; i++)
			add_region(bi, e[i].addr, e[i].size, e[i].type);
	}
	if (bi->memmap.count == 0) {
		/* Version 0 has no map: Xen's convention then is the E820
		 * hypercall, which a guest outside Xen does not have. */
		*msg = "the PVH loader gave no memory map";
		return -ENODATA;
	}
	if (!memmap_normalize(&bi->memmap))
		bi->memmap_truncated = true;
	return 0;
}

static void parse_mb2_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t)
{
	/* Entries may grow in later versions: step by entry_size, read only
	 * the fields this version knows. */
	if (t->entry_size < sizeof(struct mb2_mmap_entry) || t->entry_size % 8 != 0)
		return;
	const uint8_t *base = (const uint8_t *)t;
	for (size_t off = sizeof(*t); t->size - off >= t->entry_size && off < t->size; off += t->entry_size) {
		struct mb2_mmap_entry e;
		memcpy(&e, base + off, sizeof(e));
		add_region(bi, e.base, e.length, e.type);
	}
}

int bootinfo_parse_multiboot2(struct boot_info *bi, uint64_t mbi_phys, phys_reader_fn read, const char **msg)
{
	memset(bi, 0, sizeof(*bi));
	bi->protocol = BOOT_PROTOCOL_MULTIBOOT2;
	strcpy(bi->loader, "multiboot2");

	if (mbi_phys & 7) {
		*msg = "the multiboot2 information is not 8-byte aligned";
		return -EINVAL;
	}
	const struct mb2_info_header *h = read(mbi_phys, sizeof(*h));
	if (h == NULL) {
		*msg = "the multiboot2 information is not in reachable memory";
		return -EFAULT;
	}
	uint32_t total = h->total_size;
	if (total < sizeof(*h) + sizeof(struct mb2_tag) || total > MB2_INFO_MAX) {
		*msg = "the multiboot2 information has an implausible size";
		return -EINVAL;
	}
	const uint8_t *base = read(mbi_phys, total);
	if (base == NULL) {
		*msg = "the multiboot2 information is not in reachable memory";
		return -EFAULT;
	}

	bool ended = false, have_acpi_new = false;
	size_t off = sizeof(*h);
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = (const struct mb2_tag *)(base + off);
		if (tag->size < sizeof(*tag) || tag->size > total - off) {
			*msg = "a multiboot2 tag runs past the end of the information";
			return -EINVAL;
		}
		const uint8_t *data = (const uint8_t *)tag + sizeof(*tag);
		size_t data_len = tag->size - sizeof(*tag);
		if (tag->type == MB2_TAG_END) {
			ended = true;
			break;
		}
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			copy_string(bi->cmdline, sizeof(bi->cmdline), (const char *)data, data_len,
				    &bi->cmdline_truncated);
			break;
		case MB2_TAG_LOADER_NAME:
			copy_string(bi->loader, sizeof(bi->loader), (const char *)data, data_len, NULL);
			break;
		case MB2_TAG_MMAP:
			if (tag->size >= sizeof(struct mb2_tag_mmap))
				parse_mb2_mmap(bi, (const struct mb2_tag_mmap *)tag);
			break;
		case MB2_TAG_ACPI_NEW:
		case MB2_TAG_ACPI_OLD:
			/* Prefer the ACPI 2.0 copy: it carries the XSDT. */
			if (tag->type == MB2_TAG_ACPI_OLD && have_acpi_new)
				break;
			bi->rsdp_copy_len = data_len < ACPI_RSDP_COPY_MAX ? data_len : ACPI_RSDP_COPY_MAX;
			memcpy(bi->rsdp_copy, data, bi->rsdp_copy_len);
			have_acpi_new = tag->type == MB2_TAG_ACPI_NEW;
			break;
		default: break;
		}
		off += (tag->size + 7) & ~7u; /* tags start 8-byte aligned */
	}
	if (!ended) {
		*msg = "the multiboot2 information has no end tag";
		return -EINVAL;
	}
	if (bi->memmap.count == 0) {
		*msg = "the multiboot2 loader gave no memory map";
		return -ENODATA;
	}
	if (!memmap_normalize(&bi->memmap))
		bi->memmap_truncated = true;
	return 0;
}
