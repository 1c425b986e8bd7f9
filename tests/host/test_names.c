/*
 * The system calls' names (sys/names.c, byte-pair encoded at build time
 * by tools/gen-syscall-names.sh): every number of the host's Linux
 * headers, read here as the generator reads them, must come back with its
 * name; unused numbers and numbers out of range with none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sys/linux.h"
#include "sys/syscall.h"

#define HEADER "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

static void every_name(void **state)
{
	FILE *f = fopen(HEADER, "r");
	assert_non_null(f);
	static char want[SYSCALL_NAMES_MAX][64];
	char line[256], name[64];
	long nr;
	unsigned found = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "#define __NR_%63s %ld", name, &nr) == 2 && nr >= 0 && nr < SYSCALL_NAMES_MAX) {
			strcpy(want[nr], name);
			found++;
		}
	}
	fclose(f);
	assert_true(found > 300);
	for (nr = 0; nr < SYSCALL_NAMES_MAX; nr++) {
		const char *got = syscall_name(nr);
		if (want[nr][0]) {
			assert_non_null(got);
			assert_string_equal(got, want[nr]);
		} else {
			assert_null(got);
		}
	}
	assert_string_equal(syscall_name(SYS_read), "read");
	assert_string_equal(syscall_name(SYS_rt_sigaction), "rt_sigaction");
	assert_null(syscall_name(-1));
	assert_null(syscall_name(SYSCALL_NAMES_MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
