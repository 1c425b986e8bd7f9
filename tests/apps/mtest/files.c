/*
 * mtest's names: the device nodes under /dev, "/" and "/dev" as
 * directories, the stat family, access, getcwd and chdir, and the errors
 * a program sees for everything else.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

/* -errno of a call that should fail, 0 if it succeeded. */
#define ERR(call) ((call) < 0 ? errno : 0)

static void check_node(const char *path, unsigned maj, unsigned min)
{
	struct stat st;
	CHECK(stat(path, &st) == 0);
	CHECK(S_ISCHR(st.st_mode) && (st.st_mode & 0777) == 0666);
	CHECK(major(st.st_rdev) == maj && minor(st.st_rdev) == min);
	CHECK(st.st_blksize == 4096);
	CHECK(st.st_mtime > 1500000000); /* the wall clock at boot */
	CHECK(access(path, F_OK) == 0 && access(path, R_OK | W_OK) == 0);
	CHECK(access(path, X_OK) == -1 && errno == EACCES);
}

static void devices(void)
{
	char buf[64];
	check_node("/dev/null", 1, 3);
	check_node("/dev/zero", 1, 5);
	check_node("/dev/full", 1, 7);
	check_node("/dev/random", 1, 8);
	check_node("/dev/urandom", 1, 9);
	check_node("/dev/tty", 5, 0);
	check_node("/dev/console", 5, 1);
	struct stat a, b;
	CHECK(stat("/dev/null", &a) == 0 && stat("/dev/zero", &b) == 0 && a.st_ino != b.st_ino);

	int fd = open("/dev/null", O_RDWR);
	CHECK(fd >= 3);
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(write(fd, "gone", 4) == 4);
	CHECK(fstat(fd, &b) == 0 && b.st_ino == a.st_ino && b.st_rdev == makedev(1, 3));
	CHECK(close(fd) == 0);

	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 'x', sizeof(buf));
	CHECK(read(fd, buf, sizeof(buf)) == sizeof(buf));
	int zeros = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		zeros += buf[i] == 0;
	CHECK(zeros == sizeof(buf));
	/* Read-only: write is -EBADF, as Linux. */
	CHECK(write(fd, "x", 1) == -1 && errno == EBADF);
	CHECK(fcntl(fd, F_GETFL) == O_RDONLY);
	close(fd);

	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	CHECK(write(fd, "x", 1) == -1 && errno == ENOSPC);
	CHECK(read(fd, buf, 1) == -1 && errno == EBADF);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_WRONLY);
	close(fd);

	fd = open("/dev/urandom", O_RDONLY | O_NONBLOCK);
	unsigned char r1[32] = { 0 }, r2[32] = { 0 };
	CHECK(read(fd, r1, sizeof(r1)) == sizeof(r1) && read(fd, r2, sizeof(r2)) == sizeof(r2));
	CHECK(memcmp(r1, r2, sizeof(r1)) != 0);
	CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	fd = open("/dev/random", O_RDONLY);
	CHECK(read(fd, r1, sizeof(r1)) == sizeof(r1));
	close(fd);

	/* The terminal: the console's own file. */
	fd = open("/dev/tty", O_RDWR);
	CHECK(fd >= 0 && isatty(fd));
	CHECK(write(fd, "mtest: through /dev/tty\n", 24) == 24);
	close(fd);
	fd = open("/dev/console", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "mtest: through /dev/console\n", 28) == 28);
	close(fd);

	/* /dev/stdout is descriptor 1 again. */
	FILE *out = fopen("/dev/stdout", "w");
	CHECK(out != NULL);
	if (out) {
		fprintf(out, "mtest: through /dev/stdout\n");
		fclose(out);
	}
	CHECK(write(1, "", 0) == 0); /* fclose closed the dup, not 1 */
	struct stat l;
	CHECK(lstat("/dev/stdin", &l) == 0 && S_ISLNK(l.st_mode));
	CHECK(stat("/dev/stdin", &l) == 0 && S_ISCHR(l.st_mode));
	char link[64];
	ssize_t n = readlink("/dev/stderr", link, sizeof(link));
	CHECK(n == 15 && memcmp(link, "/proc/self/fd/2", 15) == 0);
	CHECK(readlink("/dev/null", link, sizeof(link)) == -1 && errno == EINVAL);
}

