/*
 * Reading the ACPI tables (ACPI 6.4, chapter 5): the RSDP, the RSDT or
 * XSDT, and from them the MADT (interrupt controllers), the MCFG (PCI
 * Express configuration space), the FADT (PM timer, power-off, reset) and
 * the HPET table.
 *
 * The tables are input from the firmware: each is mapped for its header,
 * its length checked against what can be read, its checksum verified,
 * and every field is read through a bounds-checked accessor, so a table
 * of an older revision (shorter) yields only the fields it has.
 */
#include "kernel/acpi.h"

#include <errno.h>
#include <string.h>

#define TABLE_MAX_LENGTH (16u << 20) /* larger than any real table */

struct acpi_info acpi;

bool acpi_checksum_ok(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

/* Bounds-checked little-endian reads from a table of len bytes. */
static bool rd8(const uint8_t *t, size_t len, size_t off, uint8_t *v)
{
	if (off + 1 > len)
		return false;
	*v = t[off];
	return true;
}

static bool rd16(const uint8_t *t, size_t len, size_t off, uint16_t *v)
{
	if (off + 2 > len)
		return false;
	memcpy(v, t + off, 2);
	return true;
}

static bool rd32(const uint8_t *t, size_t len, size_t off, uint32_t *v)
{
	if (off + 4 > len)
		return false;
	memcpy(v, t + off, 4);
	return true;
}

static bool rd64(const uint8_t *t, size_t len, size_t off, uint64_t *v)
{
	if (off + 8 > len)
		return false;
	memcpy(v, t + off, 8);
	return true;
}

static bool rd_gas(const uint8_t *t, size_t len, size_t off, struct acpi_gas *g)
{
	if (off + 12 > len)
		return false;
	g->space = t[off];
	g->bit_width = t[off + 1];
	memcpy(&g->address, t + off + 4, 8);
	return true;
}

static bool valid_rsdp(const uint8_t *p, size_t len)
{
	if (len < 20 || memcmp(p, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(p, 20))
		return false;
	if (p[15] >= 2) {
		uint32_t full;
		if (len < 36)
			return true; /* only the 1.0 part was given: use the RSDT */
		memcpy(&full, p + 20, 4);
		if (full < 36 || full > len || !acpi_checksum_ok(p, full))
			return false;
	}
	return true;
}

uint64_t acpi_find_rsdp_bios(phys_reader_fn read)
{
	uint64_t ranges[2][2] = { { 0, 0 }, { 0xe0000, 0x100000 } };
	const uint16_t *ebda_seg = read(0x40e, 2);
	if (ebda_seg && *ebda_seg) {
		ranges[0][0] = (uint64_t)*ebda_seg << 4;
		ranges[0][1] = ranges[0][0] + 1024;
	}
	for (int r = 0; r < 2; r++) {
		uint64_t start = ranges[r][0], len = ranges[r][1] - ranges[r][0];
		const uint8_t *area = len >= 20 ? read(start, (size_t)len) : NULL;
		if (area == NULL)
			continue;
		/* An ACPI 1.0 RSDP is 20 bytes: it may sit in the last slot
		 * that leaves 20 bytes, where 36 would run past the area. The
		 * signature's first bytes are checked inline: the loop runs
		 * 8,000 times when there is no RSDP to find. */
		for (uint64_t off = 0; off + 20 <= len; off += 16) {
			const uint8_t *p = area + off;
			if (p[0] != 'R' || p[1] != 'S' || p[2] != 'D' || !valid_rsdp(p, 20))
				continue;
			if (p[15] < 2 || (off + 36 <= len && valid_rsdp(p, 36)))
				return start + off;
		}
	}
	return 0;
}

/* Reads a whole table: its header, then length bytes, checked. */
static const uint8_t *load_table(uint64_t phys, phys_reader_fn read, acpi_log_fn log, uint32_t *length)
{
	/* Tables need not be aligned (QEMU lays them end to end): the header
	 * is copied out rather than read through a struct pointer. */
	struct acpi_header h;
	const void *hp = read(phys, sizeof(h));
	if (hp == NULL) {
		log("acpi: table at 0x%lx is not readable\n", phys);
		return NULL;
	}
	memcpy(&h, hp, sizeof(h));
	char sig[5] = { h.signature[0], h.signature[1], h.signature[2], h.signature[3], 0 };
	if (h.length < sizeof(h) || h.length > TABLE_MAX_LENGTH) {
		log("acpi: table %s at 0x%lx has a bad length (%u); skipped\n", sig, phys, h.length);
		return NULL;
	}
	uint32_t len = h.length;
	const uint8_t *t = read(phys, len);
	if (t == NULL) {
		log("acpi: table %s at 0x%lx runs into unreadable memory (length %u); skipped\n", sig, phys, len);
		return NULL;
	}
	if (!acpi_checksum_ok(t, len)) {
		log("acpi: table %s at 0x%lx has a bad checksum; skipped\n", sig, phys);
		return NULL;
	}
	*length = len;
	return t;
}

/* An I/O APIC's ID is one byte and names it: a second entry with the same
 * ID is a firmware's mistake, ignored, so the list never outgrows the 256
 * IDs there are. */
static bool have_ioapic(const struct acpi_info *info, uint8_t id)
{
	for (unsigned i = 0; i < info->nioapics; i++)
		if (info->ioapic[i].id == id)
			return true;
	return false;
}

/* One override per ISA IRQ (the first counts, as in other kernels). */
static bool have_override(const struct acpi_info *info, uint8_t irq)
{
	for (unsigned i = 0; i < info->noverrides; i++)
		if (info->override[i].source == irq)
			return true;
	return false;
}

static void parse_madt(struct acpi_info *info, const uint8_t *t, uint32_t len, acpi_log_fn log)
{
	uint32_t lapic, flags;
	if (!rd32(t, len, 36, &lapic) || !rd32(t, len, 40, &flags)) {
		log("acpi: MADT too short\n");
		return;
	}
	info->have_madt = true;
	info->lapic_phys = lapic;
	info->pcat_compat = flags & 1;
	for (size_t off = 44; off + 2 <= len;) {
		uint8_t type = t[off], elen = t[off + 1];
		if (elen < 2 || off + elen > len) {
			log("acpi: MADT entry at offset %zu has a bad length (%u); rest ignored\n", off, elen);
			break;
		}
		const uint8_t *e = t + off;
		switch (type) {
		case 0: /* processor local APIC */
			if (elen >= 8 && info->ncpus < ACPI_MAX_CPUS) {
				uint32_t f;
				memcpy(&f, e + 4, 4);
				if (f & 3) /* enabled or online-capable */
					info->cpu_apic_id[info->ncpus++] = e[3];
			}
			break;
		case 1: /* I/O APIC */
			if (elen >= 12 && !have_ioapic(info, e[2])) {
				uint32_t addr, gsi;
				memcpy(&addr, e + 4, 4);
				memcpy(&gsi, e + 8, 4);
				info->ioapic[info->nioapics].id = e[2];
				info->ioapic[info->nioapics].phys = addr;
				info->ioapic[info->nioapics].gsi_base = gsi;
				info->nioapics++;
			}
			break;
		case 2: /* interrupt source override */
			if (elen >= 10 && e[2] == 0 && e[3] < ACPI_MAX_OVERRIDES && !have_override(info, e[3])) {
				uint32_t gsi;
				uint16_t f;
				memcpy(&gsi, e + 4, 4);
				memcpy(&f, e + 8, 2);
				info->override[info->noverrides].source = e[3];
				info->override[info->noverrides].gsi = gsi;
				info->override[info->noverrides].flags = f;
				info->noverrides++;
			}
			break;
		case 5: /* local APIC address override */
			if (elen >= 12)
				memcpy(&info->lapic_phys, e + 4, 8);
			break;
		case 9: /* processor local x2APIC */
			if (elen >= 16 && info->ncpus < ACPI_MAX_CPUS) {
				uint32_t id, f;
				memcpy(&id, e + 4, 4);
				memcpy(&f, e + 8, 4);
				if (f & 3)
					info->cpu_apic_id[info->ncpus++] = id;
			}
			break;
		default: break; /* types Keel does not use, and future ones */
		}
		off += elen;
	}
}

static void parse_mcfg(struct acpi_info *info, const uint8_t *t, uint32_t len, acpi_log_fn log)
{
	for (size_t off = 44; off + 16 <= len && info->necam < ACPI_MAX_ECAM; off += 16) {
		uint64_t base;
		uint16_t seg;
		rd64(t, len, off, &base);
		rd16(t, len, off + 8, &seg);
		uint8_t start = t[off + 10], end = t[off + 11];
		if (end < start || base == 0 || (base & 0xfffff) != 0) {
			log("acpi: MCFG entry with a bad range (base 0x%lx, buses %u-%u); skipped\n", base, start, end);
			continue;
		}
		info->ecam[info->necam].base = base;
		info->ecam[info->necam].segment = seg;
		info->ecam[info->necam].bus_start = start;
		info->ecam[info->necam].bus_end = end;
		info->necam++;
	}
}

size_t aml_pkglength(const uint8_t *p, size_t avail, uint32_t *value)
{
	if (avail < 1)
		return 0;
	size_t follow = p[0] >> 6;
	if (avail < 1 + follow)
		return 0;
	if (follow == 0) {
		*value = p[0] & 0x3f;
		return 1;
	}
	uint32_t v = p[0] & 0x0f;
	for (size_t i = 0; i < follow; i++)
		v |= (uint32_t)p[1 + i] << (4 + 8 * i);
	*value = v;
	return 1 + follow;
}

/* One small integer of a package: ZeroOp, OneOp, BytePrefix, WordPrefix. */
static size_t aml_small_int(const uint8_t *p, size_t avail, uint8_t *v)
{
	if (avail < 1)
		return 0;
	switch (p[0]) {
	case 0x00: *v = 0; return 1;
	case 0x01: *v = 1; return 1;
	case 0x0a:
		if (avail < 2)
			return 0;
		*v = p[1];
		return 2;
	case 0x0b:
		if (avail < 3)
			return 0;
		*v = p[1];
		return 3;
	default: return 0;
	}
}

bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *typa, uint8_t *typb)
{
	/* Not an interpreter: the definition Name(_S5, Package(){a, b, ...})
	 * is NameOp (0x08), the name (with an optional root prefix), then
	 * PackageOp (0x12), PkgLength, NumElements and the elements. */
	for (size_t i = 0; i + 4 <= len; i++) {
		if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] != '5' || aml[i + 3] != '_')
			continue;
		bool named = (i >= 1 && aml[i - 1] == 0x08) || (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08);
		size_t p = i + 4;
		if (!named || p >= len || aml[p] != 0x12)
			continue;
		p++;
		uint32_t pkglen;
		size_t n = aml_pkglength(aml + p, len - p, &pkglen);
		if (n == 0)
			continue;
		size_t end = p + pkglen; /* PkgLength counts itself */
		if (end > len)
			continue;
		p += n;
		if (p >= end || aml[p] < 2) /* NumElements */
			continue;
		p++;
		size_t k = aml_small_int(aml + p, end - p, typa);
		if (k == 0)
			continue;
		p += k;
		if (aml_small_int(aml + p, end - p, typb) == 0)
			continue;
		return true;
	}
	return false;
}

