/*
 * lwIP's errors as Linux's (sys/sockerr.c): a reset is a refusal while
 * connecting and a reset after; the slow timer's abort is a timeout;
 * would-block is EAGAIN; an unknown value is EIO, never 0.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sys/sockerr.h"

static void connection_errors(void **state)
{
	assert_int_equal(sock_errno(SOCK_ERR_RST, true), ECONNREFUSED);
	assert_int_equal(sock_errno(SOCK_ERR_RST, false), ECONNRESET);
	assert_int_equal(sock_errno(SOCK_ERR_ABRT, true), ETIMEDOUT);
	assert_int_equal(sock_errno(SOCK_ERR_ABRT, false), ETIMEDOUT);
	assert_int_equal(sock_errno(SOCK_ERR_CLSD, false), ENOTCONN);
	assert_int_equal(sock_errno(SOCK_ERR_CONN, false), ENOTCONN);
	assert_int_equal(sock_errno(SOCK_ERR_RTE, true), EHOSTUNREACH);
}

static void call_errors(void **state)
{
	assert_int_equal(sock_errno(SOCK_ERR_OK, false), 0);
	assert_int_equal(sock_errno(SOCK_ERR_WOULDBLOCK, false), EAGAIN);
	assert_int_equal(sock_errno(SOCK_ERR_INPROGRESS, false), EINPROGRESS);
	assert_int_equal(sock_errno(SOCK_ERR_USE, false), EADDRINUSE);
	assert_int_equal(sock_errno(SOCK_ERR_ISCONN, false), EISCONN);
	assert_int_equal(sock_errno(SOCK_ERR_ALREADY, false), EALREADY);
	assert_int_equal(sock_errno(SOCK_ERR_MEM, false), ENOMEM);
	assert_int_equal(sock_errno(SOCK_ERR_BUF, false), ENOBUFS);
	assert_int_equal(sock_errno(SOCK_ERR_VAL, false), EINVAL);
	assert_int_equal(sock_errno(-99, false), EIO);
	assert_int_equal(sock_errno(7, false), EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connection_errors),
		cmocka_unit_test(call_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
