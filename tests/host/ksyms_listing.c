/*
 * Prints the made-up symbols of ksyms_listing.h as `nm -n --defined-only`
 * would, with what the generator must leave out: data symbols, local
 * labels, and a second name at an address already named.
 */
#include <stdio.h>

#include "tests/host/ksyms_listing.h"

int main(void)
{
	char name[KSYMS_TEST_NAME_MAX];
	for (unsigned i = 0; i < KSYMS_TEST_COUNT; i++) {
		unsigned long long a = (unsigned long long)ksyms_test_addr(i);
		ksyms_test_name(i, name);
		printf("%016llx %c %s\n", a, i % 2 ? 't' : 'T', name);
		if (i % 50 == 0) {
			printf("%016llx t alias_of_%u\n", a, i);
			printf("%016llx d some_data_%u\n", a + 1, i);
			printf("%016llx t .Llocal_%u\n", a + 2, i);
		}
	}
	return 0;
}