static void parse_fadt(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	uint32_t v32, flags = 0;
	uint16_t v16;
	uint8_t v8;
	info->have_fadt = true;
	rd32(t, len, 112, &flags);
	info->hw_reduced = (flags >> 20) & 1;
	if (rd16(t, len, 46, &v16))
		info->sci_irq = v16;
	if (rd32(t, len, 76, &v32) && v32 && v32 <= 0xffff && rd8(t, len, 91, &v8) && v8 >= 4) {
		info->pm_timer_port = (uint16_t)v32;
		info->pm_timer_32bit = (flags >> 8) & 1;
	}
	/* ACPI 2.0+ also gives X_PM_TMR_BLK; prefer it when it is I/O. */
	struct acpi_gas g;
	if (rd_gas(t, len, 208, &g) && g.space == ACPI_SPACE_IO && g.address && g.address <= 0xffff) {
		info->pm_timer_port = (uint16_t)g.address;
		info->pm_timer_32bit = (flags >> 8) & 1; /* TMR_VAL_EXT, whichever field gave the port */
	}
	if (rd8(t, len, 108, &v8) && v8 >= 0x0e && v8 < 0x80)
		info->rtc_century_reg = v8; /* not one of the clock's own registers */
	if (rd16(t, len, 109, &v16))
		info->iapc_boot_arch = v16;
	if (rd32(t, len, 64, &v32) && v32 <= 0xffff)
		info->pm1a_cnt = (uint16_t)v32;
	if (rd32(t, len, 68, &v32) && v32 <= 0xffff)
		info->pm1b_cnt = (uint16_t)v32;
	if (((flags >> 10) & 1) && rd_gas(t, len, 116, &info->reset_reg) && rd8(t, len, 128, &info->reset_value) &&
	    info->reset_reg.address != 0)
		info->have_reset = true;

	uint64_t dsdt = 0;
	if (rd32(t, len, 40, &v32))
		dsdt = v32;
	uint64_t xdsdt;
	if (rd64(t, len, 140, &xdsdt) && xdsdt)
		dsdt = xdsdt;
	info->dsdt_phys = dsdt;
}

