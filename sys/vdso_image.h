/*
 * The vDSO's image: the small ELF shared object whose address the
 * auxiliary vector gives (AT_SYSINFO_EHDR), through which musl, like any
 * libc, finds the functions it may call instead of making a system call
 * (clock_gettime above all). Keel runs the application in ring 0 in its
 * own address space, so the image holds no code: its symbols point at
 * kernel functions, their values relative to the image as in any shared
 * object. Pure logic: host-tested.
 *
 * The layout: the ELF header; two program headers, PT_LOAD over the whole
 * image and PT_DYNAMIC; the dynamic section (DT_HASH, DT_STRTAB,
 * DT_SYMTAB, DT_STRSZ, DT_SYMENT); the SysV hash table; the symbol table
 * (its entry 0 the null symbol); the string table. No section headers, no
 * symbol versions (musl looks a symbol up by name alone when the image
 * has no DT_VERDEF).
 */
#ifndef KEEL_SYS_VDSO_IMAGE_H
#define KEEL_SYS_VDSO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct vdso_sym {
	const char *name;
	uintptr_t addr; /* the function's address */
};

/* The ELF structures the image is made of (the System V ABI's, 64-bit). */
struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
struct elf64_dyn {
	int64_t tag;
	uint64_t val;
};
struct elf64_sym {
	uint32_t name;
	uint8_t info, other;
	uint16_t shndx;
	uint64_t value, size;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");
_Static_assert(sizeof(struct elf64_dyn) == 16, "ELF64 dynamic entry");
_Static_assert(sizeof(struct elf64_sym) == 24, "ELF64 symbol");
_Static_assert(offsetof(struct elf64_sym, value) == 8, "ELF64 symbol value");

#define VDSO_ET_DYN 3
#define VDSO_EM_X86_64 62
#define VDSO_PT_LOAD 1
#define VDSO_PT_DYNAMIC 2
#define VDSO_DT_NULL 0
#define VDSO_DT_HASH 4
#define VDSO_DT_STRTAB 5
#define VDSO_DT_SYMTAB 6
#define VDSO_DT_STRSZ 10
#define VDSO_DT_SYMENT 11
#define VDSO_STB_GLOBAL 1
#define VDSO_STT_FUNC 2
/* The index a defined symbol carries: the image has no section headers,
 * and any index but SHN_UNDEF (0) says "defined here". */
#define VDSO_SHNDX_TEXT 1

/* The bytes an image of the n symbols syms needs. */
size_t vdso_image_size(const struct vdso_sym *syms, unsigned n);

/* Builds the image of the n symbols syms at buf (8-byte aligned, size
 * bytes), the symbols' values computed against buf as the image's load
 * address. Returns the bytes used, or 0 when size is too small. */
size_t vdso_image_build(void *buf, size_t size, const struct vdso_sym *syms, unsigned n);

/* The SysV ELF hash of a symbol's name (DT_HASH's buckets). */
uint32_t vdso_elf_hash(const char *name);

#endif
