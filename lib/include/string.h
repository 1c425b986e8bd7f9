/*
 * Memory and string functions: the C11 set, with POSIX's strnlen,
 * strtok_r, strdup, strndup, strcasecmp and strncasecmp, and BSD's strlcpy
 * and strlcat. strdup and strndup allocate with the kernel's malloc.
 */
#ifndef KEEL_LIBC_STRING_H
#define KEEL_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
/* The length of s, but looking at no more than maxlen bytes. */
size_t strnlen(const char *s, size_t maxlen);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
int strcasecmp(const char *a, const char *b);
int strncasecmp(const char *a, const char *b, size_t n);

char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
char *strcat(char *restrict dst, const char *restrict src);
char *strncat(char *restrict dst, const char *restrict src, size_t n);
/* Copy or append src into a buffer of size bytes, always terminating it
 * when size > 0; return the length the result would have had without
 * truncation (strlen(src), or for strlcat the initial length of dst plus
 * strlen(src)), so that "result >= size" detects truncation. */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t strlcat(char *restrict dst, const char *restrict src, size_t size);

char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);
char *strpbrk(const char *s, const char *accept);
char *strtok_r(char *restrict s, const char *restrict delim, char **restrict saveptr);

/* Both return NULL when malloc fails; the copy is always terminated. */
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

/* A constant message for an errno value ("Unknown error" for values
 * without one): never written to, so safe from any thread. */
char *strerror(int errnum);

#endif
