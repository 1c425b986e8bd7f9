/*
 * The MSI message (arch/x86_64/msi.c) against the layout of the Intel SDM,
 * vol. 3, section 11.11 ("Message Signalled Interrupts"):
 *
 *   address  31:20  0xFEE
 *            19:12  destination ID
 *            11:4   reserved (0)
 *            3      redirection hint (0: deliver to exactly that APIC)
 *            2      destination mode (0: physical)
 *            1:0    don't care (Keel writes 0)
 *            63:32  0 (the upper half of a 64-bit MSI address)
 *
 *   data     7:0    vector
 *            10:8   delivery mode (000: fixed)
 *            13:11  reserved (0)
 *            14     level (don't care for edge; Keel writes 0)
 *            15     trigger mode (0: edge)
 *            31:16  reserved (0)
 *
 * Every field is taken apart bit by bit rather than compared with a value
 * computed the way the code computes it.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86_64/msi.h"

/* Bits hi..lo of v. */
static uint64_t field(uint64_t v, unsigned hi, unsigned lo) { return (v >> lo) & ((UINT64_C(2) << (hi - lo)) - 1); }

/* Checks every field of a message that msi_compose accepted. */
static void check_layout(uint32_t dest, uint8_t vector, const struct msi_msg *m)
{
	if (field(m->address, 63, 32) != 0)
		fail_msg("dest %" PRIu32 " vector %u: upper address half 0x%" PRIx64, dest, vector,
			 field(m->address, 63, 32));
	if (field(m->address, 31, 20) != 0xfee)
		fail_msg("dest %" PRIu32 " vector %u: address 31:20 is 0x%" PRIx64 ", want 0xfee", dest, vector,
			 field(m->address, 31, 20));
	if (field(m->address, 19, 12) != dest)
		fail_msg("dest %" PRIu32 " vector %u: destination ID is %" PRIu64, dest, vector,
			 field(m->address, 19, 12));
	if (field(m->address, 11, 4) != 0)
		fail_msg("dest %" PRIu32 " vector %u: reserved address bits 11:4 set", dest, vector);
	if (field(m->address, 3, 3) != 0)
		fail_msg("dest %" PRIu32 " vector %u: redirection hint set", dest, vector);
	if (field(m->address, 2, 2) != 0)
		fail_msg("dest %" PRIu32 " vector %u: logical destination mode", dest, vector);
	if (field(m->address, 1, 0) != 0)
		fail_msg("dest %" PRIu32 " vector %u: address bits 1:0 set", dest, vector);

	if (field(m->data, 7, 0) != vector)
		fail_msg("dest %" PRIu32 " vector %u: data vector is %" PRIu64, dest, vector, field(m->data, 7, 0));
	if (field(m->data, 10, 8) != 0)
		fail_msg("dest %" PRIu32 " vector %u: delivery mode %" PRIu64 ", want fixed (0)", dest, vector,
			 field(m->data, 10, 8));
	if (field(m->data, 13, 11) != 0)
		fail_msg("dest %" PRIu32 " vector %u: reserved data bits 13:11 set", dest, vector);
	if (field(m->data, 14, 14) != 0)
		fail_msg("dest %" PRIu32 " vector %u: level bit set", dest, vector);
	if (field(m->data, 15, 15) != 0)
		fail_msg("dest %" PRIu32 " vector %u: level-triggered, want edge", dest, vector);
	if (field(m->data, 31, 16) != 0)
		fail_msg("dest %" PRIu32 " vector %u: reserved data bits 31:16 set", dest, vector);
}

static void compose_ok(uint32_t dest, uint8_t vector, struct msi_msg *m)
{
	memset(m, 0xa5, sizeof(*m)); /* whatever was there before must not leak through */
	if (!msi_compose(dest, vector, m))
		fail_msg("msi_compose(%" PRIu32 ", %u) refused a valid pair", dest, vector);
	check_layout(dest, vector, m);
}

/* A few pairs written out in full, as a reader would check them against
 * the manual. */
