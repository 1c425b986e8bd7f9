/*
 * The virtio devices whose driver attached, whatever their transport:
 * what tests and diagnostics look devices up in. Transports add a device
 * once its driver attached (drivers/virtio/virtio_pci.c).
 */
#include "drivers/virtio/virtio.h"

#include <errno.h>

#define MAX_DEVICES 32
static struct virtio_device *attached[MAX_DEVICES];
static unsigned nattached;

int virtio_device_add(struct virtio_device *vd)
{
	if (nattached == MAX_DEVICES)
		return -ENOSPC;
	attached[nattached++] = vd;
	return 0;
}

struct virtio_device *virtio_device_find(uint16_t type, unsigned n)
{
	for (unsigned i = 0; i < nattached; i++)
		if (attached[i]->type == type && n-- == 0)
			return attached[i];
	return NULL;
}
