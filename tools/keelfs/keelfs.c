/*
 * keelfs: makes, reads, changes and checks KeelFS images on the host,
 * with the filesystem's own sources (fs/), as xv6's mkfs does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/keelfs.h"
#include "fs/keelfs_format.h"
#include "tools/keelfs/hostdisk.h"

#define EXIT_USAGE 2
#define EXIT_FSCK_ERRORS 4
#define EXIT_FSCK_FAILED 8
#define COPY_CHUNK (1u << 20)

static const char usage[] =
    "usage: keelfs COMMAND IMAGE [ARGS]\n"
    "  mkfs IMAGE SIZE [DIR]   make a filesystem of SIZE bytes (suffix K, M, G), copying DIR's tree in\n"
    "  ls [-l] IMAGE [PATH]    list a directory (long: inode, type, links, size, name)\n"
    "  cat IMAGE PATH          write a file to standard output\n"
    "  get IMAGE PATH DEST     copy a file out of the image\n"
    "  put IMAGE SRC PATH      copy a file into the image (replacing PATH)\n"
    "  rm IMAGE PATH           remove a file or an empty directory\n"
    "  mkdir IMAGE PATH        make a directory (and its missing parents)\n"
    "  fsck IMAGE              check the image, changing nothing\n"
    "exit status: 0 done, 1 failed (the message says why), 2 usage;\n"
    "fsck: 0 clean, 4 problems found (each printed), 8 the image could not be checked\n";

static const char *image_path;
static struct fs_disk disk;
static struct vfs_fs *fs;

static int fail(const char *what, int err)
{
	fprintf(stderr, "keelfs: %s: %s\n", what, strerror(-err));
	return 1;
}

static int open_image(bool read_only)
{
	int rc = filedisk_open(&disk, image_path, false, 0, read_only);
	if (rc)
		return fail(image_path, rc);
	rc = keelfs_mount(&disk, read_only, &fs);
	if (rc) {
		fprintf(stderr, "keelfs: %s: %s%s%s\n", image_path, strerror(-rc), disk.error[0] ? ": " : "",
			disk.error);
		filedisk_close(&disk);
		return 1;
	}
	return 0;
}

static int close_image(int status)
{
	int rc = fs->ops->unmount(fs);
	filedisk_close(&disk);
	if (rc && !status)
		return fail(image_path, rc);
	return status;
}

/* The inode of path in the image: 0 or a negative errno. */
static int resolve(const char *path, uint64_t *ino)
{
	uint64_t cur = fs->root;
	while (*path) {
		while (*path == '/')
			path++;
		size_t n = strcspn(path, "/");
		if (!n)
			break;
		if (n > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		int rc = fs->ops->lookup(fs, cur, path, n, &cur);
		if (rc)
			return rc;
		path += n;
	}
	*ino = cur;
	return 0;
}

/* Splits path into its parent directory's inode and its last name. */
static int resolve_parent(const char *path, uint64_t *dir, const char **name, size_t *len)
{
	const char *end = path + strlen(path);
	while (end > path && end[-1] == '/')
		end--;
	const char *start = end;
	while (start > path && start[-1] != '/')
		start--;
	if (start == end)
		return -EINVAL;
	*name = start;
	*len = (size_t)(end - start);
	if (*len > VFS_NAME_MAX)
		return -ENAMETOOLONG;
	char *head = strndup(path, (size_t)(start - path));
	int rc = resolve(head, dir);
	free(head);
	return rc;
}

/* Copies host file src into the image as inode ino. */
static int copy_in(int src, uint64_t ino, uint64_t *bytes)
{
	uint8_t *buf = malloc(COPY_CHUNK);
	uint64_t off = 0;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(src, buf, COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t done = 0; done < n;) {
			long w = fs->ops->write(fs, ino, off, buf + done, (size_t)(n - done));
			if (w <= 0) {
				rc = w ? (int)w : -EIO;
				goto out;
			}
			done += w;
			off += (uint64_t)w;
		}
	}
out:
	free(buf);
	*bytes += off;
	return rc;
}

static int put_file(const char *src, uint64_t dir, const char *name, size_t len, uint64_t *bytes)
{
	uint64_t ino;
	int fd = open(src, O_RDONLY);
	if (fd < 0)
		return -errno;
	int rc = fs->ops->lookup(fs, dir, name, len, &ino);
	if (rc == -ENOENT)
		rc = fs->ops->create(fs, dir, name, len, VFS_S_IFREG | 0644, &ino);
	else if (!rc)
		rc = fs->ops->truncate(fs, ino, 0);
	if (!rc)
		rc = copy_in(fd, ino, bytes);
	close(fd);
	return rc;
}

