/*
 * The vDSO's image, laid out as sys/vdso_image.h says.
 */
#include "sys/vdso_image.h"

#include <string.h>

#define DYN_ENTRIES 6 /* HASH, STRTAB, SYMTAB, STRSZ, SYMENT, NULL */

uint32_t vdso_elf_hash(const char *name)
{
	uint32_t h = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h = (h << 4) + *p;
		uint32_t g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* Offsets of the image's parts. */
struct layout {
	size_t phdr, dyn, hash, sym, str, strsz, total;
	uint32_t nbucket, nsym;
};

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

static struct layout layout_of(const struct vdso_sym *syms, unsigned n)
{
	struct layout l;
	l.nsym = n + 1;
	l.nbucket = n ? n : 1;
	l.phdr = sizeof(struct elf64_ehdr);
	l.dyn = l.phdr + 2 * sizeof(struct elf64_phdr);
	l.hash = l.dyn + DYN_ENTRIES * sizeof(struct elf64_dyn);
	l.sym = align8(l.hash + (2 + (size_t)l.nbucket + l.nsym) * sizeof(uint32_t));
	l.str = l.sym + (size_t)l.nsym * sizeof(struct elf64_sym);
	l.strsz = 1;
	for (unsigned i = 0; i < n; i++)
		l.strsz += strlen(syms[i].name) + 1;
	l.total = align8(l.str + l.strsz);
	return l;
}

size_t vdso_image_size(const struct vdso_sym *syms, unsigned n) { return layout_of(syms, n).total; }

size_t vdso_image_build(void *buf, size_t size, const struct vdso_sym *syms, unsigned n)
{
	struct layout l = layout_of(syms, n);
	if (size < l.total)
		return 0;
	uint8_t *img = buf;
	memset(img, 0, l.total);

	struct elf64_ehdr *eh = (struct elf64_ehdr *)img;
	static const uint8_t
	    ident[16] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */ };
	memcpy(eh->ident, ident, sizeof(ident));
	eh->type = VDSO_ET_DYN;
	eh->machine = VDSO_EM_X86_64;
	eh->version = 1;
	eh->phoff = l.phdr;
	eh->ehsize = sizeof(*eh);
	eh->phentsize = sizeof(struct elf64_phdr);
	eh->phnum = 2;

	struct elf64_phdr *ph = (struct elf64_phdr *)(img + l.phdr);
	ph[0] = (struct elf64_phdr){
		.type = VDSO_PT_LOAD, .flags = 5 /* R, X */, .filesz = l.total, .memsz = l.total, .align = 4096
	};
	ph[1] = (struct elf64_phdr){ .type = VDSO_PT_DYNAMIC,
				     .flags = 4 /* R */,
				     .offset = l.dyn,
				     .vaddr = l.dyn,
				     .paddr = l.dyn,
				     .filesz = DYN_ENTRIES * sizeof(struct elf64_dyn),
				     .memsz = DYN_ENTRIES * sizeof(struct elf64_dyn),
				     .align = 8 };

	struct elf64_dyn *dyn = (struct elf64_dyn *)(img + l.dyn);
	dyn[0] = (struct elf64_dyn){ VDSO_DT_HASH, l.hash };
	dyn[1] = (struct elf64_dyn){ VDSO_DT_STRTAB, l.str };
	dyn[2] = (struct elf64_dyn){ VDSO_DT_SYMTAB, l.sym };
	dyn[3] = (struct elf64_dyn){ VDSO_DT_STRSZ, l.strsz };
	dyn[4] = (struct elf64_dyn){ VDSO_DT_SYMENT, sizeof(struct elf64_sym) };
	dyn[5] = (struct elf64_dyn){ VDSO_DT_NULL, 0 };

	/* Symbol i + 1 is syms[i]; each bucket's chain is threaded through
	 * chain[], the newest symbol first. */
	uint32_t *hash = (uint32_t *)(img + l.hash);
	uint32_t *bucket = hash + 2, *chain = bucket + l.nbucket;
	hash[0] = l.nbucket;
	hash[1] = l.nsym;
	struct elf64_sym *sym = (struct elf64_sym *)(img + l.sym);
	char *str = (char *)(img + l.str);
	size_t at = 1;
	for (unsigned i = 0; i < n; i++) {
		uint32_t s = i + 1;
		size_t len = strlen(syms[i].name);
		memcpy(str + at, syms[i].name, len + 1);
		sym[s] = (struct elf64_sym){ .name = (uint32_t)at,
					     .info = VDSO_STB_GLOBAL << 4 | VDSO_STT_FUNC,
					     .shndx = VDSO_SHNDX_TEXT,
					     .value = syms[i].addr - (uintptr_t)img };
		at += len + 1;
		uint32_t b = vdso_elf_hash(syms[i].name) % l.nbucket;
		chain[s] = bucket[b];
		bucket[b] = s;
	}
	return l.total;
}
