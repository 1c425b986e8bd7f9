/*
 * Tests that must end in a fault: each breaks one of the protections the
 * kernel sets up, and the boot test checks the report names the culprit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/paging.h"
#include "ktest.h"

/* Keeps the compiler from proving the pointer NULL and from folding or
 * dropping the access. */
static void *volatile opaque_null;

__attribute__((noinline)) static int fault_null_deref(void)
{
	volatile int *p = (volatile int *)((char *)opaque_null + 0x10);
	return *p;
}

int ktest_fault_null(int argc, char **argv)
{
	printf("ktest: reading through a NULL pointer\n");
	return fault_null_deref();
}

__attribute__((noinline)) static void write_into(volatile uint8_t *p) { *p = 0xcc; }

int ktest_write_text(int argc, char **argv)
{
	printf("ktest: writing into the kernel's code\n");
	write_into((volatile uint8_t *)(uintptr_t)&ktest_write_text);
	printf("ktest: the write went through\n");
	return 1;
}

static const char rodata_string[] = "read-only";

int ktest_write_rodata(int argc, char **argv)
{
	printf("ktest: writing into read-only data\n");
	write_into((volatile uint8_t *)(uintptr_t)rodata_string);
	printf("ktest: the write went through\n");
	return 1;
}

/* A `ret` instruction in writable data. */
static uint8_t data_code[16] = { 0xc3 };

int ktest_exec_data(int argc, char **argv)
{
	printf("ktest: calling code in writable data\n");
	void (*fn)(void) = (void (*)(void))(uintptr_t)data_code;
	fn();
	printf("ktest: the call returned\n");
	return 1;
}

int ktest_exec_stack(int argc, char **argv)
{
	volatile uint8_t code[16] = { 0xc3 };
	printf("ktest: calling code on the stack\n");
	void (*fn)(void) = (void (*)(void))(uintptr_t)code;
	fn();
	printf("ktest: the call returned\n");
	return 1;
}

__attribute__((noinline)) static void smash(const char *src, size_t n)
{
	char buf[16];
	/* A copy the compiler cannot see the size of: the canary catches it. */
	memcpy(buf, src, n);
	__asm__ volatile("" ::"r"(buf) : "memory");
}

int ktest_stack_smash(int argc, char **argv)
{
	static char long_input[64];
	memset(long_input, 'A', sizeof(long_input));
	printf("ktest: overflowing a stack buffer\n");
	smash(long_input, sizeof(long_input));
	printf("ktest: the overflow went unnoticed\n");
	return 1;
}

int ktest_double_free(int argc, char **argv)
{
	char *p = malloc(100);
	printf("ktest: freeing %p twice\n", (void *)p);
	free(p);
	free(p);
	printf("ktest: the double free went unnoticed\n");
	return 1;
}

/* Device memory named over RAM, as a hostile BAR or firmware table could:
 * mmio_map must refuse, and the kernel's text stay read-only. */
int ktest_mmio_over_ram(int argc, char **argv)
{
	volatile void *m = mmio_map((uintptr_t)&ktest_mmio_over_ram & ~0xfffull, 4096);
	printf("ktest: mmio_map over the kernel's text returned %p\n", (void *)m);
	return m != NULL;
}
