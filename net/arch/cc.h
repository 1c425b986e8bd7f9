/*
 * lwIP's compiler and platform definitions for Keel: the kernel's own C
 * library, its console for lwIP's diagnostics, a panic for a failed
 * assertion, and random numbers from net/sys_arch.c.
 */
#ifndef KEEL_LWIP_ARCH_CC_H
#define KEEL_LWIP_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

/* x86-64 (a host's own headers may have said so already). */
#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* Byte order: the compiler's one-instruction swaps rather than lwIP's
 * out-of-line functions, which every header field of every segment
 * calls. */
#define lwip_htons(x) ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define lwip_htonl(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))

/* lwIP's diagnostics (LWIP_PLATFORM_DIAG(("fmt", args))) on the console;
 * a failed assertion is a broken invariant of the stack: a panic. */
void keel_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void keel_lwip_assert_failed(const char *msg, const char *file, int line);
#define LWIP_PLATFORM_DIAG(x)                                                                                          \
	do {                                                                                                           \
		keel_lwip_diag x;                                                                                      \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) keel_lwip_assert_failed((x), __FILE__, __LINE__)

/* TCP's initial sequence numbers and ports, DHCP's transaction ids,
 * IPv6's temporary choices: from a generator seeded by the entropy
 * sources and RDRAND (net/sys_arch.c). */
uint32_t keel_lwip_rand(void);
#define LWIP_RAND() keel_lwip_rand()

/* lwIP's heap on the kernel's (MEM_LIBC_MALLOC, lwipopts.h). */
void *keel_lwip_malloc(size_t size);
void *keel_lwip_calloc(size_t n, size_t size);
void keel_lwip_free(void *p);

#endif
