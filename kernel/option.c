/*
 * Matching a command-line word with the registered kernel options
 * (kernel/option.h).
 */
#include "kernel/option.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

int kernel_option_apply(const struct kernel_option *first, const struct kernel_option *last, const char *word)
{
	for (const struct kernel_option *o = first; o < last; o++) {
		size_t n = strlen(o->name);
		/* "name=" takes the value after it; "prefix." the rest of
		 * the word (env.NAME=VALUE); anything else is a flag. */
		bool takes_value = n > 0 && (o->name[n - 1] == '=' || o->name[n - 1] == '.');
		if (takes_value && strncmp(word, o->name, n) == 0) {
			o->set(word + n);
			return 0;
		}
		if (!takes_value && strcmp(word, o->name) == 0) {
			o->set(NULL);
			return 0;
		}
	}
	return -ENOENT;
}
