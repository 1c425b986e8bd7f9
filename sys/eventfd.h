/*
 * eventfd objects (sys/eventfd.c): a 64-bit counter as a file. A write
 * adds its 8-byte value, waiting while the sum would pass 2^64 - 2; a
 * read takes the whole count (or 1, with EFD_SEMAPHORE), waiting while it
 * is 0. Readable while the count is above 0, writable while 1 more
 * fits, as Linux's. Host-tested over the host scheduler.
 */
#ifndef KEEL_SYS_EVENTFD_H
#define KEEL_SYS_EVENTFD_H

#include <stdbool.h>
#include <stdint.h>

#include "sys/fd.h"

#define EVENTFD_MAX UINT64_C(0xfffffffffffffffe)

/* A new eventfd holding initval, with one reference: 0 or -ENOMEM. */
int eventfd_create(uint64_t initval, bool semaphore, struct file **out);

#endif
