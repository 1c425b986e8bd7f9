/*
 * The AF_INET and AF_INET6 family's calls about names and options
 * (sys/sockcalls.h): getsockname, getpeername, setsockopt (checked and
 * stored by sys/sockopt.c, then applied to lwIP's control block) and
 * getsockopt.
 */
#include <errno.h>
#include <string.h>

#include "lwip/api.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "sys/process.h"
#include "sys/sock.h"

long inet_getname(struct file *f, long addr, long lenp, bool peer)
{
	struct sock *s = f->priv;
	long r = 0;
	struct sock_addr a = { .v6 = s->opts.domain == LINUX_AF_INET6 };
	ip_addr_t ip;
	u16_t port;
	if (peer && (s->opts.stream ? !s->ready.connected || s->ready.listening : !s->udp_connected)) {
		r = -ENOTCONN;
	} else if (netconn_getaddr(s->conn, &ip, &port, !peer) == ERR_OK) {
		sock_ip_from(&ip, port, &a);
	} else if (peer) {
		r = -ENOTCONN;
	}
	/* An unbound socket's name is the wildcard, port 0. */
	if (r == 0)
		r = sock_write_addr(s, &a, addr, lenp);
	return r;
}

void sock_apply_opts(struct sock *s)
{
	LOCK_TCPIP_CORE();
	struct ip_pcb *pcb = s->conn->pcb.ip;
	if (pcb) {
		if (s->opts.reuseaddr)
			ip_set_option(pcb, SOF_REUSEADDR);
		else
			ip_reset_option(pcb, SOF_REUSEADDR);
		if (s->opts.keepalive)
			ip_set_option(pcb, SOF_KEEPALIVE);
		else
			ip_reset_option(pcb, SOF_KEEPALIVE);
		if (s->opts.broadcast)
			ip_set_option(pcb, SOF_BROADCAST);
		else
			ip_reset_option(pcb, SOF_BROADCAST);
		pcb->tos = (u8_t)sockopt_packet_tos(&s->opts);
		pcb->ttl = (u8_t)sockopt_packet_ttl(&s->opts);
	}
#if LWIP_SO_LINGER
	/* SO_LINGER with no time: close resets the connection, as Linux.
	 * A lingering close with time left goes on in the background (lwIP
	 * cannot linger for a non-blocking netconn). */
	s->conn->linger = s->opts.linger_on && s->opts.linger_s == 0 ? 0 : -1;
#endif
	if (s->opts.stream && s->conn->pcb.tcp && s->conn->pcb.tcp->state != LISTEN) {
		struct tcp_pcb *tpcb = s->conn->pcb.tcp;
		if (s->opts.nodelay)
			tcp_nagle_disable(tpcb);
		else
			tcp_nagle_enable(tpcb);
#if LWIP_TCP_KEEPALIVE
		tpcb->keep_idle = (u32_t)s->opts.keepidle_s * 1000;
		tpcb->keep_intvl = (u32_t)s->opts.keepintvl_s * 1000;
		tpcb->keep_cnt = (u32_t)s->opts.keepcnt;
#endif
	}
	UNLOCK_TCPIP_CORE();
}

long inet_setsockopt(struct file *f, long level, long name, long val, long len)
{
	struct sock *s = f->priv;
	long r = 0;
	uint8_t buf[16] = { 0 };
	if (len < 0) {
		r = -EINVAL;
	} else if (len && !user_range_ok((const void *)val, (size_t)len)) {
		r = -EFAULT;
	} else {
		memcpy(buf, (const void *)val, (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf));
		if (level == LINUX_IPPROTO_IPV6 && name == LINUX_IPV6_V6ONLY && s->bound)
			r = -EINVAL; /* Linux: only before bind */
		else
			r = sockopt_set(&s->opts, (int)level, (int)name, buf, (uint32_t)len);
		if (r == 0)
			sock_apply_opts(s);
	}
	return r;
}

long inet_getsockopt(struct file *f, long level, long name, long val, long lenp)
{
	struct sock *s = f->priv;
	long r = 0;
	int32_t len;
	uint8_t buf[16];
	if (!user_writable_ok((void *)lenp, sizeof(len)))
		return -EFAULT;
	memcpy(&len, (const void *)lenp, sizeof(len));
	uint32_t n = len < 0 ? 0 : (uint32_t)len < sizeof(buf) ? (uint32_t)len : sizeof(buf);
	if (len < 0)
		r = -EINVAL;
	else if (level == LINUX_SOL_SOCKET && name == LINUX_SO_ERROR)
		sockopt_put_int(sock_take_error(s), buf, &n);
	else if (level == LINUX_SOL_SOCKET && name == LINUX_SO_ACCEPTCONN)
		sockopt_put_int(s->ready.listening, buf, &n);
	else
		r = sockopt_get(&s->opts, (int)level, (int)name, buf, &n);
	if (r == 0) {
		if (!user_writable_ok((void *)val, n)) {
			r = -EFAULT;
		} else {
			memcpy((void *)val, buf, n);
			len = (int32_t)n;
			memcpy((void *)lenp, &len, sizeof(len));
		}
	}
	return r;
}
