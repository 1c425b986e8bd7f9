/*
 * The layout of the interrupt entry stubs (arch/x86_64/traps.S), which
 * the IDT's gates point at (arch/x86_64/idt.c): groups of
 * TRAP_STUBS_PER_GROUP stubs of TRAP_STUB_BYTES (a push of the vector as
 * a sign-extended byte, a short jump), each group ended by two jumps of
 * five bytes, to trap_common and to trap_stub_noerr. Included by both,
 * and by the host test that checks the assembled stubs against it.
 */
#ifndef KEEL_ARCH_X86_64_TRAP_STUBS_H
#define KEEL_ARCH_X86_64_TRAP_STUBS_H

#define TRAP_STUBS_PER_GROUP 16
#define TRAP_STUB_BYTES 4
#define TRAP_STUB_GROUP_BYTES (TRAP_STUBS_PER_GROUP * TRAP_STUB_BYTES + 2 * 5)

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3,
 * table 6-1): #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17,
 * #CP 21, #VC 29, #SX 30. */
#define TRAP_HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

#ifndef __ASSEMBLY__
/* Where vector v's stub starts, from the first stub. */
static inline unsigned trap_stub_offset(unsigned v)
{
	return v / TRAP_STUBS_PER_GROUP * TRAP_STUB_GROUP_BYTES + v % TRAP_STUBS_PER_GROUP * TRAP_STUB_BYTES;
}
#endif

#endif
