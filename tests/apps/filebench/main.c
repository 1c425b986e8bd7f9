/*
 * File throughput through a filesystem (bench/blk.sh): the same source
 * runs on Keel over KeelFS and as a Linux program in the Linux guest over
 * ext4.
 *
 *   filebench PATH MIB   writes a file of MIB MiB in 1 MiB writes and
 *                        fsyncs it (file-write, MB/s, the fsync included),
 *                        then reads it back in 1 MiB reads (file-read),
 *                        after asking the kernel to drop its cached pages
 *                        of the file, and checks what it read; then reads
 *                        it again as it is (file-reread: from the page
 *                        cache on Linux, KeelFS's file-data cache on Keel,
 *                        as far as each holds it).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)

static unsigned char buf[MIB];

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void fill(unsigned i)
{
	for (unsigned o = 0; o < MIB; o += 8)
		memcpy(buf + o, &(uint64_t){ (uint64_t)i << 32 | o }, 8);
}

static double mb_per_s(unsigned mib, uint64_t ns) { return (double)mib * MIB / 1e6 / ((double)ns / 1e9); }

/* Reads the file in 1 MiB reads, checks each and prints the rate as name. */
static int read_back(const char *path, unsigned mib, const char *name, bool drop)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror("filebench: open");
		return 1;
	}
	if (drop)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	unsigned bad = 0;
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < mib; i++) {
		if (read(fd, buf, MIB) != (ssize_t)MIB) {
			perror("filebench: read");
			return 1;
		}
		uint64_t first;
		memcpy(&first, buf + MIB - 8, 8);
		bad += first != ((uint64_t)i << 32 | (MIB - 8));
	}
	uint64_t t1 = now_ns();
	close(fd);
	printf("bench: %s %.1f MB/s\n", name, mb_per_s(mib, t1 - t0));
	if (bad) {
		printf("filebench: %u MiB read back wrong\n", bad);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: filebench PATH MIB\n");
		return 2;
	}
	const char *path = argv[1];
	unsigned mib = (unsigned)atoi(argv[2]);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror("filebench: open");
		return 1;
	}
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < mib; i++) {
		fill(i);
		if (write(fd, buf, MIB) != (ssize_t)MIB) {
			perror("filebench: write");
			return 1;
		}
	}
	if (fsync(fd) != 0) {
		perror("filebench: fsync");
		return 1;
	}
	uint64_t t1 = now_ns();
	close(fd);
	printf("bench: file-write %.1f MB/s\n", mb_per_s(mib, t1 - t0));

	/* Linux would otherwise answer from its page cache, Keel from its
	 * file-data cache: the first read is the disk's. */
	if (read_back(path, mib, "file-read", true) || read_back(path, mib, "file-reread", false))
		return 1;
	return 0;
}