static void known_messages(void **state)
{
	static const struct {
		uint32_t dest;
		uint8_t vector;
		uint64_t address;
		uint32_t data;
	} cases[] = {
		{ 0, 0x10, 0xfee00000, 0x10 },	  { 0, 0x20, 0xfee00000, 0x20 },    { 1, 0x21, 0xfee01000, 0x21 },
		{ 2, 0x30, 0xfee02000, 0x30 },	  { 0x0f, 0x41, 0xfee0f000, 0x41 }, { 0x10, 0x80, 0xfee10000, 0x80 },
		{ 0x55, 0xaa, 0xfee55000, 0xaa }, { 0xaa, 0x55, 0xfeeaa000, 0x55 }, { 0x80, 0xef, 0xfee80000, 0xef },
		{ 0xfe, 0xfe, 0xfeefe000, 0xfe }, { 0xff, 0xff, 0xfeeff000, 0xff },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct msi_msg m;
		compose_ok(cases[i].dest, cases[i].vector, &m);
		assert_int_equal(m.address, cases[i].address);
		assert_int_equal(m.data, cases[i].data);
	}
}

/* One destination bit at a time lands on exactly one address bit. */
static void destination_bits(void **state)
{
	for (unsigned bit = 0; bit < 8; bit++) {
		struct msi_msg m;
		compose_ok(1u << bit, 0x40, &m);
		assert_int_equal(m.address & ~UINT64_C(0xfff00000), UINT64_C(1) << (12 + bit));
	}
}

/* One vector bit at a time lands on exactly one data bit. */
static void vector_bits(void **state)
{
	for (unsigned bit = 4; bit < 8; bit++) {
		struct msi_msg m;
		compose_ok(3, (uint8_t)(1u << bit), &m);
		assert_int_equal(m.data, 1u << bit);
	}
	/* The low four bits, on a vector that is valid. */
	for (unsigned bit = 0; bit < 4; bit++) {
		struct msi_msg m;
		compose_ok(3, (uint8_t)(0x10 | (1u << bit)), &m);
		assert_int_equal(m.data, 0x10 | (1u << bit));
	}
}

/* Every valid pair: 256 destinations by 240 vectors. */
static void every_valid_pair(void **state)
{
	for (uint32_t dest = 0; dest <= 0xff; dest++) {
		for (unsigned v = 0x10; v <= 0xff; v++) {
			struct msi_msg m;
			compose_ok(dest, (uint8_t)v, &m);
		}
	}
}

/* An x2APIC ID above 255 does not fit the 8-bit field (it would need
 * interrupt remapping), and vectors 0-15 are reserved: the APIC refuses
 * to deliver them (SDM vol. 3, section 11.5.2, "illegal vector"). */
static void refusals(void **state)
{
	static const uint32_t bad_dest[] = { 0x100, 0x101, 0x1ff, 0x200, 0xfff, 0x10000, 0x7fffffff, 0xffffffff };
	for (size_t i = 0; i < sizeof(bad_dest) / sizeof(bad_dest[0]); i++) {
		struct msi_msg m;
		if (msi_compose(bad_dest[i], 0x40, &m))
			fail_msg("destination 0x%" PRIx32 " accepted", bad_dest[i]);
		/* Bits above 7 must not wrap onto a valid ID either. */
		if (msi_compose(bad_dest[i], 0x10, &m))
			fail_msg("destination 0x%" PRIx32 " accepted", bad_dest[i]);
	}
	for (unsigned v = 0; v < 0x10; v++) {
		struct msi_msg m;
		if (msi_compose(0, (uint8_t)v, &m))
			fail_msg("vector %u accepted", v);
		if (msi_compose(0xff, (uint8_t)v, &m))
			fail_msg("vector %u accepted", v);
	}
	struct msi_msg m;
	assert_false(msi_compose(0x100, 0x0f, &m));
	/* The edges that are valid. */
	assert_true(msi_compose(0xff, 0x10, &m));
	assert_true(msi_compose(0, 0xff, &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_messages),   cmocka_unit_test(destination_bits), cmocka_unit_test(vector_bits),
		cmocka_unit_test(every_valid_pair), cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
