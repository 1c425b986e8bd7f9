#ifndef KEEL_KSYMS_H
#define KEEL_KSYMS_H

#include <stdbool.h>
#include <stdint.h>

/* The function containing addr, from the table linked into the image
 * (tools/gen-ksyms.sh); NULL when addr is outside the kernel's text.
 * *offset is set to addr minus the function's start. The name is valid
 * until the next lookup (the table is compressed: it is expanded into
 * one buffer, names longer than 127 characters cut short). */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

/* Whether addr is inside the kernel's text (the application's with it):
 * a return address worth printing, whether or not the image carries
 * names for it. An image built without its table (KEEL_KSYMS := no in
 * app.mk) has kernel/ksyms_none.c's ksyms_lookup, which answers NULL
 * everywhere; its reports print addresses, which tools/symbolize names
 * from the unstripped image. */
static inline bool ksyms_in_text(uint64_t addr)
{
	extern const char __text_start[], __text_end[];
	return addr >= (uintptr_t)__text_start && addr < (uintptr_t)__text_end;
}

#endif
