/*
 * The guest's half of the crash and write-error tests on KeelFS
 * (tests/boot/t-fs-crash.sh, t-fs-eio.sh):
 *
 *   mtest fsync-loop DIR [COUNT]   creates DIR/f00000, DIR/f00001, ... one
 *       after another, each with its pattern and size (below), fsyncs the
 *       file and DIR, then prints "synced N": everything up to file N must
 *       survive the VM being killed after that line. Endless without COUNT.
 *   mtest fsync-cycle DIR SLOTS    the same, endless, over SLOTS names:
 *       file N is written (truncated first) as DIR/f<N mod SLOTS>, with
 *       file N's pattern and size, so a long run rewrites the same files
 *       and the disk does not fill (the soak bench, bench/soak.sh).
 *   mtest fsync-verify DIR COUNT   reads files 0 .. COUNT-1 back and checks
 *       their size and every byte.
 *   mtest write-eio DIR SIZE       writes a file of SIZE bytes in 1 MiB
 *       pieces and fsyncs it, expecting the disk to fail a write (the host
 *       injects the error): the failure must reach the caller as EIO.
 *
 * The host computes the same sizes and patterns (t-fs-crash.sh), so both
 * sides must keep fscrash_size() and fscrash_byte() as they are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mtest.h"

/* Sizes from empty to 120 KB, crossing block boundaries at random. */
static size_t fscrash_size(unsigned n) { return (size_t)((n * 20011u) % 120000u); }

/* A byte that differs between files, between sectors and within one. */
static unsigned char fscrash_byte(unsigned n, size_t off)
{
	return (unsigned char)(n * 37u + off * 7u + (off >> 9) * 131u);
}

static void fscrash_name(char *buf, size_t size, const char *dir, unsigned n)
{
	snprintf(buf, size, "%s/f%05u", dir, n);
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* slots: 0 names file n f<n>; otherwise f<n mod slots>. */
static int fsync_loop(const char *dir, long count, unsigned slots)
{
	static unsigned char buf[120000];
	char path[256];
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		printf("mtest: fsync-loop: mkdir %s: errno %d\n", dir, errno);
		return 1;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		printf("mtest: fsync-loop: open %s: errno %d\n", dir, errno);
		return 1;
	}
	for (unsigned n = 0; count < 0 || n < (unsigned long)count; n++) {
		size_t size = fscrash_size(n);
		for (size_t i = 0; i < size; i++)
			buf[i] = fscrash_byte(n, i);
		fscrash_name(path, sizeof(path), dir, slots ? n % slots : n);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = fd < 0 ? -errno : 0;
		/* Two writes, so that a file is also extended after it exists. */
		if (err == 0)
			err = write_all(fd, buf, size / 3);
		if (err == 0)
			err = write_all(fd, buf + size / 3, size - size / 3);
		if (err == 0 && fsync(fd) != 0)
			err = -errno;
		if (fd >= 0 && close(fd) != 0 && err == 0)
			err = -errno;
		if (err == 0 && fsync(dfd) != 0)
			err = -errno;
		if (err != 0) {
			printf("mtest: fsync-loop: file %u: errno %d\n", n, -err);
			return 1;
		}
		printf("synced %u\n", n);
	}
	close(dfd);
	printf("mtest: fsync-loop done\n");
	return 0;
}

static int fsync_verify(const char *dir, unsigned count)
{
	static unsigned char buf[120000 + 1];
	char path[256];
	unsigned bad = 0;
	for (unsigned n = 0; n < count; n++) {
		fscrash_name(path, sizeof(path), dir, n);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("mtest: fsync-verify: %s: errno %d\n", path, errno);
			bad++;
			continue;
		}
		size_t got = 0;
		ssize_t r;
		while (got < sizeof(buf) && (r = read(fd, buf + got, sizeof(buf) - got)) > 0)
			got += (size_t)r;
		close(fd);
		size_t want = fscrash_size(n), i = 0;
		while (i < got && i < want && buf[i] == fscrash_byte(n, i))
			i++;
		if (got != want || i != want) {
			printf("mtest: fsync-verify: %s: %zu bytes, want %zu, first wrong byte %zu\n", path, got, want,
			       i);
			bad++;
		}
	}
	printf("mtest: fsync-verify: %u files, %u bad\n", count, bad);
	return bad != 0;
}

/*
 * The first call that fails must fail with EIO; the host's injected error
 * may hit a data write (reported by write or by fsync) or the commit's
 * metadata (reported by fsync).
 */
static int write_eio(const char *dir, long size)
{
	static unsigned char buf[1 << 20];
	char path[256];
	snprintf(path, sizeof(path), "%s/big", dir);
	memset(buf, 0xa5, sizeof(buf));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		printf("mtest: write-eio: mkdir %s: errno %d\n", dir, errno);
		return 1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("mtest: write-eio: open: errno %d\n", errno);
		return 1;
	}
	const char *where = "nowhere";
	int err = 0;
	for (long done = 0; done < size && err == 0; done += (long)sizeof(buf)) {
		if ((err = write_all(fd, buf, sizeof(buf))) != 0)
			where = "write";
	}
	if (err == 0 && fsync(fd) != 0) {
		err = -errno;
		where = "fsync";
	}
	/* Once failed, the file system takes no further commits. */
	int again = fsync(fd) == 0 ? 0 : errno;
	close(fd);
	printf("mtest: write-eio: %s failed with errno %d, a second fsync with errno %d\n", where, -err, again);
	return err != -EIO;
}

int test_fscrash(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "fsync-loop") == 0)
		return fsync_loop(argv[2], argc > 3 ? atol(argv[3]) : -1, 0);
	if (argc >= 4 && strcmp(argv[1], "fsync-cycle") == 0 && atol(argv[3]) > 0)
		return fsync_loop(argv[2], -1, (unsigned)atol(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "fsync-verify") == 0)
		return fsync_verify(argv[2], (unsigned)atol(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "write-eio") == 0)
		return write_eio(argv[2], atol(argv[3]));
	printf("mtest: usage: fsync-loop DIR [COUNT] | fsync-cycle DIR SLOTS | fsync-verify DIR COUNT | write-eio DIR "
	       "SIZE\n");
	return 2;
}
