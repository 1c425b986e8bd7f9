/*
 * mount(2) and umount2(2) (sys/mount.c):
 *
 *   mtest mount-errors             the errnos: a missing or non-directory
 *       target, an unknown type or disk, a busy mount point, a busy
 *       unmount, a lazy one, bad pointers; a tmpfs mounted and unmounted.
 *   mtest hotplug-mount NAME DIR umount|unplug   waits (60 s at most) for
 *       /dev/NAME to come (tests/boot/t-mount-hotplug.sh plugs the disk
 *       in), a block device listed in /dev, mounts its KeelFS on DIR, prints the size and SHA-256 of each
 *       file of DIR/in, writes DIR/out/new-N, fsyncs and reads them back.
 *       umount: then unmounts. unplug: then writes and fsyncs until the
 *       disk is taken out (60 s at most), expecting the error to reach
 *       the caller (EIO or ENODEV), unmounts, which must end, and
 *       sees /dev/NAME go.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"
#include "sha256.h"

static int failures;

#define EXPECT(call, want)                                                                                             \
	do {                                                                                                           \
		errno = 0;                                                                                             \
		int r_ = (call);                                                                                       \
		int e_ = r_ < 0 ? errno : 0;                                                                           \
		if (e_ != (want)) {                                                                                    \
			printf("mtest: FAIL %s:%d: %s: errno %d, want %d\n", __FILE__, __LINE__, #call, e_, (want));   \
			failures++;                                                                                    \
		}                                                                                                      \
	} while (0)

static int mount_errors(void)
{
	mkdir("/mnt", 0755);
	close(open("/mnt-file", O_CREAT | O_WRONLY, 0644));
	EXPECT(mount("none", "/no/such/dir", "tmpfs", 0, NULL), ENOENT);
	EXPECT(mount("none", "/mnt-file", "tmpfs", 0, NULL), ENOTDIR);
	EXPECT(mount("none", "/mnt", "nosuchfs", 0, NULL), ENODEV);
	EXPECT(mount("/dev/nosuchdisk", "/mnt", "keelfs", 0, NULL), ENOENT);
	EXPECT(mount("none", "/mnt", "tmpfs", MS_BIND, NULL), EINVAL);
	EXPECT(mount("none", (const char *)16, "tmpfs", 0, NULL), EFAULT);
	EXPECT(mount("none", "/mnt", (const char *)16, 0, NULL), EFAULT);
	EXPECT(umount2("/mnt", 0), EINVAL);
	EXPECT(umount2("/", 0), EINVAL);
	EXPECT(umount2((const char *)16, 0), EFAULT);

	EXPECT(mount("none", "/mnt", "tmpfs", 0, NULL), 0);
	EXPECT(mount("none", "/mnt", "tmpfs", 0, NULL), EBUSY);
	int fd = open("/mnt/f", O_CREAT | O_RDWR, 0644);
	if (fd < 0 || write(fd, "hello", 5) != 5) {
		printf("mtest: FAIL: a file on the tmpfs: errno %d\n", errno);
		failures++;
	}
	EXPECT(umount2("/mnt", 0), EBUSY);
	EXPECT(umount2("/mnt", MNT_DETACH), EINVAL);
	mkdir("/mnt/sub", 0755);
	EXPECT(mount("none", "/mnt/sub", "ramfs", MS_RDONLY, NULL), 0);
	EXPECT(open("/mnt/sub/x", O_CREAT | O_WRONLY, 0644), EROFS);
	close(fd);
	EXPECT(umount2("/mnt", 0), EBUSY); /* /mnt/sub lies below */
	EXPECT(umount2("/mnt/sub", 0), 0);
	EXPECT(umount2("/mnt", 0), 0);
	EXPECT(umount2("/mnt", 0), EINVAL);
	struct stat st;
	EXPECT(stat("/mnt/f", &st), ENOENT); /* the tmpfs went with its file */
	printf("mtest: mount-errors done, %d failures\n", failures);
	return failures != 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Prints "mtest: in NAME SIZE SHA256" for each file of dir. */
static int hash_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		printf("mtest: opendir %s: errno %d\n", dir, errno);
		return -1;
	}
	int n = 0;
	struct dirent *e;
	static unsigned char buf[65536];
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			printf("mtest: open %s: errno %d\n", path, errno);
			closedir(d);
			return -1;
		}
		struct sha256 h;
		sha256_init(&h);
		long got, size = 0;
		while ((got = read(fd, buf, sizeof(buf))) > 0) {
			sha256_update(&h, buf, (size_t)got);
			size += got;
		}
		close(fd);
		if (got < 0) {
			printf("mtest: read %s: errno %d\n", path, errno);
			closedir(d);
			return -1;
		}
		char hex[65];
		sha256_hex(&h, hex);
		printf("mtest: in %s %ld %s\n", e->d_name, size, hex);
		n++;
	}
	closedir(d);
	return n;
}

/* Whether the listing of /dev shows disk name. */
static bool listed_in_dev(const char *name)
{
	DIR *d = opendir("/dev");
	struct dirent *e;
	bool found = false;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, name) == 0)
			found = e->d_type == DT_BLK;
	if (d)
		closedir(d);
	return found;
}

static unsigned char pattern(unsigned n, size_t off) { return (unsigned char)(n * 53u + off * 11u + (off >> 12)); }

