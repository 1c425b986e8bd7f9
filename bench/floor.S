/*
 * The floor of the boot benchmark: a guest whose first instruction ends
 * the VM through isa-debug-exit. It carries the same two entry
 * points as Keel (a multiboot2 header for GRUB, a PVH note for -kernel),
 * so every boot path has a floor measured with the same QEMU options.
 */
	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long 0xe85250d6
	.long 0
	.long mb2_header_end - mb2_header
	.long -(0xe85250d6 + (mb2_header_end - mb2_header))
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .note.Xen, "a"
	.balign 4
	.long 4, 4, 18
	.asciz "Xen"
	.long floor_start

	.section .text
	.code32
	.globl floor_start
floor_start:
	outb %al, $0xf4
1:	hlt
	jmp 1b
