/*
 * Memory and string functions.
 *
 * memcpy, memmove and memset carry the bulk copies of the drivers and the
 * network stack, so they use the CPU's string instructions; the rest are
 * plain loops over bytes, which never read past the terminator or the
 * length they were given.
 *
 * The kernel is compiled with -fno-tree-loop-distribute-patterns: without
 * it, GCC may recognise the byte loops here and replace them with calls to
 * memcpy or memset, which would then call themselves.
 */
#include <string.h>

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* A 64-bit word that may sit at any address and overlay any type, for
 * loops that move or compare a word at a time: the attributes tell the
 * compiler it may be misaligned and may alias the bytes around it. */
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) unaligned_word;

/* A forward copy, correct also when dst is below an overlapping src, which
 * is why it is not memcpy itself: memcpy's arguments are restrict. */
static void copy_forward(unsigned char *dst, const unsigned char *src, size_t n)
{
#if defined(__x86_64__)
	/* Four words a step while 32 bytes remain, then eight bytes a step,
	 * then the rest. Where the CPU is emulated (QEMU's TCG runs a string
	 * instruction one element at a time, a pass through a translated
	 * block each) the loop moves four words per pass, rep movsq one;
	 * on CPUs with fast string operations either is as fast as rep
	 * movsb. Each step loads its words before it stores them, so this
	 * is still a forward copy when dst lies below an overlapping src.
	 * The direction flag is clear: the ABI guarantees it at every call,
	 * and the kernel clears it on entry from an interrupt. */
	while (n >= 32) {
		uint64_t a = ((const unaligned_word *)src)[0], b = ((const unaligned_word *)src)[1];
		uint64_t c = ((const unaligned_word *)src)[2], d = ((const unaligned_word *)src)[3];
		((unaligned_word *)dst)[0] = a;
		((unaligned_word *)dst)[1] = b;
		((unaligned_word *)dst)[2] = c;
		((unaligned_word *)dst)[3] = d;
		dst += 32;
		src += 32;
		n -= 32;
	}
	size_t words = n / 8, rest = n % 8;
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(rest) : : "memory");
#else
	while (n-- > 0)
		*dst++ = *src++;
#endif
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	copy_forward(dst, src, n);
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Unless dst starts inside src, copying forward reads every byte
	 * before it is overwritten. (When d is below s the subtraction wraps
	 * to a large value.) */
	if ((uintptr_t)d - (uintptr_t)s >= n) {
		copy_forward(d, s, n);
		return dst;
	}
	/* Otherwise copy from the end. A backward rep movsb is slow on most
	 * CPUs, so this goes a word at a time: each word is loaded before it
	 * is stored, and a store only lands on source bytes already read. */
	d += n;
	s += n;
	while (n >= sizeof(unaligned_word)) {
		d -= sizeof(unaligned_word);
		s -= sizeof(unaligned_word);
		*(unaligned_word *)d = *(const unaligned_word *)s;
		n -= sizeof(unaligned_word);
	}
	while (n-- > 0)
		*--d = *--s;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
#if defined(__x86_64__)
	void *d = dst;
	/* Words, then bytes, as in copy_forward and for the same reasons. */
	uint64_t v = (uint64_t)(unsigned char)c * 0x0101010101010101ull;
	size_t words = n / 8, rest = n % 8;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(v) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(rest) : "a"(v) : "memory");
#else
	unsigned char *d = dst;
	while (n-- > 0)
		*d++ = (unsigned char)c;
#endif
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	/* Skip equal words; the first difference is then found bytewise,
	 * since its sign depends on which byte differs first. */
	while (n >= sizeof(unaligned_word) && *(const unaligned_word *)p == *(const unaligned_word *)q) {
		p += sizeof(unaligned_word);
		q += sizeof(unaligned_word);
		n -= sizeof(unaligned_word);
	}
	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (; n > 0; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)p;
	}
	return NULL;
}

size_t strlen(const char *s)
{
	const char *p = s;
	while (*p != '\0')
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;
	while (n < maxlen && s[n] != '\0')
		n++;
	return n;
}

/* Comparisons are of unsigned chars, as C requires: a byte above 127
 * sorts after every ASCII byte. */
int strcmp(const char *a, const char *b) { return strncmp(a, b, SIZE_MAX); }

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
		if (*p == '\0')
			break;
	}
	return 0;
}

int strcasecmp(const char *a, const char *b) { return strncasecmp(a, b, SIZE_MAX); }

int strncasecmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	for (; n > 0; n--, p++, q++) {
		int diff = tolower(*p) - tolower(*q);
		if (diff != 0 || *p == '\0')
			return diff;
	}
	return 0;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	memcpy(dst, src, strlen(src) + 1);
	return dst;
}

/* Copies at most n bytes and fills the rest of the n with NULs; the result
 * is not terminated when src is n bytes or longer. */
char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t len = strnlen(src, n);
	memcpy(dst, src, len);
	memset(dst + len, 0, n - len);
	return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

/* Appends at most n bytes of src, and then always a NUL. */
char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
	char *end = dst + strlen(dst);
	size_t len = strnlen(src, n);
	memcpy(end, src, len);
	end[len] = '\0';
	return dst;
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);
	if (size > 0) {
		size_t k = len < size - 1 ? len : size - 1;
		memcpy(dst, src, k);
		dst[k] = '\0';
	}
	return len;
}

size_t strlcat(char *restrict dst, const char *restrict src, size_t size)
{
	size_t used = strnlen(dst, size);
	/* dst is not terminated within size: there is no room to append,
	 * and BSD's definition counts size as its length. */
	if (used == size)
		return size + strlen(src);
	return used + strlcpy(dst + used, src, size - used);
}

