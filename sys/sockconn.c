/*
 * A socket's life and its netconn's events. lwIP calls sock_event (the
 * netconn callback) from its tcpip thread, or from the calling thread
 * inside a netconn call, with the core lock held; the event updates the
 * socket's readiness with interrupts off and wakes whoever waits or
 * watches, as lwIP's sockets.c does with its select list.
 *
 * The netconn has no room for a pointer back to the socket, so a small
 * table maps netconns to sockets. A connection that arrives on a
 * listening socket has events before accept() makes it a socket; they
 * are counted in the early table and handed over on accept.
 */
#include "sys/sock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/clock.h"
#include "kernel/sched.h"
#include "lwip/api.h"
#include "lwip/netif.h"
#include "lwip/tcpip.h"
#include "net/netif.h"
#include "net/sendmem.h"
#include "sys/signal.h"
#include "sys/sockerr.h"

_Static_assert((int)ERR_RST == (int)SOCK_ERR_RST && (int)ERR_ARG == (int)SOCK_ERR_ARG &&
		   (int)ERR_WOULDBLOCK == (int)SOCK_ERR_WOULDBLOCK,
	       "sys/sockerr.h follows lwIP's err_t");
_Static_assert((int)NETCONN_EVT_RCVPLUS == SOCK_EVT_RCVPLUS && (int)NETCONN_EVT_ERROR == SOCK_EVT_ERROR,
	       "sys/sockready.h follows lwIP's netconn events");

#define HASH_SIZE 256
static struct sock *by_conn[HASH_SIZE];

/* Connections not yet accepted: what they had queued. A full table
 * loses counts; sock_adopt then assumes something arrived, and the first
 * read finds the truth. */
#define EARLY_SIZE 512
static struct early {
	struct netconn *conn;
	int rcv;
	unsigned long bytes;
	bool error, fin;
} early[EARLY_SIZE];
static bool early_overflowed;

static unsigned hash(const struct netconn *conn) { return (unsigned)(((uintptr_t)conn >> 4) % HASH_SIZE); }

/* Interrupts off. */
static struct sock *lookup(const struct netconn *conn)
{
	for (struct sock *s = by_conn[hash(conn)]; s; s = s->hash_next)
		if (s->conn == conn)
			return s;
	return NULL;
}

static struct early *early_find(const struct netconn *conn, bool create)
{
	struct early *free_slot = NULL;
	for (int i = 0; i < EARLY_SIZE; i++) {
		if (early[i].conn == conn)
			return &early[i];
		if (early[i].conn == NULL && free_slot == NULL)
			free_slot = &early[i];
	}
	if (!create)
		return NULL;
	if (free_slot == NULL) {
		early_overflowed = true;
		return NULL;
	}
	*free_slot = (struct early){ .conn = (struct netconn *)conn };
	return free_slot;
}

static void sock_event(struct netconn *conn, enum netconn_evt evt, u16_t len)
{
	bool irq = sched_lock();
	struct sock *s = lookup(conn);
	if (s == NULL) {
		struct early *e = early_find(conn, evt == NETCONN_EVT_RCVPLUS || evt == NETCONN_EVT_ERROR);
		if (e && evt == NETCONN_EVT_RCVPLUS) {
			e->rcv++;
			e->bytes += len;
			e->fin |= len == 0;
		} else if (e && evt == NETCONN_EVT_RCVMINUS) {
			e->rcv -= e->rcv > 0;
			e->bytes = len < e->bytes ? e->bytes - len : 0;
		} else if (e && evt == NETCONN_EVT_ERROR) {
			e->error = true;
		}
		sched_unlock(irq);
		return;
	}
	bool tell;
	if (evt == NETCONN_EVT_ERROR && (conn->pending_err == ERR_CLSD || conn->pending_err == ERR_OK)) {
		/* Both sides ended in order and lwIP let the connection go:
		 * the last ACK of our FIN after the peer's (ERR_CLSD), or our
		 * FIN after the peer's was read (lwIP closes the PCB and says
		 * ERROR with no error). Linux shows no error, only a
		 * connection that is over. */
		s->ready.reset = true;
		tell = true;
	} else {
		if (evt == NETCONN_EVT_ERROR && conn->pending_err != ERR_OK)
			s->error = sock_errno(conn->pending_err, s->ready.connecting);
		bool was_connecting = s->ready.connecting;
		tell = sock_ready_event(&s->ready, (enum sock_evt)evt, len);
		/* A connect's end comes in lwIP's thread, the core lock held:
		 * the segment size is agreed now. */
		if (was_connecting && s->ready.connected && !s->ready.reset)
			sock_clamp_mss(s);
	}
	waitq_wake_all(&s->waiters);
	if (tell)
		file_notify(&s->file, sock_ready_poll(&s->ready));
	sched_unlock(irq);
}

