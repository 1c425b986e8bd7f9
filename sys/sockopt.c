/*
 * Option checks as Linux's sock_setsockopt, do_tcp_setsockopt and
 * do_ipv6_setsockopt make them: an int option needs at least an int,
 * buffer sizes are doubled and clamped, timeouts are a struct timeval
 * whose microseconds must be below a second.
 */
#include "sys/sockopt.h"

#include <errno.h>
#include <string.h>

#include "sys/sockaddr.h"

/* Linux's struct timeval and struct linger on x86-64. */
struct linux_timeval {
	int64_t tv_sec, tv_usec;
};
struct linux_linger {
	int32_t l_onoff, l_linger;
};

/* Linux's TCP_DEFAULT keepalive: two hours idle, 75 s apart, 9 probes. */
#define KEEPIDLE_DEFAULT 7200
#define KEEPINTVL_DEFAULT 75
#define KEEPCNT_DEFAULT 9
#define MAX_TCP_KEEPIDLE 32767
#define MAX_TCP_KEEPINTVL 32767
#define MAX_TCP_KEEPCNT 127
/* Linux's TCP_MIN_MSS and MAX_TCP_WINDOW, TCP_MAXSEG's bounds, and its
 * segment size before a connection (TCP_MSS_DEFAULT). */
#define MIN_TCP_MAXSEG 88
#define MAX_TCP_MAXSEG 32767
#define DEFAULT_TCP_MAXSEG 536

void sockopt_init(struct sock_opts *o, int domain, bool stream)
{
	*o = (struct sock_opts){
		.domain = domain,
		.stream = stream,
		/* tcp_rmem[1] and tcp_wmem[1]; UDP gets the core defaults. */
		.rcvbuf = stream ? 131072 : SOCKOPT_BUF_MAX,
		.sndbuf = stream ? 16384 : SOCKOPT_BUF_MAX,
		.keepidle_s = KEEPIDLE_DEFAULT,
		.keepintvl_s = KEEPINTVL_DEFAULT,
		.keepcnt = KEEPCNT_DEFAULT,
		.ttl = SOCKOPT_DEFAULT_TTL,
		.hops = SOCKOPT_DEFAULT_TTL,
	};
}

int sockopt_packet_tos(const struct sock_opts *o) { return o->domain == LINUX_AF_INET6 ? o->tclass : o->tos; }
int sockopt_packet_ttl(const struct sock_opts *o) { return o->domain == LINUX_AF_INET6 ? o->hops : o->ttl; }

/* A new type of service (or traffic class) byte: TCP keeps the two ECN
 * bits its own, as Linux does. */
static int with_ecn(const struct sock_opts *o, int v, int old) { return (o->stream ? (v & ~3) | (old & 3) : v) & 0xff; }

/* IPPROTO_IP's options take an int, or a single byte as Linux also
 * accepts. */
static int set_ip(struct sock_opts *o, int name, const void *val, uint32_t len)
{
	int v;
	if (len >= sizeof(v))
		memcpy(&v, val, sizeof(v));
	else if (len >= 1)
		v = *(const uint8_t *)val;
	else
		return -EINVAL;
	switch (name) {
	case LINUX_IP_TOS: o->tos = with_ecn(o, v, o->tos); return 0;
	case LINUX_IP_TTL:
		if (v == -1)
			v = SOCKOPT_DEFAULT_TTL;
		if (v < 1 || v > 255)
			return -EINVAL;
		o->ttl = v;
		return 0;
	default: return -ENOPROTOOPT;
	}
}

static int set_ipv6(struct sock_opts *o, int name, const void *val, uint32_t len)
{
	int v;
	if (o->domain != LINUX_AF_INET6)
		return -ENOPROTOOPT;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case LINUX_IPV6_V6ONLY: o->v6only = v != 0; return 0;
	case LINUX_IPV6_TCLASS:
		if (v < -1 || v > 255)
			return -EINVAL;
		o->tclass = v == -1 ? 0 : with_ecn(o, v, o->tclass);
		return 0;
	case LINUX_IPV6_UNICAST_HOPS:
		if (v < -1 || v > 255)
			return -EINVAL;
		o->hops = v == -1 ? SOCKOPT_DEFAULT_TTL : v;
		return 0;
	default: return -ENOPROTOOPT;
	}
}

static int set_timeout(uint64_t *us, const void *val, uint32_t len)
{
	struct linux_timeval tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		/* Linux takes a negative time as "do not wait at all"; the
		 * nearest Keel keeps is the shortest wait. */
		*us = 1;
		return 0;
	}
	if ((uint64_t)tv.tv_sec > UINT64_MAX / 1000000 - 1)
		*us = 0; /* beyond any deadline: for ever */
	else
		*us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	return 0;
}

