/*
 * The registry of generated files (kernel/genfile.h): a small table,
 * filled at boot.
 */
#include "kernel/genfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const char *path;
	genfile_fn gen;
	bool is_default;
} files[GENFILE_MAX];
static unsigned count;

int genfile_register(const char *path, genfile_fn gen, bool is_default)
{
	const char *slash = strrchr(path, '/');
	if (path[0] != '/' || slash == NULL || slash == path || slash[1] == '\0' || gen == NULL)
		return -EINVAL;
	for (unsigned i = 0; i < count; i++) {
		if (strcmp(files[i].path, path) == 0) {
			if (!files[i].is_default || is_default)
				return -EEXIST;
			files[i].gen = gen;
			files[i].is_default = false;
			return 0;
		}
	}
	if (count == GENFILE_MAX)
		return -ENOSPC;
	files[count].path = path;
	files[count].gen = gen;
	files[count].is_default = is_default;
	count++;
	return 0;
}

unsigned genfile_count(void) { return count; }

const char *genfile_path(unsigned i) { return i < count ? files[i].path : NULL; }

long genfile_text(unsigned i, char **text)
{
	size_t cap = 256;
	for (;;) {
		char *buf = malloc(cap);
		if (buf == NULL)
			return -ENOMEM;
		size_t n = files[i].gen(buf, cap);
		if (n <= cap) {
			*text = buf;
			return (long)n;
		}
		free(buf);
		cap = n;
	}
}
