/*
 * The DSDT walk for virtio-mmio devices (kernel/acpi_aml.c): the table
 * QEMU's microvm made, every truncation of it and random damage to it
 * (AddressSanitizer watches every read stay inside the bytes given), and
 * definitions made by hand for what QEMU does not write: nesting, other
 * IDs, missing or malformed resources, long package lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/acpi.h"
#include "kernel/acpi_aml.h"
#include "tests/host/microvm_dsdt.h"

#define HDR 36 /* the table header before the AML */
#define HID "LNRO0005"

static const struct acpi_mmio_device want[] = {
	{ "VR23", 0xfeb02e00, 512, 47, true, false },
	{ "VR22", 0xfeb02c00, 512, 46, true, false },
	{ "VR21", 0xfeb02a00, 512, 45, true, false },
	{ "VR20", 0xfeb02800, 512, 44, true, false },
};

static bool same(const struct acpi_mmio_device *a, const struct acpi_mmio_device *b)
{
	return strcmp(a->name, b->name) == 0 && a->base == b->base && a->length == b->length && a->gsi == b->gsi &&
	       a->level == b->level && a->active_low == b->active_low;
}

/* The walk over an exact copy of len bytes: a read past them is ASan's. */
static unsigned walk(const uint8_t *aml, size_t len, struct acpi_mmio_device *out, unsigned max)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, aml, len);
	unsigned n = acpi_find_mmio_devices(copy, len, HID, out, max);
	free(copy);
	return n;
}

static void microvm_table(void **state)
{
	assert_true(acpi_checksum_ok(microvm_dsdt, sizeof(microvm_dsdt)));
	struct acpi_mmio_device d[8];
	memset(d, 0, sizeof(d));
	unsigned n = walk(microvm_dsdt + HDR, sizeof(microvm_dsdt) - HDR, d, 8);
	assert_int_equal(n, 4);
	for (unsigned i = 0; i < 4; i++)
		if (!same(&d[i], &want[i]))
			fail_msg("device %u: %s 0x%lx %u GSI %u", i, d[i].name, (unsigned long)d[i].base, d[i].length,
				 d[i].gsi);
	/* Fewer slots than devices: the count is still the whole. */
	memset(d, 0, sizeof(d));
	assert_int_equal(walk(microvm_dsdt + HDR, sizeof(microvm_dsdt) - HDR, d, 2), 4);
	assert_true(same(&d[1], &want[1]));
	assert_int_equal(d[2].base, 0);
	assert_int_equal(acpi_find_mmio_devices(microvm_dsdt + HDR, sizeof(microvm_dsdt) - HDR, HID, NULL, 0), 4);
	/* Other IDs of the same table. */
	assert_int_equal(walk(microvm_dsdt + HDR, sizeof(microvm_dsdt) - HDR, d, 8) > 0, 1);
	assert_int_equal(acpi_find_mmio_devices(microvm_dsdt + HDR, sizeof(microvm_dsdt) - HDR, "LNRO000", d, 8), 0);
	assert_int_equal(acpi_find_mmio_devices(microvm_dsdt + HDR, sizeof(microvm_dsdt) - HDR, "QEMU0002", d, 8), 0);
}

/* Cut anywhere: what is found is exactly what the whole table has, and
 * only devices that end before the cut. */
static void truncated(void **state)
{
	size_t len = sizeof(microvm_dsdt) - HDR;
	unsigned last = 0;
	for (size_t cut = 0; cut <= len; cut++) {
		struct acpi_mmio_device d[8];
		unsigned n = walk(microvm_dsdt + HDR, cut, d, 8);
		assert_true(n <= 4);
		assert_true(n >= last); /* more bytes never find fewer */
		for (unsigned i = 0; i < n; i++)
			assert_true(same(&d[i], &want[i]));
		last = n;
	}
	assert_int_equal(last, 4);
}

/* Bytes changed at random: never a read outside, never more devices than
 * definitions, and an untouched device is found as it was. */
