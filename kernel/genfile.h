/*
 * Generated text files: any layer registers a file by its path (under
 * /etc, which fs/genfs.c serves read-only) and a function that writes its
 * text, and every read sees the text as it is then. The network stack
 * registers /etc/resolv.conf and /etc/hosts from what DHCP said; the root
 * set-up registers defaults that such a registration replaces.
 */
#ifndef KEEL_GENFILE_H
#define KEEL_GENFILE_H

#include <stdbool.h>
#include <stddef.h>

#define GENFILE_MAX 32

/* Writes the text into buf (at most cap bytes, no NUL needed) and
 * returns its whole length, as snprintf does: a longer text is asked
 * for again with a buffer that fits. */
typedef size_t (*genfile_fn)(char *buf, size_t cap);

/* Registers path (absolute, with a parent directory and a name) with
 * gen; a default gives way to a later registration of the same path.
 * Returns 0, -EEXIST (registered and not a default), -EINVAL or
 * -ENOSPC (GENFILE_MAX files). */
int genfile_register(const char *path, genfile_fn gen, bool is_default);

/* The number of files, and the path of file i (stable: files never go). */
unsigned genfile_count(void);
const char *genfile_path(unsigned i);

/* File i's text now, in a buffer of the heap the caller frees: its
 * length, or -ENOMEM. */
long genfile_text(unsigned i, char **text);

#endif
