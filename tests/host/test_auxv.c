/*
 * The initial stack (sys/auxv.c), read back the way musl's start-up reads
 * it: argc, argv, envp and the auxiliary vector contiguous from the stack
 * pointer, which is 16-byte aligned; strings, random bytes and program
 * headers inside the stack; refusal when it does not fit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/auxv.h"

#define STACK 65536

static uint64_t aux_value(const uint64_t *auxv, uint64_t type, int *found)
{
	for (; auxv[0] != AT_NULL; auxv += 2) {
		if (auxv[0] == type) {
			*found = 1;
			return auxv[1];
		}
	}
	*found = 0;
	return 0;
}

static void layout_as_musl_reads_it(void **state)
{
	unsigned char *mem = malloc(STACK);
	assert_non_null(mem);
	uint64_t lo = (uintptr_t)mem, hi = lo + STACK - 3; /* an unaligned top */
	char *argv[] = { "hello", "one", "two words", NULL };
	char *envp[] = { "PATH=/bin", "HOME=/", NULL };
	struct initial_stack s = { .argc = 3, .argv = argv, .envc = 2, .envp = envp };
	for (int i = 0; i < 16; i++)
		s.random[i] = (uint8_t)(i * 7 + 1);
	uint64_t phdr[7] = { 7, 0x1000, 0, 0x1000, 0x10, 0x40, 16 };
	s.phdr = phdr;
	s.phdr_bytes = sizeof(phdr);
	uint64_t aux[][2] = { { AT_PAGESZ, 4096 }, { AT_RANDOM, 0 }, { AT_PHDR, 0 }, { AT_PHNUM, 1 }, { AT_UID, 0 } };
	memcpy(s.aux, aux, sizeof(aux));
	s.naux = 5;

	uint64_t sp = initial_stack_build(lo, hi, &s);
	assert_true(sp != 0);
	assert_int_equal(sp % 16, 0);
	assert_true(sp >= lo && sp < hi);
	uint64_t *w = (uint64_t *)(uintptr_t)sp;
	assert_int_equal(w[0], 3);
	char **av = (char **)&w[1];
	for (int i = 0; i < 3; i++) {
		assert_string_equal(av[i], argv[i]);
		assert_true((uintptr_t)av[i] > sp && (uintptr_t)av[i] < hi);
	}
	assert_null(av[3]);
	char **ev = av + 4;
	assert_string_equal(ev[0], "PATH=/bin");
	assert_string_equal(ev[1], "HOME=/");
	assert_null(ev[2]);
	const uint64_t *auxv = (const uint64_t *)(ev + 3);
	int found;
	assert_int_equal(aux_value(auxv, AT_PAGESZ, &found), 4096);
	assert_true(found);
	const uint8_t *rnd = (const uint8_t *)(uintptr_t)aux_value(auxv, AT_RANDOM, &found);
	assert_true(found && (uintptr_t)rnd > sp && (uintptr_t)rnd + 16 <= hi);
	assert_memory_equal(rnd, s.random, 16);
	const uint64_t *ph = (const uint64_t *)(uintptr_t)aux_value(auxv, AT_PHDR, &found);
	assert_true(found && (uintptr_t)ph % 8 == 0 && (uintptr_t)ph > sp && (uintptr_t)ph + sizeof(phdr) <= hi);
	assert_memory_equal(ph, phdr, sizeof(phdr));
	assert_int_equal(aux_value(auxv, AT_PHNUM, &found), 1);
	aux_value(auxv, AT_SECURE, &found);
	assert_false(found);
	/* The vector ends with AT_NULL, and nothing overlaps the strings. */
	unsigned n = 0;
	while (auxv[2 * n] != AT_NULL)
		n++;
	assert_int_equal(n, 5);
	assert_true((uintptr_t)&auxv[2 * n + 2] <= (uintptr_t)ph);
	free(mem);
}

static void too_small(void **state)
{
	char long_arg[300];
	memset(long_arg, 'x', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = 0;
	char *argv[] = { long_arg, NULL };
	struct initial_stack s = { .argc = 1, .argv = argv };
	unsigned char *mem = malloc(512);
	assert_non_null(mem);
	uint64_t lo = (uintptr_t)mem;
	/* The strings fit, the vectors do not; then nothing fits at all. */
	assert_int_equal(initial_stack_build(lo, lo + 320, &s), 0);
	assert_int_equal(initial_stack_build(lo, lo + 100, &s), 0);
	uint64_t sp = initial_stack_build(lo, lo + 512, &s);
	assert_true(sp >= lo);
	assert_int_equal(((uint64_t *)(uintptr_t)sp)[0], 1);
	/* Bad counts. */
	s.argc = -1;
	assert_int_equal(initial_stack_build(lo, lo + 512, &s), 0);
	s.argc = 1;
	s.naux = AUXV_MAX + 1;
	assert_int_equal(initial_stack_build(lo, lo + 512, &s), 0);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_as_musl_reads_it),
		cmocka_unit_test(too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
