/*
 * The ACPI table parser (kernel/acpi.c) on hand-made tables in a fake
 * physical memory.
 *
 * The memory is a 2 MiB heap buffer standing for physical addresses 0 to
 * 2 MiB (with an optional unreadable hole). The reader hands the parser an
 * exact-size heap copy of what it asked for, placed at the same alignment
 * modulo 16 as the physical address (as the kernel's one-to-one map
 * would), so AddressSanitizer catches any byte read past a requested
 * length, and UndefinedBehaviorSanitizer any misaligned access to a table
 * that is not aligned in memory. The copies are freed after each parse.
 *
 * Tables are built by small helpers that write the header and fix the
 * checksum; each test then breaks what it is about (a checksum, a length,
 * an entry) and checks the parser skips exactly that and nothing more. A
 * fuzz of acpi_find_s5 and a random mutation of a whole table set close
 * the file.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/test_random.h"

#include "kernel/acpi.h"

#define MEM_SIZE ((uint64_t)2 << 20)

/* --- fake physical memory ------------------------------------------------------ */

static uint8_t *mem;
static uint64_t hole_lo, hole_hi; /* [hole_lo, hole_hi) is not readable */
static void **copies;
static size_t ncopies, copies_cap;
static unsigned long nreads;

static const void *fake_read(uint64_t phys, size_t len)
{
	nreads++;
	if (phys >= MEM_SIZE || len > MEM_SIZE - phys)
		return NULL;
	if (phys < hole_hi && phys + len > hole_lo)
		return NULL;
	if (ncopies == copies_cap) {
		copies_cap = copies_cap ? 2 * copies_cap : 256;
		copies = realloc(copies, copies_cap * sizeof(*copies));
		assert_non_null(copies);
	}
	size_t skew = (size_t)(phys & 15);
	uint8_t *c = malloc(skew + len + (len == 0));
	assert_non_null(c);
	copies[ncopies++] = c;
	memcpy(c + skew, mem + phys, len);
	return c + skew;
}

static void release_reads(void)
{
	for (size_t i = 0; i < ncopies; i++)
		free(copies[i]);
	ncopies = 0;
}

/* --- the log ----------------------------------------------------------------------- */

static unsigned nlogs;
static char logbuf[8192];

static void test_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	nlogs++;
	size_t used = strlen(logbuf);
	snprintf(logbuf + used, sizeof(logbuf) - used, "%s", line);
}

static void clear_log(void)
{
	nlogs = 0;
	logbuf[0] = '\0';
}

#define assert_logged(what)                                                                                            \
	do {                                                                                                           \
		if (strstr(logbuf, what) == NULL)                                                                      \
			fail_msg("log lacks \"%s\"; it holds:\n%s", what, logbuf);                                     \
	} while (0)

static int setup(void **state)
{
	mem = calloc(1, MEM_SIZE);
	hole_lo = hole_hi = 0;
	clear_log();
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	release_reads();
	free(copies);
	copies = NULL;
	copies_cap = 0;
	free(mem);
	mem = NULL;
	return 0;
}

/* --- writing tables ------------------------------------------------------------------ */

static void wmem(uint64_t phys, const void *p, size_t n)
{
	assert_true(phys <= MEM_SIZE && n <= MEM_SIZE - phys);
	memcpy(mem + phys, p, n);
}
static void w16(uint64_t phys, uint16_t v) { wmem(phys, &v, 2); }
static void w32(uint64_t phys, uint32_t v) { wmem(phys, &v, 4); }
static void w64(uint64_t phys, uint64_t v) { wmem(phys, &v, 8); }

static uint8_t sum_bytes(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Makes the table at phys sum to zero over the length in its header. */
static void fix_checksum(uint64_t phys)
{
	uint32_t len;
	memcpy(&len, mem + phys + 4, 4);
	assert_true(len >= 10 && phys + len <= MEM_SIZE);
	mem[phys + 9] = 0;
	mem[phys + 9] = (uint8_t)-sum_bytes(mem + phys, len);
}

static void break_checksum(uint64_t phys) { mem[phys + 9] ^= 0x5a; }

/* Sets the length in a table's header, checksum fixed over the new length. */
static void set_length(uint64_t phys, uint32_t len, bool fix)
{
	w32(phys + 4, len);
	if (fix)
		fix_checksum(phys);
}

/* Writes a header and body at phys, with a correct checksum. */
static uint32_t put_table(uint64_t phys, const char *sig, uint8_t rev, const void *body, size_t body_len)
{
	struct acpi_header h;
	memset(&h, 0, sizeof(h));
	memcpy(h.signature, sig, 4);
	h.length = (uint32_t)(sizeof(h) + body_len);
	h.revision = rev;
	memcpy(h.oem_id, "KEELTS", 6);
	memcpy(h.oem_table_id, "HOSTTEST", 8);
	h.oem_revision = 1;
	h.creator_id = 0x4c45454b;
	h.creator_revision = 20240101;
	wmem(phys, &h, sizeof(h));
	if (body_len)
		wmem(phys + sizeof(h), body, body_len);
	fix_checksum(phys);
	return h.length;
}

/* A table body under construction. */
struct buf {
	uint8_t b[8192];
	size_t n;
};

static void bput(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->b));
	memcpy(b->b + b->n, p, n);
	b->n += n;
}
static void b8(struct buf *b, uint8_t v) { bput(b, &v, 1); }
static void b16(struct buf *b, uint16_t v) { bput(b, &v, 2); }
static void b32(struct buf *b, uint32_t v) { bput(b, &v, 4); }
static void b64(struct buf *b, uint64_t v) { bput(b, &v, 8); }

/* MADT entries (ACPI 6.4 section 5.2.12). */
static void madt_lapic(struct buf *b, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	b8(b, 0);
	b8(b, 8);
	b8(b, uid);
	b8(b, apic_id);
	b32(b, flags);
}

static void madt_ioapic(struct buf *b, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	b8(b, 1);
	b8(b, 12);
	b8(b, id);
	b8(b, 0);
	b32(b, addr);
	b32(b, gsi_base);
}

static void madt_override(struct buf *b, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
	b8(b, 2);
	b8(b, 10);
	b8(b, bus);
	b8(b, source);
	b32(b, gsi);
	b16(b, flags);
}

static void madt_lapic_address(struct buf *b, uint64_t addr)
{
	b8(b, 5);
	b8(b, 12);
	b16(b, 0);
	b64(b, addr);
}

static void madt_x2apic(struct buf *b, uint32_t id, uint32_t flags, uint32_t uid)
{
	b8(b, 9);
	b8(b, 16);
	b16(b, 0);
	b32(b, id);
	b32(b, flags);
	b32(b, uid);
}

/* An entry of any type and length, its body filled with fill. */
static void madt_raw(struct buf *b, uint8_t type, uint8_t len, uint8_t fill)
{
	b8(b, type);
	b8(b, len);
	for (int i = 2; i < len; i++)
		b8(b, fill);
}

static void madt_head(struct buf *b, uint32_t lapic, uint32_t flags)
{
	b->n = 0;
	b32(b, lapic);
	b32(b, flags);
}

#define POLARITY_LOW 0x3
#define TRIGGER_LEVEL 0xc
#define SCI_FLAGS (POLARITY_LOW | TRIGGER_LEVEL)

/* The MADT most tests use: what QEMU gives, plus the entries Keel must
 * skip. */
static uint32_t put_madt(uint64_t phys, uint8_t rev)
{
	struct buf b;
	madt_head(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);	       /* enabled */
	madt_lapic(&b, 1, 1, 0);	       /* disabled: not a CPU */
	madt_lapic(&b, 2, 2, 2);	       /* online capable */
	madt_x2apic(&b, 0x105, 1, 3);	       /* an x2APIC ID above 255 */
	madt_x2apic(&b, 0x106, 0, 4);	       /* disabled */
	madt_ioapic(&b, 0, 0xfec00000, 0);     /* the first I/O APIC */
	madt_ioapic(&b, 1, 0xfec10000, 24);    /* a second one, from GSI 24 */
	madt_override(&b, 0, 0, 2, 0);	       /* the PIT's IRQ 0 on GSI 2 */
	madt_override(&b, 0, 9, 9, SCI_FLAGS); /* the SCI */
	madt_override(&b, 1, 5, 20, 0);	       /* not the ISA bus: ignored */
	madt_raw(&b, 4, 6, 0xff);	       /* local APIC NMI: unused */
	madt_raw(&b, 0x7f, 7, 0xab);	       /* a type from the future */
	madt_lapic(&b, 3, 3, 1);	       /* parsing went on past them */
	return put_table(phys, "APIC", rev, b.b, b.n);
}

static void mcfg_entry(struct buf *b, uint64_t base, uint16_t seg, uint8_t start, uint8_t end)
{
	b64(b, base);
	b16(b, seg);
	b8(b, start);
	b8(b, end);
	b32(b, 0);
}

static uint32_t put_mcfg(uint64_t phys)
{
	struct buf b = { .n = 0 };
	b64(&b, 0); /* reserved */
	mcfg_entry(&b, 0xb0000000, 0, 0, 255);
	mcfg_entry(&b, 0x800000000ull, 2, 0, 0);
	return put_table(phys, "MCFG", 1, b.b, b.n);
}

/* FADT fields, at their offsets in the table (ACPI 6.4 table 5.9). */
enum {
	FADT_DSDT = 40,
	FADT_SCI_INT = 46,
	FADT_PM1A_CNT = 64,
	FADT_PM1B_CNT = 68,
	FADT_PM_TMR_BLK = 76,
	FADT_PM_TMR_LEN = 91,
	FADT_FLAGS = 112,
	FADT_RESET_REG = 116,
	FADT_RESET_VALUE = 128,
	FADT_X_DSDT = 140,
	FADT_X_PM_TMR_BLK = 208,
	FADT_REV1_LENGTH = 116,
	FADT_REV6_LENGTH = 276,
};
#define FLAG_TMR_VAL_EXT (1u << 8)
#define FLAG_RESET_REG_SUP (1u << 10)
#define FLAG_HW_REDUCED (1u << 20)

struct fadt {
	uint8_t b[FADT_REV6_LENGTH];
};

static void fput(struct fadt *f, size_t off, uint64_t v, size_t n) { memcpy(f->b + off, &v, n); }