static void garbled(void **state)
{
	size_t len = sizeof(microvm_dsdt) - HDR;
	uint8_t *buf = malloc(len);
	assert_non_null(buf);
	unsigned seed = 4242;
	for (int round = 0; round < 20000; round++) {
		memcpy(buf, microvm_dsdt + HDR, len);
		int flips = 1 + round % 8;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245 + 12345;
			buf[at] = round % 3 == 0 ? (uint8_t)(seed >> 16) : round % 3 == 1 ? 0xff : 0x5b;
		}
		struct acpi_mmio_device d[16];
		unsigned n = acpi_find_mmio_devices(buf, len, HID, d, 16);
		assert_true(n <= 16);
		for (unsigned i = 0; i < n && i < 16; i++)
			assert_true(d[i].length != 0);
	}
	free(buf);
}

/* --- definitions made by hand ---------------------------------------------------------- */

static size_t put_pkglength(uint8_t *p, size_t body)
{
	/* The length counts its own bytes (section 20.2.4). */
	if (body + 1 < 64) {
		p[0] = (uint8_t)(body + 1);
		return 1;
	}
	size_t v = body + 2;
	p[0] = (uint8_t)(0x40 | (v & 0x0f));
	p[1] = (uint8_t)(v >> 4);
	return 2;
}

/* A resource template: Memory32Fixed(base, len) and an Interrupt(gsi). */
static size_t crs(uint8_t *p, uint32_t base, uint32_t len, uint32_t gsi, uint8_t irq_flags, bool with_irq)
{
	size_t n = 0;
	uint8_t m[] = { 0x86, 9, 0, 1 };
	memcpy(p + n, m, 4);
	n += 4;
	memcpy(p + n, &base, 4);
	memcpy(p + n + 4, &len, 4);
	n += 8;
	if (with_irq) {
		uint8_t i[] = { 0x89, 6, 0, irq_flags, 1 };
		memcpy(p + n, i, 5);
		memcpy(p + n + 5, &gsi, 4);
		n += 9;
	}
	p[n++] = 0x79;
	p[n++] = 0;
	return n;
}

/* Device(name){ Name(_HID, hid) Name(_CRS, Buffer(){res}) [inner] } */
static size_t device(uint8_t *out, const char *name, const char *hid, const uint8_t *res, size_t rlen,
		     const uint8_t *inner, size_t ilen)
{
	uint8_t body[1024];
	size_t b = 0;
	memcpy(body + b, name, 4);
	b += 4;
	body[b++] = 0x08;
	memcpy(body + b, "_HID", 4);
	b += 4;
	body[b++] = 0x0d;
	memcpy(body + b, hid, strlen(hid) + 1);
	b += strlen(hid) + 1;
	body[b++] = 0x08;
	memcpy(body + b, "_CRS", 4);
	b += 4;
	body[b++] = 0x11;
	uint8_t buf[256];
	size_t k = 0;
	buf[k++] = 0x0a;
	buf[k++] = (uint8_t)rlen;
	memcpy(buf + k, res, rlen);
	k += rlen;
	b += put_pkglength(body + b, k);
	memcpy(body + b, buf, k);
	b += k;
	if (ilen)
		memcpy(body + b, inner, ilen);
	b += ilen;
	out[0] = 0x5b;
	out[1] = 0x82;
	size_t n = 2 + put_pkglength(out + 2, b);
	memcpy(out + n, body, b);
	return n + b;
}

