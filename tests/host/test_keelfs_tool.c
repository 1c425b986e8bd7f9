/*
 * The host tool build/keelfs (tools/keelfs/keelfs.c), run as a user runs
 * it: each command, its output, its messages and its exit status.
 * KEELFS names the binary (default: build/keelfs, from the top of the
 * tree, where the tests run).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[64];
static char out[65536];

/* Runs "keelfs ARGS" with a shell, its output and errors in out; the
 * exit status. */
static int run(const char *fmt, ...)
{
	char cmd[1024], args[900];
	va_list ap;
	char *tool = realpath(getenv("KEELFS") ? getenv("KEELFS") : "build/keelfs", NULL);

	assert_non_null(tool);
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "cd %s && %s %s 2>&1", dir, tool, args);
	free(tool);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = 0;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void write_file(const char *name, const char *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/keelfs-tool-%d", (int)getpid());
	mkdir(dir, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void test_usage(void **state)
{
	assert_int_equal(run(""), 2);
	assert_non_null(strstr(out, "usage: keelfs"));
	assert_int_equal(run("frobnicate x.img"), 2);
	assert_non_null(strstr(out, "frobnicate: no such command"));
	assert_int_equal(run("mkfs x.img lots"), 2);
	assert_non_null(strstr(out, "lots: not a size"));
	assert_int_equal(run("cat x.img"), 2);
}

static void test_commands(void **state)
{
	char big[20000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/src/sub/deeper", dir);
	assert_int_equal(system(cmd), 0);
	write_file("src/hello.txt", "hello, keel\n", 12);
	write_file("src/sub/big.bin", big, sizeof(big));
	write_file("src/sub/deeper/x", "x", 1);

	assert_int_equal(run("mkfs t.img 4M src"), 0);
	assert_non_null(strstr(out, "copied 3 files"));
	assert_int_equal(run("ls t.img"), 0);
	assert_non_null(strstr(out, "hello.txt\n"));
	assert_non_null(strstr(out, "sub/\n"));
	assert_int_equal(run("ls -l t.img /sub"), 0);
	assert_non_null(strstr(out, "20000 big.bin"));
	assert_int_equal(run("cat t.img /hello.txt"), 0);
	assert_string_equal(out, "hello, keel\n");
	assert_int_equal(run("get t.img /sub/big.bin back.bin && cmp back.bin src/sub/big.bin"), 0);
	assert_int_equal(run("put t.img src/hello.txt /sub/deeper/copy"), 0);
	assert_int_equal(run("cat t.img /sub/deeper/copy"), 0);
	assert_string_equal(out, "hello, keel\n");
	assert_int_equal(run("mkdir t.img /new/and/deeper"), 0);
	assert_int_equal(run("ls t.img /new/and"), 0);
	assert_string_equal(out, "deeper/\n");
	assert_int_equal(run("rm t.img /new/and/deeper"), 0);
	assert_int_equal(run("rm t.img /sub"), 1);
	assert_non_null(strstr(out, "keelfs: /sub: Directory not empty"));
	assert_int_equal(run("rm t.img /sub/deeper/x"), 0);
	assert_int_equal(run("cat t.img /sub/deeper/x"), 1);
	assert_non_null(strstr(out, "keelfs: /sub/deeper/x: No such file or directory"));
	assert_int_equal(run("put t.img missing.txt /m"), 1);
	assert_non_null(strstr(out, "keelfs: missing.txt: No such file or directory"));
	assert_int_equal(run("fsck t.img"), 0);
	assert_non_null(strstr(out, "t.img: clean"));
}

static void test_fsck_status(void **state)
{
	assert_int_equal(run("mkfs d.img 1M"), 0);
	write_file("payload", "0123456789abcdef", 16);
	assert_int_equal(run("put d.img payload /p"), 0);
	/* Flip a byte of the data block (the only block holding the text). */
	char path[256];
	snprintf(path, sizeof(path), "%s/d.img", dir);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	static char img[1 << 20];
	assert_int_equal(fread(img, 1, sizeof(img), f), sizeof(img));
	char *hit = memmem(img, sizeof(img), "0123456789abcdef", 16);
	assert_non_null(hit);
	fseek(f, hit - img, SEEK_SET);
	fputc('X', f);
	fclose(f);
	assert_int_equal(run("fsck d.img"), 4);
	assert_non_null(strstr(out, "fails its checksum"));
	assert_non_null(strstr(out, "d.img: 1 problems"));
	assert_int_equal(run("cat d.img /p"), 1);
	assert_non_null(strstr(out, "Input/output error"));
	write_file("junk.img", "not a filesystem", 16);
	assert_int_equal(run("fsck junk.img"), 8);
	assert_int_equal(run("fsck nowhere.img"), 8);
	assert_non_null(strstr(out, "nowhere.img: No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_fsck_status),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
