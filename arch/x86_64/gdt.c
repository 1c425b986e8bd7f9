/*
 * The GDT and the TSS. Long mode ignores segment bases and limits; what
 * is left of segmentation is the code segment's mode and the TSS, whose
 * interrupt stack table is how a fault on a broken stack gets a good one.
 */
#include "arch/x86_64/gdt.h"

#include <stddef.h>

#include "boot/boot.h"

#define IST_STACK_SIZE 8192
#define TSS_SELECTOR 0x18

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed)); /* Intel SDM vol. 3, figure 8-11: 64-bit fields at 4-byte offsets */
_Static_assert(sizeof(struct tss) == 104, "TSS size");
_Static_assert(offsetof(struct tss, ist) == 36, "TSS IST offset");

static struct tss tss;
/* Stacks need no zeroing: .bss.nozero (linker.ld). */
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16), section(".bss.nozero")));

/* null, code, data, then the TSS descriptor, which takes two slots. */
static uint64_t gdt[5] = {
	0,
	0x00af9a000000ffff, /* BOOT_CS: 64-bit code, ring 0 */
	0x00cf92000000ffff, /* BOOT_DS: data, ring 0 */
	0,
	0,
};
_Static_assert(BOOT_CS == 0x08 && BOOT_DS == 0x10, "selectors match the boot GDT");

struct __attribute__((packed)) descriptor_pointer {
	uint16_t limit;
	uint64_t base;
};

uintptr_t gdt_ist_top(int ist) { return (uintptr_t)ist_stacks[ist - 1] + IST_STACK_SIZE; }

void gdt_init(void)
{
	for (int i = 1; i <= IST_COUNT; i++)
		tss.ist[i - 1] = gdt_ist_top(i);
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */

	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
	/* An available 64-bit TSS (type 9), present. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;

	struct descriptor_pointer p = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"((uint64_t)BOOT_CS), "i"(BOOT_DS), "r"((uint16_t)TSS_SELECTOR)
			 : "rax", "memory");
}
