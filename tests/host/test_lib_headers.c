/*
 * The constants of Keel's headers against glibc's: errno values, the
 * <inttypes.h> format macros, <limits.h>, and the few in <stdio.h> and
 * <stdlib.h>; and assert() with and without NDEBUG.
 *
 * Both sets of headers define the same names, so this file is compiled
 * twice (see lib.mk). With KEEL_HEADERS_SIDE it is built like lib/, against
 * Keel's headers, and records their values in tables; without, it is the
 * test program, which reads glibc's values from glibc's headers and
 * compares them with the tables. The lists of names below are shared by
 * both sides, so the tables line up.
 */

/* clang-format off */
#define ERRNO_NAMES(X)                                                                                                 \
	X(EPERM) X(ENOENT) X(ESRCH) X(EINTR) X(EIO) X(ENXIO) X(E2BIG) X(ENOEXEC) X(EBADF) X(ECHILD) X(EAGAIN)          \
	X(ENOMEM) X(EACCES) X(EFAULT) X(EBUSY) X(EEXIST) X(ENODEV) X(ENOTDIR) X(EISDIR) X(EINVAL) X(ENFILE)            \
	X(EMFILE) X(ENOSPC) X(ESPIPE) X(EROFS) X(EPIPE) X(EDOM) X(ERANGE) X(EDEADLK) X(ENAMETOOLONG) X(ENOSYS)         \
	X(ENOTEMPTY) X(ELOOP) X(EWOULDBLOCK) X(ENODATA) X(ETIME) X(EOVERFLOW) X(EILSEQ) X(ENOTSOCK)                    \
	X(EDESTADDRREQ) X(EMSGSIZE) X(EPROTOTYPE) X(ENOPROTOOPT) X(EPROTONOSUPPORT) X(EOPNOTSUPP) X(ENOTSUP)           \
	X(EAFNOSUPPORT) X(EADDRINUSE) X(EADDRNOTAVAIL) X(ENETDOWN) X(ENETUNREACH) X(ECONNABORTED) X(ECONNRESET)        \
	X(ENOBUFS) X(EISCONN) X(ENOTCONN) X(ETIMEDOUT) X(ECONNREFUSED) X(EHOSTUNREACH) X(EALREADY)                     \
	X(EINPROGRESS) X(ECANCELED)

#define PRI_CONVERSIONS(X, size) X(PRId##size) X(PRIi##size) X(PRIo##size) X(PRIu##size) X(PRIx##size) X(PRIX##size)
#define PRI_NAMES(X)                                                                                                   \
	PRI_CONVERSIONS(X, 8) PRI_CONVERSIONS(X, 16) PRI_CONVERSIONS(X, 32) PRI_CONVERSIONS(X, 64)                     \
	PRI_CONVERSIONS(X, LEAST8) PRI_CONVERSIONS(X, LEAST16) PRI_CONVERSIONS(X, LEAST32)                             \
	PRI_CONVERSIONS(X, LEAST64) PRI_CONVERSIONS(X, FAST8) PRI_CONVERSIONS(X, FAST16)                               \
	PRI_CONVERSIONS(X, FAST32) PRI_CONVERSIONS(X, FAST64) PRI_CONVERSIONS(X, MAX) PRI_CONVERSIONS(X, PTR)

#define LIMIT_NAMES(X)                                                                                                 \
	X(CHAR_BIT) X(SCHAR_MIN) X(SCHAR_MAX) X(UCHAR_MAX) X(CHAR_MIN) X(CHAR_MAX) X(SHRT_MIN) X(SHRT_MAX)             \
	X(USHRT_MAX) X(INT_MIN) X(INT_MAX) X(UINT_MAX) X(LONG_MIN) X(LONG_MAX) X(ULONG_MAX) X(LLONG_MIN)               \
	X(LLONG_MAX) X(ULLONG_MAX) X(EOF) X(EXIT_SUCCESS) X(EXIT_FAILURE)

/* A constant as what can be compared across headers: its value (as
 * 64 bits) and its type. */
struct constant {
	unsigned long long bits;
	const char *type;
};

#define TYPE_NAME(x)                                                                                                   \
	_Generic((x), int: "int", unsigned int: "unsigned int", long: "long", unsigned long: "unsigned long",          \
		 long long: "long long", unsigned long long: "unsigned long long", default: "another type")
#define CONSTANT(name) { (unsigned long long)(name), TYPE_NAME(name) },
#define AS_ELEMENT(name) name,

