/*
 * The raw-disk benchmark's Linux side (bench/blk.sh): the measures ktest's
 * blk-bench takes on Keel (tests/apps/ktest/blk_bench.c), on a block
 * device opened with O_DIRECT so that the page cache does not answer:
 *
 *   seq-write, seq-read   MIB MiB in 1 MiB requests, one at a time (MB/s)
 *   rand-read-qd1         OPS reads of 4 KiB at random places, one at a time (IOPS)
 *   rand-read-qd32        4 * OPS such reads from 32 threads at once (IOPS)
 *
 *   blkbench DEVICE MIB OPS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1u << 20)
#define QD 32

static int fd;
static uint64_t blocks; /* of 4 KiB, in the first MIB MiB */
static unsigned long per_thread;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The same generator as Keel's side: the places differ by seed only. */
static uint64_t next_block(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (*state >> 33) % blocks;
}

static int rand_reads(unsigned long n, uint64_t seed)
{
	void *buf;
	if (posix_memalign(&buf, 4096, 4096) != 0)
		return -1;
	for (unsigned long i = 0; i < n; i++)
		if (pread(fd, buf, 4096, (off_t)(next_block(&seed) * 4096)) != 4096) {
			perror("blkbench: pread");
			free(buf);
			return -1;
		}
	free(buf);
	return 0;
}

static void *reader(void *arg) { return (void *)(intptr_t)rand_reads(per_thread, (uint64_t)(uintptr_t)arg); }

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: blkbench DEVICE MIB OPS\n");
		return 2;
	}
	unsigned mib = (unsigned)strtoul(argv[2], NULL, 0);
	unsigned long ops = strtoul(argv[3], NULL, 0);
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror("blkbench: open");
		return 1;
	}
	blocks = (uint64_t)mib * MIB / 4096;
	uint8_t *buf;
	if (posix_memalign((void **)&buf, 4096, MIB) != 0)
		return 1;
	memset(buf, 0x5a, MIB);

	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < mib; i++)
		if (pwrite(fd, buf, MIB, (off_t)i * MIB) != MIB) {
			perror("blkbench: pwrite");
			return 1;
		}
	fsync(fd);
	uint64_t t1 = now_ns();
	for (unsigned i = 0; i < mib; i++)
		if (pread(fd, buf, MIB, (off_t)i * MIB) != MIB) {
			perror("blkbench: pread");
			return 1;
		}
	uint64_t t2 = now_ns();
	printf("bench: seq-write %.1f MB/s\n", mib * (double)MIB / ((t1 - t0) / 1e9) / 1e6);
	printf("bench: seq-read %.1f MB/s\n", mib * (double)MIB / ((t2 - t1) / 1e9) / 1e6);

	t0 = now_ns();
	if (rand_reads(ops, 1) != 0)
		return 1;
	t1 = now_ns();
	printf("bench: rand-read-qd1 %.0f IOPS\n", ops / ((t1 - t0) / 1e9));

	pthread_t th[QD];
	per_thread = 4 * ops / QD;
	t0 = now_ns();
	for (int i = 0; i < QD; i++)
		pthread_create(&th[i], NULL, reader, (void *)(uintptr_t)(i + 2));
	int bad = 0;
	for (int i = 0; i < QD; i++) {
		void *r;
		pthread_join(th[i], &r);
		bad |= r != NULL;
	}
	t1 = now_ns();
	if (bad)
		return 1;
	printf("bench: rand-read-qd32 %.0f IOPS\n", per_thread * QD / ((t1 - t0) / 1e9));
	close(fd);
	return 0;
}
