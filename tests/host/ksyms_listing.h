/*
 * The made-up symbols of the symbol table's host test, shared by the
 * program that prints them as `nm -n` would (ksyms_listing.c) and the
 * test that looks them up (test_ksyms.c). Names repeat prefixes and
 * suffixes as a kernel's do, so the byte-pair codes nest; one is longer
 * than the lookup's buffer.
 */
#ifndef KEEL_TESTS_HOST_KSYMS_LISTING_H
#define KEEL_TESTS_HOST_KSYMS_LISTING_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define KSYMS_TEST_COUNT 600u
#define KSYMS_TEST_NAME_MAX 256
#define KSYMS_TEST_TEXT_START 0x100000ull
#define KSYMS_TEST_TEXT_END 0x1000000ull

/* Function i: from 0x100040, spaced unevenly, the last ones past 64 KiB
 * and 8 MiB from the first (all three bytes of an offset in use). */
static inline uint64_t ksyms_test_addr(unsigned i)
{
	return KSYMS_TEST_TEXT_START + 0x40 + 37ull * i + (uint64_t)(i % 7) * 3 + (i >= 590 ? 0x800000ull : 0);
}

static inline void ksyms_test_name(unsigned i, char out[KSYMS_TEST_NAME_MAX])
{
	static const char *const prefix[] = { "sys_", "virtqueue_", "vm_", "sched_", "" };
	static const char *const verb[] = { "read", "write", "insert", "remove", "lookup", "enqueue" };
	if (i == 300) {
		memset(out, 'x', 200);
		out[200] = '\0';
		return;
	}
	snprintf(out, KSYMS_TEST_NAME_MAX, "%s%s_%u%s", prefix[i % 5], verb[i % 6], i, i % 3 ? ".constprop.0" : "");
}

#endif
