/*
 * The printf formatter: see format.h for what it accepts.
 *
 * Each conversion is worked out as glibc lays it out,
 *
 *	[spaces] [sign] [0x] [zeros] digits [spaces]
 *
 * and the pieces are handed to the sink as they are produced: digits from
 * a buffer of 24 bytes (a 64-bit value in octal is 22 digits), padding
 * from constant runs of spaces and zeros. Nothing else is buffered, so the
 * stack use stays small whatever the width or the precision.
 *
 * Floating point is absent because the kernel is built without SSE and
 * x87 (-mgeneral-regs-only), and %n because writing through an argument
 * makes any format string that reaches printf an attack.
 */
#include "format.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum length { LENGTH_NONE, LENGTH_HH, LENGTH_H, LENGTH_L, LENGTH_LL, LENGTH_Z, LENGTH_J, LENGTH_T };

/* One conversion specification: %[flags][width][.precision][length]conversion. */
struct spec {
	bool left;	    /* '-': pad on the right */
	bool plus;	    /* '+': a sign also on positive numbers */
	bool space;	    /* ' ': a space where the sign of a positive number would be */
	bool alt;	    /* '#': 0x on hex, a leading 0 on octal */
	bool zero;	    /* '0': pad numbers with zeros */
	bool width_arg;	    /* the width is '*', the next argument */
	bool precision_arg; /* likewise the precision */
	bool too_large;	    /* a width or precision beyond INT_MAX */
	int width;	    /* 0 when none */
	int precision;	    /* -1 when none */
	enum length length;
	char conversion; /* '\0' when the format ended first */
};

struct output {
	format_sink_fn sink;
	void *ctx;
	size_t total; /* characters produced so far, at most INT_MAX */
	bool overflow;
};

static void emit(struct output *out, const char *s, size_t n)
{
	if (out->overflow || n == 0)
		return;
	/* The count is returned as an int: stop, as glibc does, rather
	 * than return a wrong one. */
	if (n > (size_t)INT_MAX - out->total) {
		out->overflow = true;
		return;
	}
	out->sink(out->ctx, s, n);
	out->total += n;
}

static void emit_repeated(struct output *out, char c, size_t n)
{
	static const char spaces[] = "                ";
	static const char zeros[] = "0000000000000000";
	const char *run = c == '0' ? zeros : spaces;
	while (n > 0 && !out->overflow) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		emit(out, run, k);
		n -= k;
	}
}

/* A width or precision: digits, saturating at INT_MAX. */
static const char *parse_decimal(const char *p, int *value, bool *too_large)
{
	int v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';
		if (v > (INT_MAX - d) / 10) {
			*too_large = true;
			v = INT_MAX;
		} else {
			v = v * 10 + d;
		}
	}
	*value = v;
	return p;
}

/* Parses the specification that follows a '%', without taking any
 * argument yet; returns the character after it. */
static const char *parse_spec(const char *p, struct spec *spec)
{
	*spec = (struct spec){ .precision = -1 };
	for (;; p++) {
		if (*p == '-')
			spec->left = true;
		else if (*p == '+')
			spec->plus = true;
		else if (*p == ' ')
			spec->space = true;
		else if (*p == '#')
			spec->alt = true;
		else if (*p == '0')
			spec->zero = true;
		else
			break;
	}
	if (*p == '*') {
		spec->width_arg = true;
		p++;
	} else {
		p = parse_decimal(p, &spec->width, &spec->too_large);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			spec->precision_arg = true;
			p++;
		} else {
			/* A '.' alone is a precision of 0. */
			p = parse_decimal(p, &spec->precision, &spec->too_large);
		}
	}
	switch (*p) {
	case 'h':
		spec->length = p[1] == 'h' ? LENGTH_HH : LENGTH_H;
		p += p[1] == 'h' ? 2 : 1;
		break;
	case 'l':
		spec->length = p[1] == 'l' ? LENGTH_LL : LENGTH_L;
		p += p[1] == 'l' ? 2 : 1;
		break;
	case 'z':
		spec->length = LENGTH_Z;
		p++;
		break;
	case 'j':
		spec->length = LENGTH_J;
		p++;
		break;
	case 't':
		spec->length = LENGTH_T;
		p++;
		break;
	}
	spec->conversion = *p;
	return *p != '\0' ? p + 1 : p;
}

