/*
 * hello: the first application, an ordinary C program on musl. Prints
 * its arguments and what the kernel found, and exits with status 0.
 */
#include <keel.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from Keel: %d argument%s\n", argc, argc == 1 ? "" : "s");
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);

	struct keel_meminfo m;
	keel_meminfo(&m);
	printf("%lu MiB of RAM, %lu MiB free; booted in %lu us\n", (unsigned long)(m.ram_bytes >> 20),
	       (unsigned long)(m.free_bytes >> 20), (unsigned long)keel_boot_us());
	return 0;
}
