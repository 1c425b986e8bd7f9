/*
 * Parsing virtio's PCI capabilities (virtio 1.2, section 4.1.4). Every
 * field is the device's word, checked before it locates anything.
 */
#include "drivers/virtio/virtio_pci_caps.h"

#include <errno.h>
#include <string.h>

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_CAP_PTR 0x34
#define PCI_CAP_ID_VENDOR 0x09
#define CAP_MIN_OFFSET 0x40
#define MAX_CAPS 48 /* all the 4-byte slots after the header */

/* Section 4.1.4.4: notify_off_multiplier follows the generic fields. */
#define NOTIFY_CAP_LEN 20

static bool region_fits(const struct virtio_pci_cap *c, const uint64_t bar_size[6], uint32_t min_len)
{
	if (c->bar >= 6 || bar_size[c->bar] == 0)
		return false;
	if (c->length < min_len)
		return false;
	return (uint64_t)c->offset + c->length <= bar_size[c->bar];
}

int virtio_pci_parse_caps(const struct pci_cfg_reader *rd, const uint64_t bar_size[6], struct virtio_pci_layout *out,
			  const char **why)
{
	memset(out, 0, sizeof(*out));
	*why = "no capability list";
	uint8_t status_lo = rd->read8(rd->ctx, PCI_STATUS);
	if (!(status_lo & PCI_STATUS_CAP_LIST))
		return -ENODEV;

	uint8_t seen[256 / 8] = { 0 };
	uint8_t off = rd->read8(rd->ctx, PCI_CAP_PTR);
	for (int n = 0; n < MAX_CAPS; n++) {
		off &= 0xfc;
		if (off < CAP_MIN_OFFSET || (seen[off / 8] >> (off % 8)) & 1)
			break; /* the end, or a loop */
		seen[off / 8] |= (uint8_t)(1u << (off % 8));
		uint8_t id = rd->read8(rd->ctx, off);
		uint8_t next = rd->read8(rd->ctx, (uint16_t)(off + 1));
		if (id != PCI_CAP_ID_VENDOR || off > 256 - sizeof(struct virtio_pci_cap)) {
			off = next;
			continue;
		}
		struct virtio_pci_cap c;
		uint32_t w[4];
		for (int i = 0; i < 4; i++)
			w[i] = rd->read32(rd->ctx, (uint16_t)(off + 4 * i));
		memcpy(&c, w, sizeof(c));
		if (c.cap_len < sizeof(struct virtio_pci_cap)) {
			off = next;
			continue;
		}

		struct virtio_pci_region *r = NULL;
		uint32_t min_len = 1;
		switch (c.cfg_type) {
		case VIRTIO_PCI_CAP_COMMON_CFG:
			r = &out->common;
			min_len = sizeof(struct virtio_pci_common_cfg);
			break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			if (c.cap_len < NOTIFY_CAP_LEN || off > 256 - NOTIFY_CAP_LEN)
				break;
			r = &out->notify;
			min_len = 2;
			break;
		case VIRTIO_PCI_CAP_ISR_CFG: r = &out->isr; break;
		case VIRTIO_PCI_CAP_DEVICE_CFG: r = &out->device; break;
		default: break; /* PCI access and shared memory: not used */
		}
		/* The first usable one of each kind counts (4.1.4.1). */
		if (r && !r->present && region_fits(&c, bar_size, min_len)) {
			r->present = true;
			r->bar = c.bar;
			r->offset = c.offset;
			r->length = c.length;
			if (r == &out->notify)
				out->notify_off_multiplier = rd->read32(rd->ctx, (uint16_t)(off + 16));
		}
		off = next;
	}

	if (!out->common.present)
		*why = "no usable common configuration capability";
	else if (!out->notify.present)
		*why = "no usable notification capability";
	else if (!out->isr.present)
		*why = "no usable ISR capability";
	else
		return 0;
	return -ENODEV;
}
