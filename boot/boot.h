/*
 * Constants shared by the boot assembly and the C code that reads what the
 * loaders leave behind. Only #defines: this file is included from .S files.
 */
#ifndef KEEL_BOOT_H
#define KEEL_BOOT_H

/* Multiboot2 specification, section 3.1.1: the header. */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
/* Section 3.3: the value a multiboot2 loader leaves in %eax. */
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* Xen's public/elfnote.h: the 32-bit physical entry point for PVH. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
/* Xen's public/arch-x86/hvm/start_info.h: hvm_start_info.magic. Keel's
 * PVH entry also leaves it in the register that carries the loader's
 * magic, so C tells the two protocols apart the same way. */
#define PVH_START_MAGIC 0x336ec578

/* Selectors of the boot GDT (arch/x86_64/gdt.c keeps the same ones). */
#define BOOT_CS 0x08
#define BOOT_DS 0x10

#define BOOT_STACK_SIZE 16384

#endif
