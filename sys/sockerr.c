/*
 * The mapping follows what Linux reports for the same event: lwIP's
 * ERR_ABRT in an error callback comes from its slow timer giving up on
 * retransmissions or keepalives (ETIMEDOUT on Linux); a reset while
 * connecting is a refusal.
 */
#include "sys/sockerr.h"

#include <errno.h>

int sock_errno(int err, bool connecting)
{
	switch (err) {
	case SOCK_ERR_OK: return 0;
	case SOCK_ERR_MEM: return ENOMEM;
	case SOCK_ERR_BUF: return ENOBUFS;
	case SOCK_ERR_TIMEOUT: return ETIMEDOUT;
	case SOCK_ERR_RTE: return EHOSTUNREACH;
	case SOCK_ERR_INPROGRESS: return EINPROGRESS;
	case SOCK_ERR_VAL: return EINVAL;
	case SOCK_ERR_WOULDBLOCK: return EAGAIN;
	case SOCK_ERR_USE: return EADDRINUSE;
	case SOCK_ERR_ALREADY: return EALREADY;
	case SOCK_ERR_ISCONN: return EISCONN;
	case SOCK_ERR_CONN: return ENOTCONN;
	case SOCK_ERR_IF: return ENETDOWN;
	case SOCK_ERR_ABRT: return ETIMEDOUT;
	case SOCK_ERR_RST: return connecting ? ECONNREFUSED : ECONNRESET;
	case SOCK_ERR_CLSD: return ENOTCONN;
	case SOCK_ERR_ARG: return EINVAL;
	default: return EIO;
	}
}
