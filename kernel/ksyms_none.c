/*
 * The symbol table's stand-in in an image built without it (KEEL_KSYMS :=
 * no in app.mk): no address has a name here. Reports print addresses,
 * which tools/symbolize names from the unstripped image.
 */
#include "kernel/ksyms.h"

#include <stddef.h>

const char *ksyms_lookup(uint64_t addr, uint64_t *offset) { return NULL; }