static void fgas(struct fadt *f, size_t off, uint8_t space, uint8_t width, uint64_t addr)
{
	f->b[off] = space;
	f->b[off + 1] = width;
	f->b[off + 2] = 0;
	f->b[off + 3] = width == 8 ? 1 : width == 16 ? 2 : 3;
	fput(f, off + 4, addr, 8);
}

/* The fields of a QEMU-like FADT; revision 6 fills the X_ ones too. */
static void fadt_fill(struct fadt *f, uint64_t dsdt, uint32_t flags)
{
	memset(f, 0, sizeof(*f));
	fput(f, FADT_DSDT, dsdt, 4);
	fput(f, FADT_SCI_INT, 9, 2);
	fput(f, FADT_PM1A_CNT, 0x604, 4);
	fput(f, FADT_PM_TMR_BLK, 0x608, 4);
	f->b[FADT_PM_TMR_LEN] = 4;
	fput(f, FADT_FLAGS, flags, 4);
	fgas(f, FADT_RESET_REG, ACPI_SPACE_IO, 8, 0xcf9);
	f->b[FADT_RESET_VALUE] = 0x06;
	fput(f, FADT_X_DSDT, dsdt, 8);
	fgas(f, FADT_X_PM_TMR_BLK, ACPI_SPACE_IO, 32, 0x608);
}

static uint32_t put_fadt(uint64_t phys, uint8_t rev, const struct fadt *f, uint32_t len)
{
	return put_table(phys, "FACP", rev, f->b + sizeof(struct acpi_header), len - sizeof(struct acpi_header));
}

/* The DSDT's AML: other names, a reference to \_S5 that is not its
 * definition, then Name(_S5, Package() {typa, typb, 0, 0}). */
static uint32_t put_dsdt(uint64_t phys, uint8_t typa, uint8_t typb)
{
	const uint8_t aml[] = {
		0x08, '_',  'S',  '3',	'_',  0x12, 0x04, 0x02, 0x01, 0x01, /* Name(_S3, Package(){1, 1}) */
		0x70, '_',  'S',  '5',	'_',  0x60,			    /* Store(_S5, Local0) */
		0x08, '_',  'S',  '5',	'_',  0x12, 0x08, 0x04,		    /* Name(_S5, Package(4) */
		0x0a, typa, 0x0a, typb, 0x00, 0x00,			    /* {typa, typb, 0, 0}) */
		0x08, '_',  'S',  '4',	'_',  0x12, 0x04, 0x02, 0x00, 0x00, /* Name(_S4, ...) */
	};
	return put_table(phys, "DSDT", 2, aml, sizeof(aml));
}

static uint32_t put_hpet(uint64_t phys, uint8_t space, uint64_t addr)
{
	struct buf b = { .n = 0 };
	b32(&b, 0x8086a201); /* event timer block ID */
	b8(&b, space);	     /* base address: a GAS */
	b8(&b, 0);
	b8(&b, 0);
	b8(&b, 0);
	b64(&b, addr);
	b8(&b, 0);	 /* HPET number */
	b16(&b, 0x0080); /* minimum tick */
	b8(&b, 0);	 /* page protection */
	return put_table(phys, "HPET", 1, b.b, b.n);
}

static uint32_t put_sdt(uint64_t phys, bool xsdt, const uint64_t *entry, unsigned n)
{
	struct buf b = { .n = 0 };
	for (unsigned i = 0; i < n; i++) {
		if (xsdt)
			b64(&b, entry[i]);
		else
			b32(&b, (uint32_t)entry[i]);
	}
	return put_table(phys, xsdt ? "XSDT" : "RSDT", 1, b.b, b.n);
}

/* An RSDP of the given revision, both checksums right. */
static void make_rsdp(uint8_t out[36], uint8_t rev, uint32_t rsdt, uint64_t xsdt, const char *oem)
{
	struct acpi_rsdp r;
	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	memcpy(r.oem_id, oem, 6);
	r.revision = rev;
	r.rsdt_address = rsdt;
	r.length = 36;
	r.xsdt_address = xsdt;
	memcpy(out, &r, 36);
	out[8] = (uint8_t)-sum_bytes(out, 20);
	out[32] = (uint8_t)-sum_bytes(out, 36);
}

/* --- the standard table set ---------------------------------------------------- */

struct layout {
	uint64_t rsdt, xsdt, madt, mcfg, fadt, dsdt, hpet;
	uint8_t rsdp[36];
};

enum {
	AT_RSDT = 0x100000, /* 1 KiB for each */
	AT_XSDT = 0x100400,
	AT_MADT = 0x100800,
	AT_MCFG = 0x100c00,
	AT_FADT = 0x101000,
	AT_DSDT = 0x101400,
	AT_HPET = 0x101800,
	AT_FREE = 0x102000, /* for the tables a test adds */
	TABLES_END = 0x140000,
};

/* Writes MADT, MCFG, FADT (revision 6), DSDT, HPET, an RSDT and an XSDT
 * listing the same four tables, and a revision 2 RSDP (not in memory:
 * tests pass it as the loader would). */
static void build_standard(struct layout *L)
{
	L->rsdt = AT_RSDT;
	L->xsdt = AT_XSDT;
	L->madt = AT_MADT;
	L->mcfg = AT_MCFG;
	L->fadt = AT_FADT;
	L->dsdt = AT_DSDT;
	L->hpet = AT_HPET;
	put_madt(L->madt, 5);
	put_mcfg(L->mcfg);
	struct fadt f;
	fadt_fill(&f, L->dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP);
	put_fadt(L->fadt, 6, &f, FADT_REV6_LENGTH);
	put_dsdt(L->dsdt, 5, 7);
	put_hpet(L->hpet, ACPI_SPACE_MEMORY, 0xfed00000);
	const uint64_t e[] = { L->madt, L->mcfg, L->fadt, L->hpet };
	put_sdt(L->rsdt, false, e, 4);
	put_sdt(L->xsdt, true, e, 4);
	make_rsdp(L->rsdp, 2, (uint32_t)L->rsdt, L->xsdt, "KEEL  ");
}

/* Parses with the RSDP's first len bytes in a heap buffer of that size. */
static int parse_bytes(const uint8_t *rsdp, size_t len, struct acpi_info *info)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, rsdp, len);
	clear_log();
	int r = acpi_parse(info, copy, len, fake_read, test_log);
	free(copy);
	release_reads();
	return r;
}

static void parse_ok(const struct layout *L, size_t len, struct acpi_info *info)
{
	int r = parse_bytes(L->rsdp, len, info);
	if (r != 0)
		fail_msg("acpi_parse returned %d; log:\n%s", r, logbuf);
}

static void check_table(const struct acpi_info *info, unsigned i, const char *sig, uint64_t phys, uint8_t rev)
{
	assert_true(i < info->ntables);
	assert_string_equal(info->table[i].signature, sig);
	assert_int_equal(info->table[i].phys, phys);
	assert_int_equal(info->table[i].revision, rev);
	uint32_t len;
	memcpy(&len, mem + phys + 4, 4);
	assert_int_equal(info->table[i].length, len);
}

static void check_madt(const struct acpi_info *info)
{
	assert_true(info->have_madt);
	assert_int_equal(info->lapic_phys, 0xfee00000);
	assert_true(info->pcat_compat);
	assert_int_equal(info->ncpus, 4);
	assert_int_equal(info->cpu_apic_id[0], 0);
	assert_int_equal(info->cpu_apic_id[1], 2);
	assert_int_equal(info->cpu_apic_id[2], 0x105);
	assert_int_equal(info->cpu_apic_id[3], 3);
	assert_int_equal(info->nioapics, 2);
	assert_int_equal(info->ioapic[0].id, 0);
	assert_int_equal(info->ioapic[0].phys, 0xfec00000);
	assert_int_equal(info->ioapic[0].gsi_base, 0);
	assert_int_equal(info->ioapic[1].id, 1);
	assert_int_equal(info->ioapic[1].phys, 0xfec10000);
	assert_int_equal(info->ioapic[1].gsi_base, 24);
	assert_int_equal(info->noverrides, 2);
	assert_int_equal(info->override[0].source, 0);
	assert_int_equal(info->override[0].gsi, 2);
	assert_int_equal(info->override[0].flags, 0);
	assert_int_equal(info->override[1].source, 9);
	assert_int_equal(info->override[1].gsi, 9);
	assert_int_equal(info->override[1].flags, SCI_FLAGS);
}

static void check_mcfg(const struct acpi_info *info)
{
	assert_int_equal(info->necam, 2);
	assert_int_equal(info->ecam[0].base, 0xb0000000);
	assert_int_equal(info->ecam[0].segment, 0);
	assert_int_equal(info->ecam[0].bus_start, 0);
	assert_int_equal(info->ecam[0].bus_end, 255);
	assert_int_equal(info->ecam[1].base, 0x800000000ull);
	assert_int_equal(info->ecam[1].segment, 2);
	assert_int_equal(info->ecam[1].bus_start, 0);
	assert_int_equal(info->ecam[1].bus_end, 0);
}

static void check_fadt(const struct acpi_info *info, uint64_t dsdt)
{
	assert_true(info->have_fadt);
	assert_false(info->hw_reduced);
	assert_int_equal(info->sci_irq, 9);
	assert_int_equal(info->pm_timer_port, 0x608);
	assert_true(info->pm_timer_32bit);
	assert_int_equal(info->pm1a_cnt, 0x604);
	assert_int_equal(info->pm1b_cnt, 0);
	assert_true(info->have_reset);
	assert_int_equal(info->reset_reg.space, ACPI_SPACE_IO);
	assert_int_equal(info->reset_reg.bit_width, 8);
	assert_int_equal(info->reset_reg.address, 0xcf9);
	assert_int_equal(info->reset_value, 6);
	assert_int_equal(info->dsdt_phys, dsdt);
	assert_true(info->have_s5);
	assert_int_equal(info->s5_typa, 5);
	assert_int_equal(info->s5_typb, 7);
}

