/*
 * The kernel option stack=SIZE: the application's main stack size
 * (sys/stack_size.h). Pure logic: host-tested.
 */
#include <errno.h>

#include "sys/stack_size.h"

#define STACK_PAGE UINT64_C(4096)

int stack_size_parse(const char *text, uint64_t *bytes)
{
	if (text == 0 || *text < '0' || *text > '9')
		return -EINVAL;
	uint64_t v = 0;
	for (; *text >= '0' && *text <= '9'; text++) {
		/* Anything past the largest size is refused below: stop
		 * growing before v could wrap. */
		if (v > STACK_SIZE_MAX)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*text - '0');
	}
	unsigned shift = 0;
	switch (*text) {
	case 'k':
	case 'K':
		shift = 10;
		text++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		text++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		text++;
		break;
	default: break;
	}
	if (*text != '\0' || v > (STACK_SIZE_MAX >> shift))
		return -EINVAL;
	v <<= shift;
	v = (v + STACK_PAGE - 1) / STACK_PAGE * STACK_PAGE;
	if (v < STACK_SIZE_MIN || v > STACK_SIZE_MAX)
		return -EINVAL;
	*bytes = v;
	return 0;
}
