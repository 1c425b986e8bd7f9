/*
 * The interrupt entry stubs, as the assembler laid them out, where the
 * IDT's gates point (arch/x86_64/trap_stubs.h): at trap_stub_offset(v),
 * for every vector, a push of v as a sign-extended byte and a short jump
 * to one of the two jumps that end its group, the one to trap_common for
 * a vector with an error code, the other (to trap_stub_noerr) for the
 * rest; both of them long jumps to the same two places for every group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "arch/x86_64/trap_stubs.h"

extern const uint8_t trap_stubs_text[], trap_stubs_text_end[];

/* Where the jump at off goes: e9 rel32 or eb rel8 (the assembler makes
 * a group's own jumps short when their target is near). */
static size_t jump_target(size_t off)
{
	const uint8_t *p = trap_stubs_text + off;
	if (p[0] == 0xeb)
		return (size_t)((int64_t)off + 2 + (int8_t)p[1]);
	assert_int_equal(p[0], 0xe9);
	int32_t rel = (int32_t)((uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24);
	return (size_t)((int64_t)off + 5 + rel);
}

static void every_vector(void **state)
{
	(void)state;
	size_t stubs = 256 / TRAP_STUBS_PER_GROUP * TRAP_STUB_GROUP_BYTES;
	size_t len = (size_t)(trap_stubs_text_end - trap_stubs_text);
	assert_true(len > stubs);
	/* trap_common and trap_stub_noerr, as group 0 reaches them. */
	size_t common = 0, noerr = 0;
	for (unsigned v = 0; v < 256; v++) {
		size_t off = trap_stub_offset(v);
		size_t group_end = (v / TRAP_STUBS_PER_GROUP + 1) * TRAP_STUB_GROUP_BYTES;
		const uint8_t *p = trap_stubs_text + off;
		assert_int_equal(p[0], 0x6a); /* push imm8 */
		assert_int_equal(p[1], v & 0xff);
		assert_int_equal(p[2], 0xeb); /* jmp rel8 */
		/* To one of the jumps after the group's last stub. */
		size_t to = jump_target(off + 2);
		assert_true(to >= group_end - 10 && to < group_end);
		size_t target = jump_target(to);
		assert_true(target >= stubs && target < len);
		if (v == 0)
			noerr = target;
		else if (v == 8)
			common = target;
		if (v >= 8)
			assert_int_equal(target, TRAP_HAS_ERROR(v) ? common : noerr);
	}
	assert_true(common != noerr);
	/* The two ends: trap_stub_noerr pushes the vector again (ff 34 24,
	 * pushq (%rsp)); trap_common starts by saving rax (50). */
	assert_int_equal(trap_stubs_text[noerr], 0xff);
	assert_int_equal(trap_stubs_text[common], 0x50);
}

/* The offsets the gates use: four bytes apart in a group, a group's two
 * jumps between groups. */
static void offsets(void **state)
{
	(void)state;
	assert_int_equal(trap_stub_offset(0), 0);
	assert_int_equal(trap_stub_offset(1), 4);
	assert_int_equal(trap_stub_offset(15), 60);
	assert_int_equal(trap_stub_offset(16), 74);
	assert_int_equal(trap_stub_offset(255), 15 * 74 + 60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_vector),
		cmocka_unit_test(offsets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