/* Everything of the standard set, read through either root table. */
static void check_standard(const struct acpi_info *info, const struct layout *L, uint8_t rsdp_rev, bool xsdt)
{
	assert_int_equal(info->revision, rsdp_rev);
	assert_string_equal(info->oem_id, "KEEL");
	assert_int_equal(info->use_xsdt, xsdt);
	assert_int_equal(info->ntables, 4);
	assert_int_equal(info->nbad, 0);
	check_table(info, 0, "APIC", L->madt, 5);
	check_table(info, 1, "MCFG", L->mcfg, 1);
	check_table(info, 2, "FACP", L->fadt, 6);
	check_table(info, 3, "HPET", L->hpet, 1);
	check_madt(info);
	check_mcfg(info);
	check_fadt(info, L->dsdt);
	assert_int_equal(info->hpet_phys, 0xfed00000);
}

/* --- the checksum ----------------------------------------------------------------- */

static void checksum(void **state)
{
	assert_true(acpi_checksum_ok("", 0));
	const uint8_t a[] = { 0x01, 0xff };
	assert_true(acpi_checksum_ok(a, 2));
	assert_false(acpi_checksum_ok(a, 1));
	const uint8_t b[] = { 0x80, 0x80, 0x00 };
	assert_true(acpi_checksum_ok(b, 3));
	uint8_t c[300];
	for (int i = 0; i < 300; i++)
		c[i] = (uint8_t)(i * 7);
	c[0] = 0;
	c[0] = (uint8_t)-sum_bytes(c, 300);
	assert_true(acpi_checksum_ok(c, 300));
	c[150] ^= 1;
	assert_false(acpi_checksum_ok(c, 300));
}

/* --- good tables --------------------------------------------------------------------- */

static void good_tables_xsdt(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, true);
	assert_int_equal(nlogs, 0);
}

static void good_tables_rsdt(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	/* An ACPI 1.0 RSDP: 20 bytes, no XSDT. */
	make_rsdp(L.rsdp, 0, (uint32_t)L.rsdt, 0, "KEEL  ");
	parse_ok(&L, 20, &info);
	check_standard(&info, &L, 0, false);
	assert_int_equal(nlogs, 0);
	/* The same, given as 36 bytes (the kernel copies 36 from memory). */
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 0, false);
}

static void rsdp_v2_without_xsdt(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	/* Only the 1.0 part of a 2.0 RSDP (a multiboot2 "old ACPI" tag). */
	parse_ok(&L, 20, &info);
	check_standard(&info, &L, 2, false);
	/* A 2.0 RSDP whose XSDT address is zero. */
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, 0, "KEEL  ");
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, false);
	/* A 2.0 RSDP with no RSDT: the XSDT alone. */
	make_rsdp(L.rsdp, 2, 0, L.xsdt, "KEEL  ");
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, true);
}

static void oem_id(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, L.xsdt, "BOCHS ");
	parse_ok(&L, 36, &info);
	assert_string_equal(info.oem_id, "BOCHS");
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, L.xsdt, "ABCDEF");
	parse_ok(&L, 36, &info);
	assert_string_equal(info.oem_id, "ABCDEF");
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, L.xsdt, "A\0\0\0\0\0");
	parse_ok(&L, 36, &info);
	assert_string_equal(info.oem_id, "A");
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, L.xsdt, "      ");
	parse_ok(&L, 36, &info);
	assert_string_equal(info.oem_id, "");
}

/* QEMU lays its tables end to end in one blob, at whatever offset the
 * previous one ended: tables are not aligned in memory. */
static void unaligned_tables(void **state)
{
	struct layout L;
	struct acpi_info info;
	L.rsdt = AT_RSDT + 1;
	L.xsdt = AT_XSDT + 3;
	L.madt = AT_MADT + 5;
	L.mcfg = AT_MCFG + 7;
	L.fadt = AT_FADT + 9;
	L.dsdt = AT_DSDT + 2;
	L.hpet = AT_HPET + 6;
	put_madt(L.madt, 5);
	put_mcfg(L.mcfg);
	struct fadt f;
	fadt_fill(&f, L.dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	put_dsdt(L.dsdt, 5, 7);
	put_hpet(L.hpet, ACPI_SPACE_MEMORY, 0xfed00000);
	const uint64_t e[] = { L.madt, L.mcfg, L.fadt, L.hpet };
	put_sdt(L.rsdt, false, e, 4);
	put_sdt(L.xsdt, true, e, 4);
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, L.xsdt, "KEEL  ");
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, true);
	parse_ok(&L, 20, &info);
	check_standard(&info, &L, 2, false);
}

/* --- a bad RSDP -------------------------------------------------------------------- */

static void expect_einval(const uint8_t *rsdp, size_t len, const char *what)
{
	struct acpi_info info;
	memset(&info, 0x5a, sizeof(info));
	int r = parse_bytes(rsdp, len, &info);
	if (r != -EINVAL)
		fail_msg("%s: acpi_parse returned %d, want -EINVAL", what, r);
	if (nlogs == 0)
		fail_msg("%s: nothing logged", what);
	/* What the caller finds is empty, not stale. */
	assert_int_equal(info.ntables, 0);
	assert_false(info.have_madt);
}

static void bad_rsdp(void **state)
{
	struct layout L;
	build_standard(&L);
	uint8_t r[36];

	struct acpi_info info;
	clear_log();
	assert_int_equal(acpi_parse(&info, NULL, 36, fake_read, test_log), -EINVAL);
	assert_int_equal(nlogs, 1);

	memcpy(r, L.rsdp, 36);
	r[8] ^= 1; /* the 1.0 checksum */
	expect_einval(r, 36, "bad checksum");
	expect_einval(r, 20, "bad checksum, 20 bytes");

	memcpy(r, L.rsdp, 36);
	r[32] ^= 1; /* the extended checksum */
	expect_einval(r, 36, "bad extended checksum");
	/* The 1.0 part alone is still good. */
	struct acpi_info ok;
	assert_int_equal(parse_bytes(r, 20, &ok), 0);
	assert_false(ok.use_xsdt);

	memcpy(r, L.rsdp, 36);
	r[0] = 'X';
	r[8] = (uint8_t)(r[8] + 'R' - 'X'); /* checksums still right */
	assert_true(acpi_checksum_ok(r, 20));
	expect_einval(r, 36, "bad signature");

	expect_einval(L.rsdp, 19, "too short");
	expect_einval(L.rsdp, 0, "empty");

	/* A 2.0 length field below 36 or beyond what was given. */
	memcpy(r, L.rsdp, 36);
	uint32_t len = 35;
	memcpy(r + 20, &len, 4);
	r[32] = 0;
	r[32] = (uint8_t)-sum_bytes(r, 36);
	expect_einval(r, 36, "length 35");
	len = 40;
	memcpy(r + 20, &len, 4);
	r[32] = 0;
	r[32] = (uint8_t)-sum_bytes(r, 36);
	expect_einval(r, 36, "length 40 of 36 given");
}

static void no_usable_root_table(void **state)
{
	struct layout L;
	build_standard(&L);
	/* Both broken. */
	break_checksum(L.rsdt);
	break_checksum(L.xsdt);
	expect_einval(L.rsdp, 36, "both root tables broken");
	assert_logged("bad checksum");
	assert_logged("no usable RSDT or XSDT");
	/* Neither given. */
	uint8_t r[36];
	make_rsdp(r, 2, 0, 0, "KEEL  ");
	expect_einval(r, 36, "no root table");
	/* Pointers to nothing readable. */
	make_rsdp(r, 2, 0xfffffff0u, 0x123456789000ull, "KEEL  ");
	expect_einval(r, 36, "root tables out of memory");
	assert_logged("not readable");
	/* Pointers to tables of another kind: an RSDT where the XSDT should
	 * be and the other way round. */
	build_standard(&L);
	make_rsdp(r, 2, (uint32_t)L.xsdt, L.rsdt, "KEEL  ");
	expect_einval(r, 36, "swapped root tables");
	/* An RSDT pointer at the MADT. */
	make_rsdp(r, 0, (uint32_t)L.madt, 0, "KEEL  ");
	expect_einval(r, 20, "RSDT pointing at the MADT");
}

/* --- the XSDT or the RSDT --------------------------------------------------------- */

static void bad_xsdt_falls_back_to_rsdt(void **state)
{
	struct layout L;
	struct acpi_info info;

	/* A bad checksum. */
	build_standard(&L);
	break_checksum(L.xsdt);
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, false);
	assert_logged("XSDT");
	assert_logged("bad checksum");

	/* Not an XSDT at all (a good table of another kind). */
	build_standard(&L);
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, L.hpet, "KEEL  ");
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, false);

	/* Out of memory. */
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, 0x4000000000ull, "KEEL  ");
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, false);
	assert_logged("not readable");

	/* A length that runs past memory. */
	build_standard(&L);
	set_length(L.xsdt, 0x300000, false);
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, false);
	assert_logged("unreadable");

	/* A length below the header. */
	build_standard(&L);
	set_length(L.xsdt, 20, false);
	parse_ok(&L, 36, &info);
	check_standard(&info, &L, 2, false);
	assert_logged("bad length");
}

/* The XSDT's entries are 64-bit: a table above 4 GiB is reachable only
 * through it, and the RSDT's 32-bit entries are never read as 64-bit. */
static void xsdt_and_rsdt_entries_differ(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	/* The XSDT lists the MADT and an HPET table; the RSDT lists only the
	 * MCFG: which root was read shows in the result. */
	const uint64_t x[] = { L.madt, L.hpet };
	const uint64_t r[] = { L.mcfg };
	put_sdt(L.xsdt, true, x, 2);
	put_sdt(L.rsdt, false, r, 1);
	parse_ok(&L, 36, &info);
	assert_true(info.use_xsdt);
	assert_int_equal(info.ntables, 2);
	assert_true(info.have_madt);
	assert_int_equal(info.necam, 0);
	assert_int_equal(info.hpet_phys, 0xfed00000);
	parse_ok(&L, 20, &info);
	assert_false(info.use_xsdt);
	assert_int_equal(info.ntables, 1);
	assert_false(info.have_madt);
	assert_int_equal(info.necam, 2);

	/* A 64-bit entry beyond memory: refused, the rest parsed. */
	const uint64_t high[] = { 0x100000000ull + L.madt, L.mcfg };
	put_sdt(L.xsdt, true, high, 2);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_false(info.have_madt);
	assert_int_equal(info.necam, 2);
}

