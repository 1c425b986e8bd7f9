/*
 * The virtio devices whose driver attached, whatever their transport:
 * what tests and diagnostics look devices up in. Transports add a device
 * once its driver attached (drivers/virtio/virtio_pci.c). A list through
 * the devices themselves: as long as the machine has devices, and adding
 * one cannot fail after its driver took it.
 */
#include "drivers/virtio/virtio.h"

#include <stddef.h>

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