/* Datagram sockets waiting for room (sock_stall).
 * Interrupts off. */
static struct sock *stalled;

static void unstall(struct sock *s)
{
	for (struct sock **p = &stalled; *p; p = &(*p)->stalled_next)
		if (*p == s) {
			*p = s->stalled_next;
			break;
		}
	s->stalled = false;
	s->stalled_next = NULL;
}

/* Room again (sendmem_set_room_hook): every stalled socket is
 * writable. Under the core lock. */
static void tx_room(void)
{
	bool irq = sched_lock();
	while (stalled) {
		struct sock *s = stalled;
		unstall(s);
		s->ready.send = true;
		waitq_wake_all(&s->waiters);
		file_notify(&s->file, sock_ready_poll(&s->ready));
	}
	sched_unlock(irq);
}

bool sock_stall(struct sock *s)
{
	/* Under the core lock, so that room reported after the check comes
	 * through the hook (net_if_flush_all, as the lock is given up). */
	LOCK_TCPIP_CORE();
	bool refusing = sendmem_holding_back() || net_if_tx_refusing();
	if (refusing) {
		sendmem_set_room_hook(tx_room);
		bool irq = sched_lock();
		if (!s->stalled) {
			s->stalled = true;
			s->stalled_next = stalled;
			stalled = s;
		}
		s->ready.send = false;
		sched_unlock(irq);
	}
	UNLOCK_TCPIP_CORE();
	return refusing;
}

static void link_sock(struct sock *s)
{
	unsigned h = hash(s->conn);
	s->hash_next = by_conn[h];
	by_conn[h] = s;
}

static void unlink_sock(struct sock *s)
{
	for (struct sock **p = &by_conn[hash(s->conn)]; *p; p = &(*p)->hash_next)
		if (*p == s) {
			*p = s->hash_next;
			return;
		}
}

void sock_destroy(struct sock *s)
{
	if (s->held)
		pbuf_free(s->held);
	if (s->held_dgram)
		netbuf_delete(s->held_dgram);
	/* Events from the delete still find the socket; none come after. */
	netconn_delete(s->conn);
	bool irq = sched_lock();
	unlink_sock(s);
	if (s->stalled)
		unstall(s);
	sched_unlock(irq);
	free(s);
}

static struct sock *sock_alloc(struct netconn *conn, int domain, bool stream)
{
	struct sock *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	file_init(&s->file, &sock_ops, s);
	s->conn = conn;
	sockopt_init(&s->opts, domain, stream);
	sock_ready_init(&s->ready, stream);
	netconn_set_nonblocking(conn, 1);
	return s;
}

int sock_create(int domain, bool stream, struct sock **out)
{
	enum netconn_type type = stream ? NETCONN_TCP : NETCONN_UDP;
#if LWIP_IPV6
	if (domain == LINUX_AF_INET6)
		type = stream ? NETCONN_TCP_IPV6 : NETCONN_UDP_IPV6;
#else
	if (domain == LINUX_AF_INET6)
		return -EAFNOSUPPORT;
#endif
	struct netconn *conn = netconn_new_with_callback(type, sock_event);
	if (conn == NULL)
		return -ENOBUFS;
	struct sock *s = sock_alloc(conn, domain, stream);
	if (s == NULL) {
		netconn_delete(conn);
		return -ENOMEM;
	}
	bool irq = sched_lock();
	/* A netconn at the address of one that was never accepted must not
	 * inherit its counts. */
	struct early *e = early_find(conn, false);
	if (e)
		e->conn = NULL;
	link_sock(s);
	sched_unlock(irq);
	*out = s;
	return 0;
}

struct sock *sock_adopt(struct netconn *conn, int domain)
{
	struct sock *s = sock_alloc(conn, domain, true);
	if (s == NULL) {
		netconn_delete(conn);
		return NULL;
	}
	bool irq = sched_lock();
	s->ready.connected = true;
	s->ready.send = true;
	struct early *e = early_find(conn, false);
	if (e) {
		s->ready.rcv = e->rcv;
		s->ready.bytes = e->bytes;
		s->ready.fin = e->fin;
		e->conn = NULL;
	} else if (early_overflowed) {
		s->ready.rcv = 1;
	}
	if (conn->pending_err != ERR_OK || conn->pcb.tcp == NULL || (e && e->error)) {
		s->ready.reset = true;
		s->ready.error = conn->pending_err != ERR_OK;
		s->error = sock_errno(conn->pending_err, false);
	}
	link_sock(s);
	sched_unlock(irq);
	return s;
}