/* Writes dir/new-n (n * 10000 + 1 bytes of its pattern) and fsyncs it:
 * 0 or -errno. */
static int write_new(const char *dir, unsigned n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/new-%u", dir, n);
	size_t len = n * 10000u + 1;
	unsigned char *buf = malloc(len);
	if (buf == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern(n, i);
	const char *what = "open";
	errno = 0;
	int err = 0, fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0)
		err = -errno;
	else if (what = "write", write(fd, buf, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	else if (what = "fsync", fsync(fd) != 0)
		err = -errno;
	if (fd >= 0 && close(fd) != 0 && err == 0)
		what = "close", err = -errno;
	if (err)
		printf("mtest: %s %s: errno %d\n", what, path, -err);
	free(buf);
	return err;
}

/* Reads dir/new-n back: 0, -errno, or 1 for wrong contents. */
static int check_new(const char *dir, unsigned n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/new-%u", dir, n);
	size_t len = n * 10000u + 1;
	unsigned char *buf = malloc(len + 1);
	int fd = open(path, O_RDONLY);
	int r = 0;
	if (buf == NULL || fd < 0) {
		r = buf ? -errno : -ENOMEM;
	} else {
		ssize_t got = read(fd, buf, len + 1);
		if (got < 0)
			r = -errno;
		else if ((size_t)got != len)
			r = 1;
		for (size_t i = 0; r == 0 && i < len; i++)
			if (buf[i] != pattern(n, i))
				r = 1;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

static int hotplug_mount(const char *name, const char *dir, const char *mode)
{
	char source[64], sub[512];
	snprintf(source, sizeof(source), "/dev/%s", name);
	mkdir(dir, 0755);
	printf("mtest: hotplug-mount: waiting for %s\n", name);
	double start = now_s();
	struct stat st;
	while (stat(source, &st) != 0 && now_s() - start < 60)
		sleep_ms(100);
	if (!S_ISBLK(st.st_mode) || !listed_in_dev(name)) {
		printf("mtest: hotplug-mount: %s did not come as a block device\n", source);
		return 1;
	}
	printf("mtest: hotplug-mount: %s came, device %u:%u\n", source, major(st.st_rdev), minor(st.st_rdev));
	int r = mount(source, dir, "keelfs", 0, NULL);
	if (r != 0) {
		printf("mtest: hotplug-mount: mount %s on %s: errno %d\n", source, dir, errno);
		return 1;
	}
	printf("mtest: hotplug-mount: %s mounted on %s\n", source, dir);
	/* The same disk, twice, would be two filesystems writing it. */
	mkdir("/mnt2", 0755);
	EXPECT(mount(name, "/mnt2", "keelfs", 0, NULL), EBUSY);

	snprintf(sub, sizeof(sub), "%s/in", dir);
	int files = hash_files(sub);
	snprintf(sub, sizeof(sub), "%s/out", dir);
	mkdir(sub, 0755);
	int bad = 0;
	for (unsigned n = 0; n < 8; n++) {
		int w = write_new(sub, n), c = w ? w : check_new(sub, n);
		if (c) {
			printf("mtest: hotplug-mount: new-%u: %d\n", n, c);
			bad++;
		}
	}
	printf("mtest: hotplug-mount: %d files read, 8 written, %d bad\n", files, bad);
	if (files < 0 || bad || failures)
		return 1;

	if (strcmp(mode, "umount") == 0) {
		r = umount2(dir, 0);
		printf("mtest: hotplug-mount: umount2: %d (errno %d)\n", r, r ? errno : 0);
		return r != 0;
	}
	/* Take me out: each round writes and fsyncs, which must reach the
	 * disk, until it fails. */
	printf("mtest: hotplug-mount: waiting for %s to go\n", name);
	int err = 0;
	unsigned rounds = 0;
	start = now_s();
	while (err == 0 && now_s() - start < 60) {
		err = write_new(sub, 100 + rounds % 4);
		rounds++;
		sleep_ms(50);
	}
	printf("mtest: hotplug-mount: I/O after %u rounds, %.1f s: errno %d\n", rounds, now_s() - start, -err);
	errno = 0;
	r = umount2(dir, 0);
	printf("mtest: hotplug-mount: umount2 after the unplug: %d (errno %d)\n", r, r ? errno : 0);
	/* The node goes with the disk (the driver may see the removal a
	 * little after the failed I/O). */
	start = now_s();
	while (stat(source, &st) == 0 && now_s() - start < 10)
		sleep_ms(50);
	printf("mtest: hotplug-mount: %s %s\n", source, stat(source, &st) ? "gone" : "still there");
	bool root_ok = stat("/", &st) == 0;
	printf("mtest: hotplug-mount: the root still answers: %s\n", root_ok ? "yes" : "no");
	return !((err == -EIO || err == -ENODEV) && root_ok);
}

int test_mount(int argc, char **argv)
{
	if (strcmp(argv[1], "mount-errors") == 0)
		return mount_errors();
	if (argc == 5 && (strcmp(argv[4], "umount") == 0 || strcmp(argv[4], "unplug") == 0))
		return hotplug_mount(argv[2], argv[3], argv[4]);
	printf("mtest: usage: mount-errors | hotplug-mount NAME DIR umount|unplug\n");
	return 2;
}
