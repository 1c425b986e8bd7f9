/*
 * The AF_INET and AF_INET6 family's calls about names and options
 * (sys/sockcalls.h): getsockname, getpeername, setsockopt (checked and
 * stored by sys/sockopt.c, then applied to lwIP's control block) and
 * getsockopt.
 */
#include <errno.h>
#include <string.h>

#include "lwip/api.h"
#include "lwip/priv/tcp_priv.h"
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

void sock_clamp_mss(struct sock *s)
{
	struct tcp_pcb *pcb = s->conn->pcb.tcp;
	if (s->opts.stream && s->opts.maxseg && pcb && pcb->state != LISTEN && pcb->state != CLOSED &&
	    pcb->mss > s->opts.maxseg)
		pcb->mss = (u16_t)s->opts.maxseg;
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
		sock_clamp_mss(s);
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

/* Linux's numbers for lwIP's states (enum tcp_state, CLOSED to TIME_WAIT). */
static const enum linux_tcp_state linux_state_of[] = {
	[CLOSED] = LINUX_TCP_CLOSE,	    [LISTEN] = LINUX_TCP_LISTEN,	   [SYN_SENT] = LINUX_TCP_SYN_SENT,
	[SYN_RCVD] = LINUX_TCP_SYN_RECV,    [ESTABLISHED] = LINUX_TCP_ESTABLISHED, [FIN_WAIT_1] = LINUX_TCP_FIN_WAIT1,
	[FIN_WAIT_2] = LINUX_TCP_FIN_WAIT2, [CLOSE_WAIT] = LINUX_TCP_CLOSE_WAIT,   [CLOSING] = LINUX_TCP_CLOSING,
	[LAST_ACK] = LINUX_TCP_LAST_ACK,    [TIME_WAIT] = LINUX_TCP_TIME_WAIT,
};

/* TCP_INFO: the connection as lwIP's control block has it, read under
 * the stack's lock. A socket whose connection is gone reads as CLOSE. */
static void tcp_view_of(struct sock *s, struct tcp_view *v)
{
	*v = (struct tcp_view){ .state = LINUX_TCP_CLOSE };
	LOCK_TCPIP_CORE();
	struct tcp_pcb *pcb = s->conn->pcb.tcp;
	if (pcb && (unsigned)pcb->state < sizeof(linux_state_of) / sizeof(linux_state_of[0]))
		v->state = linux_state_of[pcb->state];
	if (pcb && pcb->state == LISTEN) {
#if TCP_LISTEN_BACKLOG
		struct tcp_pcb_listen *l = (struct tcp_pcb_listen *)pcb;
		v->accept_queue = l->accepts_pending;
		v->backlog = l->backlog;
#endif
	} else if (pcb && pcb->state != CLOSED) {
		v->in_recovery = (pcb->flags & TF_INFR) != 0;
		v->retransmits = pcb->nrtx;
#if LWIP_TCP_SACK_OUT
		v->sack = (pcb->flags & TF_SACK) != 0;
#endif
#if LWIP_WND_SCALE
		v->wscale = (pcb->flags & TF_WND_SCALE) != 0;
		v->snd_wscale = pcb->snd_scale;
		v->rcv_wscale = pcb->rcv_scale;
#endif
		/* lwIP keeps the smoothed round trip times eight and its
		 * variation four times over, in ticks of its slow timer. */
		v->rto_ms = (uint32_t)(pcb->rto > 0 ? pcb->rto : 0) * TCP_SLOW_INTERVAL;
		v->srtt_ms = (uint32_t)(pcb->sa > 0 ? pcb->sa >> 3 : 0) * TCP_SLOW_INTERVAL;
		v->rttvar_ms = (uint32_t)(pcb->sv > 0 ? pcb->sv >> 2 : 0) * TCP_SLOW_INTERVAL;
		v->mss = pcb->mss;
		for (struct tcp_seg *seg = pcb->unacked; seg; seg = seg->next)
			v->unacked++;
		v->cwnd = pcb->cwnd;
		v->ssthresh = pcb->ssthresh;
		v->snd_wnd = pcb->snd_wnd;
		v->rcv_wnd = pcb->rcv_wnd;
	}
	UNLOCK_TCPIP_CORE();
}

long inet_getsockopt(struct file *f, long level, long name, long val, long lenp)
{
	struct sock *s = f->priv;
	long r = 0;
	int32_t len;
	uint8_t buf[sizeof(struct linux_tcp_info)];
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
	else if (level == LINUX_IPPROTO_TCP && name == LINUX_TCP_INFO && s->opts.stream) {
		struct tcp_view v;
		tcp_view_of(s, &v);
		sockopt_tcp_info(&v, buf, &n);
	} else if (level == LINUX_IPPROTO_TCP && name == LINUX_TCP_MAXSEG && s->opts.stream) {
		struct tcp_view v;
		tcp_view_of(s, &v);
		sockopt_put_int(sockopt_tcp_maxseg(&s->opts, &v), buf, &n);
	} else
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