static void root_table_entries(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	/* Zero entries are holes, skipped without complaint. */
	const uint64_t e[] = { 0, L.madt, 0, L.mcfg, 0 };
	put_sdt(L.xsdt, true, e, 5);
	put_sdt(L.rsdt, false, e, 5);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ntables, 2);
	assert_int_equal(info.nbad, 0);
	parse_ok(&L, 20, &info);
	assert_int_equal(info.ntables, 2);
	assert_int_equal(info.nbad, 0);

	/* A length that is not a whole number of entries: the partial one is
	 * ignored. The byte after the table is poison. */
	const uint64_t two[] = { L.madt, L.mcfg };
	put_sdt(L.rsdt, false, two, 2);
	w32(L.rsdt + 44, (uint32_t)L.hpet);
	set_length(L.rsdt, 36 + 8 + 3, true);
	parse_ok(&L, 20, &info);
	assert_int_equal(info.ntables, 2);
	assert_int_equal(info.hpet_phys, 0);
	put_sdt(L.xsdt, true, two, 2);
	set_length(L.xsdt, 36 + 16 + 7, true);
	parse_ok(&L, 36, &info);
	assert_true(info.use_xsdt);
	assert_int_equal(info.ntables, 2);

	/* An empty root table. */
	put_sdt(L.xsdt, true, NULL, 0);
	parse_ok(&L, 36, &info);
	assert_true(info.use_xsdt);
	assert_int_equal(info.ntables, 0);
	assert_false(info.have_madt);
}

/* More tables than the list holds: the list stops at its maximum, every
 * table is still parsed. */
static void many_tables(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	uint64_t e[45];
	unsigned n = 0;
	for (unsigned i = 0; i < 40; i++) {
		uint64_t at = AT_FREE + 64 * i;
		char sig[5];
		snprintf(sig, sizeof(sig), "T%03u", i);
		put_table(at, sig, 1, "abcd", 4);
		e[n++] = at;
	}
	e[n++] = L.madt;
	e[n++] = L.fadt;
	uint64_t xsdt = AT_FREE + 0x4000; /* too long for its usual place */
	put_sdt(xsdt, true, e, n);
	make_rsdp(L.rsdp, 2, (uint32_t)L.rsdt, xsdt, "KEEL  ");
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ntables, ACPI_MAX_TABLES);
	assert_int_equal(info.nbad, 0);
	assert_string_equal(info.table[0].signature, "T000");
	assert_string_equal(info.table[ACPI_MAX_TABLES - 1].signature, "T031");
	check_madt(&info);
	check_fadt(&info, L.dsdt);
}

/* --- broken tables are skipped ----------------------------------------------------- */

static void bad_checksum_skipped(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	break_checksum(L.mcfg);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_int_equal(nlogs, 1);
	assert_logged("MCFG");
	assert_logged("bad checksum");
	assert_int_equal(info.necam, 0);
	/* The others, before and after it, are all there. */
	assert_int_equal(info.ntables, 3);
	check_table(&info, 0, "APIC", L.madt, 5);
	check_table(&info, 1, "FACP", L.fadt, 6);
	check_table(&info, 2, "HPET", L.hpet, 1);
	check_madt(&info);
	check_fadt(&info, L.dsdt);
	assert_int_equal(info.hpet_phys, 0xfed00000);

	/* Two broken. */
	break_checksum(L.madt);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 2);
	assert_int_equal(nlogs, 2);
	assert_false(info.have_madt);
	assert_int_equal(info.ncpus, 0);
	check_fadt(&info, L.dsdt);
}

static void bad_lengths_skipped(void **state)
{
	struct layout L;
	struct acpi_info info;
	static const uint32_t below_header[] = { 0, 1, 20, 35 };
	for (unsigned i = 0; i < sizeof(below_header) / sizeof(below_header[0]); i++) {
		build_standard(&L);
		set_length(L.madt, below_header[i], false);
		parse_ok(&L, 36, &info);
		assert_int_equal(info.nbad, 1);
		assert_false(info.have_madt);
		assert_logged("bad length");
		check_mcfg(&info);
		check_fadt(&info, L.dsdt);
	}

	/* Larger than any table. */
	build_standard(&L);
	set_length(L.hpet, 0x7fffffff, false);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_int_equal(info.hpet_phys, 0);
	assert_logged("bad length");
	check_madt(&info);

	/* Running past the end of memory, from near its end. */
	build_standard(&L);
	uint64_t at = MEM_SIZE - 64;
	put_hpet(at, ACPI_SPACE_MEMORY, 0xfed00000);
	set_length(at, 200, false);
	const uint64_t e[] = { L.madt, at, L.mcfg };
	put_sdt(L.xsdt, true, e, 3);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_int_equal(info.hpet_phys, 0);
	assert_logged("unreadable");
	check_madt(&info);
	check_mcfg(&info);

	/* Running into a hole in memory. */
	build_standard(&L);
	hole_lo = L.mcfg + 40;
	hole_hi = L.mcfg + 48;
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_int_equal(info.necam, 0);
	check_madt(&info);
	check_fadt(&info, L.dsdt);
	/* A table whose header is in the hole. */
	hole_lo = L.madt + 4;
	hole_hi = L.madt + 5;
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_false(info.have_madt);
	check_mcfg(&info);
	assert_logged("not readable");
	hole_lo = hole_hi = 0;

	/* A length a little short of the table: the checksum no longer
	 * holds. */
	build_standard(&L);
	uint32_t len;
	memcpy(&len, mem + L.madt + 4, 4);
	set_length(L.madt, len - 5, false);
	assert_false(acpi_checksum_ok(mem + L.madt, len - 5));
	parse_ok(&L, 36, &info);
	assert_int_equal(info.nbad, 1);
	assert_false(info.have_madt);
}

/* --- MADT ---------------------------------------------------------------------------- */

