/*
 * libFuzzer target: the virtio PCI capability parser
 * (drivers/virtio/virtio_pci_caps.c) on any configuration space.
 *
 * The input is the 256 bytes of a configuration space (zero-padded when
 * shorter) followed by six little-endian 64-bit BAR sizes. The reader
 * aborts on a read outside the space or a misaligned 32-bit one, and on a
 * walk longer than the 48 capability slots allow. Every result is checked
 * to lie inside its BAR, and compared with a plain reading of the rules
 * the parser's header states (first usable capability of each kind).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_pci_caps.h"

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond)) {                                                                                         \
			fprintf(stderr, "fuzz_pci_caps: %s:%d: %s\n", __FILE__, __LINE__, #cond);                      \
			abort();                                                                                       \
		}                                                                                                      \
	} while (0)

#define MAX_READS (2 + 48 * 8)

struct space {
	uint8_t b[256];
	unsigned reads;
};

static uint8_t read8(void *ctx, uint16_t off)
{
	struct space *s = ctx;
	CHECK(off < 256);
	CHECK(++s->reads <= MAX_READS);
	return s->b[off];
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static uint32_t read32(void *ctx, uint16_t off)
{
	struct space *s = ctx;
	CHECK(off <= 252 && off % 4 == 0);
	CHECK(++s->reads <= MAX_READS);
	return le32(&s->b[off]);
}

/* The rules of virtio_pci_caps.h, read plainly. */
static int reference(const uint8_t *b, const uint64_t bar_size[6], struct virtio_pci_layout *l)
{
	memset(l, 0, sizeof(*l));
	if (!(b[0x06] & 0x10))
		return -ENODEV;
	bool visited[64] = { false };
	for (unsigned off = b[0x34] & 0xfc; off >= 0x40 && !visited[off / 4]; off = b[off + 1] & 0xfc) {
		visited[off / 4] = true;
		if (b[off] != 0x09 || off + 16 > 256 || b[off + 2] < 16)
			continue;
		uint8_t type = b[off + 3], bar = b[off + 4];
		uint32_t offset = le32(&b[off + 8]), length = le32(&b[off + 12]);
		struct virtio_pci_region *r = NULL;
		uint32_t min = 1;
		if (type == VIRTIO_PCI_CAP_COMMON_CFG) {
			r = &l->common;
			min = sizeof(struct virtio_pci_common_cfg);
		} else if (type == VIRTIO_PCI_CAP_NOTIFY_CFG && b[off + 2] >= 20 && off + 20 <= 256) {
			r = &l->notify;
			min = 2;
		} else if (type == VIRTIO_PCI_CAP_ISR_CFG) {
			r = &l->isr;
		} else if (type == VIRTIO_PCI_CAP_DEVICE_CFG) {
			r = &l->device;
		}
		if (r == NULL || r->present || bar >= 6 || bar_size[bar] == 0 || length < min ||
		    (uint64_t)offset + length > bar_size[bar])
			continue;
		*r = (struct virtio_pci_region){ true, bar, offset, length };
		if (r == &l->notify)
			l->notify_off_multiplier = le32(&b[off + 16]);
	}
	return l->common.present && l->notify.present && l->isr.present ? 0 : -ENODEV;
}

static void check_region(const struct virtio_pci_region *got, const struct virtio_pci_region *want,
			 const uint64_t bar_size[6])
{
	CHECK(got->present == want->present);
	if (!got->present)
		return;
	CHECK(got->bar < 6 && bar_size[got->bar] != 0);
	CHECK((uint64_t)got->offset + got->length <= bar_size[got->bar]);
	CHECK(got->bar == want->bar && got->offset == want->offset && got->length == want->length);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct space s;
	memset(&s, 0, sizeof(s));
	memcpy(s.b, data, size < 256 ? size : 256);
	uint64_t bar_size[6] = { 0 };
	for (unsigned i = 0; i < 6; i++)
		for (unsigned k = 0; k < 8; k++) {
			size_t at = 256 + 8 * i + k;
			if (at < size)
				bar_size[i] |= (uint64_t)data[at] << (8 * k);
		}

	struct pci_cfg_reader rd = { &s, read8, read32 };
	struct virtio_pci_layout got, want;
	const char *why = NULL;
	int err = virtio_pci_parse_caps(&rd, bar_size, &got, &why);
	int ref = reference(s.b, bar_size, &want);
	CHECK(err == 0 || err == -ENODEV);
	CHECK(err == 0 || why != NULL);
	CHECK(err == ref);
	check_region(&got.common, &want.common, bar_size);
	check_region(&got.notify, &want.notify, bar_size);
	check_region(&got.isr, &want.isr, bar_size);
	check_region(&got.device, &want.device, bar_size);
	CHECK(got.notify_off_multiplier == want.notify_off_multiplier);
	if (got.common.present)
		CHECK(got.common.length >= sizeof(struct virtio_pci_common_cfg));
	return 0;
}
