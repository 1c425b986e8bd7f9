/*
 * mtest's files: the file system calls against /tmp and "/" (each a RAM
 * filesystem when no disk is given): open's flags, reading and writing at
 * positions, directories, renames, record locks, sendfile, the working
 * directory, /etc's generated files, and Linux's errno for each failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

#define ERR(call) ((call) < 0 ? errno : 0)

static void open_and_io(const char *dir)
{
	char path[64], buf[64];
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0640);
	CHECK(fd >= 3);
	CHECK(ERR(open(path, O_RDWR | O_CREAT | O_EXCL, 0640)) == EEXIST);
	CHECK(write(fd, "hello world", 11) == 11);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(lseek(fd, 6, SEEK_SET) == 6);
	CHECK(read(fd, buf, sizeof(buf)) == 5 && memcmp(buf, "world", 5) == 0);
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(pwrite(fd, "W", 1, 6) == 1 && pread(fd, buf, 5, 6) == 5 && memcmp(buf, "World", 5) == 0);
	CHECK(lseek(fd, 0, SEEK_END) == 11);
	CHECK(ERR(lseek(fd, -20, SEEK_CUR)) == EINVAL);
	CHECK(ERR(lseek(fd, 0, 9)) == EINVAL);
	CHECK(ERR(pread(fd, buf, 1, -1)) == EINVAL);
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	CHECK(pwritev(fd, iov, 2, 100) == 4);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640 && st.st_size == 104);
	char r1[3] = { 0 }, r2[3] = { 0 };
	struct iovec riov[2] = { { r1, 2 }, { r2, 2 } };
	CHECK(preadv(fd, riov, 2, 100) == 4 && strcmp(r1, "ab") == 0 && strcmp(r2, "cd") == 0);
	CHECK(pread(fd, buf, 4, 50) == 4 && memcmp(buf, "\0\0\0\0", 4) == 0); /* a hole */
	CHECK(ftruncate(fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5);
	CHECK(ERR(ftruncate(fd, -1)) == EINVAL);
	CHECK(fsync(fd) == 0 && fdatasync(fd) == 0);
	CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0 && posix_fadvise(fd, 0, 5, POSIX_FADV_DONTNEED) == 0);
	CHECK(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL) == EINVAL && posix_fadvise(fd, 0, 0, 99) == EINVAL);
	CHECK(posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL) == EBADF);
	int pfd[2];
	CHECK(pipe(pfd) == 0 && posix_fadvise(pfd[0], 0, 0, POSIX_FADV_NORMAL) == ESPIPE);
	close(pfd[0]);
	close(pfd[1]);
	CHECK(lseek(fd, 0, SEEK_DATA) == 0 && lseek(fd, 0, SEEK_HOLE) == 5);
	CHECK(ERR(lseek(fd, 5, SEEK_DATA)) == ENXIO);
	close(fd);

	/* O_APPEND, O_TRUNC, read-only and write-only descriptors. */
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(write(fd, "!!", 2) == 2 && lseek(fd, 0, SEEK_CUR) == 7);
	CHECK(ERR(read(fd, buf, 1)) == EBADF);
	close(fd);
	fd = open(path, O_RDONLY);
	CHECK(read(fd, buf, sizeof(buf)) == 7 && memcmp(buf, "hello!!", 7) == 0);
	CHECK(ERR(write(fd, "x", 1)) == EBADF);
	CHECK(ERR(ftruncate(fd, 0)) == EINVAL);
	close(fd);
	fd = open(path, O_RDWR | O_TRUNC | O_CLOEXEC);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
	close(fd);
	CHECK(truncate(path, 4096 * 3) == 0 && stat(path, &st) == 0 && st.st_size == 4096 * 3);
	CHECK(ERR(open(path, O_RDONLY | O_DIRECTORY)) == ENOTDIR);
	snprintf(path, sizeof(path), "%s/a.txt/", dir);
	CHECK(ERR(open(path, O_RDONLY)) == ENOTDIR);
	CHECK(ERR(open(*dir ? dir : "/", O_WRONLY)) == EISDIR);
	snprintf(path, sizeof(path), "%s/none/x", dir);
	CHECK(ERR(open(path, O_RDWR | O_CREAT, 0600)) == ENOENT);
	snprintf(path, sizeof(path), "%s/new/", dir);
	CHECK(ERR(open(path, O_RDWR | O_CREAT, 0600)) == EISDIR);
	/* One write of more than a block into a new file, read back. */
	snprintf(path, sizeof(path), "%s/big", dir);
	static char big[20000], back[20000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	static const size_t sizes[] = { 4097, 5000, 8191, 8192, 8193, 20000 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		CHECK(write(fd, big, sizes[i]) == (ssize_t)sizes[i]);
		CHECK(pread(fd, back, sizeof(back), 0) == (ssize_t)sizes[i] && memcmp(back, big, sizes[i]) == 0);
		close(fd);
	}
	CHECK(unlink(path) == 0);
	/* A file unlinked while open lives on until it is closed. */
	snprintf(path, sizeof(path), "%s/gone", dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	CHECK(write(fd, "still", 5) == 5 && unlink(path) == 0);
	CHECK(ERR(stat(path, &st)) == ENOENT);
	CHECK(pread(fd, buf, 5, 0) == 5 && memcmp(buf, "still", 5) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0);
	close(fd);
}

static void directories(const char *dir)
{
	char p[128], q[128];
	snprintf(p, sizeof(p), "%s/d", dir);
	CHECK(mkdir(p, 0755) == 0);
	CHECK(ERR(mkdir(p, 0755)) == EEXIST);
	snprintf(q, sizeof(q), "%s/d/sub", dir);
	CHECK(mkdir(q, 0700) == 0);
	snprintf(q, sizeof(q), "%s/d/f", dir);
	close(open(q, O_WRONLY | O_CREAT, 0600));
	CHECK(ERR(rmdir(p)) == ENOTEMPTY);
	CHECK(ERR(unlink(p)) == EISDIR);
	CHECK(ERR(rmdir(q)) == ENOTDIR);
	snprintf(q, sizeof(q), "%s/d/sub/x", dir);
	CHECK(ERR(rename(p, q)) == EINVAL);
	CHECK(ERR(rmdir("/tmp/d/.")) == EINVAL || strcmp(dir, "/tmp") != 0);

	DIR *d = opendir(p);
	int n = 0, dots = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		n++;
		dots += strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
		if (strcmp(e->d_name, "sub") == 0)
			CHECK(e->d_type == DT_DIR);
		if (strcmp(e->d_name, "f") == 0)
			CHECK(e->d_type == DT_REG);
	}
	CHECK(n == 4 && dots == 2);
	if (d) {
		rewinddir(d);
		CHECK(readdir(d) != NULL);
		long at = telldir(d);
		char first[256];
		e = readdir(d);
		snprintf(first, sizeof(first), "%s", e ? e->d_name : "");
		while (readdir(d) != NULL)
			;
		seekdir(d, at);
		e = readdir(d);
		CHECK(e && strcmp(e->d_name, first) == 0);
		closedir(d);
	}

	/* *at() from an open directory, fchdir, getcwd. */
	int dfd = open(p, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	int fd = openat(dfd, "g", O_RDWR | O_CREAT, 0600);
	CHECK(fd >= 0 && write(fd, "g", 1) == 1);
	close(fd);
	struct stat st;
	CHECK(fstatat(dfd, "g", &st, 0) == 0 && st.st_size == 1);
	CHECK(renameat(dfd, "g", dfd, "h") == 0 && faccessat(dfd, "h", R_OK | W_OK, 0) == 0);
	CHECK(syscall(SYS_renameat2, dfd, "h", dfd, "f", 1 /* RENAME_NOREPLACE */) == -1 && errno == EEXIST);
	CHECK(unlinkat(dfd, "h", 0) == 0 && unlinkat(dfd, "sub", AT_REMOVEDIR) == 0);
	CHECK(fchdir(dfd) == 0);
	char cwd[128];
	CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, p) == 0);
	CHECK(ERR(getcwd(cwd, 2) ? 0 : -1) == ERANGE);
	CHECK(stat("f", &st) == 0 && S_ISREG(st.st_mode));
	CHECK(chdir("..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, *dir ? dir : "/") == 0);
	CHECK(chdir("/") == 0);
	CHECK(ERR(fchdir(1)) == ENOTDIR);
	close(dfd);
	CHECK(unlink(q) == -1 && errno == ENOENT);
	snprintf(q, sizeof(q), "%s/d/f", dir);
	CHECK(unlink(q) == 0 && rmdir(p) == 0);
	CHECK(ERR(rmdir(p)) == ENOENT);
}

static void renames(void)
{
	int fd = open("/tmp/r1", O_WRONLY | O_CREAT, 0600);
	CHECK(write(fd, "one", 3) == 3);
	close(fd);
	fd = open("/tmp/r2", O_WRONLY | O_CREAT, 0600);
	close(fd);
	CHECK(rename("/tmp/r1", "/tmp/r2") == 0);
	struct stat st;
	CHECK(stat("/tmp/r2", &st) == 0 && st.st_size == 3 && ERR(stat("/tmp/r1", &st)) == ENOENT);
	CHECK(ERR(rename("/tmp/r2", "/r2")) == EXDEV);
	CHECK(ERR(rename("/tmp", "/tmp3")) == EBUSY);
	CHECK(ERR(rmdir("/tmp")) == EBUSY);
	CHECK(ERR(rename("/tmp/nothing", "/tmp/x")) == ENOENT);
	CHECK(mkdir("/tmp/e", 0755) == 0 && ERR(rename("/tmp/r2", "/tmp/e")) == EISDIR);
	CHECK(ERR(rename("/tmp/e", "/tmp/r2")) == ENOTDIR);
	CHECK(rename("/tmp/e", "/tmp/e2") == 0 && rmdir("/tmp/e2") == 0 && unlink("/tmp/r2") == 0);
}

static void locks(void)
{
	int a = open("/tmp/lock", O_RDWR | O_CREAT, 0600);
	int b = open("/tmp/lock", O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	CHECK(fcntl(a, F_SETLK, &fl) == 0);
	/* The same process: its own lock never conflicts. */
	CHECK(fcntl(b, F_SETLK, &fl) == 0);
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
	CHECK(fcntl(a, F_GETLK, &q) == 0 && q.l_type == F_UNLCK);
	/* An OFD lock of another description conflicts with it. */
	struct flock o = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1 };
	CHECK(ERR(fcntl(b, F_OFD_SETLK, &o)) == EAGAIN);
	o.l_type = F_RDLCK;
	CHECK(fcntl(b, F_OFD_GETLK, &o) == 0 && o.l_type == F_WRLCK && o.l_pid == getpid() && o.l_start == 0 &&
	      o.l_len == 10);
	o = (struct flock){ .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 20, .l_len = 0 };
	CHECK(fcntl(b, F_OFD_SETLK, &o) == 0);
	q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 1 };
	CHECK(fcntl(a, F_GETLK, &q) == 0 && q.l_type == F_RDLCK && q.l_pid == -1 && q.l_len == 0);
	q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 1 };
	CHECK(ERR(fcntl(a, F_SETLK, &q)) == EAGAIN);
	o.l_pid = 1;
	CHECK(ERR(fcntl(b, F_OFD_SETLK, &o)) == EINVAL);
	/* Closing any descriptor of the file drops the process's locks;
	 * the OFD lock goes with its description. */
	int c = open("/tmp/lock", O_RDONLY);
	close(c);
	o = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
	CHECK(fcntl(b, F_OFD_GETLK, &o) == 0 && o.l_type == F_UNLCK);
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	int ro = open("/tmp/lock", O_RDONLY);
	CHECK(ERR(fcntl(ro, F_SETLK, &fl)) == EBADF);
	close(ro);
	close(b);
	q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 1 };
	CHECK(fcntl(a, F_SETLKW, &q) == 0);
	close(a);
	unlink("/tmp/lock");
}