const uint8_t *acpi_load_dsdt(const struct acpi_info *info, phys_reader_fn read, acpi_log_fn log, size_t *aml_len)
{
	if (info->dsdt_phys == 0)
		return NULL;
	uint32_t dlen;
	const uint8_t *d = load_table(info->dsdt_phys, read, log, &dlen);
	if (d == NULL)
		return NULL;
	if (memcmp(d, "DSDT", 4) != 0) {
		log("acpi: the FADT's DSDT pointer does not point at a DSDT\n");
		return NULL;
	}
	*aml_len = dlen - sizeof(struct acpi_header);
	return d + sizeof(struct acpi_header);
}

bool acpi_read_s5(struct acpi_info *info, phys_reader_fn read, acpi_log_fn log)
{
	if (info->dsdt_phys == 0 || info->pm1a_cnt == 0)
		return false;
	size_t len;
	const uint8_t *aml = acpi_load_dsdt(info, read, log, &len);
	if (aml == NULL)
		return false;
	info->have_s5 = acpi_find_s5(aml, len, &info->s5_typa, &info->s5_typb);
	return info->have_s5;
}

static void parse_hpet(struct acpi_info *info, const uint8_t *t, uint32_t len)
{
	struct acpi_gas g;
	if (rd_gas(t, len, 40, &g) && g.space == ACPI_SPACE_MEMORY && g.address)
		info->hpet_phys = g.address;
}

