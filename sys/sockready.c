/*
 * Readiness bookkeeping. lwIP reports one RCVPLUS per message it queues
 * for the application (a pbuf, a datagram, a FIN, an error, a new
 * connection) and one RCVMINUS per message taken; SENDPLUS when the send
 * buffer drained below its mark or a connect completed, SENDMINUS when a
 * write filled it; ERROR when the connection failed (err_tcp, which also
 * reports RCVPLUS and SENDPLUS so that every waiter looks again).
 */
#include "sys/sockready.h"

#include "sys/fd.h"

void sock_ready_init(struct sock_ready *r, bool stream)
{
	*r = (struct sock_ready){ .send = !stream, .connected = !stream, .stream = stream };
}

bool sock_ready_event(struct sock_ready *r, enum sock_evt evt, unsigned len)
{
	switch (evt) {
	case SOCK_EVT_RCVPLUS:
		r->rcv++;
		r->bytes += len;
		/* lwIP queues a stream's FIN (and an error) as a message of no
		 * bytes; Linux shows POLLRDHUP from the FIN's arrival on. */
		if (r->stream && !r->listening && len == 0)
			r->fin = true;
		return true;
	case SOCK_EVT_RCVMINUS:
		if (r->rcv > 0)
			r->rcv--;
		r->bytes = len < r->bytes ? r->bytes - len : 0;
		return false;
	case SOCK_EVT_SENDPLUS:
		r->send = true;
		/* The end of a connect, whether it succeeded or not (a failure
		 * comes with ERROR first). */
		if (r->connecting && !r->reset)
			r->connected = true;
		r->connecting = false;
		return true;
	case SOCK_EVT_SENDMINUS: r->send = false; return false;
	case SOCK_EVT_ERROR:
		r->error = true;
		r->reset = true;
		r->connected = true; /* it had a connection, or tried to */
		r->connecting = false;
		return true;
	}
	return false;
}

unsigned sock_ready_poll(const struct sock_ready *r)
{
	unsigned ev = 0;
	if (r->error)
		ev |= FD_POLLERR;
	if (r->listening)
		return ev | (r->rcv > 0 ? FD_POLLIN | FD_POLLRDNORM : 0);
	/* As Linux's tcp_poll: POLLHUP once both directions are shut (or
	 * the connection is gone), POLLRDHUP and POLLIN once the reading
	 * side ended. */
	bool rd_done = r->fin || r->eof || r->rd_shut || r->reset;
	if ((rd_done && r->wr_shut) || r->reset)
		ev |= FD_POLLHUP;
	if (rd_done)
		ev |= FD_POLLIN | FD_POLLRDNORM | FD_POLLRDHUP;
	if (sock_ready_can_read(r))
		ev |= FD_POLLIN | FD_POLLRDNORM;
	if (r->connecting)
		return ev;
	/* A fresh stream socket (neither connected nor listening) answers
	 * POLLOUT with POLLHUP, as Linux's tcp_poll in TCP_CLOSE; a shut
	 * writing side or a broken connection is writable: the write
	 * reports the error. */
	if (!r->connected)
		return ev | FD_POLLOUT | FD_POLLWRNORM | FD_POLLHUP;
	if (r->wr_shut || r->reset)
		ev |= FD_POLLOUT | FD_POLLWRNORM;
	else if (r->send)
		ev |= FD_POLLOUT | FD_POLLWRNORM;
	return ev;
}
