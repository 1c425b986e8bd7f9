/*
 * The vDSO's image (sys/vdso_image.c), read back with the host's own ELF
 * definitions (glibc's <elf.h>) the way a C library reads it: the program
 * headers to the dynamic section, its tags to the hash, symbol and string
 * tables, a name's hash chain to its symbol, the symbol's value plus the
 * load address to the function, which is then called.
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/vdso_image.h"

static int answer_one(void) { return 1; }
static int answer_two(void) { return 2; }
static int answer_three(void) { return 3; }

static const struct vdso_sym syms[] = {
	{ "__vdso_clock_gettime", (uintptr_t)answer_one },
	{ "__vdso_gettimeofday", (uintptr_t)answer_two },
	{ "__vdso_time", (uintptr_t)answer_three },
};
#define NSYMS 3

_Static_assert(sizeof(Elf64_Ehdr) == sizeof(struct elf64_ehdr), "header as the host's");
_Static_assert(sizeof(Elf64_Phdr) == sizeof(struct elf64_phdr), "program header as the host's");
_Static_assert(sizeof(Elf64_Sym) == sizeof(struct elf64_sym), "symbol as the host's");
_Static_assert(offsetof(Elf64_Sym, st_shndx) == offsetof(struct elf64_sym, shndx), "st_shndx");

struct image {
	uintptr_t load;
	const uint32_t *hash;
	const Elf64_Sym *sym;
	const char *str;
	size_t strsz;
};

/* What a reader finds from the image's first byte, checking each part
 * lies inside the image's size bytes. */
static struct image read_image(const uint8_t *img, size_t size)
{
	const Elf64_Ehdr *eh = (const void *)img;
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh->e_ident[EI_DATA], ELFDATA2LSB);
	assert_int_equal(eh->e_ident[EI_VERSION], EV_CURRENT);
	assert_int_equal(eh->e_type, ET_DYN);
	assert_int_equal(eh->e_machine, EM_X86_64);
	assert_int_equal(eh->e_version, EV_CURRENT);
	assert_int_equal(eh->e_ehsize, sizeof(Elf64_Ehdr));
	assert_int_equal(eh->e_phentsize, sizeof(Elf64_Phdr));
	assert_int_equal(eh->e_shnum, 0);
	assert_true(eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) <= size);

	struct image im = { .load = UINTPTR_MAX };
	const Elf64_Dyn *dyn = NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(Elf64_Phdr));
		if (ph->p_type == PT_LOAD) {
			assert_int_equal(ph->p_offset, 0);
			assert_int_equal(ph->p_filesz, size);
			assert_true(ph->p_flags & PF_R);
			im.load = (uintptr_t)img + ph->p_offset - ph->p_vaddr;
		} else if (ph->p_type == PT_DYNAMIC) {
			assert_true(ph->p_offset + ph->p_filesz <= size);
			assert_int_equal(ph->p_offset % 8, 0);
			dyn = (const void *)(img + ph->p_offset);
		}
	}
	assert_true(im.load != UINTPTR_MAX);
	assert_non_null(dyn);
	size_t syment = 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		assert_true(dyn->d_un.d_ptr < size);
		const void *p = (const void *)(im.load + dyn->d_un.d_ptr);
		switch (dyn->d_tag) {
		case DT_HASH: im.hash = p; break;
		case DT_SYMTAB: im.sym = p; break;
		case DT_STRTAB: im.str = p; break;
		case DT_STRSZ: im.strsz = dyn->d_un.d_val; break;
		case DT_SYMENT: syment = dyn->d_un.d_val; break;
		}
	}
	assert_non_null(im.hash);
	assert_non_null(im.sym);
	assert_non_null(im.str);
	assert_int_equal(syment, sizeof(Elf64_Sym));
	assert_int_equal((uintptr_t)im.hash % 4, 0);
	assert_int_equal((uintptr_t)im.sym % 8, 0);
	assert_true((const uint8_t *)im.str + im.strsz <= img + size);
	assert_int_equal(im.str[0], '\0');
	assert_int_equal(im.str[im.strsz - 1], '\0');
	return im;
}