int acpi_parse_tables(struct acpi_info *info, const void *rsdp_bytes, size_t rsdp_len, phys_reader_fn read,
		      acpi_log_fn log)
{
	memset(info, 0, sizeof(*info));
	const uint8_t *r = rsdp_bytes;
	if (r == NULL || !valid_rsdp(r, rsdp_len)) {
		log("acpi: the RSDP is missing or invalid\n");
		return -EINVAL;
	}
	struct acpi_rsdp rsdp = { 0 };
	memcpy(&rsdp, r, rsdp_len < sizeof(rsdp) ? rsdp_len : sizeof(rsdp));
	info->revision = rsdp.revision;
	memcpy(info->oem_id, rsdp.oem_id, 6);
	for (int i = 5; i >= 0 && (info->oem_id[i] == ' ' || info->oem_id[i] == '\0'); i--)
		info->oem_id[i] = '\0'; /* padded with spaces */

	/* The XSDT when the RSDP is 2.0+ and it checks out, else the RSDT. */
	const uint8_t *sdt = NULL;
	uint32_t sdt_len = 0;
	if (rsdp.revision >= 2 && rsdp_len >= 36 && rsdp.xsdt_address) {
		sdt = load_table(rsdp.xsdt_address, read, log, &sdt_len);
		if (sdt && memcmp(sdt, "XSDT", 4) != 0)
			sdt = NULL;
		info->use_xsdt = sdt != NULL;
	}
	if (sdt == NULL && rsdp.rsdt_address) {
		sdt = load_table(rsdp.rsdt_address, read, log, &sdt_len);
		if (sdt && memcmp(sdt, "RSDT", 4) != 0)
			sdt = NULL;
	}
	if (sdt == NULL) {
		log("acpi: no usable RSDT or XSDT\n");
		return -EINVAL;
	}

	size_t entry = info->use_xsdt ? 8 : 4;
	size_t n = (sdt_len - sizeof(struct acpi_header)) / entry;
	for (size_t i = 0; i < n; i++) {
		uint64_t phys = 0;
		memcpy(&phys, sdt + sizeof(struct acpi_header) + i * entry, entry);
		if (phys == 0)
			continue;
		uint32_t len;
		const uint8_t *t = load_table(phys, read, log, &len);
		if (t == NULL) {
			info->nbad++;
			continue;
		}
		if (info->ntables < ACPI_MAX_TABLES) {
			memcpy(info->table[info->ntables].signature, t, 4);
			info->table[info->ntables].phys = phys;
			info->table[info->ntables].length = len;
			info->table[info->ntables].revision = t[8];
			info->ntables++;
		}
		/* The first of each kind counts, as in other kernels. */
		if (memcmp(t, "APIC", 4) == 0 && !info->have_madt)
			parse_madt(info, t, len, log);
		else if (memcmp(t, "MCFG", 4) == 0 && info->necam == 0)
			parse_mcfg(info, t, len, log);
		else if (memcmp(t, "FACP", 4) == 0 && !info->have_fadt)
			parse_fadt(info, t, len);
		else if (memcmp(t, "HPET", 4) == 0 && info->hpet_phys == 0)
			parse_hpet(info, t, len);
	}
	return 0;
}

int acpi_parse(struct acpi_info *info, const void *rsdp_bytes, size_t rsdp_len, phys_reader_fn read, acpi_log_fn log)
{
	int err = acpi_parse_tables(info, rsdp_bytes, rsdp_len, read, log);
	if (err == 0)
		acpi_read_s5(info, read, log);
	return err;
}

uint32_t acpi_isa_irq_to_gsi(const struct acpi_info *info, uint8_t irq, uint16_t *flags)
{
	for (unsigned i = 0; i < info->noverrides; i++) {
		if (info->override[i].source == irq) {
			*flags = info->override[i].flags;
			return info->override[i].gsi;
		}
	}
	*flags = 0; /* conforming: ISA is edge-triggered, active high */
	return irq;
}
