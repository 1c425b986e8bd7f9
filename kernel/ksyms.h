#ifndef KEEL_KSYMS_H
#define KEEL_KSYMS_H

#include <stdint.h>

/* The function containing addr, from the table linked into the image
 * (tools/gen-ksyms.sh); NULL when addr is outside the kernel's text.
 * *offset is set to addr minus the function's start. The name is valid
 * until the next lookup (the table is compressed: it is expanded into
 * one buffer, names longer than 127 characters cut short). */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