static void console_and_pipes(void)
{
	struct stat st;
	CHECK(fstat(0, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(4, 64));
	CHECK(fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(4, 64));
	int p[2];
	CHECK(pipe(p) == 0);
	struct stat r, w;
	CHECK(fstat(p[0], &r) == 0 && S_ISFIFO(r.st_mode) && r.st_blksize == 4096);
	CHECK(fstat(p[1], &w) == 0 && S_ISFIFO(w.st_mode) && w.st_ino == r.st_ino);
	CHECK(fstat(99, &st) == -1 && errno == EBADF);
	CHECK(fstatat(p[0], "", &st, AT_EMPTY_PATH) == 0 && S_ISFIFO(st.st_mode));
	close(p[0]);
	close(p[1]);
}

static void directories(void)
{
	struct stat st;
	CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0755);
	CHECK(stat("/dev", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(access("/dev", X_OK) == 0 && access("/", R_OK | X_OK) == 0);
	int fd = open("/dev", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK(fstatat(fd, "null", &st, 0) == 0 && st.st_rdev == makedev(1, 3));
	int nfd = openat(fd, "zero", O_RDONLY);
	CHECK(nfd >= 0);
	close(nfd);
	close(fd);
	CHECK(open("/dev", O_WRONLY) == -1 && errno == EISDIR);

	DIR *d = opendir("/dev");
	CHECK(d != NULL);
	int seen = 0, dots = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, "null") == 0 && e->d_type == DT_CHR)
			seen++;
		if (strcmp(e->d_name, "urandom") == 0 || strcmp(e->d_name, "stdin") == 0)
			seen++;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			dots++;
	}
	CHECK(seen == 3 && dots == 2);
	if (d)
		closedir(d);
	d = opendir("/");
	int devs = 0;
	while (d && (e = readdir(d)) != NULL)
		devs += strcmp(e->d_name, "dev") == 0 && e->d_type == DT_DIR;
	CHECK(devs == 1);
	if (d)
		closedir(d);

	char cwd[16];
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0);
	CHECK(chdir("/") == 0);
	CHECK(chdir("/nonexistent") == -1 && errno == ENOENT);
	CHECK(chdir("/dev/null") == -1 && errno == ENOTDIR);
	/* Relative to "/": normalised as Linux. */
	CHECK(stat("dev//./null", &st) == 0 && st.st_rdev == makedev(1, 3));
	CHECK(stat("/dev/../dev/zero", &st) == 0 && st.st_rdev == makedev(1, 5));
}

static void errors(void)
{
	struct stat st;
	/* What a program sees for a file that is not there: no log line. */
	errno = 0;
	FILE *f = fopen("/nonexistent", "r");
	CHECK(f == NULL && errno == ENOENT);
	CHECK(access("/etc/passwd", F_OK) == -1 && errno == ENOENT);
	CHECK(stat("/etc/passwd", &st) == -1 && errno == ENOENT);
	CHECK(ERR(open("/dev/null", O_RDONLY | O_DIRECTORY)) == ENOTDIR);
	CHECK(ERR(open("/dev/null", O_WRONLY | O_CREAT | O_EXCL, 0666)) == EEXIST);
	CHECK(ERR(open("/etc/newfile", O_WRONLY | O_CREAT, 0666)) == EROFS);
	CHECK(ERR(creat("/dev/newfile", 0666)) == EROFS);
	CHECK(ERR(open("/no/newfile", O_WRONLY | O_CREAT, 0666)) == ENOENT);
	CHECK(ERR(open("/dev/null/", O_RDONLY)) == ENOTDIR);
	CHECK(ERR(open("", O_RDONLY)) == ENOENT);
	CHECK(ERR(open((const char *)16, O_RDONLY)) == EFAULT);
	CHECK(ERR(stat((const char *)16, &st)) == EFAULT);
	/* musl's stat goes through statx into its own buffer: the kernel's
	 * check is only seen from the calls themselves. */
	CHECK(ERR(syscall(SYS_stat, "/dev/null", 16)) == EFAULT);
	CHECK(ERR(syscall(SYS_fstat, 1, 16)) == EFAULT);
	CHECK(ERR(syscall(SYS_statx, AT_FDCWD, "/dev/null", 0, 0x7ff, 16)) == EFAULT);
	CHECK(ERR(access("/dev/null", 8)) == EINVAL);
	char *huge = malloc(PATH_MAX + 16);
	memset(huge, '/', PATH_MAX + 8);
	huge[PATH_MAX + 8] = '\0';
	CHECK(ERR(open(huge, O_RDONLY)) == ENAMETOOLONG);
	huge[PATH_MAX - 1] = '\0'; /* within PATH_MAX: only slashes, so "/" */
	CHECK(stat(huge, &st) == 0 && S_ISDIR(st.st_mode));
	free(huge);
	CHECK(ERR(openat(99, "null", O_RDONLY)) == EBADF);
	CHECK(ERR(openat(1, "null", O_RDONLY)) == ENOTDIR);
	CHECK(ERR(syscall(SYS_getdents64, 1, (char[64]){ 0 }, 64)) == ENOTDIR);
}

