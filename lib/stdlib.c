/*
 * Parsing integers (the strto* and ato* functions) and absolute values.
 *
 * Every strto* function is one scanner, parametrised by the largest
 * magnitude its type can hold for each sign, so that C11's rules (white
 * space, sign, base prefix, overflow to the limit with ERANGE, where *end
 * points) are written once.
 */
#include <stdlib.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

/* <inttypes.h> hard-codes "l" as the length of these types. */
#define IS_LONG(type) _Generic((type)0, long : 1, unsigned long : 1, default : 0)
_Static_assert(IS_LONG(int64_t) && IS_LONG(uint64_t), "PRI*64 assume int64_t is a long");
_Static_assert(IS_LONG(intmax_t) && IS_LONG(uintmax_t), "PRI*MAX assume intmax_t is a long");
_Static_assert(IS_LONG(intptr_t) && IS_LONG(uintptr_t), "PRI*PTR assume intptr_t is a long");
_Static_assert(IS_LONG(int_fast16_t) && IS_LONG(int_fast32_t) && IS_LONG(int_fast64_t),
	       "PRI*FAST assume the fast types above 8 bits are longs");
_Static_assert(IS_LONG(uint_fast16_t) && IS_LONG(uint_fast32_t) && IS_LONG(uint_fast64_t),
	       "PRI*FAST assume the fast types above 8 bits are longs");

struct scanned {
	uintmax_t magnitude; /* clamped to the limit on overflow */
	bool negative;
	bool overflow;
};

/* The value of c as a digit in bases up to 36, or 36 if it is none. */
static unsigned digit_value(unsigned char c)
{
	if (isdigit(c))
		return c - '0';
	if (isalpha(c))
		return (unsigned)tolower(c) - 'a' + 10;
	return 36;
}

/*
 * Scans s as C11 describes for strtol, in the given base, accepting
 * magnitudes up to max_positive or, after a '-', max_negative. Returns
 * where the number ends: s itself when there was none (or the base was
 * invalid, with errno set to EINVAL).
 */
static const char *scan_integer(const char *s, int base, uintmax_t max_positive, uintmax_t max_negative,
				struct scanned *out)
{
	const char *p = s;

	out->magnitude = 0;
	out->negative = false;
	out->overflow = false;
	if (base < 0 || base == 1 || base > 36) {
		errno = EINVAL;
		return s;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		out->negative = *p++ == '-';
	/* "0x" is a prefix only when a hex digit follows; otherwise the
	 * number is the "0" alone and ends at the 'x'. */
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit_value((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = *p == '0' ? 8 : 10;
	}

	uintmax_t max = out->negative ? max_negative : max_positive;
	const char *digits = p;
	for (unsigned d; (d = digit_value((unsigned char)*p)) < (unsigned)base; p++) {
		/* Still consume the digits after an overflow: *end points past
		 * the whole number either way. */
		if (out->overflow)
			continue;
		if (out->magnitude > (max - d) / (unsigned)base) {
			out->overflow = true;
			out->magnitude = max;
		} else {
			out->magnitude = out->magnitude * (unsigned)base + d;
		}
	}
	if (p == digits)
		return s;
	if (out->overflow)
		errno = ERANGE;
	return p;
}

/* The value of a scan for a signed type: the magnitude is at most the
 * type's maximum, or for a negative number its maximum + 1. */
static intmax_t signed_value(const struct scanned *v)
{
	if (!v->negative)
		return (intmax_t)v->magnitude;
	/* -(magnitude - 1) - 1 never overflows, even for the minimum. */
	return v->magnitude == 0 ? 0 : -(intmax_t)(v->magnitude - 1) - 1;
}

/* The value of a scan for an unsigned type: a negative number wraps
 * around, as C11 specifies, unless it overflowed. */
static uintmax_t unsigned_value(const struct scanned *v)
{
	return v->negative && !v->overflow ? 0 - v->magnitude : v->magnitude;
}

static void set_end(char **end, const char *p)
{
	if (end != NULL)
		*end = (char *)p;
}

long strtol(const char *restrict s, char **restrict end, int base)
{
	struct scanned v;
	set_end(end, scan_integer(s, base, LONG_MAX, (uintmax_t)LONG_MAX + 1, &v));
	return (long)signed_value(&v);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	struct scanned v;
	set_end(end, scan_integer(s, base, LLONG_MAX, (uintmax_t)LLONG_MAX + 1, &v));
	return (long long)signed_value(&v);
}

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	struct scanned v;
	set_end(end, scan_integer(s, base, INTMAX_MAX, (uintmax_t)INTMAX_MAX + 1, &v));
	return signed_value(&v);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	struct scanned v;
	set_end(end, scan_integer(s, base, ULONG_MAX, ULONG_MAX, &v));
	return (unsigned long)unsigned_value(&v);
}

unsigned long long strtoull(const char *restrict s, char **restrict end, int base)
{
	struct scanned v;
	set_end(end, scan_integer(s, base, ULLONG_MAX, ULLONG_MAX, &v));
	return (unsigned long long)unsigned_value(&v);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	struct scanned v;
	set_end(end, scan_integer(s, base, UINTMAX_MAX, UINTMAX_MAX, &v));
	return unsigned_value(&v);
}

/* As glibc: the ato* functions are strtol in base 10, truncated to their
 * type, with errno set on overflow as strtol sets it. */
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }

long atol(const char *s) { return strtol(s, NULL, 10); }

long long atoll(const char *s) { return strtoll(s, NULL, 10); }

/* The minimum of each type has no absolute value: undefined, as in C. */
int abs(int n) { return n < 0 ? -n : n; }

long labs(long n) { return n < 0 ? -n : n; }

long long llabs(long long n) { return n < 0 ? -n : n; }
