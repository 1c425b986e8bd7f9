/*
 * ACPI tables: what the kernel needs of them (ACPI 6.4, chapter 5). Every
 * table is checked (length, checksum) before use; a bad one is reported
 * and skipped.
 */
#ifndef KEEL_ACPI_H
#define KEEL_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/bootinfo.h" /* phys_reader_fn */

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision; /* 0: ACPI 1.0, 20 bytes; 2: the rest below */
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed)); /* ACPI 6.4 table 5.3: xsdt_address at offset 24 */
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP XSDT offset");

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
};
_Static_assert(sizeof(struct acpi_header) == 36, "SDT header size");

/* The tables are parsed before there is a heap, into this structure.
 * Where the input itself bounds a list, that bound sizes it: an I/O
 * APIC's ID is one byte (the MADT lists each at most once), an override
 * concerns one of the 16 ISA IRQs. The other lists are kept for the boot
 * log and PCI: the table signatures (the first 32 are named, every table
 * is parsed), the CPUs (counted; Keel runs on the boot CPU only), the ECAM
 * ranges (one per PCI segment group; virtual machines have one). */
#define ACPI_MAX_TABLES 32
#define ACPI_MAX_IOAPICS 256
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_CPUS 64
#define ACPI_MAX_ECAM 8

/* A generic address structure (table 5.1), decoded. */
struct acpi_gas {
	uint8_t space; /* 0 memory, 1 I/O, 2 PCI configuration */
	uint8_t bit_width;
	uint64_t address;
};
#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1

struct acpi_info {
	uint8_t revision; /* of the RSDP */
	char oem_id[7];
	bool use_xsdt;
	unsigned ntables;
	struct {
		char signature[5];
		uint64_t phys;
		uint32_t length;
		uint8_t revision;
	} table[ACPI_MAX_TABLES];
	unsigned nbad; /* tables refused (length or checksum) */

	/* MADT */
	bool have_madt;
	uint64_t lapic_phys;
	bool pcat_compat; /* legacy 8259 PICs present: mask them */
	unsigned ncpus;
	uint32_t cpu_apic_id[ACPI_MAX_CPUS];
	unsigned nioapics;
	struct {
		uint8_t id;
		uint64_t phys;
		uint32_t gsi_base;
	} ioapic[ACPI_MAX_IOAPICS];
	unsigned noverrides;
	struct {
		uint8_t source; /* ISA IRQ */
		uint32_t gsi;
		uint16_t flags; /* MPS INTI flags: polarity bits 0-1, trigger 2-3 */
	} override[ACPI_MAX_OVERRIDES];

	/* MCFG: PCI Express configuration space (ECAM) */
	unsigned necam;
	struct {
		uint64_t base;
		uint16_t segment;
		uint8_t bus_start, bus_end;
	} ecam[ACPI_MAX_ECAM];

	/* FADT */
	bool have_fadt;
	bool hw_reduced;
	uint16_t sci_irq;
	uint16_t pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	uint16_t pm1a_cnt, pm1b_cnt;
	bool have_reset;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint64_t dsdt_phys;
	uint8_t rtc_century_reg; /* the CMOS register holding the century; 0: none */
	uint16_t iapc_boot_arch; /* legacy devices present (x86: bit 5, no CMOS RTC) */

	/* \_S5 from the DSDT (acpi_read_s5): the sleep type values for soft-off. */
	bool have_s5;
	uint8_t s5_typa, s5_typb;

	/* HPET */
	uint64_t hpet_phys;
};

/* Finds the RSDP by the BIOS method (ACPI 6.4 section 5.2.5.1): the first
 * KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte boundaries. Returns
 * its physical address or 0. */
uint64_t acpi_find_rsdp_bios(phys_reader_fn read);

/* Whether a table's bytes sum to zero. */
bool acpi_checksum_ok(const void *p, size_t len);

/* Walks the RSDT or XSDT from an RSDP (a copy, or the bytes at its
 * physical address) and decodes the MADT, MCFG, FADT and HPET. log
 * receives a line for each problem found. Returns 0, or -EINVAL when the
 * RSDP itself is unusable. */
typedef void (*acpi_log_fn)(const char *fmt, ...);
int acpi_parse_tables(struct acpi_info *info, const void *rsdp, size_t rsdp_len, phys_reader_fn read, acpi_log_fn log);

/* Loads the DSDT the FADT named (checked like any table) and finds \_S5
 * in it: needed only to power off without a debug-exit port, so the kernel
 * does it then rather than at every boot. Returns info->have_s5. */
bool acpi_read_s5(struct acpi_info *info, phys_reader_fn read, acpi_log_fn log);

/* The DSDT the FADT named, checked like any table: its AML (the bytes
 * after the header) and their length, or NULL. */
const uint8_t *acpi_load_dsdt(const struct acpi_info *info, phys_reader_fn read, acpi_log_fn log, size_t *aml_len);

/* Both of the above. */
int acpi_parse(struct acpi_info *info, const void *rsdp, size_t rsdp_len, phys_reader_fn read, acpi_log_fn log);

/* AML's PkgLength (ACPI 6.4 section 20.2.4): one to four bytes. Returns
 * the number of bytes it took, 0 when malformed. */
size_t aml_pkglength(const uint8_t *p, size_t avail, uint32_t *value);

/* Finds SLP_TYPa and SLP_TYPb of the \_S5 package in AML (a DSDT's body).
 * Returns true when found and well formed. */
bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb);

/* The GSI and flags for an ISA IRQ after the MADT's overrides (identity
 * mapped, edge, active high when there is none). */
uint32_t acpi_isa_irq_to_gsi(const struct acpi_info *info, uint8_t irq, uint16_t *flags);

/* The kernel's copy, filled at boot (kernel/main.c). */
extern struct acpi_info acpi;

#endif
