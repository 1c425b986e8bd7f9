/*
 * What every transport shares about devices, whatever bus they are on:
 * the drivers the image holds, matched by device type (a PCI device's
 * type comes from its device ID, an MMIO device's from its DeviceID
 * register); the per-type numbering of their names, so a machine with
 * both buses has one virtio-blk0; and the devices whose driver attached,
 * what tests and diagnostics look devices up in. Transports add a device
 * once its driver attached (drivers/virtio/virtio_pci.c, virtio_mmio_probe.c).
 * A list through the devices themselves: as long as the machine has
 * devices, and adding one cannot fail after its driver took it.
 */
#include "drivers/virtio/virtio.h"

#include <stddef.h>

extern const struct virtio_driver *const __virtio_drivers_start[], *const __virtio_drivers_end[];

const struct virtio_driver *virtio_driver_find(uint16_t type)
{
	const struct virtio_driver *drv = NULL;
	for (const struct virtio_driver *const *p = __virtio_drivers_start; p < __virtio_drivers_end; p++)
		if ((*p)->type == type)
			drv = *p;
	return drv;
}

const char *virtio_type_name(uint16_t type)
{
	switch (type) {
	case VIRTIO_ID_NET: return "net";
	case VIRTIO_ID_BLOCK: return "blk";
	case VIRTIO_ID_CONSOLE: return "console";
	case VIRTIO_ID_RNG: return "rng";
	case VIRTIO_ID_BALLOON: return "balloon";
	case VIRTIO_ID_SCSI: return "scsi";
	default: return "device";
	}
}

/* Device types are 8 bits in practice (section 5 lists fewer than 64);
 * the rare one beyond shares a counter rather than needing a table. */
#define NUMBERED_TYPES 64

unsigned virtio_device_number(uint16_t type)
{
	static unsigned count[NUMBERED_TYPES];
	return count[type < NUMBERED_TYPES ? type : 0]++;
}

static struct virtio_device *attached, **attached_tail = &attached;

void virtio_device_add(struct virtio_device *vd)
{
	vd->next_attached = NULL;
	*attached_tail = vd;
	attached_tail = &vd->next_attached;
}

struct virtio_device *virtio_device_find(uint16_t type, unsigned n)
{
	for (struct virtio_device *vd = attached; vd; vd = vd->next_attached)
		if (vd->type == type && n-- == 0)
			return vd;
	return NULL;
}