static void madt_entries(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	/* A revision Keel has never heard of is parsed all the same. */
	put_madt(L.madt, 99);
	parse_ok(&L, 36, &info);
	check_madt(&info);
	assert_int_equal(info.table[0].revision, 99);
	assert_int_equal(nlogs, 0);

	/* The local APIC address override replaces the 32-bit address. */
	struct buf b;
	madt_head(&b, 0xfee00000, 0);
	madt_lapic(&b, 0, 0, 1);
	madt_lapic_address(&b, 0x1fee00000ull);
	madt_raw(&b, 5, 10, 0x77); /* too short to be one: ignored */
	put_table(L.madt, "APIC", 5, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_true(info.have_madt);
	assert_false(info.pcat_compat);
	assert_int_equal(info.lapic_phys, 0x1fee00000ull);
	assert_int_equal(info.ncpus, 1);

	/* Entries too short for their type are skipped, parsing goes on. */
	madt_head(&b, 0xfee00000, 1);
	madt_raw(&b, 0, 6, 0x01);  /* a local APIC of 6 bytes */
	madt_raw(&b, 1, 8, 0x01);  /* an I/O APIC of 8 */
	madt_raw(&b, 2, 8, 0x00);  /* an override of 8 */
	madt_raw(&b, 9, 12, 0x01); /* an x2APIC of 12 */
	madt_lapic(&b, 7, 7, 1);
	put_table(L.madt, "APIC", 5, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.cpu_apic_id[0], 7);
	assert_int_equal(info.nioapics, 0);
	assert_int_equal(info.noverrides, 0);

	/* Longer entries than their type needs are fine (future revisions
	 * may grow them). */
	madt_head(&b, 0xfee00000, 1);
	madt_raw(&b, 0, 12, 0x00);
	b.b[b.n - 10] = 0;   /* uid */
	b.b[b.n - 9] = 0x2a; /* APIC ID */
	b.b[b.n - 8] = 1;    /* enabled */
	madt_lapic(&b, 1, 1, 1);
	put_table(L.madt, "APIC", 5, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.cpu_apic_id[0], 0x2a);
	assert_int_equal(info.cpu_apic_id[1], 1);
}

static void madt_bad_entry_lengths(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct buf b;

	/* Length 0 (and 1): parsing stops there, the rest is ignored. */
	for (uint8_t bad = 0; bad < 2; bad++) {
		madt_head(&b, 0xfee00000, 1);
		madt_lapic(&b, 0, 0, 1);
		b8(&b, 0); /* type */
		b8(&b, bad);
		madt_lapic(&b, 1, 1, 1);
		madt_ioapic(&b, 0, 0xfec00000, 0);
		put_table(L.madt, "APIC", 5, b.b, b.n);
		parse_ok(&L, 36, &info);
		assert_true(info.have_madt);
		assert_int_equal(info.ncpus, 1);
		assert_int_equal(info.nioapics, 0);
		assert_logged("bad length");
	}

	/* An entry that runs past the end of the table: the reader handed out
	 * exactly the table, so reading it would be caught. */
	madt_head(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	uint32_t len = put_table(L.madt, "APIC", 5, b.b, b.n);
	set_length(L.madt, len - 5, true);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ncpus, 1);
	assert_int_equal(info.nioapics, 0);
	assert_logged("bad length");

	/* A length of 255 on the last entry. */
	madt_head(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	madt_raw(&b, 0, 8, 0x01);
	b.b[b.n - 7] = (uint8_t)255;
	put_table(L.madt, "APIC", 5, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ncpus, 1);

	/* A single trailing byte: too little for an entry header. */
	madt_head(&b, 0xfee00000, 1);
	madt_lapic(&b, 0, 0, 1);
	b8(&b, 0);
	put_table(L.madt, "APIC", 5, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ncpus, 1);

	/* No entries at all. */
	madt_head(&b, 0xfee00000, 1);
	put_table(L.madt, "APIC", 5, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_true(info.have_madt);
	assert_int_equal(info.ncpus, 0);

	/* Too short even for the local APIC address and flags. */
	put_table(L.madt, "APIC", 5, b.b, 6);
	parse_ok(&L, 36, &info);
	assert_false(info.have_madt);
	assert_logged("MADT too short");
	assert_int_equal(info.ntables, 4);
}

static void madt_limits(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct buf b;
	madt_head(&b, 0xfee00000, 1);
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 6; i++) {
		if (i % 2)
			madt_lapic(&b, (uint8_t)i, (uint8_t)i, 1);
		else
			madt_x2apic(&b, 1000 + i, 1, i);
	}
	for (unsigned i = 0; i < ACPI_MAX_IOAPICS + 3; i++)
		madt_ioapic(&b, (uint8_t)i, 0xfec00000 + 0x1000 * i, 24 * i);
	for (unsigned i = 0; i < ACPI_MAX_OVERRIDES + 4; i++)
		madt_override(&b, 0, (uint8_t)i, 100 + i, (uint16_t)i);
	madt_override(&b, 0, 3, 999, 0); /* IRQ 3 again */
	uint64_t at = AT_FREE;
	put_table(at, "APIC", 5, b.b, b.n);
	const uint64_t e[] = { at };
	put_sdt(L.xsdt, true, e, 1);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ncpus, ACPI_MAX_CPUS);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		assert_int_equal(info.cpu_apic_id[i], i % 2 ? i : 1000 + i);
	/* Every I/O APIC ID once: the three past 255 repeat IDs 0 to 2 and
	 * are ignored, the first of each counts. */
	assert_int_equal(info.nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapic[ACPI_MAX_IOAPICS - 1].phys, 0xfec00000 + 0x1000 * (ACPI_MAX_IOAPICS - 1));
	assert_int_equal(info.ioapic[0].phys, 0xfec00000);
	/* One per ISA IRQ: sources past 15 name no ISA IRQ. */
	assert_int_equal(info.noverrides, ACPI_MAX_OVERRIDES);
	assert_int_equal(info.override[3].gsi, 103);
	assert_int_equal(info.override[ACPI_MAX_OVERRIDES - 1].gsi, 100 + ACPI_MAX_OVERRIDES - 1);
}

static void isa_irq_to_gsi(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	parse_ok(&L, 36, &info);
	uint16_t flags = 0xffff;
	assert_int_equal(acpi_isa_irq_to_gsi(&info, 0, &flags), 2);
	assert_int_equal(flags, 0);
	flags = 0xffff;
	assert_int_equal(acpi_isa_irq_to_gsi(&info, 9, &flags), 9);
	assert_int_equal(flags, SCI_FLAGS);
	/* No override: identity, edge, active high. */
	for (uint8_t irq = 1; irq < 16; irq++) {
		if (irq == 9)
			continue;
		flags = 0xffff;
		assert_int_equal(acpi_isa_irq_to_gsi(&info, irq, &flags), irq);
		assert_int_equal(flags, 0);
	}
	/* Without any MADT at all. */
	struct acpi_info none;
	memset(&none, 0, sizeof(none));
	flags = 0xffff;
	assert_int_equal(acpi_isa_irq_to_gsi(&none, 0, &flags), 0);
	assert_int_equal(flags, 0);
}

/* --- MCFG ------------------------------------------------------------------------------ */

static void mcfg_entries(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct buf b = { .n = 0 };
	b64(&b, 0);
	mcfg_entry(&b, 0, 0, 0, 255);	       /* base 0 */
	mcfg_entry(&b, 0xb0080000, 0, 0, 255); /* not 1 MiB aligned */
	mcfg_entry(&b, 0xe0000000, 3, 255, 0); /* end before start */
	mcfg_entry(&b, 0xe0000000, 4, 7, 7);   /* one bus */
	for (unsigned i = 0; i < ACPI_MAX_ECAM + 2; i++)
		mcfg_entry(&b, 0x1000000000ull + (uint64_t)i * 0x10000000, (uint16_t)i, 0, 63);
	put_table(L.mcfg, "MCFG", 1, b.b, b.n);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.necam, ACPI_MAX_ECAM);
	assert_int_equal(info.ecam[0].base, 0xe0000000);
	assert_int_equal(info.ecam[0].segment, 4);
	assert_int_equal(info.ecam[0].bus_start, 7);
	assert_int_equal(info.ecam[0].bus_end, 7);
	assert_int_equal(info.ecam[1].base, 0x1000000000ull);
	assert_int_equal(info.ecam[ACPI_MAX_ECAM - 1].segment, ACPI_MAX_ECAM - 2);
	assert_logged("MCFG entry");

	/* A partial trailing entry is ignored; so is a table with no room
	 * for any entry. */
	b.n = 0;
	b64(&b, 0);
	mcfg_entry(&b, 0xb0000000, 0, 0, 255);
	mcfg_entry(&b, 0xc0000000, 0, 0, 255);
	put_table(L.mcfg, "MCFG", 1, b.b, b.n - 1);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.necam, 1);
	put_table(L.mcfg, "MCFG", 1, b.b, 8);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.necam, 0);
	put_table(L.mcfg, "MCFG", 1, b.b, 0);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.necam, 0);
	assert_int_equal(info.ntables, 4);
}

/* --- FADT ------------------------------------------------------------------------------- */

/* Fills memory after a table with a pattern no field may take. */
static void poison_after(uint64_t phys, uint32_t len, size_t n) { memset(mem + phys + len, 0xee, n); }

static void fadt_revision_1(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	/* ACPI 1.0: 116 bytes, ending with the flags. RESET_REG_SUP is set
	 * but the register itself is beyond the table. */
	struct fadt f;
	fadt_fill(&f, L.dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP);
	put_fadt(L.fadt, 1, &f, FADT_REV1_LENGTH);
	poison_after(L.fadt, FADT_REV1_LENGTH, 160);
	parse_ok(&L, 36, &info);
	assert_true(info.have_fadt);
	assert_false(info.hw_reduced);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_true(info.pm_timer_32bit);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_false(info.have_reset);
	assert_int_equal(info.dsdt_phys, L.dsdt);
	assert_true(info.have_s5);
	assert_int_equal(info.s5_typa, 5);
	assert_int_equal(info.s5_typb, 7);
	assert_int_equal(info.table[2].length, FADT_REV1_LENGTH);

	/* A 24-bit PM timer, and none when PM_TMR_LEN is below 4. */
	fadt_fill(&f, L.dsdt, 0);
	put_fadt(L.fadt, 1, &f, FADT_REV1_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.pm_timer_32bit);
	f.b[FADT_PM_TMR_LEN] = 3;
	put_fadt(L.fadt, 1, &f, FADT_REV1_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0);
	/* A port number that does not fit 16 bits. */
	f.b[FADT_PM_TMR_LEN] = 4;
	fput(&f, FADT_PM_TMR_BLK, 0x10008, 4);
	put_fadt(L.fadt, 1, &f, FADT_REV1_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0);
}

static void fadt_revision_6(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct fadt f;

	/* X_ fields win over the 32-bit ones: X_PM_TMR_BLK over PM_TMR_BLK,
	 * X_DSDT over DSDT (ACPI 6.4 table 5.9). */
	uint64_t other_dsdt = AT_FREE;
	put_dsdt(other_dsdt, 1, 2);
	fadt_fill(&f, other_dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP);
	fput(&f, FADT_X_DSDT, L.dsdt, 8);
	fgas(&f, FADT_X_PM_TMR_BLK, ACPI_SPACE_IO, 32, 0xb008);
	fgas(&f, FADT_RESET_REG, ACPI_SPACE_MEMORY, 8, 0xfe000cf9);
	f.b[FADT_RESET_VALUE] = 0x0e;
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0xb008);
	assert_true(info.pm_timer_32bit);
	assert_int_equal(info.dsdt_phys, L.dsdt);
	assert_int_equal(info.s5_typa, 5);
	assert_int_equal(info.s5_typb, 7);
	assert_true(info.have_reset);
	assert_int_equal(info.reset_reg.space, ACPI_SPACE_MEMORY);
	assert_int_equal(info.reset_reg.address, 0xfe000cf9);
	assert_int_equal(info.reset_value, 0x0e);

	/* X_PM_TMR_BLK in memory space: the I/O port is kept. */
	fgas(&f, FADT_X_PM_TMR_BLK, ACPI_SPACE_MEMORY, 32, 0xfed80008);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0x608);
	/* X_DSDT zero: the 32-bit DSDT. */
	fput(&f, FADT_X_DSDT, 0, 8);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.dsdt_phys, other_dsdt);
	assert_int_equal(info.s5_typa, 1);
	assert_int_equal(info.s5_typb, 2);

	/* Flags: HW_REDUCED, no RESET_REG_SUP, 24-bit timer. */
	fadt_fill(&f, L.dsdt, FLAG_HW_REDUCED);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_true(info.hw_reduced);
	assert_false(info.have_reset);
	assert_false(info.pm_timer_32bit);

	/* RESET_REG_SUP with a zero register: no reset. */
	fadt_fill(&f, L.dsdt, FLAG_RESET_REG_SUP);
	fgas(&f, FADT_RESET_REG, ACPI_SPACE_IO, 8, 0);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_false(info.have_reset);

	/* PM1b_CNT, when there is one. */
	fadt_fill(&f, L.dsdt, 0);
	fput(&f, FADT_PM1B_CNT, 0x704, 4);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm1b_cnt, 0x704);
}

/* A hardware-reduced or modern FADT may give the PM timer only in
 * X_PM_TMR_BLK. TMR_VAL_EXT describes the timer, wherever its address
 * comes from (ACPI 6.4 table 5.10). */
static void fadt_pm_timer_only_in_x_field(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct fadt f;
	fadt_fill(&f, L.dsdt, FLAG_TMR_VAL_EXT);
	fput(&f, FADT_PM_TMR_BLK, 0, 4);
	f.b[FADT_PM_TMR_LEN] = 0;
	fgas(&f, FADT_X_PM_TMR_BLK, ACPI_SPACE_IO, 32, 0x608);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_true(info.pm_timer_32bit);

	fadt_fill(&f, L.dsdt, 0);
	fput(&f, FADT_PM_TMR_BLK, 0, 4);
	f.b[FADT_PM_TMR_LEN] = 0;
	fgas(&f, FADT_X_PM_TMR_BLK, ACPI_SPACE_IO, 24, 0x608);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.pm_timer_32bit);
}