static void misc(void)
{
	int in = open("/tmp/src", O_RDWR | O_CREAT, 0600);
	CHECK(write(in, "0123456789", 10) == 10);
	int out = open("/tmp/dst", O_RDWR | O_CREAT, 0600);
	off_t off = 2;
	CHECK(sendfile(out, in, &off, 5) == 5 && off == 7);
	lseek(in, 8, SEEK_SET);
	CHECK(sendfile(out, in, NULL, 100) == 2 && lseek(in, 0, SEEK_CUR) == 10);
	char buf[16];
	CHECK(pread(out, buf, 16, 0) == 7 && memcmp(buf, "2345689", 7) == 0);
	CHECK(sendfile(1, in, &(off_t){ 0 }, 0) == 0);
	CHECK(ERR(sendfile(out, 0, NULL, 1)) == EINVAL);
	close(in);
	close(out);
	unlink("/tmp/src");
	unlink("/tmp/dst");

	struct statfs sf;
	CHECK(statfs("/tmp", &sf) == 0 && sf.f_type == 0x01021994 && sf.f_bsize == 4096 && sf.f_bfree > 0);
	CHECK(statfs("/etc", &sf) == 0 && (sf.f_flags & ST_RDONLY));
	FILE *h = fopen("/etc/hosts", "r");
	char line[128];
	CHECK(h && fgets(line, sizeof(line), h) && strstr(line, "localhost"));
	if (h)
		fclose(h);
	CHECK(ERR(open("/etc/hosts", O_WRONLY)) == EROFS);
	CHECK(ERR(unlink("/etc/hosts")) == EROFS);
	CHECK(ERR(access("/etc/hosts", W_OK)) == EROFS);
	CHECK(ERR(mkdir("/dev/x", 0755)) == EROFS);
	CHECK(ERR(open("/dev/stdin", O_RDONLY | O_NOFOLLOW)) == ELOOP);
	int fd = open("/dev/null", O_WRONLY | O_TRUNC | O_NOFOLLOW);
	CHECK(fd >= 0);
	close(fd);
	struct timespec ts[2] = { { 1000000000, 0 }, { 1200000000, 5 } };
	fd = open("/tmp/t", O_RDWR | O_CREAT, 0600);
	CHECK(utimensat(AT_FDCWD, "/tmp/t", ts, 0) == 0);
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_mtime == 1200000000 && st.st_mtim.tv_nsec == 5);
	close(fd);
	unlink("/tmp/t");
	char name[300];
	memset(name, 'x', 299);
	name[0] = '/';
	name[299] = '\0';
	CHECK(ERR(open(name, O_RDWR | O_CREAT, 0600)) == ENAMETOOLONG);
	CHECK(ERR(mkdir("/tmp/../tmp/./", 0755)) == EEXIST);
	/* The creation mask: 022 at start, as on Linux. */
	CHECK(umask(077) == 022);
	fd = open("/tmp/u", O_RDWR | O_CREAT, 0666);
	CHECK(fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600);
	close(fd);
	unlink("/tmp/u");
	CHECK(umask(022) == 077);
	/* Owners: everything is root's. */
	fd = open("/tmp/o", O_RDWR | O_CREAT, 0600);
	CHECK(fchown(fd, 0, 0) == 0 && fchown(fd, -1, -1) == 0 && ERR(fchown(fd, 1000, 0)) == EPERM);
	CHECK(chown("/tmp/o", 0, -1) == 0 && ERR(chown("/tmp/nope", 0, 0)) == ENOENT);
	CHECK(ERR(fchown(99, 0, 0)) == EBADF);
	CHECK(fstat(fd, &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
	/* Modes: the permission bits change, never the type. */
	CHECK(fchmod(fd, 0755) == 0 && fstat(fd, &st) == 0 && st.st_mode == (S_IFREG | 0755));
	CHECK(chmod("/tmp/o", S_IFDIR | 04711) == 0 && stat("/tmp/o", &st) == 0 && st.st_mode == (S_IFREG | 04711));
	CHECK(mkdir("/tmp/md", 0755) == 0 && chmod("/tmp/md", 0700) == 0);
	CHECK(stat("/tmp/md", &st) == 0 && st.st_mode == (S_IFDIR | 0700));
	int dirfd = open("/tmp/md", O_RDONLY | O_DIRECTORY);
	CHECK(fchmodat(dirfd, "../o", 0640, 0) == 0 && stat("/tmp/o", &st) == 0 && st.st_mode == (S_IFREG | 0640));
	close(dirfd);
	rmdir("/tmp/md");
	CHECK(ERR(chmod("/tmp/nope", 0600)) == ENOENT);
	CHECK(ERR(chmod("/etc/hosts", 0600)) == EROFS);
	CHECK(ERR(fchmod(99, 0600)) == EBADF);
	int pfd[2];
	CHECK(pipe(pfd) == 0 && ERR(fchmod(pfd[0], 0600)) == EPERM);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
	unlink("/tmp/o");
}

/* Threads sharing descriptors: appends never overwrite each other, and
 * a thread waiting in F_OFD_SETLKW gets the lock when another releases
 * it. */
static int shared_fd;

static void *appender(void *arg)
{
	char line[11];
	snprintf(line, sizeof(line), "thread %c.\n", (char)(uintptr_t)arg);
	for (int i = 0; i < 500; i++)
		if (write(shared_fd, line, 10) != 10)
			return (void *)1;
	return NULL;
}

static volatile int unlocked;

static void *unlocker(void *arg)
{
	usleep(50000);
	unlocked = 1;
	struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	fcntl((int)(intptr_t)arg, F_OFD_SETLK, &fl);
	return NULL;
}

static void threads(void)
{
	shared_fd = open("/tmp/shared", O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, appender, (void *)(uintptr_t)('a' + i));
	int bad = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		bad += r != NULL;
	}
	CHECK(bad == 0);
	struct stat st;
	CHECK(fstat(shared_fd, &st) == 0 && st.st_size == 4 * 500 * 10);
	close(shared_fd);
	FILE *f = fopen("/tmp/shared", "r");
	char line[32];
	int counts[4] = { 0 }, lines = 0;
	while (f && fgets(line, sizeof(line), f)) {
		lines++;
		if (strlen(line) == 10 && strncmp(line, "thread ", 7) == 0 && line[7] >= 'a' && line[7] <= 'd')
			counts[line[7] - 'a']++;
	}
	if (f)
		fclose(f);
	CHECK(lines == 2000 && counts[0] == 500 && counts[1] == 500 && counts[2] == 500 && counts[3] == 500);

	int a = open("/tmp/shared", O_RDWR), b = open("/tmp/shared", O_RDWR);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK(fcntl(a, F_OFD_SETLK, &fl) == 0);
	pthread_t u;
	pthread_create(&u, NULL, unlocker, (void *)(intptr_t)a);
	CHECK(fcntl(b, F_OFD_SETLKW, &fl) == 0 && unlocked);
	pthread_join(u, NULL);
	CHECK(ERR(fcntl(a, F_OFD_SETLK, &fl)) == EAGAIN);
	close(b); /* its lock goes with its description */
	CHECK(fcntl(a, F_OFD_SETLK, &fl) == 0);
	close(a);
	unlink("/tmp/shared");
}

