/*
 * The socket calls about names and options: getsockname, getpeername,
 * setsockopt (checked and stored by sys/sockopt.c, then applied to
 * lwIP's control block) and getsockopt.
 */
#include <errno.h>
#include <string.h>

#include "lwip/api.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"
#include "sys/process.h"
#include "sys/sock.h"
#include "sys/syscall.h"
#include "sys/unixcalls.h"

static long get_name(long fd, long addr, long lenp, bool local)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_getname(f, addr, lenp, !local);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	struct sock_addr a = { .v6 = s->opts.domain == LINUX_AF_INET6 };
	ip_addr_t ip;
	u16_t port;
	if (!local && (s->opts.stream ? !s->ready.connected || s->ready.listening : !s->udp_connected)) {
		r = -ENOTCONN;
	} else if (netconn_getaddr(s->conn, &ip, &port, local) == ERR_OK) {
		sock_ip_from(&ip, port, &a);
	} else if (!local) {
		r = -ENOTCONN;
	}
	/* An unbound socket's name is the wildcard, port 0. */
	if (r == 0)
		r = sock_write_addr(s, &a, addr, lenp);
	file_put(f);
	return r;
}

static long sys_getsockname(long fd, long addr, long lenp, long a3, long a4, long a5)
{
	return get_name(fd, addr, lenp, true);
}
SYSCALL(SYS_getsockname, sys_getsockname);

static long sys_getpeername(long fd, long addr, long lenp, long a3, long a4, long a5)
{
	return get_name(fd, addr, lenp, false);
}
SYSCALL(SYS_getpeername, sys_getpeername);

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

static long sys_setsockopt(long fd, long level, long name, long val, long len, long a5)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_setsockopt(f, level, name, val, len);
		file_put(f);
		return r;
	}
	if (r)
		return r;
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
	file_put(f);
	return r;
}
SYSCALL(SYS_setsockopt, sys_setsockopt);

static long sys_getsockopt(long fd, long level, long name, long val, long lenp, long a5)
{
	struct file *f;
	struct sock *s;
	long r = sock_get(fd, &f, &s);
	if (r == -ENOTSOCK && (f = unix_at(fd))) {
		r = unix_call_getsockopt(f, level, name, val, lenp);
		file_put(f);
		return r;
	}
	if (r)
		return r;
	int32_t len;
	uint8_t buf[16];
	if (!user_writable_ok((void *)lenp, sizeof(len))) {
		file_put(f);
		return -EFAULT;
	}
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
	file_put(f);
	return r;
}
SYSCALL(SYS_getsockopt, sys_getsockopt);