static bool spec_supported(const struct spec *spec)
{
	switch (spec->conversion) {
	case 'd':
	case 'i':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
	case '%': return true;
	case 'c':
	case 's':
	case 'p':
		/* 'l' would mean wide characters; the others mean nothing. */
		return spec->length == LENGTH_NONE;
	default: return false;
	}
}

/* C11 7.21.6.1p7: an argument narrower than int was promoted to int when
 * passed, and is converted back to its own type before printing. */
static intmax_t fetch_signed(va_list *args, enum length length)
{
	_Static_assert(sizeof(size_t) == sizeof(ptrdiff_t), "%zd reads a size_t as its signed counterpart");
	switch (length) {
	case LENGTH_HH: return (signed char)va_arg(*args, int);
	case LENGTH_H: return (short)va_arg(*args, int);
	case LENGTH_L: return va_arg(*args, long);
	case LENGTH_LL: return va_arg(*args, long long);
	case LENGTH_Z: return (ptrdiff_t)va_arg(*args, size_t);
	case LENGTH_J: return va_arg(*args, intmax_t);
	case LENGTH_T: return va_arg(*args, ptrdiff_t);
	default: return va_arg(*args, int);
	}
}

static uintmax_t fetch_unsigned(va_list *args, enum length length)
{
	switch (length) {
	case LENGTH_HH: return (unsigned char)va_arg(*args, unsigned int);
	case LENGTH_H: return (unsigned short)va_arg(*args, unsigned int);
	case LENGTH_L: return va_arg(*args, unsigned long);
	case LENGTH_LL: return va_arg(*args, unsigned long long);
	case LENGTH_Z: return va_arg(*args, size_t);
	case LENGTH_J: return va_arg(*args, uintmax_t);
	case LENGTH_T: return (size_t)va_arg(*args, ptrdiff_t);
	default: return va_arg(*args, unsigned int);
	}
}

/* Text (a string, a character, "(nil)") in its field: padded with spaces
 * only, since glibc ignores the '0' flag here. */
static void emit_field(struct output *out, const struct spec *spec, const char *s, size_t n)
{
	size_t pad = (size_t)spec->width > n ? (size_t)spec->width - n : 0;
	if (!spec->left)
		emit_repeated(out, ' ', pad);
	emit(out, s, n);
	if (spec->left)
		emit_repeated(out, ' ', pad);
}

/* Bytes of s beyond the precision are never read: s need not be
 * terminated if it is at least that long. */
static void format_string(struct output *out, const struct spec *spec, const char *s)
{
	/* glibc prints a null string as "(null)", or as nothing when the
	 * precision would cut that short. */
	if (s == NULL)
		s = spec->precision < 0 || spec->precision >= 6 ? "(null)" : "";
	size_t n = spec->precision < 0 ? strlen(s) : strnlen(s, (size_t)spec->precision);
	emit_field(out, spec, s, n);
}

/* An integer conversion (d i u o x X, and p): the magnitude, its sign, and
 * the layout the flags, width and precision ask for. */
static void format_integer(struct output *out, const struct spec *spec, uintmax_t magnitude, bool negative)
{
	char buf[24];
	char *end = buf + sizeof(buf), *digits = end;
	unsigned base = 10;
	const char *alphabet = "0123456789abcdef";
	char prefix[3];
	size_t nprefix = 0;

	if (spec->conversion == 'o')
		base = 8;
	else if (spec->conversion == 'x' || spec->conversion == 'X' || spec->conversion == 'p')
		base = 16;
	if (spec->conversion == 'X')
		alphabet = "0123456789ABCDEF";

	if (negative)
		prefix[nprefix++] = '-';
	else if (spec->plus)
		prefix[nprefix++] = '+';
	else if (spec->space)
		prefix[nprefix++] = ' ';
	/* C11 7.21.6.1p6: '#' gives a zero value no "0x". */
	if (spec->alt && base == 16 && magnitude != 0) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = spec->conversion == 'X' ? 'X' : 'x';
	}

	/* A zero value with a precision of 0 has no digits at all. */
	if (magnitude != 0 || spec->precision != 0) {
		do {
			*--digits = alphabet[magnitude % base];
			magnitude /= base;
		} while (magnitude != 0);
	}
	size_t ndigits = (size_t)(end - digits);

	/* Zeros between the prefix and the digits: those the precision
	 * asks for, then for '#' on octal one more if the digits do not
	 * already start with a 0 (so %#.0o of 0 prints "0"). */
	size_t zeros = spec->precision > 0 && (size_t)spec->precision > ndigits ? (size_t)spec->precision - ndigits : 0;
	if (spec->alt && base == 8 && zeros == 0 && (ndigits == 0 || digits[0] != '0'))
		zeros = 1;
	size_t len = nprefix + zeros + ndigits;
	size_t pad = (size_t)spec->width > len ? (size_t)spec->width - len : 0;
	/* The '0' flag fills the width with zeros after the prefix, unless
	 * the field is left-aligned or the precision sets the digits. */
	if (spec->zero && !spec->left && spec->precision < 0) {
		zeros += pad;
		pad = 0;
	}

	if (!spec->left)
		emit_repeated(out, ' ', pad);
	emit(out, prefix, nprefix);
	emit_repeated(out, '0', zeros);
	emit(out, digits, ndigits);
	if (spec->left)
		emit_repeated(out, ' ', pad);
}

