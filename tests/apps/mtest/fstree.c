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
#include "sha256.h"

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
