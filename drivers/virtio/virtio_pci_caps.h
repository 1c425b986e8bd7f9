/*
 * The vendor-specific PCI capabilities that locate a modern virtio
 * device's structures (virtio 1.2, section 4.1.4), parsed from a
 * configuration space reached through a reader, so host tests and the
 * fuzzer hand it fake ones.
 */
#ifndef KEEL_VIRTIO_PCI_CAPS_H
#define KEEL_VIRTIO_PCI_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Section 4.1.4: cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

struct virtio_pci_cap {
	uint8_t cap_vndr;
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type;
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset;
	uint32_t length;
};
_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");

/* Section 4.1.4.3: the common configuration structure (1.0 fields). */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
};
_Static_assert(sizeof(struct virtio_pci_common_cfg) == 56, "virtio_pci_common_cfg");
_Static_assert(__builtin_offsetof(struct virtio_pci_common_cfg, queue_desc) == 32, "queue_desc offset");

/* A region of a BAR: where one structure lives. */
struct virtio_pci_region {
	bool present;
	uint8_t bar;
	uint32_t offset, length;
};

struct virtio_pci_layout {
	struct virtio_pci_region common, notify, isr, device;
	uint32_t notify_off_multiplier;
};

/* Configuration space access for the parser. */
struct pci_cfg_reader {
	void *ctx;
	uint8_t (*read8)(void *ctx, uint16_t off);
	uint32_t (*read32)(void *ctx, uint16_t off);
};

/*
 * Walks the capability list (bounded: a list that loops, or points into
 * the header, ends the walk) and takes the first usable capability of
 * each kind. A capability is unusable when its length is short, its BAR
 * index is 6 or more, its BAR is not memory (bar_size 0), or its
 * structure runs past the end of the BAR. bar_size[i] is BAR i's size
 * when it is a memory BAR, else 0.
 *
 * Returns 0 when common, notify and ISR structures were all found (the
 * device structure is optional: not every device type has one); else
 * -ENODEV and *why says what was missing.
 */
int virtio_pci_parse_caps(const struct pci_cfg_reader *rd, const uint64_t bar_size[6], struct virtio_pci_layout *out,
			  const char **why);

#endif
