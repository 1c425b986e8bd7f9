/*
 * The virtio PCI capability parser (drivers/virtio/virtio_pci_caps.c) on
 * fake configuration spaces: a 256-byte array behind a reader that counts
 * its reads and fails the test on any read outside the space or a
 * misaligned 32-bit one.
 *
 * The reference layout is the one QEMU gives a modern virtio device: the
 * four structures in BAR 4 of 16 KiB, a notify multiplier of 4, a PCI
 * configuration access capability and an MSI-X capability in the list.
 * Each test changes one thing in it; a random test then feeds mutated and
 * wholly random spaces and checks only what must always hold.
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

#include "drivers/virtio/virtio_pci_caps.h"

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09

/* The most reads a walk of the 48 capability slots could need. */
#define MAX_READS (2 + 48 * 8)

struct fake_cfg {
	uint8_t b[256];
	uint64_t bar_size[6];
	unsigned reads;
	bool bad_read;
};

static uint8_t cfg_read8(void *ctx, uint16_t off)
{
	struct fake_cfg *c = ctx;
	c->reads++;
	if (off > 255) {
		c->bad_read = true;
		return 0xff;
	}
	return c->b[off];
}

static uint32_t cfg_read32(void *ctx, uint16_t off)
{
	struct fake_cfg *c = ctx;
	c->reads++;
	if (off > 252 || off % 4 != 0) {
		c->bad_read = true;
		return 0xffffffff;
	}
	return (uint32_t)c->b[off] | (uint32_t)c->b[off + 1] << 8 | (uint32_t)c->b[off + 2] << 16 |
	       (uint32_t)c->b[off + 3] << 24;
}

static void put32(struct fake_cfg *c, unsigned off, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		c->b[off + i] = (uint8_t)(v >> (8 * i));
}