static void fadt_unknown_revision(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct fadt f;

	/* Revision 200 and 100 bytes long: what lies within is read, nothing
	 * beyond (the flags at 112 are not there, so no reset, no HW_REDUCED,
	 * and the memory after the table is poison). */
	fadt_fill(&f, L.dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP | FLAG_HW_REDUCED);
	put_fadt(L.fadt, 200, &f, 100);
	poison_after(L.fadt, 100, 200);
	parse_ok(&L, 36, &info);
	assert_true(info.have_fadt);
	assert_int_equal(info.table[2].revision, 200);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.pm_timer_32bit);
	assert_false(info.hw_reduced);
	assert_false(info.have_reset);
	assert_int_equal(info.pm1a_cnt, 0x604);
	assert_int_equal(info.dsdt_phys, L.dsdt);
	assert_true(info.have_s5);

	/* Cut inside the fields, one length after another: never a read
	 * beyond the table, and each field only once it fits. */
	for (uint32_t len = 36; len <= FADT_REV6_LENGTH; len++) {
		fadt_fill(&f, L.dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP | FLAG_HW_REDUCED);
		put_fadt(L.fadt, 200, &f, len);
		poison_after(L.fadt, len, 64);
		parse_ok(&L, 36, &info);
		assert_true(info.have_fadt);
		assert_int_equal(info.sci_irq, len >= 48 ? 9 : 0);
		assert_int_equal(info.pm1a_cnt, len >= 68 ? 0x604 : 0);
		assert_int_equal(info.pm_timer_port, len >= 92 ? 0x608 : 0);
		assert_int_equal(info.hw_reduced, len >= 116);
		assert_int_equal(info.have_reset, len >= 129);
		assert_int_equal(info.dsdt_phys, len >= 44 ? L.dsdt : 0);
		assert_int_equal(info.have_s5, len >= 68);
	}

	/* Revision 200 at full length: read like revision 6. */
	fadt_fill(&f, L.dsdt, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP);
	put_fadt(L.fadt, 200, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	check_fadt(&info, L.dsdt);
}

static void fadt_dsdt_problems(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	struct fadt f;

	/* The DSDT pointer at a table of another kind. */
	fadt_fill(&f, L.hpet, 0);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_true(info.have_fadt);
	assert_false(info.have_s5);
	assert_logged("does not point at a DSDT");

	/* A DSDT with a bad checksum or beyond memory. */
	build_standard(&L);
	break_checksum(L.dsdt);
	parse_ok(&L, 36, &info);
	assert_false(info.have_s5);
	assert_logged("DSDT");
	assert_logged("bad checksum");
	assert_int_equal(info.nbad, 0); /* it is not one of the root's tables */
	fadt_fill(&f, 0x3000000, 0);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_false(info.have_s5);
	assert_int_equal(info.dsdt_phys, 0x3000000);

	/* No PM1a_CNT: the DSDT is not even read (nothing could use \_S5). */
	build_standard(&L);
	break_checksum(L.dsdt);
	fadt_fill(&f, L.dsdt, 0);
	fput(&f, FADT_PM1A_CNT, 0, 4);
	put_fadt(L.fadt, 6, &f, FADT_REV6_LENGTH);
	parse_ok(&L, 36, &info);
	assert_false(info.have_s5);
	assert_int_equal(nlogs, 0);
	assert_int_equal(info.dsdt_phys, L.dsdt);

	/* A DSDT without \_S5, and an empty one. */
	build_standard(&L);
	put_table(L.dsdt, "DSDT", 2, "\x08_S3_\x12\x04\x02\x01\x01", 10);
	parse_ok(&L, 36, &info);
	assert_false(info.have_s5);
	put_table(L.dsdt, "DSDT", 2, NULL, 0);
	parse_ok(&L, 36, &info);
	assert_false(info.have_s5);
	/* \_S5 in the last bytes of the DSDT. */
	put_table(L.dsdt, "DSDT", 2, "\x08_S5_\x12\x04\x02\x01\x0a\x03", 11);
	parse_ok(&L, 36, &info);
	assert_false(info.have_s5); /* PkgLength 4 holds one element and a half */
	put_table(L.dsdt, "DSDT", 2, "\x08_S5_\x12\x05\x02\x01\x0a\x03", 11);
	parse_ok(&L, 36, &info);
	assert_true(info.have_s5);
	assert_int_equal(info.s5_typa, 1);
	assert_int_equal(info.s5_typb, 3);
}

/* --- HPET and duplicates -------------------------------------------------------------- */

static void hpet(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	put_hpet(L.hpet, ACPI_SPACE_IO, 0xfed00000);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.hpet_phys, 0);
	put_hpet(L.hpet, ACPI_SPACE_MEMORY, 0);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.hpet_phys, 0);
	/* Cut right before the end of the address. */
	put_hpet(L.hpet, ACPI_SPACE_MEMORY, 0xfed00000);
	set_length(L.hpet, 51, true);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.hpet_phys, 0);
	set_length(L.hpet, 52, true);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.hpet_phys, 0xfed00000);
	/* A 64-bit address. */
	put_hpet(L.hpet, ACPI_SPACE_MEMORY, 0x12345678000ull);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.hpet_phys, 0x12345678000ull);
}

static void first_of_each_kind(void **state)
{
	struct layout L;
	struct acpi_info info;
	build_standard(&L);
	uint64_t madt2 = AT_FREE, mcfg2 = AT_FREE + 0x200, fadt2 = AT_FREE + 0x300, hpet2 = AT_FREE + 0x500;
	struct buf b;
	madt_head(&b, 0xfee80000, 0);
	madt_lapic(&b, 9, 9, 1);
	put_table(madt2, "APIC", 5, b.b, b.n);
	b.n = 0;
	b64(&b, 0);
	mcfg_entry(&b, 0xf0000000, 9, 0, 1);
	put_table(mcfg2, "MCFG", 1, b.b, b.n);
	struct fadt f;
	fadt_fill(&f, 0, 0);
	fput(&f, FADT_SCI_INT, 11, 2);
	put_fadt(fadt2, 6, &f, FADT_REV6_LENGTH);
	put_hpet(hpet2, ACPI_SPACE_MEMORY, 0xfed01000);
	const uint64_t e[] = { L.madt, L.mcfg, L.fadt, L.hpet, madt2, mcfg2, fadt2, hpet2 };
	put_sdt(L.xsdt, true, e, 8);
	parse_ok(&L, 36, &info);
	assert_int_equal(info.ntables, 8);
	check_madt(&info);
	check_mcfg(&info);
	check_fadt(&info, L.dsdt);
	assert_int_equal(info.hpet_phys, 0xfed00000);
}

/* --- finding the RSDP in BIOS memory -------------------------------------------------- */

static uint64_t find_rsdp(void)
{
	uint64_t a = acpi_find_rsdp_bios(fake_read);
	release_reads();
	return a;
}

static void put_rsdp(uint64_t phys, uint8_t rev)
{
	uint8_t r[36];
	make_rsdp(r, rev, AT_RSDT, rev >= 2 ? AT_XSDT : 0, "KEEL  ");
	wmem(phys, r, rev >= 2 ? 36 : 20);
}

static void rsdp_bios_search(void **state)
{
	/* Nothing anywhere. */
	assert_int_equal(find_rsdp(), 0);

	/* In the main BIOS area, on a 16-byte boundary. */
	put_rsdp(0xf5a30, 2);
	assert_int_equal(find_rsdp(), 0xf5a30);
	/* The first one wins. */
	put_rsdp(0xe0040, 0);
	assert_int_equal(find_rsdp(), 0xe0040);

	/* In the EBDA, whose segment is at 0x40e: searched first. */
	w16(0x40e, 0x9fc0);
	put_rsdp(0x9fc00 + 0x80, 2);
	assert_int_equal(find_rsdp(), 0x9fc80);
	/* Only its first KiB is searched. */
	memset(mem + 0x9fc80, 0, 36);
	put_rsdp(0x9fc00 + 1024, 0);
	assert_int_equal(find_rsdp(), 0xe0040);
	put_rsdp(0x9fc00, 0);
	assert_int_equal(find_rsdp(), 0x9fc00);
	/* An EBDA segment of zero means none. */
	w16(0x40e, 0);
	assert_int_equal(find_rsdp(), 0xe0040);
}

static void rsdp_bios_skips_bad_ones(void **state)
{
	/* Not on a 16-byte boundary. */
	put_rsdp(0xe0008, 0);
	assert_int_equal(find_rsdp(), 0);

	/* A bad checksum, then a good one further on. */
	put_rsdp(0xe0100, 0);
	mem[0xe0100 + 8] ^= 0x11;
	put_rsdp(0xe0200, 0);
	assert_int_equal(find_rsdp(), 0xe0200);

	/* A 2.0 RSDP with a bad extended checksum is skipped too. */
	put_rsdp(0xe0180, 2);
	mem[0xe0180 + 32] ^= 0x11;
	assert_int_equal(find_rsdp(), 0xe0200);
	mem[0xe0180 + 32] ^= 0x11;
	assert_int_equal(find_rsdp(), 0xe0180);

	/* The signature alone is not enough. */
	memset(mem + 0xe0000, 0, 0x300);
	memcpy(mem + 0xe0000, "RSD PTR ", 8);
	memcpy(mem + 0xe0010, "RSD PTR ", 8);
	mem[0xe0010 + 8] = (uint8_t)-sum_bytes(mem + 0xe0010, 20);
	mem[0xe0010 + 15] = 2; /* now its checksum fails */
	assert_int_equal(find_rsdp(), 0);

	/* An EBDA pointer near the end of memory, and one in an unreadable
	 * hole: the BIOS area is still searched. */
	put_rsdp(0xfff00, 0);
	w16(0x40e, 0xffff);
	assert_int_equal(find_rsdp(), 0xfff00);
	w16(0x40e, 0x9fc0);
	hole_lo = 0x9fc00;
	hole_hi = 0xa0000;
	assert_int_equal(find_rsdp(), 0xfff00);
	/* The EBDA pointer itself unreadable. */
	hole_lo = 0x400;
	hole_hi = 0x500;
	assert_int_equal(find_rsdp(), 0xfff00);
}

/* An ACPI 1.0 RSDP is 20 bytes: it fits in the last 16-byte slot that
 * leaves 20 bytes before the end of either area, 0xfffe0 in the BIOS
 * area (ACPI 6.4 section 5.2.5.1: "in the memory range 0E0000h to
 * 0FFFFFh"). */
