/*
 * mtest tree SRC DST: walks the tree under SRC (an image the host made
 * with `keelfs mkfs`), prints the SHA-256 of every regular file for the
 * host to compare with its own, and copies the tree to DST in pieces of
 * varied sizes, for the host to read back from the image byte for byte
 * (tests/boot/t-fs-disk.sh).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtest.h"

/* --- SHA-256 (FIPS 180-4) ---------------------------------------------------- */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
		       p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	memcpy(s->h, iv, sizeof(iv));
	s->bytes = 0;
	s->used = 0;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const unsigned char *p = data;
	s->bytes += len;
	while (len > 0) {
		size_t n = 64 - s->used < len ? 64 - s->used : len;
		memcpy(s->block + s->used, p, n);
		s->used += n, p += n, len -= n;
		if (s->used == 64) {
			sha256_block(s, s->block);
			s->used = 0;
		}
	}
}

static void sha256_hex(struct sha256 *s, char out[65])
{
	uint64_t bits = s->bytes * 8;
	unsigned char pad = 0x80, zero = 0, len[8];
	sha256_update(s, &pad, 1);
	while (s->used != 56)
		sha256_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(s, len, 8);
	for (int i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* --- the walk ------------------------------------------------------------------- */

static int failures;
static unsigned files, dirs;
static unsigned long long bytes;

static void copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (in < 0 || out < 0) {
		printf("mtest: FAILED to open %s or %s (errno %d)\n", src, dst, errno);
		failures++;
		return;
	}
	static char buf[200000];
	/* Pieces of changing sizes, so writes start and end anywhere in a
	 * block. */
	static const size_t sizes[] = { 1, 4095, 4096, 4097, 65536, 100, 200000, 7 };
	struct sha256 h;
	sha256_init(&h);
	for (unsigned k = 0;; k++) {
		ssize_t n = read(in, buf, sizes[k % 8]);
		if (n < 0) {
			printf("mtest: FAILED read %s (errno %d)\n", src, errno);
			failures++;
			break;
		}
		if (n == 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		if (write(out, buf, (size_t)n) != n) {
			printf("mtest: FAILED write %s (errno %d)\n", dst, errno);
			failures++;
			break;
		}
		bytes += (unsigned long long)n;
	}
	char hex[65];
	sha256_hex(&h, hex);
	printf("sha256 %s %s\n", hex, src);
	if (fsync(out) != 0) {
		printf("mtest: FAILED fsync %s (errno %d)\n", dst, errno);
		failures++;
	}
	close(in);
	close(out);
	files++;
}

static void copy_tree(const char *src, const char *dst)
{
	if (mkdir(dst, 0755) != 0) {
		printf("mtest: FAILED mkdir %s (errno %d)\n", dst, errno);
		failures++;
		return;
	}
	dirs++;
	DIR *d = opendir(src);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char s[1024], t[1024];
		snprintf(s, sizeof(s), "%s/%s", src, e->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, e->d_name);
		struct stat st;
		if (stat(s, &st) != 0) {
			printf("mtest: FAILED stat %s (errno %d)\n", s, errno);
			failures++;
		} else if (S_ISDIR(st.st_mode)) {
			copy_tree(s, t);
		} else {
			copy_file(s, t);
		}
	}
	if (d)
		closedir(d);
	else
		failures++;
}

int test_fstree(int argc, char **argv)
{
	if (argc < 4) {
		printf("mtest: tree SRC DST\n");
		return 2;
	}
	copy_tree(argv[2], argv[3]);
	/* The directory's entries are durable too. */
	int fd = open(argv[3], O_RDONLY | O_DIRECTORY);
	if (fd < 0 || fsync(fd) != 0)
		failures++;
	close(fd);
	printf("mtest: tree copied %u files in %u directories, %llu bytes\n", files, dirs, bytes);
	printf("mtest: tree done, %d failures\n", failures);
	return failures ? 1 : 0;
}