/* A file's private mapping: a copy of its bytes, zeros past its end. */
static void mappings(void)
{
	int fd = open("/tmp/m", O_RDWR | O_CREAT, 0600);
	char page[5000];
	for (int i = 0; i < 5000; i++)
		page[i] = (char)(i % 251);
	CHECK(write(fd, page, 5000) == 5000);
	char *p = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(memcmp(p, page, 5000) == 0 && p[5000] == 0 && p[8191] == 0);
		munmap(p, 8192);
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(memcmp(p, page + 4096, 904) == 0);
		p[0] = 'X'; /* the copy's, not the file's */
		char c;
		CHECK(pread(fd, &c, 1, 4096) == 1 && c == page[4096]);
		munmap(p, 4096);
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED && p[1] == page[1]);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED && errno == EINVAL);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED && errno == EBADF);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 1, 0) == MAP_FAILED && errno == ENODEV);
	close(fd);
	fd = open("/tmp/m", O_WRONLY);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED && errno == EACCES);
	close(fd);
	unlink("/tmp/m");
}

/* Lots of data through stdio: what a program's output file sees. */
static void bulk(void)
{
	FILE *f = fopen("/tmp/bulk", "w");
	for (int i = 0; f && i < 20000; i++)
		fprintf(f, "line %d\n", i);
	CHECK(f && fclose(f) == 0);
	f = fopen("/tmp/bulk", "r");
	int n = 0, v;
	while (f && fscanf(f, "line %d\n", &v) == 1)
		n += v == n;
	CHECK(n == 20000);
	if (f)
		fclose(f);
	unlink("/tmp/bulk");
}

int test_fsfiles(void)
{
	open_and_io("/tmp");
	open_and_io("");
	unlink("/tmp/a.txt");
	unlink("/a.txt");
	directories("/tmp");
	directories("");
	renames();
	locks();
	misc();
	mappings();
	threads();
	bulk();
	printf("mtest: files done, %d failures\n", failures);
	return failures ? 1 : 0;
}
