/*
 * Device faults: every time a driver refuses what a device wrote (a used
 * element out of range, a length beyond its buffer, a status outside the
 * specification), it counts it here, so that the total is readable
 * whatever the device class (include/keel.h: keel_device_faults).
 */
#ifndef KEEL_DEVFAULT_H
#define KEEL_DEVFAULT_H

/* Counts one refused device write; safe from interrupt handlers. */
void device_fault_count(void);
/* Device faults since boot, over every device. */
unsigned long device_faults(void);

#endif
