/*
 * An application kept outside the tree, as a user of Keel would write it:
 * an ordinary Linux program. It reads the file its command line names
 * from its disk, prints it, and exits with the number of words in it, so
 * that the VM's exit status proves the file was read
 * (tests/boot/t-outoftree.sh builds it with tools/keel-build).
 */
#include <stdio.h>
#include <stdlib.h>

#include "words.h"

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/data/greeting";
	FILE *f = fopen(path, "r");
	if (!f) {
		perror(path);
		return 100;
	}
	char text[512];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	printf("outoftree: %s: %s", path, text);
	int words = count_words(text);
	printf("outoftree: %d words\n", words);
	return words;
}