struct progress {
	uint64_t files, bytes;
	time_t last;
};

static void show_progress(struct progress *p, bool last)
{
	/* Each second on a terminal; into a log or a pipe, the total only. */
	time_t now = time(NULL);
	if (!last && (now == p->last || !isatty(STDERR_FILENO)))
		return;
	p->last = now;
	fprintf(stderr, "\rkeelfs: copied %llu files, %llu MiB%s", (unsigned long long)p->files,
		(unsigned long long)(p->bytes >> 20), last ? "\n" : "");
}

/* Copies host directory path's tree into the image's directory dir. */
static int copy_tree(const char *path, uint64_t dir, struct progress *p)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int status = 0;

	if (!d) {
		fprintf(stderr, "keelfs: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while ((de = readdir(d)) && !status) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t len = strlen(de->d_name);
		char *sub = malloc(strlen(path) + len + 2);
		struct stat st;
		uint64_t ino;
		int rc;
		sprintf(sub, "%s/%s", path, de->d_name);
		if (lstat(sub, &st)) {
			rc = -errno;
		} else if (S_ISDIR(st.st_mode)) {
			rc = fs->ops->create(fs, dir, de->d_name, len, VFS_S_IFDIR | (st.st_mode & 0777), &ino);
			if (!rc)
				status = copy_tree(sub, ino, p);
		} else if (S_ISREG(st.st_mode)) {
			rc = put_file(sub, dir, de->d_name, len, &p->bytes);
			p->files++;
			show_progress(p, false);
		} else {
			fprintf(stderr, "keelfs: %s: skipped: not a regular file or directory\n", sub);
			rc = 0;
		}
		if (rc) {
			fprintf(stderr, "\nkeelfs: %s: %s\n", sub, strerror(-rc));
			status = 1;
		}
		free(sub);
	}
	closedir(d);
	return status;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	case 't':
	case 'T':
		shift = 40;
		end++;
		break;
	}
	if (end == s || *end || v == 0 || v > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

static int cmd_mkfs(int argc, char **argv)
{
	uint64_t size;
	if (argc < 2 || argc > 3)
		return EXIT_USAGE;
	if (parse_size(argv[1], &size)) {
		fprintf(stderr, "keelfs: %s: not a size (a number with K, M, G or T)\n", argv[1]);
		return EXIT_USAGE;
	}
	int rc = filedisk_open(&disk, image_path, true, size, false);
	if (rc)
		return fail(image_path, rc);
	rc = keelfs_mkfs(&disk);
	if (rc) {
		fprintf(stderr, "keelfs: %s: %s: %s\n", image_path, strerror(-rc), disk.error);
		filedisk_close(&disk);
		return 1;
	}
	filedisk_close(&disk);
	if (argc < 3)
		return 0;
	if (open_image(false))
		return 1;
	struct progress p = { 0 };
	int status = copy_tree(argv[2], fs->root, &p);
	show_progress(&p, true);
	return close_image(status);
}

struct lister {
	bool long_form;
	int status;
};

static int list_one(void *arg, const char *name, size_t len, uint64_t ino, unsigned dtype, uint64_t next)
{
	struct lister *l = arg;
	if (l->long_form) {
		struct vfs_attr a;
		int rc = fs->ops->getattr(fs, ino, &a);
		if (rc) {
			fprintf(stderr, "keelfs: %.*s: %s\n", (int)len, name, strerror(-rc));
			l->status = 1;
			return 0;
		}
		printf("%8llu %c%03o %3u %12llu %.*s\n", (unsigned long long)ino, dtype == VFS_DT_DIR ? 'd' : '-',
		       a.mode & 0777, a.nlink, (unsigned long long)a.size, (int)len, name);
	} else {
		printf("%.*s%s\n", (int)len, name, dtype == VFS_DT_DIR ? "/" : "");
	}
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct lister l = { .long_form = false };
	const char *path = "/";
	uint64_t ino;
	struct vfs_attr a;

	if (argc >= 2 && !strcmp(argv[0], "-l")) {
		l.long_form = true;
		image_path = argv[1];
		argv++;
		argc--;
	}
	if (argc > 2)
		return EXIT_USAGE;
	if (argc == 2)
		path = argv[1];
	if (open_image(true))
		return 1;
	int rc = resolve(path, &ino);
	if (!rc)
		rc = fs->ops->getattr(fs, ino, &a);
	if (!rc && (a.mode & VFS_S_IFMT) != VFS_S_IFDIR) {
		const char *base = strrchr(path, '/');
		list_one(&l, base ? base + 1 : path, strlen(base ? base + 1 : path), ino, VFS_DT_REG, 0);
		return close_image(l.status);
	}
	if (!rc)
		rc = fs->ops->readdir(fs, ino, 0, list_one, &l);
	if (rc)
		return close_image(fail(path, rc));
	return close_image(l.status);
}

/* Copies the image's file path to host descriptor out. */
static int copy_out(const char *path, int out)
{
	uint64_t ino, off = 0;
	uint8_t *buf = malloc(COPY_CHUNK);
	int rc = buf ? resolve(path, &ino) : -ENOMEM;
	while (!rc) {
		long n = fs->ops->read(fs, ino, off, buf, COPY_CHUNK);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		for (long done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = -errno;
				break;
			}
			done += w;
		}
		off += (uint64_t)n;
	}
	free(buf);
	return rc;
}