#ifdef KEEL_HEADERS_SIDE

/* Every public header, which must also compile together. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/format.h"

extern const int keel_errno_values[];
extern const char *const keel_pri_values[];
extern const struct constant keel_limit_values[];
const int keel_errno_values[] = { ERRNO_NAMES(AS_ELEMENT) };
const char *const keel_pri_values[] = { PRI_NAMES(AS_ELEMENT) };
const struct constant keel_limit_values[] = { LIMIT_NAMES(CONSTANT) };

/* assert.h may be included again after NDEBUG changes, and assert()
 * follows: these two functions see both definitions. */
#define NDEBUG
#include <assert.h>
int keel_assert_disabled(int x);
int keel_assert_disabled(int x)
{
	assert(x > 0);
	return x;
}

#undef NDEBUG
#include <assert.h>
int keel_assert_enabled(int x);
int keel_assert_enabled(int x)
{
	assert(x > 0);
	return x;
}

static_assert(sizeof(int) == 4, "static_assert is C11's _Static_assert");

#else /* the test program, with glibc's headers */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/host/lib_under_test.h"

#define AS_STRING(name) #name,

extern const int keel_errno_values[];
extern const char *const keel_pri_values[];
extern const struct constant keel_limit_values[];
int keel_assert_disabled(int x);
int keel_assert_enabled(int x);

static void errno_values_are_linux(void **state)
{
	static const char *const names[] = { ERRNO_NAMES(AS_STRING) };
	static const int glibc[] = { ERRNO_NAMES(AS_ELEMENT) };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (keel_errno_values[i] != glibc[i])
			fail_msg("%s: keel %d, glibc %d", names[i], keel_errno_values[i], glibc[i]);
	}
}

static void format_macros_match(void **state)
{
	static const char *const names[] = { PRI_NAMES(AS_STRING) };
	static const char *const glibc[] = { PRI_NAMES(AS_ELEMENT) };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(keel_pri_values[i], glibc[i]) != 0)
			fail_msg("%s: keel \"%s\", glibc \"%s\"", names[i], keel_pri_values[i], glibc[i]);
	}
}

static void limits_match(void **state)
{
	static const char *const names[] = { LIMIT_NAMES(AS_STRING) };
	static const struct constant glibc[] = { LIMIT_NAMES(CONSTANT) };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct constant *k = &keel_limit_values[i], *g = &glibc[i];
		if (k->bits != g->bits || strcmp(k->type, g->type) != 0)
			fail_msg("%s: keel %#llx (%s), glibc %#llx (%s)", names[i], k->bits, k->type, g->bits, g->type);
	}
}

/* The kernel implements __assert_fail; here it records its arguments and
 * jumps back to the test. */
static jmp_buf assert_return;
static struct {
	const char *expr, *file, *func;
	int line;
} failed;

_Noreturn void keel___assert_fail(const char *expr, const char *file, int line, const char *func);
_Noreturn void keel___assert_fail(const char *expr, const char *file, int line, const char *func)
{
	failed.expr = expr;
	failed.file = file;
	failed.line = line;
	failed.func = func;
	longjmp(assert_return, 1);
}

static void assert_reports(void **state)
{
	assert_int_equal(keel_assert_disabled(-1), -1);
	assert_int_equal(keel_assert_enabled(1), 1);
	memset(&failed, 0, sizeof(failed));
	if (setjmp(assert_return) == 0) {
		keel_assert_enabled(-1);
		fail_msg("assert(-1 > 0) returned");
	}
	assert_string_equal(failed.expr, "x > 0");
	assert_non_null(strstr(failed.file, "test_lib_headers.c"));
	assert_string_equal(failed.func, "keel_assert_enabled");
	assert_true(failed.line > 0);
}

/* One errno per process until the kernel has threads: a stable location
 * that the library's errors land in. */
static void errno_location(void **state)
{
	int *where = keel___errno_location();
	assert_ptr_equal(where, keel___errno_location());
	*where = 0;
	char buf[4];
	assert_int_equal(keel_snprintf(buf, sizeof(buf), "%2147483648d", 1), -1);
	assert_int_equal(*where, EOVERFLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errno_values_are_linux), cmocka_unit_test(format_macros_match),
		cmocka_unit_test(limits_match),		  cmocka_unit_test(assert_reports),
		cmocka_unit_test(errno_location),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