static void format_conversion(struct output *out, struct spec *spec, va_list *args)
{
	switch (spec->conversion) {
	case '%':
		/* glibc ignores flags, width and precision here. */
		emit(out, "%", 1);
		break;
	case 'c': {
		char c = (char)va_arg(*args, int);
		emit_field(out, spec, &c, 1);
		break;
	}
	case 's': format_string(out, spec, va_arg(*args, const char *)); break;
	case 'p': {
		const void *ptr = va_arg(*args, const void *);
		/* glibc's %p: "(nil)" whole whatever the precision, otherwise
		 * %#lx, where unlike a real %x the '+' and ' ' flags still
		 * put a sign in front. */
		if (ptr == NULL) {
			emit_field(out, spec, "(nil)", 5);
		} else {
			spec->alt = true;
			format_integer(out, spec, (uintptr_t)ptr, false);
		}
		break;
	}
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(args, spec->length);
		/* 0 - the value as unsigned: no overflow for the minimum. */
		format_integer(out, spec, v < 0 ? 0 - (uintmax_t)v : (uintmax_t)v, v < 0);
		break;
	}
	default:
		/* u o x X: C11 defines '+' and ' ' only for signed conversions. */
		spec->plus = spec->space = false;
		format_integer(out, spec, fetch_unsigned(args, spec->length), false);
		break;
	}
}

int format_v(format_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct output out = { .sink = sink, .ctx = ctx };
	/* A copy, so the helpers can take the va_list by pointer, which C
	 * allows only for an object of type va_list (ap may be an array
	 * parameter adjusted to a pointer). */
	va_list args;
	va_copy(args, ap);

	const char *p = fmt;
	while (*p != '\0' && !out.overflow) {
		if (*p != '%') {
			const char *text = p;
			while (*p != '\0' && *p != '%')
				p++;
			emit(&out, text, (size_t)(p - text));
			continue;
		}
		const char *start = p;
		struct spec spec;
		p = parse_spec(p + 1, &spec);
		if (!spec_supported(&spec)) {
			/* Taking an argument for a conversion of unknown type
			 * would misread every argument after it: print the
			 * specification as text, and take none. This also
			 * covers a '%' at the end of the format, which glibc
			 * rejects with -1. */
			emit(&out, start, (size_t)(p - start));
			continue;
		}
		if (spec.width_arg) {
			int width = va_arg(args, int);
			/* A negative width is the '-' flag and its magnitude,
			 * which for INT_MIN is too large for an int. */
			if (width < 0) {
				spec.left = true;
				if (width == INT_MIN)
					spec.too_large = true;
				else
					width = -width;
			}
			spec.width = width < 0 ? 0 : width;
		}
		if (spec.precision_arg) {
			int precision = va_arg(args, int);
			/* A negative precision is taken as if it were omitted. */
			spec.precision = precision < 0 ? -1 : precision;
		}
		if (spec.too_large) {
			out.overflow = true;
			break;
		}
		format_conversion(&out, &spec, &args);
	}
	va_end(args);

	if (out.overflow) {
		errno = EOVERFLOW;
		return -1;
	}
	return (int)out.total;
}