static int cmd_cat(int argc, char **argv)
{
	if (argc != 2)
		return EXIT_USAGE;
	if (open_image(true))
		return 1;
	int rc = copy_out(argv[1], STDOUT_FILENO);
	return close_image(rc ? fail(argv[1], rc) : 0);
}

static int cmd_get(int argc, char **argv)
{
	if (argc != 3)
		return EXIT_USAGE;
	if (open_image(true))
		return 1;
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return close_image(fail(argv[2], -errno));
	int rc = copy_out(argv[1], out);
	if (close(out) && !rc)
		rc = -errno;
	return close_image(rc ? fail(argv[1], rc) : 0);
}

static int cmd_put(int argc, char **argv)
{
	uint64_t dir, bytes = 0;
	const char *name;
	size_t len;
	if (argc != 3)
		return EXIT_USAGE;
	if (open_image(false))
		return 1;
	int rc = resolve_parent(argv[2], &dir, &name, &len);
	if (rc)
		return close_image(fail(argv[2], rc));
	rc = put_file(argv[1], dir, name, len, &bytes);
	return close_image(rc ? fail(argv[1], rc) : 0);
}

static int cmd_rm(int argc, char **argv)
{
	uint64_t dir;
	const char *name;
	size_t len;
	if (argc != 2)
		return EXIT_USAGE;
	if (open_image(false))
		return 1;
	int rc = resolve_parent(argv[1], &dir, &name, &len);
	if (!rc)
		rc = fs->ops->unlink(fs, dir, name, len);
	if (rc == -EISDIR)
		rc = fs->ops->rmdir(fs, dir, name, len);
	return close_image(rc ? fail(argv[1], rc) : 0);
}

static int cmd_mkdir(int argc, char **argv)
{
	if (argc != 2)
		return EXIT_USAGE;
	if (open_image(false))
		return 1;
	const char *p = argv[1];
	uint64_t cur = fs->root;
	int rc = 0;
	while (*p && !rc) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n)
			break;
		rc = n > VFS_NAME_MAX ? -ENAMETOOLONG : fs->ops->lookup(fs, cur, p, n, &cur);
		if (rc == -ENOENT)
			rc = fs->ops->create(fs, cur, p, n, VFS_S_IFDIR | 0755, &cur);
		p += n;
	}
	return close_image(rc ? fail(argv[1], rc) : 0);
}

static void print_problem(void *arg, const char *msg) { printf("%s: %s\n", (const char *)arg, msg); }

static int cmd_fsck(int argc, char **argv)
{
	if (argc != 1)
		return EXIT_USAGE;
	int rc = filedisk_open(&disk, image_path, false, 0, true);
	if (rc) {
		fail(image_path, rc);
		return EXIT_FSCK_FAILED;
	}
	long n = keelfs_fsck(&disk, print_problem, (void *)image_path);
	if (n < 0)
		fprintf(stderr, "keelfs: %s: %s%s%s\n", image_path, strerror((int)-n), disk.error[0] ? ": " : "",
			disk.error);
	else if (n == 0)
		printf("%s: clean\n", image_path);
	else
		printf("%s: %ld problems\n", image_path, n);
	filedisk_close(&disk);
	return n < 0 ? EXIT_FSCK_FAILED : n ? EXIT_FSCK_ERRORS : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "mkfs", cmd_mkfs }, { "ls", cmd_ls }, { "cat", cmd_cat },	{ "get", cmd_get },
		{ "put", cmd_put },   { "rm", cmd_rm }, { "mkdir", cmd_mkdir }, { "fsck", cmd_fsck },
	};

	kfs_data_pages = &host_data_pages;
	if (argc < 3) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		image_path = argv[2];
		int rc = cmds[i].fn(argc - 2, argv + 2);
		if (rc == EXIT_USAGE)
			fputs(usage, stderr);
		return rc;
	}
	fprintf(stderr, "keelfs: %s: no such command\n", argv[1]);
	fputs(usage, stderr);
	return EXIT_USAGE;
}
