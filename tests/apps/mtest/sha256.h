/* SHA-256 (FIPS 180-4, sha256.c), for the tests that print the digest
 * of what they read for the host to compare with its own. */
#ifndef MTEST_SHA256_H
#define MTEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Ends the digest and writes it in hexadecimal, NUL-ended. */
void sha256_hex(struct sha256 *s, char out[65]);

#endif
