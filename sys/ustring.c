/*
 * Strings from the application (paths, names): copied with every page
 * checked before it is read. Pure logic over user_range_ok: host-tested.
 */
#include <errno.h>

#include "sys/process.h"

#define PAGE 4096

long user_string_copy(char *dst, const char *src, size_t max)
{
	/* A page at a time: the string may end just before an unmapped page,
	 * so only what is read gets checked. */
	size_t n = 0;
	while (n < max) {
		uintptr_t a = (uintptr_t)src + n;
		size_t chunk = PAGE - (a & (PAGE - 1));
		if (chunk > max - n)
			chunk = max - n;
		if (!user_range_ok((const void *)a, chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++) {
			dst[n] = src[n];
			if (dst[n] == '\0')
				return (long)n;
			n++;
		}
	}
	return -ENAMETOOLONG;
}
