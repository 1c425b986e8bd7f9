/*
 * The walk of acpi_aml.h. A device is DeviceOp (0x5b 0x82), a PkgLength
 * that bounds its body, a NameString, then the objects of its scope; the
 * ones looked at are Name(_HID, "string") and Name(_CRS, Buffer(){...})
 * (ACPI 6.4 sections 20.2.5.2 and 20.2.5.4), and the resource template in
 * the buffer is a list of descriptors (section 6.4) ending in an end tag.
 * Every offset is checked against the end of what contains it: the DSDT's
 * length, the device's PkgLength, the buffer's.
 */
#include "kernel/acpi_aml.h"

#include <string.h>

#include "kernel/acpi.h"

#define AML_NAME_OP 0x08
#define AML_STRING_PREFIX 0x0d
#define AML_BUFFER_OP 0x11
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_EXT_OP 0x5b
#define AML_DEVICE_OP 0x82
#define AML_ROOT_CHAR '\\'
#define AML_PARENT_CHAR '^'
#define AML_DUAL_NAME 0x2e
#define AML_MULTI_NAME 0x2f

/* Resource descriptors (section 6.4): small ones have their length in
 * the tag, large ones (bit 7) a 16-bit length after it. */
#define RES_END_TAG 0x79
#define RES_MEMORY32_FIXED 0x86
#define RES_EXT_IRQ 0x89
#define RES_LARGE 0x80

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Skips a NameString; returns the position after it and copies its last
 * NameSeg into seg (4 characters), or returns 0 when it runs past end. */
static size_t name_string(const uint8_t *a, size_t p, size_t end, char seg[5])
{
	if (p < end && a[p] == AML_ROOT_CHAR)
		p++;
	while (p < end && a[p] == AML_PARENT_CHAR)
		p++;
	if (p >= end)
		return 0;
	size_t nsegs = 1;
	if (a[p] == AML_DUAL_NAME) {
		nsegs = 2;
		p++;
	} else if (a[p] == AML_MULTI_NAME) {
		if (p + 1 >= end)
			return 0;
		nsegs = a[p + 1];
		p += 2;
	} else if (a[p] == 0) {
		memcpy(seg, "", 1);
		return p + 1;
	}
	if (nsegs == 0 || nsegs * 4 > end - p)
		return 0;
	p += 4 * nsegs;
	memcpy(seg, a + p - 4, 4);
	seg[4] = '\0';
	return p;
}

/* Finds Name(seg, ...) in [p, end) and returns the position of its value,
 * or 0. */
static size_t find_name(const uint8_t *a, size_t p, size_t end, const char *seg)
{
	for (; p + 5 < end; p++)
		if (a[p] == AML_NAME_OP && memcmp(a + p + 1, seg, 4) == 0)
			return p + 5;
	return 0;
}

static bool hid_matches(const uint8_t *a, size_t p, size_t end, const char *hid)
{
	size_t n = strlen(hid);
	return p < end && a[p] == AML_STRING_PREFIX && n + 2 <= end - p && memcmp(a + p + 1, hid, n) == 0 &&
	       a[p + 1 + n] == '\0';
}

/* The bytes of Buffer(size){...} at p: sets *start and *blen, bounded by
 * both the buffer's PkgLength and end. */
static bool buffer_bytes(const uint8_t *a, size_t p, size_t end, size_t *start, size_t *blen)
{
	if (p >= end || a[p] != AML_BUFFER_OP)
		return false;
	p++;
	uint32_t pkglen;
	size_t n = aml_pkglength(a + p, end - p, &pkglen);
	if (n == 0 || pkglen < n || pkglen > end - p)
		return false;
	size_t bend = p + pkglen;
	p += n;
	/* BufferSize: an integer; the bytes given may be fewer (the rest
	 * zeros), so the PkgLength bounds what is read. */
	if (p >= bend)
		return false;
	size_t isize = a[p] == AML_BYTE_PREFIX ? 1 : a[p] == AML_WORD_PREFIX ? 2 : a[p] == AML_DWORD_PREFIX ? 4 : 0;
	if (isize == 0 || isize + 1 > bend - p)
		return false;
	p += 1 + isize;
	*start = p;
	*blen = bend - p;
	return true;
}

/* Reads the first Memory32Fixed and the first interrupt of an extended
 * interrupt descriptor from a resource template. */
static bool decode_crs(const uint8_t *r, size_t len, struct acpi_mmio_device *d)
{
	bool mem = false, irq = false;
	size_t p = 0;
	while (p < len) {
		uint8_t tag = r[p];
		size_t body, dlen;
		if (tag & RES_LARGE) {
			if (len - p < 3)
				return false;
			dlen = (size_t)(r[p + 1] | r[p + 2] << 8);
			body = p + 3;
		} else {
			if ((tag & 0x78) == (RES_END_TAG & 0x78))
				break;
			dlen = tag & 7;
			body = p + 1;
		}
		if (dlen > len - body)
			return false;
		if (tag == RES_MEMORY32_FIXED && dlen >= 9 && !mem) {
			d->base = le32(r + body + 1);
			d->length = le32(r + body + 5);
			mem = true;
		} else if (tag == RES_EXT_IRQ && dlen >= 6 && !irq && r[body + 1] >= 1) {
			uint8_t flags = r[body];
			d->level = !(flags & 2);
			d->active_low = (flags & 4) != 0;
			d->gsi = le32(r + body + 2);
			irq = true;
		}
		p = body + dlen;
	}
	return mem && irq && d->length != 0;
}

unsigned acpi_find_mmio_devices(const uint8_t *a, size_t len, const char *hid, struct acpi_mmio_device *out,
				unsigned max)
{
	unsigned found = 0;
	for (size_t i = 0; i + 2 < len; i++) {
		if (a[i] != AML_EXT_OP || a[i + 1] != AML_DEVICE_OP)
			continue;
		size_t p = i + 2;
		uint32_t pkglen;
		size_t n = aml_pkglength(a + p, len - p, &pkglen);
		if (n == 0 || pkglen < n || pkglen > len - p)
			continue;
		size_t end = p + pkglen;
		struct acpi_mmio_device d = { 0 };
		p = name_string(a, p + n, end, d.name);
		if (p == 0)
			continue;
		/* The device's own objects come before any device nested in
		 * it, whose _HID and _CRS are not this one's. */
		for (size_t j = p; j + 1 < end; j++)
			if (a[j] == AML_EXT_OP && a[j + 1] == AML_DEVICE_OP) {
				end = j;
				break;
			}
		size_t v = find_name(a, p, end, "_HID");
		if (v == 0 || !hid_matches(a, v, end, hid))
			continue;
		size_t start, blen;
		v = find_name(a, p, end, "_CRS");
		if (v == 0 || !buffer_bytes(a, v, end, &start, &blen) || !decode_crs(a + start, blen, &d))
			continue;
		if (found < max)
			out[found] = d;
		found++;
	}
	return found;
}
