/*
 * The initial stack of a Linux process, as musl's start-up reads it: argc,
 * the argument pointers and a NULL, the environment pointers and a NULL,
 * the auxiliary vector ending with AT_NULL, then (above) the strings and
 * the blocks the vector points at. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_AUXV_H
#define KEEL_SYS_AUXV_H

#include <stddef.h>
#include <stdint.h>

/* Entry types of the auxiliary vector (Linux's <elf.h>). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33

#define AUXV_MAX 24

struct initial_stack {
	int argc;
	char *const *argv;
	int envc;
	char *const *envp;
	/* Pairs (type, value), without AT_NULL. An AT_RANDOM or AT_PHDR
	 * entry gets the address of the copy of random[] or phdr on the
	 * stack as its value. */
	uint64_t aux[AUXV_MAX][2];
	unsigned naux;
	uint8_t random[16];
	const void *phdr; /* program headers to copy (AT_PHDR), or NULL */
	size_t phdr_bytes;
};

/* Lays out s in [lo, hi) from the top down. Returns the stack pointer to
 * start with (16-byte aligned; argc at it), or 0 when it does not fit. */
uint64_t initial_stack_build(uint64_t lo, uint64_t hi, const struct initial_stack *s);

#endif