static int set_buf(int *buf, int v, int min)
{
	/* Linux keeps twice what is asked (room for its bookkeeping) and
	 * reports that. */
	unsigned u = v < 0 ? 0 : (unsigned)v;
	if (u > SOCKOPT_BUF_MAX)
		u = SOCKOPT_BUF_MAX;
	u *= 2;
	*buf = u < (unsigned)min ? min : (int)u;
	return 0;
}

static int set_socket(struct sock_opts *o, int name, const void *val, uint32_t len)
{
	/* Linux's sk_setsockopt refuses a length below an int first. */
	if (len < sizeof(int))
		return -EINVAL;
	if (name == LINUX_SO_RCVTIMEO)
		return set_timeout(&o->rcvtimeo_us, val, len);
	if (name == LINUX_SO_SNDTIMEO)
		return set_timeout(&o->sndtimeo_us, val, len);
	if (name == LINUX_SO_LINGER) {
		struct linux_linger l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		o->linger_on = l.l_onoff != 0;
		o->linger_s = l.l_linger < 0 ? 0 : l.l_linger;
		return 0;
	}
	int v;
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case LINUX_SO_REUSEADDR: o->reuseaddr = v != 0; return 0;
	case LINUX_SO_REUSEPORT: o->reuseport = v != 0; return 0;
	case LINUX_SO_KEEPALIVE: o->keepalive = v != 0; return 0;
	case LINUX_SO_BROADCAST: o->broadcast = v != 0; return 0;
	case LINUX_SO_RCVBUF: return set_buf(&o->rcvbuf, v, SOCKOPT_RCVBUF_MIN);
	case LINUX_SO_SNDBUF: return set_buf(&o->sndbuf, v, SOCKOPT_SNDBUF_MIN);
	default: return -ENOPROTOOPT;
	}
}

/* Linux takes up to 15 bytes of the name, to its first NUL, and answers
 * ENOENT for an algorithm it does not have. */
static int set_congestion(const void *val, uint32_t len)
{
	char name[SOCKOPT_CA_NAME_MAX] = { 0 };
	if (len < 1)
		return -EINVAL;
	memcpy(name, val, len < sizeof(name) - 1 ? len : sizeof(name) - 1);
	return strcmp(name, SOCKOPT_CA_NAME) == 0 ? 0 : -ENOENT;
}