/* The symbol name, by its hash chain; NULL when absent. */
static const Elf64_Sym *find(const struct image *im, const char *name)
{
	uint32_t nbucket = im->hash[0], nchain = im->hash[1];
	const uint32_t *bucket = im->hash + 2, *chain = bucket + nbucket;
	for (uint32_t i = bucket[vdso_elf_hash(name) % nbucket]; i != STN_UNDEF; i = chain[i]) {
		assert_true(i < nchain);
		assert_true(im->sym[i].st_name < im->strsz);
		if (strcmp(im->str + im->sym[i].st_name, name) == 0)
			return &im->sym[i];
	}
	return NULL;
}

static void found_and_called(void **state)
{
	size_t size = vdso_image_size(syms, NSYMS);
	uint8_t *img = malloc(size); /* 16-byte aligned, as the image needs 8 */
	assert_non_null(img);
	memset(img, 0xa5, size);
	assert_int_equal(vdso_image_build(img, size, syms, NSYMS), size);
	struct image im = read_image(img, size);

	assert_int_equal(im.hash[1], NSYMS + 1); /* nchain: every symbol, the null one too */
	const Elf64_Sym *null = &im.sym[0];
	assert_int_equal(null->st_name, 0);
	assert_int_equal(null->st_info, 0);
	assert_int_equal(null->st_shndx, SHN_UNDEF);
	int want[] = { 1, 2, 3 };
	for (int i = 0; i < NSYMS; i++) {
		const Elf64_Sym *s = find(&im, syms[i].name);
		assert_non_null(s);
		assert_int_equal(ELF64_ST_TYPE(s->st_info), STT_FUNC);
		assert_int_equal(ELF64_ST_BIND(s->st_info), STB_GLOBAL);
		assert_int_not_equal(s->st_shndx, SHN_UNDEF);
		int (*fn)(void) = (int (*)(void))(im.load + s->st_value);
		assert_ptr_equal((void *)fn, (void *)syms[i].addr);
		assert_int_equal(fn(), want[i]);
	}
	assert_null(find(&im, "__vdso_getcpu"));
	assert_null(find(&im, "__vdso_clock_gettim"));
	free(img);
}

/* The same image wherever it is built: only its load address moves the
 * symbols' values. */
static void position_independent(void **state)
{
	size_t size = vdso_image_size(syms, NSYMS);
	uint8_t *a = malloc(size), *b = malloc(size + 64);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(vdso_image_build(a, size, syms, NSYMS), size);
	assert_int_equal(vdso_image_build(b + 64, size, syms, NSYMS), size);
	struct image ia = read_image(a, size), ib = read_image(b + 64, size);
	for (int i = 0; i < NSYMS; i++)
		assert_int_equal(ia.load + find(&ia, syms[i].name)->st_value,
				 ib.load + find(&ib, syms[i].name)->st_value);
	free(a);
	free(b);
}

static void too_small_refused(void **state)
{
	size_t size = vdso_image_size(syms, NSYMS);
	uint8_t *img = calloc(1, size);
	assert_non_null(img);
	assert_int_equal(vdso_image_build(img, size - 8, syms, NSYMS), 0);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(img[i], 0); /* nothing written */
	free(img);
}

/* The System V ABI's hash of known names (values any ELF tool gives). */
static void elf_hash_values(void **state)
{
	assert_int_equal(vdso_elf_hash(""), 0);
	assert_int_equal(vdso_elf_hash("printf"), 0x077905a6);
	assert_int_equal(vdso_elf_hash("exit"), 0x0006cf04);
	assert_int_equal(vdso_elf_hash("__vdso_clock_gettime"), 0x0d35ec75);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(found_and_called),
		cmocka_unit_test(position_independent),
		cmocka_unit_test(too_small_refused),
		cmocka_unit_test(elf_hash_values),
	};
	return cmocka_run_group_tests_name("vdso", tests, NULL, NULL);
}