struct sock *sock_from_file(struct file *f) { return f->ops == &sock_ops ? f->priv : NULL; }

void sock_changed(struct sock *s)
{
	bool irq = sched_lock();
	waitq_wake_all(&s->waiters);
	file_notify(&s->file, sock_ready_poll(&s->ready));
	sched_unlock(irq);
}

int sock_busy(struct sock *s, bool *busy)
{
	int r = 0;
	bool irq = sched_lock();
	while (*busy) {
		if (waitq_wait_interruptible(&s->waiters, DEADLINE_NEVER) == -EINTR) {
			r = -ERESTARTSYS;
			break;
		}
	}
	if (r == 0)
		*busy = true;
	sched_unlock(irq);
	return r;
}

void sock_unbusy(struct sock *s, bool *busy)
{
	bool irq = sched_lock();
	*busy = false;
	waitq_wake_all(&s->waiters);
	sched_unlock(irq);
}

int sock_take_error(struct sock *s)
{
	bool irq = sched_lock();
	int e = s->error;
	s->error = 0;
	s->ready.error = false;
	sched_unlock(irq);
	return e;
}

bool sock_is_nonblocking(const struct sock *s, int msg_flags)
{
	return (s->file.flags & LINUX_SOCK_NONBLOCK) || (msg_flags & LINUX_MSG_DONTWAIT);
}

int sock_wait(struct sock *s, bool (*ready)(const struct sock *s), bool nonblock, uint64_t timeout_us)
{
	uint64_t deadline = timeout_us ? deadline_after(timeout_us * 1000) : DEADLINE_NEVER;
	int r = 0;
	bool irq = sched_lock();
	while (!ready(s)) {
		if (nonblock) {
			r = -EAGAIN;
			break;
		}
		int w = waitq_wait_interruptible(&s->waiters, deadline);
		if (w == -EINTR) {
			r = timeout_us ? -EINTR : -ERESTARTSYS;
			break;
		}
		if (w == -ETIMEDOUT && !ready(s)) {
			r = -EAGAIN;
			break;
		}
	}
	sched_unlock(irq);
	return r;
}

int sock_ip_to(const struct sock_addr *a, ip_addr_t *ip)
{
	if (!a->v6) {
		uint32_t v4;
		memcpy(&v4, a->addr, 4); /* network order, as lwIP keeps it */
		ip_addr_set_ip4_u32(ip, v4);
		return 0;
	}
#if LWIP_IPV6
	uint32_t w[4];
	memcpy(w, a->addr, 16);
	IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
	ip6_addr_clear_zone(ip_2_ip6(ip));
#if LWIP_IPV6_SCOPES
	/* A link-local address means nothing without its link: the scope id
	 * names it, an interface index, which is lwIP's zone (netif_get_index,
	 * as the interfaces are numbered for the application). */
	if (a->scope != 0 && ip6_addr_has_scope(ip_2_ip6(ip), IP6_UNKNOWN)) {
		/* A scope id that names no interface: Linux's bind answers
		 * ENODEV (its routing ENETUNREACH: sock_peer_ip_to). */
		if (a->scope > UINT8_MAX)
			return -ENODEV;
		LOCK_TCPIP_CORE();
		bool known = netif_get_by_index((u8_t)a->scope) != NULL;
		UNLOCK_TCPIP_CORE();
		if (!known)
			return -ENODEV;
		ip6_addr_set_zone(ip_2_ip6(ip), (u8_t)a->scope);
	}
#endif
	return 0;
#else
	return -EAFNOSUPPORT;
#endif
}

int sock_peer_ip_to(const struct sock_addr *a, ip_addr_t *ip)
{
	int r = sock_ip_to(a, ip);
	return r == -ENODEV ? -ENETUNREACH : r;
}

void sock_ip_from(const ip_addr_t *ip, u16_t port, struct sock_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->port = port;
#if LWIP_IPV6
	if (IP_IS_V6(ip) || IP_IS_ANY_TYPE_VAL(*ip)) {
		a->v6 = 1;
		if (IP_IS_V6(ip)) {
			memcpy(a->addr, ip_2_ip6(ip)->addr, 16);
#if LWIP_IPV6_SCOPES
			/* The link a link-local peer was met on, so that an answer
			 * sent back to the address goes out on it (Linux reports it
			 * the same way, in sin6_scope_id). */
			if (ip6_addr_has_zone(ip_2_ip6(ip)))
				a->scope = ip6_addr_zone(ip_2_ip6(ip));
#endif
		}
		/* A dual-stack wildcard is ::, as Linux shows it. */
		return;
	}
#endif
	uint32_t v4 = ip4_addr_get_u32(ip_2_ip4(ip));
	memcpy(a->addr, &v4, 4);
}
