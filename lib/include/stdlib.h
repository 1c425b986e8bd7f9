/*
 * Number parsing, sorting and searching are in lib/; the allocator, exit,
 * abort and getenv belong to the kernel, which defines them.
 */
#ifndef KEEL_LIBC_STDLIB_H
#define KEEL_LIBC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* The strto* functions follow C11 and glibc: leading white space, an
 * optional sign, a "0x" prefix for base 16 (and base 0, which also takes a
 * leading 0 as octal); on overflow they return the limit of their type and
 * set errno to ERANGE. A base other than 0 or 2..36 sets errno to EINVAL,
 * returns 0 and stores s in *end. */
long strtol(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end, int base);
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

int abs(int n);
long labs(long n);
long long llabs(long long n);

/* Introsort: O(n log n) comparisons on any input, O(log n) stack, and no
 * allocation. Not stable. */
void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size, int (*compar)(const void *, const void *));

/* Implemented by the kernel. */
void *malloc(size_t size) __attribute__((__malloc__, __alloc_size__(1)));
void *calloc(size_t n, size_t size) __attribute__((__malloc__, __alloc_size__(1, 2)));
void *realloc(void *p, size_t size) __attribute__((__alloc_size__(2)));
void free(void *p);
void *aligned_alloc(size_t alignment, size_t size) __attribute__((__malloc__, __alloc_size__(2)));
int posix_memalign(void **p, size_t alignment, size_t size);
_Noreturn void exit(int status);
_Noreturn void abort(void);
char *getenv(const char *name);

#endif
