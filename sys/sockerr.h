/*
 * lwIP's err_t values as Linux errors. Pure: host-tested (the numbers
 * are lwIP's enum err_enum_t; sys/socket.c checks them against lwIP's
 * header at compile time).
 */
#ifndef KEEL_SYS_SOCKERR_H
#define KEEL_SYS_SOCKERR_H

#include <stdbool.h>

enum {
	SOCK_ERR_OK = 0,
	SOCK_ERR_MEM = -1,
	SOCK_ERR_BUF = -2,
	SOCK_ERR_TIMEOUT = -3,
	SOCK_ERR_RTE = -4,
	SOCK_ERR_INPROGRESS = -5,
	SOCK_ERR_VAL = -6,
	SOCK_ERR_WOULDBLOCK = -7,
	SOCK_ERR_USE = -8,
	SOCK_ERR_ALREADY = -9,
	SOCK_ERR_ISCONN = -10,
	SOCK_ERR_CONN = -11,
	SOCK_ERR_IF = -12,
	SOCK_ERR_ABRT = -13,
	SOCK_ERR_RST = -14,
	SOCK_ERR_CLSD = -15,
	SOCK_ERR_ARG = -16,
};

/* The positive errno for lwIP's err (0 for ERR_OK). connecting: the
 * error ended a connect, where Linux says ECONNREFUSED for a reset and
 * ETIMEDOUT for a handshake that was given up. */
int sock_errno(int err, bool connecting);

#endif
