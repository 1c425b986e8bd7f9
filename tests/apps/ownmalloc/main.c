/*
 * ownmalloc: replaces musl's malloc family and memcpy with its own (a bump
 * allocator over a static arena, a byte loop), and defines functions with
 * the names of the kernel's internals. Checks that the C library's own
 * callers (strdup, printf) reach the replacements, and that the kernel,
 * which has a malloc and a memcpy of its own, still works beside them.
 */
#include <keel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long mallocs, memcpys;
static _Alignas(16) unsigned char arena[1 << 20];
static size_t used;

void *malloc(size_t n)
{
	mallocs++;
	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(arena) - used)
		return NULL;
	void *p = arena + used;
	used += n;
	return p;
}

void free(void *p) { (void)p; }

void *calloc(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	unsigned char *p = malloc(n * size);
	if (p)
		for (size_t i = 0; i < n * size; i++)
			p[i] = 0;
	return p;
}

void *realloc(void *old, size_t n)
{
	unsigned char *p = malloc(n);
	if (p && old)
		memcpy(p, old, n); /* the arena is larger than any block: reading past is harmless */
	return p;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	memcpys++;
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*d++ = *s++;
	return dst;
}

/* Names of the kernel's internals: a link error before they were local. */
int kprintf(const char *fmt, ...);
int kprintf(const char *fmt, ...) { return fmt ? 0 : -1; }
void panic(const char *fmt, ...);
void panic(const char *fmt, ...) { (void)fmt; }
void mm_init(void);
void mm_init(void) {}
void console_write(const char *s, size_t n);
void console_write(const char *s, size_t n) { (void)s, (void)n; }

/* The kernel calls pci_init only when the image has the PCI driver (a
 * weak reference); this image has none, and the application's function of
 * that name must not answer for it. */
static int kernel_called_us;
void pci_init(void);
void pci_init(void) { kernel_called_us = 1; }

int main(void)
{
	/* Through a volatile pointer, so the compiler cannot inline the copy. */
	void *(*volatile copy)(void *restrict, const void *restrict, size_t) = memcpy;
	char buf[32];
	copy(buf, "copied by the application", 26);
	char *dup = strdup(buf);
	printf("ownmalloc: %s; %s\n", buf, dup ? dup : "(strdup failed)");
	printf("ownmalloc: its malloc ran %lu times, its memcpy %lu times\n", mallocs, memcpys);
	/* The kernel's allocator is its own: a thread needs it. */
	struct keel_meminfo m;
	keel_meminfo(&m);
	printf("ownmalloc: the kernel's heap holds %lu bytes\n", (unsigned long)m.heap_bytes);
	if (kernel_called_us)
		printf("ownmalloc: the kernel called the application's pci_init\n");
	return mallocs >= 1 && memcpys >= 1 && dup && strcmp(dup, buf) == 0 && !kernel_called_us ? 0 : 1;
}
