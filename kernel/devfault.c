/*
 * The kernel-wide count of device faults (kernel/devfault.h).
 */
#include "kernel/devfault.h"

/* Written from interrupt handlers and threads on one CPU: a plain
 * increment is one instruction, read whole. */
static volatile unsigned long faults;

void device_fault_count(void) { faults++; }

unsigned long device_faults(void) { return faults; }