static void made_by_hand(void **state)
{
	uint8_t res[64], aml[2048], inner[512];
	struct acpi_mmio_device d[4];
	size_t r = crs(res, 0xd0000000, 0x1000, 9, 0x07, true); /* edge, active low */
	size_t n = device(aml, "VIO0", HID, res, r, NULL, 0);
	assert_int_equal(walk(aml, n, d, 4), 1);
	assert_string_equal(d[0].name, "VIO0");
	assert_int_equal(d[0].base, 0xd0000000);
	assert_int_equal(d[0].length, 0x1000);
	assert_int_equal(d[0].gsi, 9);
	assert_false(d[0].level);
	assert_true(d[0].active_low);

	/* Another ID, or one that only begins like it. */
	n = device(aml, "VIO0", "LNRO0006", res, r, NULL, 0);
	assert_int_equal(walk(aml, n, d, 4), 0);
	n = device(aml, "VIO0", "LNRO00051", res, r, NULL, 0);
	assert_int_equal(walk(aml, n, d, 4), 0);
	/* No interrupt, or a window of no length. */
	size_t r2 = crs(res, 0xd0000000, 0x1000, 9, 0x01, false);
	n = device(aml, "VIO0", HID, res, r2, NULL, 0);
	assert_int_equal(walk(aml, n, d, 4), 0);
	r2 = crs(res, 0xd0000000, 0, 9, 0x01, true);
	n = device(aml, "VIO0", HID, res, r2, NULL, 0);
	assert_int_equal(walk(aml, n, d, 4), 0);
	/* A descriptor whose length runs past the buffer. */
	r2 = crs(res, 0xd0000000, 0x1000, 9, 0x01, true);
	res[r2 - 10] = 0x40; /* the interrupt descriptor's length */
	n = device(aml, "VIO0", HID, res, r2, NULL, 0);
	assert_int_equal(walk(aml, n, d, 4), 0);

	/* Nested: the parent's _HID is another's; the child is found once,
	 * with its own window, and the parent never takes the child's. */
	r = crs(res, 0xd0001000, 0x200, 10, 0x01, true);
	size_t in = device(inner, "KID0", HID, res, r, NULL, 0);
	size_t r3 = crs(res, 0xd0002000, 0x200, 11, 0x01, true);
	n = device(aml, "PAR0", "PNP0A05", res, r3, inner, in);
	assert_int_equal(walk(aml, n, d, 4), 1);
	assert_string_equal(d[0].name, "KID0");
	assert_int_equal(d[0].base, 0xd0001000);
	/* Both LNRO0005: two devices, each with its own window. */
	r3 = crs(res, 0xd0002000, 0x200, 11, 0x01, true);
	n = device(aml, "PAR0", HID, res, r3, inner, in);
	assert_true(n > 64); /* a two-byte package length */
	assert_int_equal(walk(aml, n, d, 4), 2);
	assert_int_equal(d[0].base + d[1].base, 0xd0002000ull + 0xd0001000ull);

	/* A parent of no ID of its own whose first objects are its child's:
	 * only the child is the device. */
	uint8_t scope[1024];
	scope[0] = 0x5b;
	scope[1] = 0x82;
	size_t sl = 2 + put_pkglength(scope + 2, 4 + in);
	memcpy(scope + sl, "PAR1", 4);
	memcpy(scope + sl + 4, inner, in);
	assert_int_equal(walk(scope, sl + 4 + in, d, 4), 1);
	assert_string_equal(d[0].name, "KID0");

	/* A package length larger than the table: skipped, not read past. */
	r = crs(res, 0xd0000000, 0x1000, 9, 0x01, true);
	n = device(aml, "VIO0", HID, res, r, NULL, 0);
	aml[2] = 0x7f; /* two bytes, 0x56f with the name's V: beyond these bytes */
	assert_int_equal(walk(aml, n, d, 4), 0);
	/* A four-byte package length claiming 256 MiB. */
	uint8_t huge[] = { 0x5b, 0x82, 0xcf, 0xff, 0xff, 0xff, 'V', 'I', 'O', '0' };
	assert_int_equal(walk(huge, sizeof(huge), d, 4), 0);
	/* Names with prefixes: \VIO0 and a dual name. */
	uint8_t pre[2048];
	n = device(aml, "VIO0", HID, res, r, NULL, 0);
	size_t body = n - 3; /* after 5b 82 and a one-byte length */
	pre[0] = 0x5b;
	pre[1] = 0x82;
	pre[2] = (uint8_t)(body + 1 + 6); /* the prefix: 6 bytes more */
	pre[3] = '\\';
	pre[4] = 0x2e;
	memcpy(pre + 5, "_SB_", 4);
	memcpy(pre + 9, aml + 3, body);
	assert_int_equal(walk(pre, 9 + body, d, 4), 1);
	assert_string_equal(d[0].name, "VIO0");
	assert_int_equal(walk(NULL, 0, d, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(microvm_table),
		cmocka_unit_test(truncated),
		cmocka_unit_test(garbled),
		cmocka_unit_test(made_by_hand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