static void rsdp_bios_last_slot(void **state)
{
	put_rsdp(0xfffe0, 0);
	assert_int_equal(find_rsdp(), 0xfffe0);
	memset(mem + 0xfffe0, 0, 20);
	w16(0x40e, 0x9fc0);
	put_rsdp(0x9fc00 + 1024 - 32, 0);
	assert_int_equal(find_rsdp(), 0x9fc00 + 1024 - 32);
	/* A 2.0 RSDP needs its 36 bytes inside the area: 0xfffd0 is its
	 * last slot. */
	memset(mem + 0x9fc00 + 1024 - 32, 0, 20);
	put_rsdp(0xfffd0, 2);
	assert_int_equal(find_rsdp(), 0xfffd0);
}

/* --- \_S5 in AML ------------------------------------------------------------------------ */

/* Runs acpi_find_s5 on an exact-size heap copy. */
static bool s5(const void *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, aml, len);
	*a = *b = 0xcc;
	bool r = acpi_find_s5(copy, len, a, b);
	free(copy);
	return r;
}

#define S5_OK(a_want, b_want, ...)                                                                                     \
	do {                                                                                                           \
		const uint8_t aml_[] = { __VA_ARGS__ };                                                                \
		uint8_t a_, b_;                                                                                        \
		if (!s5(aml_, sizeof(aml_), &a_, &b_))                                                                 \
			fail_msg("line %d: \\_S5 not found", __LINE__);                                                \
		if (a_ != (a_want) || b_ != (b_want))                                                                  \
			fail_msg("line %d: \\_S5 is {%u, %u}, want {%u, %u}", __LINE__, a_, b_, a_want, b_want);       \
	} while (0)

#define S5_NONE(...)                                                                                                   \
	do {                                                                                                           \
		const uint8_t aml_[] = { __VA_ARGS__ };                                                                \
		uint8_t a_, b_;                                                                                        \
		if (s5(aml_, sizeof(aml_), &a_, &b_))                                                                  \
			fail_msg("line %d: \\_S5 found in bad AML", __LINE__);                                         \
	} while (0)

#define S5 '_', 'S', '5', '_'

