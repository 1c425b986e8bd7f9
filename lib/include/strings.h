/*
 * POSIX puts the case-insensitive comparisons here; Keel declares them in
 * <string.h>, and this header is for programs that look for them here.
 */
#ifndef KEEL_LIBC_STRINGS_H
#define KEEL_LIBC_STRINGS_H

#include <string.h>

#endif