static void cfg_blank(struct fake_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->b[0] = 0xf4; /* vendor 0x1af4, device 0x1041: a modern network device */
	c->b[1] = 0x1a;
	c->b[2] = 0x41;
	c->b[3] = 0x10;
	c->b[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	c->b[0x0e] = 0x00; /* header type 0 */
}

/* A virtio vendor capability (section 4.1.4). */
static void put_vcap(struct fake_cfg *c, uint8_t off, uint8_t next, uint8_t cap_len, uint8_t type, uint8_t bar,
		     uint32_t offset, uint32_t length)
{
	c->b[off] = PCI_CAP_ID_VNDR;
	c->b[off + 1] = next;
	c->b[off + 2] = cap_len;
	c->b[off + 3] = type;
	c->b[off + 4] = bar;
	c->b[off + 5] = 0;
	put32(c, off + 8, offset);
	put32(c, off + 12, length);
}

static void put_notify(struct fake_cfg *c, uint8_t off, uint8_t next, uint8_t bar, uint32_t offset, uint32_t length,
		       uint32_t mult)
{
	put_vcap(c, off, next, 20, VIRTIO_PCI_CAP_NOTIFY_CFG, bar, offset, length);
	put32(c, off + 16, mult);
}

/* Where the reference layout puts each capability. */
enum { AT_COMMON = 0x40, AT_ISR = 0x50, AT_DEVICE = 0x60, AT_NOTIFY = 0x70, AT_PCICFG = 0x84, AT_MSIX = 0x98 };

/*
 * The list runs pci-cfg, notify, MSI-X, device, ISR, common, as QEMU's
 * does but for the MSI-X capability put in the middle of it.
 */
static void cfg_qemu(struct fake_cfg *c)
{
	cfg_blank(c);
	c->b[PCI_CAP_PTR] = AT_PCICFG;
	put_vcap(c, AT_PCICFG, AT_NOTIFY, 20, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0);
	put_notify(c, AT_NOTIFY, AT_MSIX, 4, 0x3000, 0x1000, 4);
	c->b[AT_MSIX] = PCI_CAP_ID_MSIX;
	c->b[AT_MSIX + 1] = AT_DEVICE;
	c->b[AT_MSIX + 2] = 0x02;	   /* 3 vectors */
	put32(c, AT_MSIX + 4, 0x00000001); /* table in BAR 1 */
	put32(c, AT_MSIX + 8, 0x00000801); /* PBA in BAR 1 */
	put_vcap(c, AT_DEVICE, AT_ISR, 16, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000);
	put_vcap(c, AT_ISR, AT_COMMON, 16, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000);
	put_vcap(c, AT_COMMON, 0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0000, 0x1000);
	c->bar_size[1] = 0x1000;
	c->bar_size[4] = 0x4000;
}

static int parse(struct fake_cfg *c, struct virtio_pci_layout *l, const char **why)
{
	struct pci_cfg_reader rd = { c, cfg_read8, cfg_read32 };
	c->reads = 0;
	*why = NULL;
	int err = virtio_pci_parse_caps(&rd, c->bar_size, l, why);
	assert_false(c->bad_read);
	assert_true(c->reads <= MAX_READS);
	if (err)
		assert_non_null(*why);
	return err;
}

static void assert_region(const struct virtio_pci_region *r, uint8_t bar, uint32_t offset, uint32_t length)
{
	assert_true(r->present);
	assert_int_equal(r->bar, bar);
	assert_int_equal(r->offset, offset);
	assert_int_equal(r->length, length);
}

/* -ENODEV, and *why names what was missing. */
static void expect_missing(struct fake_cfg *c, const char *what)
{
	struct virtio_pci_layout l;
	const char *why;
	assert_int_equal(parse(c, &l, &why), -ENODEV);
	if (strstr(why, what) == NULL)
		fail_msg("*why is \"%s\", expected it to mention \"%s\"", why, what);
}

static void expect_qemu_result(struct fake_cfg *c)
{
	struct virtio_pci_layout l;
	const char *why;
	assert_int_equal(parse(c, &l, &why), 0);
	assert_region(&l.common, 4, 0x0000, 0x1000);
	assert_region(&l.isr, 4, 0x1000, 0x1000);
	assert_region(&l.device, 4, 0x2000, 0x1000);
	assert_region(&l.notify, 4, 0x3000, 0x1000);
	assert_int_equal(l.notify_off_multiplier, 4);
}

static void test_qemu_layout(void **state)
{
	struct fake_cfg c;
	cfg_qemu(&c);
	expect_qemu_result(&c);
	/* Reserved low bits of the pointers are ignored (PCI 3.0, 6.7). */
	c.b[PCI_CAP_PTR] |= 3;
	c.b[AT_NOTIFY + 1] |= 2;
	expect_qemu_result(&c);
	/* The output is fully rewritten, whatever it held. */
	struct virtio_pci_layout l;
	memset(&l, 0xa5, sizeof(l));
	const char *why;
	cfg_blank(&c);
	c.b[PCI_STATUS] = 0;
	assert_int_equal(parse(&c, &l, &why), -ENODEV);
	assert_false(l.common.present || l.notify.present || l.isr.present || l.device.present);
}

/* Takes the capability at off out of the reference list. */
static void unlink_cap(struct fake_cfg *c, uint8_t off)
{
	if (c->b[PCI_CAP_PTR] == off) {
		c->b[PCI_CAP_PTR] = c->b[off + 1];
		return;
	}
	for (unsigned p = c->b[PCI_CAP_PTR]; p != 0; p = c->b[p + 1])
		if (c->b[p + 1] == off) {
			c->b[p + 1] = c->b[off + 1];
			return;
		}
	fail_msg("no capability at 0x%x", off);
}

static void test_missing_each(void **state)
{
	struct fake_cfg c;
	cfg_qemu(&c);
	unlink_cap(&c, AT_COMMON);
	expect_missing(&c, "common");
	cfg_qemu(&c);
	unlink_cap(&c, AT_NOTIFY);
	expect_missing(&c, "notif");
	cfg_qemu(&c);
	unlink_cap(&c, AT_ISR);
	expect_missing(&c, "ISR");
	/* Present but of another type. */
	cfg_qemu(&c);
	c.b[AT_COMMON + 3] = 8;
	expect_missing(&c, "common");
	/* Present but of another capability ID. */
	cfg_qemu(&c);
	c.b[AT_ISR] = PCI_CAP_ID_MSIX;
	expect_missing(&c, "ISR");
	/* The device structure is optional. */
	cfg_qemu(&c);
	unlink_cap(&c, AT_DEVICE);
	struct virtio_pci_layout l;
	const char *why;
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_false(l.device.present);
	assert_region(&l.notify, 4, 0x3000, 0x1000);
	/* An empty list. */
	cfg_qemu(&c);
	c.b[PCI_CAP_PTR] = 0;
	expect_missing(&c, "common");
}

static void test_no_capability_list(void **state)
{
	struct fake_cfg c;
	cfg_qemu(&c);
	c.b[PCI_STATUS] = 0;
	expect_missing(&c, "capability list");
	/* Every other status bit, but not that one. */
	c.b[PCI_STATUS] = (uint8_t)~PCI_STATUS_CAP_LIST;
	c.b[PCI_STATUS + 1] = 0xff;
	expect_missing(&c, "capability list");
	/* The bit in the other byte of the register does not count. */
	c.b[PCI_STATUS] = 0;
	c.b[PCI_STATUS + 1] = PCI_STATUS_CAP_LIST;
	expect_missing(&c, "capability list");
}

static void test_short_cap_len(void **state)
{
	for (unsigned len = 0; len < 16; len++) {
		struct fake_cfg c;
		cfg_qemu(&c);
		c.b[AT_COMMON + 2] = (uint8_t)len;
		expect_missing(&c, "common");
		c.b[AT_ISR + 2] = (uint8_t)len;
		c.b[AT_COMMON + 2] = 16;
		expect_missing(&c, "ISR");
	}
	/* A short one skipped, a later good one taken. */
	struct fake_cfg c;
	cfg_qemu(&c);
	put_vcap(&c, 0xb0, AT_COMMON, 15, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000);
	c.b[AT_ISR + 1] = 0xb0;
	put_vcap(&c, AT_COMMON, 0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x40, 0x100);
	struct virtio_pci_layout l;
	const char *why;
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_region(&l.common, 4, 0x40, 0x100);
}

static void test_notify_short_cap_len(void **state)
{
	for (unsigned len = 16; len < 20; len++) {
		struct fake_cfg c;
		cfg_qemu(&c);
		c.b[AT_NOTIFY + 2] = (uint8_t)len;
		expect_missing(&c, "notif");
	}
	/* A short one skipped, a later full one taken, with its own multiplier. */
	struct fake_cfg c;
	cfg_qemu(&c);
	c.b[AT_NOTIFY + 2] = 19;
	put_notify(&c, 0xb0, 0, 4, 0x3800, 0x800, 2);
	c.b[AT_COMMON + 1] = 0xb0;
	struct virtio_pci_layout l;
	const char *why;
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_region(&l.notify, 4, 0x3800, 0x800);
	assert_int_equal(l.notify_off_multiplier, 2);
}

static void test_list_loops(void **state)
{
	struct fake_cfg c;
	struct virtio_pci_layout l;
	const char *why;
	/* A capability pointing to itself. */
	cfg_qemu(&c);
	c.b[AT_COMMON + 1] = AT_COMMON;
	expect_qemu_result(&c);
	cfg_qemu(&c);
	c.b[AT_PCICFG + 1] = AT_PCICFG;
	expect_missing(&c, "common");
	/* Itself, through the reserved low bits. */
	cfg_qemu(&c);
	c.b[AT_PCICFG + 1] = AT_PCICFG | 3;
	expect_missing(&c, "common");
	/* A longer cycle: common -> pci-cfg, back to the start. */
	cfg_qemu(&c);
	c.b[AT_COMMON + 1] = AT_PCICFG;
	expect_qemu_result(&c);
	/* A cycle that leaves out the first capabilities. */
	cfg_qemu(&c);
	c.b[AT_COMMON + 1] = AT_DEVICE;
	expect_qemu_result(&c);
	/* A cycle before the ISR and common capabilities. */
	cfg_qemu(&c);
	c.b[AT_DEVICE + 1] = AT_NOTIFY;
	expect_missing(&c, "common");
	/* Every slot, in a ring of non-vendor capabilities. */
	cfg_blank(&c);
	c.b[PCI_CAP_PTR] = 0x40;
	for (unsigned off = 0x40; off < 0x100; off += 4) {
		c.b[off] = 0x05; /* MSI */
		c.b[off + 1] = (uint8_t)(off + 4 < 0x100 ? off + 4 : 0x40);
	}
	assert_int_equal(parse(&c, &l, &why), -ENODEV);
	/* Every slot a vendor capability that overlaps the next. */
	for (unsigned off = 0x40; off < 0x100; off += 4) {
		c.b[off] = PCI_CAP_ID_VNDR;
		c.b[off + 2] = 16;
		c.b[off + 3] = (uint8_t)(1 + (off / 4) % 5);
	}
	parse(&c, &l, &why);
}

static void test_pointer_into_header(void **state)
{
	const uint8_t ptrs[] = { 0x00, 0x04, 0x10, 0x34, 0x3c, 0x3f };
	for (size_t i = 0; i < sizeof(ptrs); i++) {
		struct fake_cfg c;
		cfg_qemu(&c);
		c.b[PCI_CAP_PTR] = ptrs[i];
		expect_missing(&c, "common");
		/* A next pointer into the header ends the walk there, before
		 * the ISR and common capabilities. */
		cfg_qemu(&c);
		c.b[AT_DEVICE + 1] = ptrs[i];
		expect_missing(&c, "common");
		c.b[AT_ISR + 1] = AT_COMMON;
		c.b[AT_COMMON + 1] = 0;
		c.b[PCI_CAP_PTR] = AT_ISR;
		c.b[AT_COMMON + 1] = ptrs[i];
		expect_missing(&c, "notif");
	}
}

static void test_bar_index(void **state)
{
	const uint8_t bars[] = { 6, 7, 8, 0x80, 255 };
	for (size_t i = 0; i < sizeof(bars); i++) {
		struct fake_cfg c;
		cfg_qemu(&c);
		c.b[AT_ISR + 4] = bars[i];
		expect_missing(&c, "ISR");
		cfg_qemu(&c);
		c.b[AT_NOTIFY + 4] = bars[i];
		expect_missing(&c, "notif");
		/* An optional structure in a bad BAR is left out. */
		cfg_qemu(&c);
		c.b[AT_DEVICE + 4] = bars[i];
		struct virtio_pci_layout l;
		const char *why;
		assert_int_equal(parse(&c, &l, &why), 0);
		assert_false(l.device.present);
	}
	/* Any of the six BARs, when it is memory. */
	for (uint8_t bar = 0; bar < 6; bar++) {
		struct fake_cfg c;
		cfg_qemu(&c);
		c.b[AT_COMMON + 4] = bar;
		if (bar != 4)
			c.bar_size[bar] = 0x1000;
		struct virtio_pci_layout l;
		const char *why;
		assert_int_equal(parse(&c, &l, &why), 0);
		assert_region(&l.common, bar, 0, 0x1000);
	}
}

static void test_bar_not_memory(void **state)
{
	struct fake_cfg c;
	cfg_qemu(&c);
	c.b[AT_COMMON + 4] = 1; /* the MSI-X BAR, memory */
	c.bar_size[1] = 0;	/* now an I/O BAR, or none */
	expect_missing(&c, "common");
	cfg_qemu(&c);
	c.bar_size[4] = 0;
	expect_missing(&c, "common");
}

static void test_region_past_bar_end(void **state)
{
	struct fake_cfg c;
	struct virtio_pci_layout l;
	const char *why;
	/* One byte too long. */
	cfg_qemu(&c);
	put32(&c, AT_ISR + 12, 0x3001);
	expect_missing(&c, "ISR");
	/* Ending exactly at the end. */
	cfg_qemu(&c);
	put32(&c, AT_ISR + 8, 0x3fff);
	put32(&c, AT_ISR + 12, 1);
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_region(&l.isr, 4, 0x3fff, 1);
	/* Starting past the end. */
	cfg_qemu(&c);
	put32(&c, AT_ISR + 8, 0x4000);
	put32(&c, AT_ISR + 12, 1);
	expect_missing(&c, "ISR");
	/* offset + length wraps around in 32 bits. */
	cfg_qemu(&c);
	put32(&c, AT_COMMON + 8, 0xfffffff0);
	put32(&c, AT_COMMON + 12, 0x20);
	expect_missing(&c, "common");
	c.bar_size[4] = 0x100000000ull; /* 4 GiB: still past its end */
	expect_missing(&c, "common");
	cfg_qemu(&c);
	put32(&c, AT_NOTIFY + 8, 0xffffffff);
	put32(&c, AT_NOTIFY + 12, 0xffffffff);
	expect_missing(&c, "notif");
	/* In a 64-bit BAR beyond 4 GiB it fits. */
	cfg_qemu(&c);
	c.bar_size[4] = 1ull << 40;
	put32(&c, AT_COMMON + 8, 0xffffff00);
	put32(&c, AT_COMMON + 12, 0x100);
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_region(&l.common, 4, 0xffffff00, 0x100);
	/* Too short for the structure. */
	cfg_qemu(&c);
	put32(&c, AT_COMMON + 12, sizeof(struct virtio_pci_common_cfg) - 1);
	expect_missing(&c, "common");
	cfg_qemu(&c);
	put32(&c, AT_COMMON + 12, sizeof(struct virtio_pci_common_cfg));
	assert_int_equal(parse(&c, &l, &why), 0);
	cfg_qemu(&c);
	put32(&c, AT_ISR + 12, 0);
	expect_missing(&c, "ISR");
	cfg_qemu(&c);
	put32(&c, AT_NOTIFY + 12, 1);
	expect_missing(&c, "notif");
}

static void test_first_usable_wins(void **state)
{
	struct fake_cfg c;
	struct virtio_pci_layout l;
	const char *why;
	/* Second copies of every kind after the reference list: ignored. */
	cfg_qemu(&c);
	c.b[AT_COMMON + 1] = 0xb0;
	put_notify(&c, 0xb0, 0xc4, 4, 0x100, 0x100, 8);
	put_vcap(&c, 0xc4, 0xd4, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x200, 0x100);
	put_vcap(&c, 0xd4, 0xe4, 16, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x300, 0x100);
	put_vcap(&c, 0xe4, 0, 16, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x400, 0x100);
	expect_qemu_result(&c);
	/* Before it: they win, the notify multiplier with its capability. */
	c.b[AT_COMMON + 1] = 0;
	c.b[0xe4 + 1] = AT_PCICFG;
	c.b[PCI_CAP_PTR] = 0xb0;
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_region(&l.notify, 4, 0x100, 0x100);
	assert_int_equal(l.notify_off_multiplier, 8);
	assert_region(&l.common, 4, 0x200, 0x100);
	assert_region(&l.isr, 4, 0x300, 0x100);
	assert_region(&l.device, 4, 0x400, 0x100);
	/* An unusable first one does not count: the next one does. */
	c.b[0xb0 + 4] = 6;
	put32(&c, 0xc4 + 12, 0x10);
	c.b[0xd4 + 2] = 12;
	c.bar_size[4] = 0x4000;
	put32(&c, 0xe4 + 8, 0x3f80);
	assert_int_equal(parse(&c, &l, &why), 0);
	assert_region(&l.notify, 4, 0x3000, 0x1000);
	assert_int_equal(l.notify_off_multiplier, 4);
	assert_region(&l.common, 4, 0, 0x1000);
	assert_region(&l.isr, 4, 0x1000, 0x1000);
	assert_region(&l.device, 4, 0x2000, 0x1000);
}

static void test_cap_at_end_of_space(void **state)
{
	struct fake_cfg c;
	/* A vendor capability whose 16 bytes would run past 0xff. */
	for (unsigned off = 0xf4; off < 0x100; off += 4) {
		cfg_qemu(&c);
		c.b[AT_COMMON + 1] = (uint8_t)off;
		c.b[off] = PCI_CAP_ID_VNDR;
		c.b[off + 1] = 0;
		c.b[off + 2] = 16;
		c.b[off + 3] = VIRTIO_PCI_CAP_DEVICE_CFG;
		expect_qemu_result(&c);
	}
	/* The last slot that holds a whole one. */
	cfg_qemu(&c);
	unlink_cap(&c, AT_COMMON);
	c.b[AT_ISR + 1] = 0xf0;
	put_vcap(&c, 0xf0, 0, 16, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0, 0x1000);
	expect_qemu_result(&c);
	/* A notify capability needs 20 bytes: at 0xec it fits, at 0xf0 not. */
	cfg_qemu(&c);
	unlink_cap(&c, AT_NOTIFY);
	c.b[AT_COMMON + 1] = 0xec;
	put_notify(&c, 0xec, 0, 4, 0x3000, 0x1000, 4);
	expect_qemu_result(&c);
	cfg_qemu(&c);
	unlink_cap(&c, AT_NOTIFY);
	c.b[AT_COMMON + 1] = 0xf0;
	put_vcap(&c, 0xf0, 0, 16, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000);
	c.b[0xf2] = 20;
	expect_missing(&c, "notif");
}

/* --- random configuration spaces ------------------------------------------------------------------- */

static void check_region(const struct virtio_pci_region *r, const uint64_t bar_size[6], uint32_t min_len)
{
	if (!r->present)
		return;
	assert_true(r->bar < 6);
	assert_true(bar_size[r->bar] != 0);
	assert_true(r->length >= min_len);
	assert_true((uint64_t)r->offset + r->length <= bar_size[r->bar]);
}

static void random_space(struct fake_cfg *c)
{
	memset(c, 0, sizeof(*c));
	switch (rnd(3)) {
	case 0: /* noise */
		for (unsigned i = 0; i < 256; i++)
			c->b[i] = (uint8_t)rng();
		break;
	case 1: /* a list of random vendor capabilities with plausible fields */
		cfg_blank(c);
		for (unsigned i = 0x40; i < 256; i++)
			c->b[i] = (uint8_t)rng();
		c->b[PCI_CAP_PTR] = (uint8_t)(0x40 + 4 * rnd(48));
		for (unsigned n = 0; n < 12; n++) {
			unsigned off = 0x40 + 4 * rnd(48);
			c->b[off] = rnd(4) ? PCI_CAP_ID_VNDR : (uint8_t)rng();
			if (off + 3 < 256) {
				c->b[off + 2] = (uint8_t)(rnd(2) ? 16 + rnd(8) : rng());
				c->b[off + 3] = (uint8_t)(1 + rnd(6));
			}
			if (off + 4 < 256)
				c->b[off + 4] = (uint8_t)(rnd(4) ? rnd(6) : rng());
			if (off + 16 <= 256) {
				put32(c, off + 8, rnd(2) ? rnd(0x5000) : (uint32_t)rng());
				put32(c, off + 12, rnd(2) ? rnd(0x2000) : (uint32_t)rng());
			}
		}
		break;
	default: /* the reference layout, a few bytes changed */
		cfg_qemu(c);
		for (unsigned n = 1 + rnd(6); n > 0; n--)
			c->b[rnd(256)] = (uint8_t)rng();
		break;
	}
	for (unsigned i = 0; i < 6; i++) {
		switch (rnd(4)) {
		case 0: c->bar_size[i] = 0; break;
		case 1: c->bar_size[i] = 0x4000; break;
		case 2: c->bar_size[i] = 1ull << rnd(64); break;
		default: c->bar_size[i] = rng(); break;
		}
	}
}

static void test_random_spaces(void **state)
{
	rng_state = seed_from_env("random configuration spaces", 0x63617073ull);
	unsigned found = 0, with_device = 0;
	for (unsigned iter = 0; iter < 200000; iter++) {
		struct fake_cfg c;
		random_space(&c);
		struct virtio_pci_layout l;
		const char *why;
		int err = parse(&c, &l, &why);
		check_region(&l.common, c.bar_size, sizeof(struct virtio_pci_common_cfg));
		check_region(&l.notify, c.bar_size, 2);
		check_region(&l.isr, c.bar_size, 1);
		check_region(&l.device, c.bar_size, 1);
		bool all = l.common.present && l.notify.present && l.isr.present;
		if (err == 0) {
			assert_true(all);
			found++;
			with_device += l.device.present;
		} else {
			assert_int_equal(err, -ENODEV);
			assert_non_null(why);
		}
		if (!l.notify.present)
			assert_int_equal(l.notify_off_multiplier, 0);
	}
	print_message("random configuration spaces: %u of 200000 usable, %u with a device structure\n", found,
		      with_device);
	assert_true(found > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_layout),	     cmocka_unit_test(test_missing_each),
		cmocka_unit_test(test_no_capability_list),   cmocka_unit_test(test_short_cap_len),
		cmocka_unit_test(test_notify_short_cap_len), cmocka_unit_test(test_list_loops),
		cmocka_unit_test(test_pointer_into_header),  cmocka_unit_test(test_bar_index),
		cmocka_unit_test(test_bar_not_memory),	     cmocka_unit_test(test_region_past_bar_end),
		cmocka_unit_test(test_first_usable_wins),    cmocka_unit_test(test_cap_at_end_of_space),
		cmocka_unit_test(test_random_spaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
