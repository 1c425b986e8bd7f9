/*
 * Decoding of the byte-pair-encoded name tables that tools/bpe.awk
 * writes (the symbol table for backtraces, the system calls' names):
 * codes below BPE_FIRST_TOKEN are characters, code BPE_FIRST_TOKEN + k
 * stands for the two codes tokens[2k], tokens[2k + 1], nested at most
 * BPE_DEPTH deep. Pure logic: host-tested through its users.
 */
#ifndef KEEL_BPE_H
#define KEEL_BPE_H

#include <stddef.h>
#include <stdint.h>

#define BPE_FIRST_TOKEN 128
#define BPE_DEPTH 12 /* as tools/bpe.awk bounds it */

static inline void bpe_expand(const uint8_t *tokens, uint8_t code, unsigned depth, char *buf, size_t size, size_t *at)
{
	if (code < BPE_FIRST_TOKEN || depth > BPE_DEPTH) {
		if (*at + 1 < size)
			buf[(*at)++] = (char)code;
		return;
	}
	const uint8_t *pair = tokens + 2 * (code - BPE_FIRST_TOKEN);
	bpe_expand(tokens, pair[0], depth + 1, buf, size, at);
	bpe_expand(tokens, pair[1], depth + 1, buf, size, at);
}

/* Writes the n codes as a string into buf (size > 0), cut short to fit. */
static inline void bpe_decode(const uint8_t *tokens, const uint8_t *codes, unsigned n, char *buf, size_t size)
{
	size_t at = 0;
	for (unsigned k = 0; k < n; k++)
		bpe_expand(tokens, codes[k], 0, buf, size, &at);
	buf[at] = '\0';
}

#endif
