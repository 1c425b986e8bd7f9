/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum of
 * every KeelFS block: computed slice-by-8 from tables built on first use.
 */
#ifndef KEEL_FS_CRC32C_H
#define KEEL_FS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC32C: crc32c(0, data, len) is the standard value
 * ("123456789" gives 0xe3069283), and feeding a buffer in pieces gives
 * the same as feeding it whole. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
