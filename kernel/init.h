/*
 * The boot's registries. Each part of the kernel registers its own
 * initialisation and its own command-line options where it is defined,
 * into a linker section (linker.ld); kernel/main.c runs what the image
 * holds, level by level, and never names a part it could be built
 * without. A driver left out of an image (app.mk: KEEL_DRIVERS) takes its
 * init calls and options with it.
 */
#ifndef KEEL_INIT_H
#define KEEL_INIT_H

#include <stdint.h>

#include "kernel/option.h"

/* The levels, in the order kernel/main.c runs them, after the memory
 * allocators, the TSC and the scheduler are up (those take the loader's
 * information and run before any level). Within a level, calls run in
 * link order, which no one may rely on. */
enum init_level {
	INIT_ARCH,   /* the CPU's interrupt controllers */
	INIT_CORE,   /* kernel services on them: timers */
	INIT_BUS,    /* buses: PCI enumeration */
	INIT_DEVICE, /* device drivers attach to what the buses found */
	INIT_BOUND,  /* reports of what the drivers took (lspci's lines) */
	INIT_LATE,   /* anything that needs devices */
	INIT_LEVELS
};

struct init_call {
	void (*fn)(void);
	const char *name;
	enum init_level level;
};

#define INIT_CONCAT2(a, b) a##b
#define INIT_CONCAT(a, b) INIT_CONCAT2(a, b)

/* INIT_CALL(INIT_BUS, pci_init): runs pci_init() at that level of every
 * boot of an image that links this file. */
#define INIT_CALL(lvl, f)                                                                                              \
	static const struct init_call INIT_CONCAT(init_call_, f)                                                       \
	    __attribute__((used, section(".init_calls"), aligned(8))) = { .fn = f, .name = #f, .level = lvl }

/* Everything registered, in the image (linker.ld). */
extern const struct init_call __init_calls_start[], __init_calls_end[];

/* Microseconds from the kernel's first instruction to the call of main. */
uint64_t boot_time_us(void);

#endif
