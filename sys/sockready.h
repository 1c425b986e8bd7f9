/*
 * A socket's readiness, kept from the events lwIP's netconn layer
 * reports (NETCONN_EVT_RCVPLUS and the rest, as lwIP's own sockets.c
 * keeps it), and turned into poll bits. Pure logic, no lwIP types:
 * host-tested. The socket layer holds interrupts off around every call,
 * so readers see each update whole.
 */
#ifndef KEEL_SYS_SOCKREADY_H
#define KEEL_SYS_SOCKREADY_H

#include <stdbool.h>

/* The events, in lwIP's order (enum netconn_evt). */
enum sock_evt {
	SOCK_EVT_RCVPLUS,
	SOCK_EVT_RCVMINUS,
	SOCK_EVT_SENDPLUS,
	SOCK_EVT_SENDMINUS,
	SOCK_EVT_ERROR,
};

struct sock_ready {
	int rcv;	     /* messages waiting in lwIP: data, a FIN, an error, a connection */
	unsigned long bytes; /* the data bytes among them (FIONREAD) */
	bool send;	     /* room to send */
	bool error;	     /* an error the application has not taken (SO_ERROR, a call) */
	bool held;	     /* the layer holds received data lwIP already gave it */
	bool fin;	     /* the peer's FIN arrived (a stream's message of no bytes) */
	bool eof;	     /* the peer's FIN was read: reads answer 0 from now on */
	bool stream;
	bool rd_shut;	 /* shutdown(SHUT_RD) */
	bool wr_shut;	 /* shutdown(SHUT_WR) */
	bool connecting; /* a connect under way: not yet writable */
	bool connected;	 /* a datagram socket, or a stream that has (had) a peer */
	bool listening;	 /* rcv counts connections waiting for accept */
	bool reset;	 /* the connection is gone (reset, aborted, timed out) */
};

/* A fresh socket: a datagram socket may send at once, a stream socket
 * only once connected. */
void sock_ready_init(struct sock_ready *r, bool stream);

/* Records one event (len: the bytes of a message queued or taken);
 * returns whether watchers must be told (a change that can make the
 * socket readier or report an error). */
bool sock_ready_event(struct sock_ready *r, enum sock_evt evt, unsigned len);

/* The poll bits (sys/fd.h FD_POLL*) the socket answers now. */
unsigned sock_ready_poll(const struct sock_ready *r);

/* Whether a read may take something from lwIP without waiting. */
static inline bool sock_ready_can_read(const struct sock_ready *r) { return r->held || r->rcv > 0; }

#endif