static int set_tcp(struct sock_opts *o, int name, const void *val, uint32_t len)
{
	int v;
	if (!o->stream)
		return -ENOPROTOOPT;
	if (name == LINUX_TCP_CONGESTION)
		return set_congestion(val, len);
	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	switch (name) {
	case LINUX_TCP_NODELAY: o->nodelay = v != 0; return 0;
	case LINUX_TCP_MAXSEG:
		if (v && (v < MIN_TCP_MAXSEG || v > MAX_TCP_MAXSEG))
			return -EINVAL;
		o->maxseg = v;
		return 0;
	case LINUX_TCP_KEEPIDLE:
		if (v < 1 || v > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		o->keepidle_s = v;
		return 0;
	case LINUX_TCP_KEEPINTVL:
		if (v < 1 || v > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		o->keepintvl_s = v;
		return 0;
	case LINUX_TCP_KEEPCNT:
		if (v < 1 || v > MAX_TCP_KEEPCNT)
			return -EINVAL;
		o->keepcnt = v;
		return 0;
	default: return -ENOPROTOOPT;
	}
}

int sockopt_set(struct sock_opts *o, int level, int name, const void *val, uint32_t len)
{
	switch (level) {
	case LINUX_SOL_SOCKET: return set_socket(o, name, val, len);
	case LINUX_IPPROTO_TCP: return set_tcp(o, name, val, len);
	case LINUX_IPPROTO_IP: return set_ip(o, name, val, len);
	case LINUX_IPPROTO_IPV6: return set_ipv6(o, name, val, len);
	default: return -ENOPROTOOPT;
	}
}

void sockopt_put_int(int v, void *out, uint32_t *len)
{
	if (*len > sizeof(v))
		*len = sizeof(v);
	memcpy(out, &v, *len);
}

static void put_bytes(const void *v, uint32_t size, void *out, uint32_t *len)
{
	if (*len > size)
		*len = size;
	memcpy(out, v, *len);
}

static void put_timeout(uint64_t us, void *out, uint32_t *len)
{
	struct linux_timeval tv = { (int64_t)(us / 1000000), (int64_t)(us % 1000000) };
	put_bytes(&tv, sizeof(tv), out, len);
}

/* getsockopt at a level the socket does not serve: an IPv4 socket hands
 * it to IP, whose getsockopt answers EOPNOTSUPP; IPv6 answers ENOPROTOOPT
 * (setsockopt answers ENOPROTOOPT for both). */
static int foreign_level(const struct sock_opts *o) { return o->domain == LINUX_AF_INET ? -EOPNOTSUPP : -ENOPROTOOPT; }

int sockopt_get(const struct sock_opts *o, int level, int name, void *out, uint32_t *len)
{
	int v;
	if (level == LINUX_SOL_SOCKET) {
		switch (name) {
		case LINUX_SO_RCVTIMEO: put_timeout(o->rcvtimeo_us, out, len); return 0;
		case LINUX_SO_SNDTIMEO: put_timeout(o->sndtimeo_us, out, len); return 0;
		case LINUX_SO_LINGER: {
			struct linux_linger l = { o->linger_on, o->linger_s };
			put_bytes(&l, sizeof(l), out, len);
			return 0;
		}
		case LINUX_SO_REUSEADDR: v = o->reuseaddr; break;
		case LINUX_SO_REUSEPORT: v = o->reuseport; break;
		case LINUX_SO_KEEPALIVE: v = o->keepalive; break;
		case LINUX_SO_BROADCAST: v = o->broadcast; break;
		case LINUX_SO_RCVBUF: v = o->rcvbuf; break;
		case LINUX_SO_SNDBUF: v = o->sndbuf; break;
		case LINUX_SO_TYPE: v = o->stream ? 1 : 2; break; /* SOCK_STREAM, SOCK_DGRAM */
		case LINUX_SO_DOMAIN: v = o->domain; break;
		case LINUX_SO_PROTOCOL: v = o->stream ? LINUX_IPPROTO_TCP : LINUX_IPPROTO_UDP; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == LINUX_IPPROTO_TCP) {
		if (!o->stream)
			return foreign_level(o);
		if (name == LINUX_TCP_CONGESTION) {
			/* Linux copies the name's whole field, NULs after it. */
			char ca[SOCKOPT_CA_NAME_MAX] = SOCKOPT_CA_NAME;
			put_bytes(ca, sizeof(ca), out, len);
			return 0;
		}
		switch (name) {
		case LINUX_TCP_NODELAY: v = o->nodelay; break;
		case LINUX_TCP_KEEPIDLE: v = o->keepidle_s; break;
		case LINUX_TCP_KEEPINTVL: v = o->keepintvl_s; break;
		case LINUX_TCP_KEEPCNT: v = o->keepcnt; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == LINUX_IPPROTO_IP) {
		switch (name) {
		case LINUX_IP_TOS: v = o->tos; break;
		case LINUX_IP_TTL: v = o->ttl; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == LINUX_IPPROTO_IPV6 && o->domain == LINUX_AF_INET6) {
		switch (name) {
		case LINUX_IPV6_V6ONLY: v = o->v6only; break;
		case LINUX_IPV6_TCLASS: v = o->tclass; break;
		case LINUX_IPV6_UNICAST_HOPS: v = o->hops; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == LINUX_IPPROTO_UDP && !o->stream) {
		return -ENOPROTOOPT; /* UDP's own options are not kept */
	} else {
		return foreign_level(o);
	}
	sockopt_put_int(v, out, len);
	return 0;
}

void sockopt_tcp_info(const struct tcp_view *v, void *out, uint32_t *len)
{
	struct linux_tcp_info i = { 0 };
	uint32_t mss = v->mss ? v->mss : 1;
	i.state = (uint8_t)v->state;
	i.ca_state = v->in_recovery ? LINUX_TCP_CA_RECOVERY : LINUX_TCP_CA_OPEN;
	i.retransmits = v->retransmits;
	i.options = (uint8_t)((v->sack ? LINUX_TCPI_OPT_SACK : 0) | (v->wscale ? LINUX_TCPI_OPT_WSCALE : 0));
	if (v->wscale)
		i.wscale = (uint8_t)((v->snd_wscale & 0xf) | (v->rcv_wscale & 0xf) << 4);
	i.rto = v->rto_ms * 1000;
	i.rtt = v->srtt_ms * 1000;
	i.rttvar = v->rttvar_ms * 1000;
	i.snd_mss = i.rcv_mss = i.advmss = v->mss;
	if (v->state == LINUX_TCP_LISTEN) {
		/* Linux's listener: the connections waiting and the backlog. */
		i.unacked = v->accept_queue;
		i.sacked = v->backlog;
	} else {
		i.unacked = v->unacked;
	}
	/* Linux counts the window and threshold in segments. */
	i.snd_cwnd = v->cwnd / mss;
	i.snd_ssthresh = v->ssthresh / mss;
	i.snd_wnd = v->snd_wnd;
	i.rcv_space = v->rcv_wnd;
	put_bytes(&i, sizeof(i), out, len);
}

int sockopt_tcp_maxseg(const struct sock_opts *o, const struct tcp_view *v)
{
	if (v->state == LINUX_TCP_CLOSE || v->state == LINUX_TCP_LISTEN || v->mss == 0)
		return o->maxseg ? o->maxseg : DEFAULT_TCP_MAXSEG;
	return (int)v->mss;
}