/* The terminator is part of the string: strchr(s, '\0') finds it. */
char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

/* A direct search, O(strlen(haystack) * strlen(needle)) at worst: Keel
 * searches short strings (command lines, headers), where that is fastest. */
char *strstr(const char *haystack, const char *needle)
{
	size_t len = strlen(needle);
	if (len == 0)
		return (char *)haystack;
	for (const char *h = strchr(haystack, needle[0]); h != NULL; h = strchr(h + 1, needle[0])) {
		if (strncmp(h, needle, len) == 0)
			return (char *)h;
	}
	return NULL;
}

/* A set of byte values, for the span functions: one pass over the set's
 * characters, then one test per byte of the string. */
struct byte_set {
	uint64_t bits[4];
};

static void byte_set_fill(struct byte_set *set, const char *chars)
{
	set->bits[0] = set->bits[1] = set->bits[2] = set->bits[3] = 0;
	for (const unsigned char *p = (const unsigned char *)chars; *p != '\0'; p++)
		set->bits[*p >> 6] |= (uint64_t)1 << (*p & 63);
}

static bool byte_set_has(const struct byte_set *set, unsigned char c) { return (set->bits[c >> 6] >> (c & 63)) & 1; }

size_t strspn(const char *s, const char *accept)
{
	struct byte_set set;
	byte_set_fill(&set, accept);
	size_t n = 0;
	/* The terminator is never in the set, which ends the loop. */
	while (byte_set_has(&set, (unsigned char)s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	struct byte_set set;
	byte_set_fill(&set, reject);
	set.bits[0] |= 1; /* stop at the terminator too */
	size_t n = 0;
	while (!byte_set_has(&set, (unsigned char)s[n]))
		n++;
	return n;
}

char *strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s != '\0' ? (char *)s : NULL;
}

/* Each call returns the next run of bytes not in delim, terminating it in
 * place; *saveptr remembers where to continue. */
char *strtok_r(char *restrict s, const char *restrict delim, char **restrict saveptr)
{
	if (s == NULL)
		s = *saveptr;
	s += strspn(s, delim);
	if (*s == '\0') {
		*saveptr = s;
		return NULL;
	}
	char *end = s + strcspn(s, delim);
	if (*end != '\0')
		*end++ = '\0';
	*saveptr = end;
	return s;
}

char *strdup(const char *s) { return strndup(s, SIZE_MAX); }

char *strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *copy = malloc(len + 1);
	if (copy != NULL) {
		memcpy(copy, s, len);
		copy[len] = '\0';
	}
	return copy;
}

static const char *const error_messages[] = {
	[0] = "Success",
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file or directory",
	[ESRCH] = "No such process",
	[EINTR] = "Interrupted",
	[EIO] = "I/O error",
	[ENXIO] = "No such device or address",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Not an executable",
	[EBADF] = "Bad file descriptor",
	[ECHILD] = "No child process",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Out of memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[EBUSY] = "Device or resource busy",
	[EEXIST] = "File exists",
	[ENODEV] = "No such device",
	[ENOTDIR] = "Not a directory",
	[EISDIR] = "Is a directory",
	[EINVAL] = "Invalid argument",
	[ENFILE] = "Too many open files in system",
	[EMFILE] = "Too many open files",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EROFS] = "Read-only file system",
	[EPIPE] = "Broken pipe",
	[EDOM] = "Argument out of domain",
	[ERANGE] = "Result out of range",
	[EDEADLK] = "Deadlock avoided",
	[ENAMETOOLONG] = "File name too long",
	[ENOSYS] = "Not implemented",
	[ENOTEMPTY] = "Directory not empty",
	[ELOOP] = "Too many levels of symbolic links",
	[ENODATA] = "No data available",
	[ETIME] = "Timer expired",
	[EOVERFLOW] = "Value too large",
	[EILSEQ] = "Invalid byte sequence",
	[ENOTSOCK] = "Not a socket",
	[EDESTADDRREQ] = "Destination address required",
	[EMSGSIZE] = "Message too long",
	[EPROTOTYPE] = "Wrong protocol type for socket",
	[ENOPROTOOPT] = "Protocol option not available",
	[EPROTONOSUPPORT] = "Protocol not supported",
	[EOPNOTSUPP] = "Operation not supported",
	[EAFNOSUPPORT] = "Address family not supported",
	[EADDRINUSE] = "Address in use",
	[EADDRNOTAVAIL] = "Address not available",
	[ENETDOWN] = "Network is down",
	[ENETUNREACH] = "Network unreachable",
	[ECONNABORTED] = "Connection aborted",
	[ECONNRESET] = "Connection reset by peer",
	[ENOBUFS] = "No buffer space available",
	[EISCONN] = "Socket is connected",
	[ENOTCONN] = "Socket is not connected",
	[ETIMEDOUT] = "Timed out",
	[ECONNREFUSED] = "Connection refused",
	[EHOSTUNREACH] = "Host unreachable",
	[EALREADY] = "Operation already in progress",
	[EINPROGRESS] = "Operation in progress",
	[ECANCELED] = "Operation canceled",
};

char *strerror(int errnum)
{
	const char *msg = NULL;
	if (errnum >= 0 && (size_t)errnum < sizeof(error_messages) / sizeof(error_messages[0]))
		msg = error_messages[errnum];
	/* C's signature returns char *, but the strings are constants; a
	 * number in the message would need a buffer, shared by every caller. */
	return (char *)(msg != NULL ? msg : "Unknown error");
}
