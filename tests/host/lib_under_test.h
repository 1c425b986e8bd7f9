/*
 * Keel's C library as the host tests see it: every public function under
 * the keel_ name that tests/host/lib_rename.h gave it, declared with
 * glibc's types so a test can include glibc's headers as usual and call
 * both versions of a function side by side.
 *
 * Include it from exactly one file per test program: it also defines the
 * allocator the library expects from the kernel, as glibc's.
 */
#ifndef KEEL_TEST_LIB_UNDER_TEST_H
#define KEEL_TEST_LIB_UNDER_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *keel_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *keel_memmove(void *dst, const void *src, size_t n);
void *keel_memset(void *dst, int c, size_t n);
int keel_memcmp(const void *a, const void *b, size_t n);
void *keel_memchr(const void *s, int c, size_t n);
size_t keel_strlen(const char *s);
size_t keel_strnlen(const char *s, size_t maxlen);
int keel_strcmp(const char *a, const char *b);
int keel_strncmp(const char *a, const char *b, size_t n);
int keel_strcasecmp(const char *a, const char *b);
int keel_strncasecmp(const char *a, const char *b, size_t n);
char *keel_strcpy(char *restrict dst, const char *restrict src);
char *keel_strncpy(char *restrict dst, const char *restrict src, size_t n);
char *keel_strcat(char *restrict dst, const char *restrict src);
char *keel_strncat(char *restrict dst, const char *restrict src, size_t n);
size_t keel_strlcpy(char *restrict dst, const char *restrict src, size_t size);
size_t keel_strlcat(char *restrict dst, const char *restrict src, size_t size);
char *keel_strchr(const char *s, int c);
char *keel_strrchr(const char *s, int c);
char *keel_strstr(const char *haystack, const char *needle);
size_t keel_strspn(const char *s, const char *accept);
size_t keel_strcspn(const char *s, const char *reject);
char *keel_strpbrk(const char *s, const char *accept);
char *keel_strtok_r(char *restrict s, const char *restrict delim, char **restrict saveptr);
char *keel_strdup(const char *s);
char *keel_strndup(const char *s, size_t n);
char *keel_strerror(int errnum);

int keel_isalnum(int c);
int keel_isalpha(int c);
int keel_isblank(int c);
int keel_iscntrl(int c);
int keel_isdigit(int c);
int keel_isgraph(int c);
int keel_islower(int c);
int keel_isprint(int c);
int keel_ispunct(int c);
int keel_isspace(int c);
int keel_isupper(int c);
int keel_isxdigit(int c);
int keel_tolower(int c);
int keel_toupper(int c);

long keel_strtol(const char *restrict s, char **restrict end, int base);
unsigned long keel_strtoul(const char *restrict s, char **restrict end, int base);
long long keel_strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long keel_strtoull(const char *restrict s, char **restrict end, int base);
intmax_t keel_strtoimax(const char *restrict s, char **restrict end, int base);
uintmax_t keel_strtoumax(const char *restrict s, char **restrict end, int base);
int keel_atoi(const char *s);
long keel_atol(const char *s);
long long keel_atoll(const char *s);
int keel_abs(int n);
long keel_labs(long n);
long long keel_llabs(long long n);
void keel_qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *));
void *keel_bsearch(const void *key, const void *base, size_t n, size_t size, int (*compar)(const void *, const void *));

/* No format attribute: the tests pass formats that GCC would warn about
 * on purpose, to compare them with glibc. */
int keel_snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...);
int keel_vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap);
int keel_sprintf(char *restrict buf, const char *restrict fmt, ...);
int keel_vsprintf(char *restrict buf, const char *restrict fmt, va_list ap);

/* format_v keeps its name: nothing in glibc clashes with it. */
#include "lib/format.h"

int *keel___errno_location(void);
#define keel_errno (*keel___errno_location())

/* The kernel's allocator, which strdup and strndup call, is glibc's here
 * (so AddressSanitizer also checks what they allocate for leaks). */
void *keel_malloc(size_t size);
void keel_free(void *p);
void *keel_malloc(size_t size) { return malloc(size); }
void keel_free(void *p) { free(p); }

/* --- what the tests share ---------------------------------------------- */

/* The shared generator: rng_state starts at 0, so every run tests the
 * same inputs and a failure reproduces. */
#include "tests/host/test_random.h"

static inline size_t rng_below(size_t n) { return (size_t)below(n); }

/* A heap copy of s of exactly its size, so that AddressSanitizer reports
 * any read past its terminator. */
static inline char *exact(const char *s)
{
	char *p = malloc(strlen(s) + 1);
	if (p == NULL)
		abort();
	return strcpy(p, s);
}

#endif
