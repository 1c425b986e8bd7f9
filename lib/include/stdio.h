/*
 * Formatted output into memory is in lib/ (stdio.c, on the formatter of
 * format.c); everything that writes to the console belongs to the kernel.
 *
 * The formats are C11's integer, character, string and pointer
 * conversions, with glibc's output for each: no floating point (the kernel
 * keeps no FPU state), no %n, no wide characters. An unsupported
 * conversion is printed as written and takes no argument.
 */
#ifndef KEEL_LIBC_STDIO_H
#define KEEL_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define EOF (-1)

/* stdout and stderr are both the console; there are no other files. */
typedef struct keel_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;

/* Return the length of the complete output, even when it did not fit in
 * n bytes (so ">= n" means truncated); buf is always terminated when
 * n > 0 and untouched when n == 0. -1 with errno EOVERFLOW if the length
 * exceeds INT_MAX. */
int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...) __attribute__((__format__(__printf__, 3, 4)));
int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap)
    __attribute__((__format__(__printf__, 3, 0)));
int sprintf(char *restrict buf, const char *restrict fmt, ...) __attribute__((__format__(__printf__, 2, 3)));
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap) __attribute__((__format__(__printf__, 2, 0)));

/* Implemented by the kernel's console. */
int printf(const char *restrict fmt, ...) __attribute__((__format__(__printf__, 1, 2)));
int vprintf(const char *restrict fmt, va_list ap) __attribute__((__format__(__printf__, 1, 0)));
int fprintf(FILE *restrict f, const char *restrict fmt, ...) __attribute__((__format__(__printf__, 2, 3)));
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap) __attribute__((__format__(__printf__, 2, 0)));
int puts(const char *s);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int fputc(int c, FILE *f);
size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f);
int fflush(FILE *f);

#endif