static void s5_encodings(void **state)
{
	/* ZeroOp, OneOp, BytePrefix, WordPrefix. */
	S5_OK(0, 0, 0x08, S5, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00);
	S5_OK(1, 1, 0x08, S5, 0x12, 0x04, 0x02, 0x01, 0x01);
	S5_OK(5, 7, 0x08, S5, 0x12, 0x06, 0x02, 0x0a, 0x05, 0x0a, 0x07);
	S5_OK(3, 4, 0x08, S5, 0x12, 0x08, 0x02, 0x0b, 0x03, 0x00, 0x0b, 0x04, 0x00);
	S5_OK(0, 7, 0x08, S5, 0x12, 0x05, 0x02, 0x00, 0x0a, 0x07);
	/* With the root prefix. */
	S5_OK(5, 5, 0x08, '\\', S5, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00);
	/* Inside other AML. */
	S5_OK(2, 6, 0x10, 0x20, '\\', '_', 'S', 'B', '_', 0x5b, 0x82, 0x08, S5, 0x12, 0x06, 0x02, 0x0a, 0x02, 0x0a,
	      0x06, 0xa3);
	/* A reference to \_S5 before its definition is not the definition. */
	S5_OK(1, 0, 0x70, S5, 0x60, 0x08, S5, 0x12, 0x04, 0x02, 0x01, 0x00);
	S5_OK(1, 0, 0x70, '\\', S5, 0x60, 0x08, S5, 0x12, 0x04, 0x02, 0x01, 0x00);

	/* Two-, three- and four-byte PkgLengths (ACPI 6.4 section 20.2.4):
	 * the first byte's top two bits count the bytes that follow, its low
	 * four bits are the length's low four bits. */
	uint8_t aml[200];
	size_t n = 0;
	aml[n++] = 0x08;
	memcpy(aml + n, "_S5_", 4);
	n += 4;
	aml[n++] = 0x12;
	uint32_t pkglen = 2 + 1 + 2 + 3 + 60; /* PkgLength, NumElements, elements */
	aml[n++] = (uint8_t)(0x40 | (pkglen & 0x0f));
	aml[n++] = (uint8_t)(pkglen >> 4);
	aml[n++] = 62;
	aml[n++] = 0x0a;
	aml[n++] = 3;
	aml[n++] = 0x0b;
	aml[n++] = 4;
	aml[n++] = 0;
	for (int i = 0; i < 60; i++)
		aml[n++] = 0x01;
	uint8_t a, b;
	assert_true(s5(aml, n, &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	/* The same package, its length in three bytes. */
	memmove(aml + 8, aml + 7, n - 7);
	n++;
	pkglen++;
	aml[6] = (uint8_t)(0x80 | (pkglen & 0x0f));
	aml[7] = (uint8_t)(pkglen >> 4);
	aml[8] = (uint8_t)(pkglen >> 12);
	assert_true(s5(aml, n, &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	/* And in four. */
	memmove(aml + 9, aml + 8, n - 8);
	n++;
	pkglen++;
	aml[6] = (uint8_t)(0xc0 | (pkglen & 0x0f));
	aml[7] = (uint8_t)(pkglen >> 4);
	aml[8] = (uint8_t)(pkglen >> 12);
	aml[9] = (uint8_t)(pkglen >> 20);
	assert_true(s5(aml, n, &a, &b));
	assert_int_equal(a, 3);
	assert_int_equal(b, 4);
	/* Its length one more than the AML holds. */
	aml[6] = (uint8_t)(0xc0 | ((pkglen + 1) & 0x0f));
	aml[7] = (uint8_t)((pkglen + 1) >> 4);
	assert_false(s5(aml, n, &a, &b));
}

static void s5_malformed(void **state)
{
	/* No \_S5 at all; empty AML. */
	S5_NONE(0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x01, 0x01);
	uint8_t a, b;
	assert_false(s5("", 0, &a, &b));
	/* Not a Name(): at the very start, after another opcode. */
	S5_NONE(S5, 0x12, 0x04, 0x02, 0x01, 0x01);
	S5_NONE(0x70, S5, 0x12, 0x04, 0x02, 0x01, 0x01);
	S5_NONE('\\', S5, 0x12, 0x04, 0x02, 0x01, 0x01);
	/* Named, but not a package: Name(_S5, 5). */
	S5_NONE(0x08, S5, 0x0a, 0x05);
	/* The name at the very end. */
	S5_NONE(0x08, S5);
	S5_NONE(0x08, '\\', S5);
	/* Fewer than two elements. */
	S5_NONE(0x08, S5, 0x12, 0x03, 0x01, 0x01);
	S5_NONE(0x08, S5, 0x12, 0x02, 0x00);
	/* A PkgLength that ends inside the elements, or beyond the AML. */
	S5_NONE(0x08, S5, 0x12, 0x03, 0x02, 0x01, 0x01);
	S5_NONE(0x08, S5, 0x12, 0x05, 0x02, 0x0a, 0x05, 0x0a, 0x05);
	S5_NONE(0x08, S5, 0x12, 0x09, 0x02, 0x01, 0x01);
	/* A PkgLength shorter than itself. */
	S5_NONE(0x08, S5, 0x12, 0x40, 0x00, 0x02, 0x01, 0x01);
	S5_NONE(0x08, S5, 0x12, 0x00, 0x02, 0x01, 0x01);
	/* A multi-byte PkgLength cut short. */
	S5_NONE(0x08, S5, 0x12, 0x46);
	S5_NONE(0x08, S5, 0x12, 0xc6, 0x00, 0x00);
	/* Elements Keel does not decode: DWordPrefix, a string, a name. */
	S5_NONE(0x08, S5, 0x12, 0x08, 0x02, 0x0c, 0x05, 0x00, 0x00, 0x00, 0x01);
	S5_NONE(0x08, S5, 0x12, 0x07, 0x02, 0x0d, 'a', 0x00, 0x01);
	/* Prefixes cut by the package's end. */
	S5_NONE(0x08, S5, 0x12, 0x04, 0x02, 0x01, 0x0a, 0x05);
	S5_NONE(0x08, S5, 0x12, 0x05, 0x02, 0x01, 0x0b, 0x05, 0x00);
	/* A bad candidate, then a good one. */
	S5_OK(2, 3, 0x08, S5, 0x12, 0x03, 0x01, 0x01, 0x08, S5, 0x12, 0x06, 0x02, 0x0a, 0x02, 0x0a, 0x03);
}

/* Every prefix of a good definition is refused (the package is cut), and
 * none reads a byte past its end. */
static void s5_truncations(void **state)
{
	static const uint8_t defs[][16] = {
		{ 0x08, S5, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 },
		{ 0x08, '\\', S5, 0x12, 0x08, 0x02, 0x0b, 0x03, 0x00, 0x0b, 0x04, 0x00 },
		{ 0x08, S5, 0x12, 0x46, 0x00, 0x02, 0x01, 0x01 },
	};
	/* Where each package ends, and how much of the (zero-padded) row to
	 * try. */
	static const size_t full[] = { 14, 15, 12 };
	static const size_t lens[] = { 16, 16, 16 };
	for (size_t d = 0; d < 3; d++) {
		for (size_t n = 0; n <= lens[d]; n++) {
			uint8_t a, b;
			bool r = s5(defs[d], n, &a, &b);
			bool want = n >= full[d];
			if (r != want)
				fail_msg("definition %zu cut at %zu: found %d, want %d", d, n, r, want);
		}
	}
}

/* A byte an AML fuzzer should favour. */
static uint8_t aml_byte(void)
{
	static const uint8_t hot[] = { 0x00, 0x01, 0x02, 0x04, 0x08, 0x0a, 0x0b, 0x0c, 0x12, 0x3f,
				       0x40, 0x46, 0x7f, 0x80, 0xc0, 0xff, '\\', '_',  'S',  '5' };
	return below(3) ? hot[below(sizeof(hot))] : (uint8_t)rng();
}

/* Writes a random well-formed Name(_S5, Package() {...}) at out (room for
 * 128 bytes); returns its length and the two values it holds. */
static size_t random_s5(uint8_t *out, uint8_t *typa, uint8_t *typb)
{
	uint8_t elems[64];
	size_t ne = 0;
	unsigned count = 2 + (unsigned)below(3);
	for (unsigned k = 0; k < count; k++) {
		uint8_t v = (uint8_t)below(8);
		switch (below(4)) {
		case 0:
			v = 0;
			elems[ne++] = 0x00;
			break;
		case 1:
			v = 1;
			elems[ne++] = 0x01;
			break;
		case 2:
			elems[ne++] = 0x0a;
			elems[ne++] = v;
			break;
		default:
			elems[ne++] = 0x0b;
			elems[ne++] = v;
			elems[ne++] = 0;
			break;
		}
		if (k == 0)
			*typa = v;
		else if (k == 1)
			*typb = v;
	}
	size_t n = 0;
	out[n++] = 0x08;
	if (below(2))
		out[n++] = '\\';
	memcpy(out + n, "_S5_", 4);
	n += 4;
	out[n++] = 0x12;
	/* PkgLength in 1 to 4 bytes; counts itself, NumElements, elements. */
	unsigned bytes = 1 + (unsigned)below(4);
	uint32_t pkglen = (uint32_t)(bytes + 1 + ne);
	if (bytes == 1) {
		out[n++] = (uint8_t)pkglen;
	} else {
		out[n++] = (uint8_t)(((bytes - 1) << 6) | (pkglen & 0x0f));
		for (unsigned k = 1; k < bytes; k++)
			out[n++] = (uint8_t)(pkglen >> (4 + 8 * (k - 1)));
	}
	out[n++] = (uint8_t)count;
	memcpy(out + n, elems, ne);
	return n + ne;
}

static void s5_fuzz(void **state)
{
	rng_state = seed_from_env("s5 fuzz", 0x5f53355f66757a7aull);
	unsigned long found = 0, planted = 0;
	for (int iter = 0; iter < 200000; iter++) {
		size_t len = (size_t)below(64);
		uint8_t *aml = malloc(len ? len : 1);
		assert_non_null(aml);
		for (size_t i = 0; i < len; i++)
			aml[i] = aml_byte();
		/* Plant fragments of a definition. */
		int plants = (int)below(4);
		for (int k = 0; k < plants && len > 0; k++) {
			static const uint8_t frag[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
			size_t at = (size_t)below(len);
			size_t from = (size_t)below(sizeof(frag));
			size_t n = (size_t)below(sizeof(frag) - from + 1);
			if (n > len - at)
				n = len - at;
			memcpy(aml + at, frag + from, n);
		}
		/* Or a whole one, intact, cut by the end of the AML, or with a
		 * byte changed. */
		bool intact = false;
		size_t at = 0;
		uint8_t want_a = 0, want_b = 0;
		if (below(2) && len > 0) {
			uint8_t def[128];
			size_t n = random_s5(def, &want_a, &want_b);
			at = (size_t)below(len);
			intact = n <= len - at;
			if (!intact)
				n = len - at;
			if (below(4) == 0) {
				def[below(n)] = aml_byte();
				intact = false;
			}
			memcpy(aml + at, def, n);
			planted += intact;
		}
		uint8_t a = 0xcc, b = 0xcc;
		bool r = acpi_find_s5(aml, len, &a, &b);
		if (r) {
			found++;
			/* Only a Name() of _S5_ followed by a package. */
			bool seen = false;
			for (size_t i = 1; i + 5 <= len && !seen; i++)
				seen = memcmp(aml + i, "_S5_", 4) == 0 && aml[i + 4] == 0x12 &&
				       (aml[i - 1] == 0x08 || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08));
			assert_true(seen);
		}
		if (intact) {
			if (!r)
				fail_msg("iteration %d: an intact \\_S5 definition at %zu was not found", iter, at);
			/* Its values, when nothing before it looks like _S5_. */
			const uint8_t *first = memmem(aml, len, "_S5_", 4);
			if (first != NULL && (size_t)(first - aml) >= at) {
				assert_int_equal(a, want_a);
				assert_int_equal(b, want_b);
			}
		}
		free(aml);
	}
	print_message("s5 fuzz: %lu of 200000 inputs held a well-formed \\_S5, %lu planted intact\n", found, planted);
	assert_true(planted > 0);
}

/* --- random mutation of a whole table set --------------------------------------------- */

static void check_bounds(const struct acpi_info *info, unsigned nentries)
{
	assert_true(info->ntables <= ACPI_MAX_TABLES);
	assert_true(info->ntables + info->nbad <= nentries);
	assert_true(info->ncpus <= ACPI_MAX_CPUS);
	assert_true(info->nioapics <= ACPI_MAX_IOAPICS);
	assert_true(info->noverrides <= ACPI_MAX_OVERRIDES);
	assert_true(info->necam <= ACPI_MAX_ECAM);
	assert_true(memchr(info->oem_id, '\0', sizeof(info->oem_id)) != NULL);
	for (unsigned i = 0; i < info->ntables; i++)
		assert_int_equal(info->table[i].signature[4], '\0');
	for (unsigned i = 0; i < info->necam; i++)
		assert_true(info->ecam[i].bus_start <= info->ecam[i].bus_end);
}

/* One random change to the tables: a byte, a length, an entry, a pointer. */
static void mutate(const uint64_t *tables, unsigned ntables, uint8_t *rsdp)
{
	uint64_t t = tables[below(ntables)];
	uint32_t len;
	memcpy(&len, mem + t + 4, 4);
	uint32_t span = len >= 36 && len < 0x1000 ? len : 36;
	switch (below(7)) {
	case 0: /* a random byte of a table */
	case 1: mem[t + below(span)] ^= (uint8_t)(1 + below(255)); break;
	case 2: { /* its length */
		static const uint32_t lens[] = { 0, 1, 35, 36, 37, 40, 43, 44, 45, 116, 0x1000, 0x200000, 0xffffffff };
		uint32_t v = below(2) ? lens[below(sizeof(lens) / sizeof(lens[0]))] : (uint32_t)(len + below(9) - 4);
		w32(t + 4, v);
		break;
	}
	case 3: { /* a pointer in a root table, the FADT's DSDT, anywhere */
		uint64_t v = below(4) ? tables[below(ntables)] + below(8) : below(MEM_SIZE + 64);
		uint64_t where = t + 36 + below(span > 40 ? span - 40 : 1);
		if (below(2))
			w32(where, (uint32_t)v);
		else if (where + 8 <= MEM_SIZE)
			w64(where, v);
		break;
	}
	case 4: /* a MADT entry length */ mem[AT_MADT + 44 + 1 + below(100)] = (uint8_t)below(20); break;
	case 5: /* a PkgLength or element in the DSDT */ mem[AT_DSDT + 36 + below(40)] = aml_byte(); break;
	default: /* the RSDP */
		rsdp[below(36)] ^= (uint8_t)(1 + below(255));
		if (below(2)) {
			rsdp[8] = 0;
			rsdp[8] = (uint8_t)-sum_bytes(rsdp, 20);
			rsdp[32] = 0;
			rsdp[32] = (uint8_t)-sum_bytes(rsdp, 36);
		}
		break;
	}
}

static void mutation(void **state)
{
	rng_state = seed_from_env("acpi mutation", 0x6163706961637069ull);
	struct layout L;
	build_standard(&L);
	uint8_t *pristine = malloc(TABLES_END - AT_RSDT);
	assert_non_null(pristine);
	memcpy(pristine, mem + AT_RSDT, TABLES_END - AT_RSDT);
	const uint64_t tables[] = { L.rsdt, L.xsdt, L.madt, L.mcfg, L.fadt, L.dsdt, L.hpet };
	const unsigned ntables = sizeof(tables) / sizeof(tables[0]);
	unsigned long ok = 0, refused = 0, bad = 0;

	for (int iter = 0; iter < 20000; iter++) {
		memcpy(mem + AT_RSDT, pristine, TABLES_END - AT_RSDT);
		uint8_t rsdp[36];
		memcpy(rsdp, L.rsdp, 36);
		int n = 1 + (int)below(6);
		for (int k = 0; k < n; k++)
			mutate(tables, ntables, rsdp);
		/* Mostly with checksums made right again, so that the parsers
		 * behind them see the damage. */
		if (below(4) != 0) {
			for (unsigned i = 0; i < ntables; i++) {
				uint32_t len;
				memcpy(&len, mem + tables[i] + 4, 4);
				if (len >= 10 && len <= TABLES_END - tables[i])
					fix_checksum(tables[i]);
			}
		}
		struct acpi_info info;
		size_t rlen = below(2) ? 36 : 20;
		int r = parse_bytes(rsdp, rlen, &info);
		if (r == -EINVAL) {
			refused++;
			continue;
		}
		assert_int_equal(r, 0);
		ok++;
		bad += info.nbad;
		/* No root table lists more than 16 entries here, even cut. */
		check_bounds(&info, 0x1000 / 4);
		uint16_t flags;
		for (int irq = 0; irq < 16; irq++)
			acpi_isa_irq_to_gsi(&info, (uint8_t)irq, &flags);
	}
	free(pristine);
	print_message("acpi mutation: %lu parsed (%lu tables refused), %lu RSDPs refused\n", ok, bad, refused);
	assert_true(ok > 0);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(checksum),
		TEST(good_tables_xsdt),
		TEST(good_tables_rsdt),
		TEST(rsdp_v2_without_xsdt),
		TEST(oem_id),
		TEST(unaligned_tables),
		TEST(bad_rsdp),
		TEST(no_usable_root_table),
		TEST(bad_xsdt_falls_back_to_rsdt),
		TEST(xsdt_and_rsdt_entries_differ),
		TEST(root_table_entries),
		TEST(many_tables),
		TEST(bad_checksum_skipped),
		TEST(bad_lengths_skipped),
		TEST(madt_entries),
		TEST(madt_bad_entry_lengths),
		TEST(madt_limits),
		TEST(isa_irq_to_gsi),
		TEST(mcfg_entries),
		TEST(fadt_revision_1),
		TEST(fadt_revision_6),
		TEST(fadt_pm_timer_only_in_x_field),
		TEST(fadt_unknown_revision),
		TEST(fadt_dsdt_problems),
		TEST(hpet),
		TEST(first_of_each_kind),
		TEST(rsdp_bios_search),
		TEST(rsdp_bios_skips_bad_ones),
		TEST(rsdp_bios_last_slot),
		TEST(s5_encodings),
		TEST(s5_malformed),
		TEST(s5_truncations),
		TEST(s5_fuzz),
		TEST(mutation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
