/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of
 * every KeelFS block: with the SSE4.2 crc32 instruction where the CPU has
 * it, else slice-by-8 from tables built on first use.
 */
#ifndef KEEL_FS_CRC32C_H
#define KEEL_FS_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Continues a CRC32C: crc32c(0, data, len) is the standard value
 * ("123456789" gives 0xe3069283), and feeding a buffer in pieces gives
 * the same as feeding it whole. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* The two implementations crc32c() chooses between, for the tests: the
 * slice-by-8 tables, and the SSE4.2 crc32 instruction, which only
 * crc32c_insn_available() says may be called (elsewhere than x86_64 it
 * falls back to the tables). */
uint32_t crc32c_table(uint32_t crc, const void *data, size_t len);
uint32_t crc32c_insn(uint32_t crc, const void *data, size_t len);
bool crc32c_insn_available(void);

#endif
