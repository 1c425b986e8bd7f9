/*
 * The two ways a loader finds Keel's entry point.
 *
 * GRUB scans the first 32 KiB of the file for a multiboot2 header (an
 * 8-byte aligned magic with a checksum), loads the ELF segments and jumps
 * to the ELF entry point, mb2_start.
 *
 * QEMU's -kernel (and Firecracker, cloud-hypervisor) read the Xen PVH note
 * XEN_ELFNOTE_PHYS32_ENTRY from a PT_NOTE segment and jump to pvh_start.
 * There is deliberately no multiboot1 header: QEMU tries multiboot1 first
 * and refuses a 64-bit ELF that carries one, so it must find the note.
 *
 * Both entries arrive in 32-bit protected mode with paging off.
 */
#include "boot/boot.h"

	.section .multiboot2, "a"
	.balign 8
	.globl mb2_header
mb2_header:
	.long MB2_HEADER_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* The end tag: no optional requests; GRUB passes the memory map,
	 * command line and ACPI RSDP tags by default. */
	.balign 8
	.short 0
	.short 0
	.long 8
mb2_header_end:

	.section .note.Xen, "a"
	.balign 4
	.long 4                         /* name size: "Xen\0" */
	.long 4                         /* descriptor size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_start