/* The calls musl's stat does not use on x86-64: statx, and stat and
 * lstat themselves, through their raw structures. */
static void raw_calls(void)
{
	struct {
		uint32_t mask, blksize;
		uint64_t attributes;
		uint32_t nlink, uid, gid;
		uint16_t mode, spare0;
		uint64_t ino, size, blocks, attributes_mask;
		struct {
			int64_t sec;
			uint32_t nsec;
			int32_t reserved;
		} atime, btime, ctime, mtime;
		uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
		uint64_t spare[14];
	} x;
	memset(&x, 0, sizeof(x));
	CHECK(syscall(SYS_statx, AT_FDCWD, "/dev/full", 0, 0x7ff, &x) == 0);
	CHECK(S_ISCHR(x.mode) && x.rdev_major == 1 && x.rdev_minor == 7 && x.blksize == 4096);
	CHECK((x.mask & 0x7ff) == 0x7ff && x.mtime.sec > 1500000000);
	CHECK(syscall(SYS_statx, 0, "", AT_EMPTY_PATH, 0x7ff, &x) == 0);
	CHECK(x.rdev_major == 4 && x.rdev_minor == 64);
	CHECK(syscall(SYS_statx, AT_FDCWD, "/dev/stdin", AT_SYMLINK_NOFOLLOW, 0x7ff, &x) == 0 && S_ISLNK(x.mode));
	CHECK(ERR(syscall(SYS_statx, AT_FDCWD, "/nope", 0, 0x7ff, &x)) == ENOENT);

	uint32_t kst[36]; /* Linux's struct stat: st_mode at byte 24 */
	CHECK(syscall(SYS_stat, "/dev", kst) == 0 && S_ISDIR(kst[6]));
	CHECK(syscall(SYS_lstat, "/dev/stdout", kst) == 0 && S_ISLNK(kst[6]));
	CHECK(syscall(SYS_stat, "/dev/stdout", kst) == 0 && S_ISCHR(kst[6]));
	CHECK(syscall(SYS_newfstatat, AT_FDCWD, "/dev/null", kst, AT_NO_AUTOMOUNT) == 0 && S_ISCHR(kst[6]));
	CHECK(ERR(syscall(SYS_newfstatat, AT_FDCWD, "/dev/null", kst, 0x4)) == EINVAL);
	CHECK(syscall(SYS_faccessat2, AT_FDCWD, "/dev/null", W_OK, AT_EACCESS) == 0);
	CHECK(ERR(syscall(SYS_faccessat2, AT_FDCWD, "/dev/null", X_OK, 0)) == EACCES);
	CHECK(syscall(SYS_faccessat, AT_FDCWD, "dev", X_OK) == 0);
}

int test_devnodes(void)
{
	devices();
	console_and_pipes();
	directories();
	errors();
	raw_calls();
	printf("mtest: devnodes done, %d failures\n", failures);
	return failures ? 1 : 0;
}
