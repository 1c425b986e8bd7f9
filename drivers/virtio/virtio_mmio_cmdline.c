/*
 * The command line's virtio_mmio.device=SIZE@ADDR:IRQ[:ID] (the syntax of
 * Linux's virtio_mmio driver, which QEMU's microvm appends for every
 * device when it boots a kernel without ACPI). The string is whatever the
 * command line holds: every number is checked for overflow, the window
 * for wrapping past the top of the address space, and nothing may follow
 * the last field.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/virtio/virtio_mmio.h"

/* A number as C writes it (decimal, or hex after 0x), at least one digit.
 * Returns the characters used, 0 when there is no number or it overflows
 * 64 bits. */
static int parse_number(const char *s, uint64_t *out, bool allow_hex)
{
	unsigned base = 10;
	int i = 0;
	if (allow_hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	int start = i;
	uint64_t v = 0;
	for (;; i++) {
		char c = s[i];
		unsigned digit;
		if (c >= '0' && c <= '9')
			digit = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			digit = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			digit = (unsigned)(c - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - digit) / base)
			return 0;
		v = v * base + digit;
	}
	if (i == start)
		return 0;
	*out = v;
	return i;
}

/* A number with an optional K, M or G suffix (Linux's memparse). */
static int parse_size(const char *s, uint64_t *out)
{
	int n = parse_number(s, out, true);
	if (n == 0)
		return 0;
	unsigned shift = 0;
	switch (s[n]) {
	case 'k':
	case 'K': shift = 10; break;
	case 'm':
	case 'M': shift = 20; break;
	case 'g':
	case 'G': shift = 30; break;
	default: return n;
	}
	if (*out > (UINT64_MAX >> shift))
		return 0;
	*out <<= shift;
	return n + 1;
}

int virtio_mmio_parse_device(const char *s, struct virtio_mmio_desc *d, const char **why)
{
	uint64_t size, base, irq, id = 0;
	int n = parse_size(s, &size);
	if (n == 0) {
		*why = "no size (SIZE@ADDR:IRQ)";
		return -EINVAL;
	}
	s += n;
	if (*s++ != '@') {
		*why = "no '@' after the size";
		return -EINVAL;
	}
	n = parse_size(s, &base);
	if (n == 0) {
		*why = "no address after '@'";
		return -EINVAL;
	}
	s += n;
	if (*s++ != ':') {
		*why = "no ':' after the address";
		return -EINVAL;
	}
	n = parse_number(s, &irq, false);
	if (n == 0) {
		*why = "no decimal IRQ after ':'";
		return -EINVAL;
	}
	s += n;
	bool have_id = false;
	if (*s == ':') {
		n = parse_number(s + 1, &id, false);
		if (n == 0) {
			*why = "no decimal ID after the IRQ's ':'";
			return -EINVAL;
		}
		s += 1 + n;
		have_id = true;
	}
	if (*s != '\0') {
		*why = "something follows the last field";
		return -EINVAL;
	}
	if (size == 0 || size > VIRTIO_MMIO_MAX_SIZE) {
		*why = "a size of 0 or above 1 MiB";
		return -EINVAL;
	}
	if (base == 0 || base > UINT64_MAX - size) {
		*why = "an address of 0, or one whose window wraps around";
		return -EINVAL;
	}
	if (irq > VIRTIO_MMIO_MAX_GSI) {
		*why = "an IRQ above 1023";
		return -EINVAL;
	}
	if (have_id && id > INT32_MAX) {
		*why = "an ID too large";
		return -EINVAL;
	}
	*d =
	    (struct virtio_mmio_desc){ .base = base, .size = size, .gsi = (uint32_t)irq, .id = have_id ? (int)id : -1 };
	return 0;
}
