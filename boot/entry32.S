/*
 * The 32-bit entry both loaders jump to: protected mode, paging off,
 * interrupts in an unknown state, no stack we may trust.
 *
 * It records the loader's magic and information pointer and the TSC,
 * zeroes BSS, checks for long mode, identity-maps the first 4 GiB with
 * 2 MiB pages (enough to reach the kernel and anything a loader left
 * below 4 GiB), enables PAE, long mode, no-execute and write protection,
 * and far-jumps into 64-bit code. arch/x86_64/paging.c replaces these tables
 * with ones that give each part of the image its own permissions.
 */
#include "boot/boot.h"

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define CPUID_EXT_LM (1 << 29)
#define CPUID_EXT_NX (1 << 20)
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define COM1 0x3f8

	.section .text.boot, "ax"
	.code32

	.globl pvh_start
	.type pvh_start, @function
pvh_start:
	/* Boot time is counted from here: %eax carries nothing under PVH. */
	rdtsc
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4
	mov $PVH_START_MAGIC, %edi
	jmp common32

	.globl mb2_start
	.type mb2_start, @function
mb2_start:
	mov %eax, %edi                  /* the multiboot2 magic, before rdtsc */
	rdtsc
	mov %eax, boot_tsc
	mov %edx, boot_tsc + 4

common32:
	cli
	cld
	mov %edi, boot_magic
	mov %ebx, boot_info
	mov $boot_stack_top, %esp

	/* BSS holds two of these page tables: zero it first, four bytes at
	 * a time (the linker script aligns both ends to 8). */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $CPUID_EXT_LM, %edx
	jz no_long_mode
	mov %edx, %esi                  /* keep the NX bit for below */

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories. */
	mov $boot_pdpt + (PTE_P | PTE_W), %eax
	mov %eax, boot_pml4
	mov $boot_pd + (PTE_P | PTE_W), %eax
	mov $boot_pdpt, %edi
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b

	/* 2048 entries of 2 MiB: physical 0 to 4 GiB, identity. */
	mov $PTE_P | PTE_W | PTE_PS, %eax
	mov $boot_pd, %edi
	mov $2048, %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4

	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	test $CPUID_EXT_NX, %esi
	jz 3f
	or $EFER_NXE, %eax
3:	wrmsr

	mov %cr0, %eax
	or $CR0_PE | CR0_PG | CR0_WP, %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $BOOT_CS, $long_mode_entry

	/* No long mode: say so on COM1 (already set up by firmware, or
	 * not: QEMU's UART prints regardless) and stop. */
no_long_mode:
	mov $no_long_mode_msg, %esi
	mov $COM1, %dx
4:	lodsb
	test %al, %al
	jz 5f
	out %al, %dx
	jmp 4b
5:	cli
	hlt
	jmp 5b

	.code64
long_mode_entry:
	mov $BOOT_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp                  /* a zero frame pointer ends backtraces */
	mov boot_magic(%rip), %edi
	mov boot_info(%rip), %esi
	call kernel_start
6:	cli
	hlt
	jmp 6b

	.section .rodata
no_long_mode_msg:
	.asciz "keel: this CPU has no 64-bit long mode; stopping\r\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* BOOT_CS: 64-bit code, ring 0 */
	.quad 0x00cf92000000ffff        /* BOOT_DS: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	/* Written before BSS is zeroed, so they live in .data. */
	.section .data
	.balign 8
	.globl boot_tsc
boot_tsc:
	.quad 0
boot_magic:
	.long 0
boot_info:
	.long 0

	.section .bss
	.balign 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
	/* Every entry of the page directories is written below: no need to
	 * zero them first, nor the stack. */
	.section .bss.nozero, "aw", @nobits
	.balign 4096
boot_pd:
	.skip 4 * 4096
	/* The page below the boot stack stays unmapped (arch/x86_64/paging.c):
	 * an overflow of the boot stack faults instead of corrupting BSS. */
	.globl boot_stack_guard
boot_stack_guard:
	.skip 4096
	.globl boot_stack
boot_stack:
	.skip BOOT_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
