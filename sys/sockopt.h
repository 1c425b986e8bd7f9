/*
 * Socket options: the values setsockopt stores and getsockopt reads, with
 * Linux's checks (lengths, ranges, which level serves which socket). The
 * socket layer applies to lwIP what concerns it (TCP_NODELAY, the
 * keepalive settings, the type of service and time to live) after a
 * successful set. Pure logic: host-tested.
 */
#ifndef KEEL_SYS_SOCKOPT_H
#define KEEL_SYS_SOCKOPT_H

#include <stdbool.h>
#include <stdint.h>

#define LINUX_SOL_SOCKET 1
#define LINUX_IPPROTO_IP 0
#define LINUX_IPPROTO_TCP 6
#define LINUX_IPPROTO_UDP 17
#define LINUX_IPPROTO_IPV6 41

#define LINUX_SO_REUSEADDR 2
#define LINUX_SO_TYPE 3
#define LINUX_SO_ERROR 4
#define LINUX_SO_BROADCAST 6
#define LINUX_SO_SNDBUF 7
#define LINUX_SO_RCVBUF 8
#define LINUX_SO_KEEPALIVE 9
#define LINUX_SO_LINGER 13
#define LINUX_SO_REUSEPORT 15
#define LINUX_SO_RCVTIMEO 20
#define LINUX_SO_SNDTIMEO 21
#define LINUX_SO_ACCEPTCONN 30
#define LINUX_SO_PROTOCOL 38
#define LINUX_SO_DOMAIN 39

#define LINUX_TCP_NODELAY 1
#define LINUX_TCP_MAXSEG 2
#define LINUX_TCP_KEEPIDLE 4
#define LINUX_TCP_KEEPINTVL 5
#define LINUX_TCP_KEEPCNT 6
#define LINUX_TCP_INFO 11
#define LINUX_TCP_CONGESTION 13

/* A congestion control algorithm's name, with its NUL (TCP_CA_NAME_MAX). */
#define SOCKOPT_CA_NAME_MAX 16
/* lwIP's congestion control: slow start, congestion avoidance, fast
 * retransmit and recovery (RFC 5681), the algorithm Linux calls reno. */
#define SOCKOPT_CA_NAME "reno"

#define LINUX_IP_TOS 1
#define LINUX_IP_TTL 2

#define LINUX_IPV6_UNICAST_HOPS 16
#define LINUX_IPV6_V6ONLY 26
#define LINUX_IPV6_TCLASS 67

/* Linux's net.ipv4.ip_default_ttl and IPv6's hop limit. */
#define SOCKOPT_DEFAULT_TTL 64

/* Linux's defaults and bounds (net.core.{r,w}mem_max, tcp_{r,w}mem). */
#define SOCKOPT_BUF_MAX 212992
#define SOCKOPT_SNDBUF_MIN 4608
#define SOCKOPT_RCVBUF_MIN 2304

struct sock_opts {
	int domain;  /* LINUX_AF_INET or LINUX_AF_INET6 */
	bool stream; /* SOCK_STREAM (TCP) or SOCK_DGRAM (UDP) */
	bool reuseaddr, reuseport, keepalive, broadcast, nodelay, v6only;
	bool linger_on;
	int linger_s;
	int rcvbuf, sndbuf;
	/* 0 waits for ever, as Linux's MAX_SCHEDULE_TIMEOUT. */
	uint64_t rcvtimeo_us, sndtimeo_us;
	int keepidle_s, keepintvl_s, keepcnt;
	/* TCP_MAXSEG: the largest segment the socket may send, 0 for the
	 * path's (lwIP still advertises its own in the handshake). */
	int maxseg;
	/* IP_TOS and IP_TTL; IPV6_TCLASS and IPV6_UNICAST_HOPS. An IPv6
	 * socket's packets carry the latter (the IPv4 ones of a dual-stack
	 * socket too: lwIP keeps one of each per connection). */
	int tos, ttl, tclass, hops;
};

/* Linux's TCP states, as TCP_INFO numbers them. */
enum linux_tcp_state {
	LINUX_TCP_ESTABLISHED = 1,
	LINUX_TCP_SYN_SENT,
	LINUX_TCP_SYN_RECV,
	LINUX_TCP_FIN_WAIT1,
	LINUX_TCP_FIN_WAIT2,
	LINUX_TCP_TIME_WAIT,
	LINUX_TCP_CLOSE,
	LINUX_TCP_CLOSE_WAIT,
	LINUX_TCP_LAST_ACK,
	LINUX_TCP_LISTEN,
	LINUX_TCP_CLOSING,
};

/* Linux's struct tcp_info as <linux/tcp.h> gives it (232 bytes). */
struct linux_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale; /* the send scale in the low four bits, the receive scale above */
	uint8_t app_limited;
	uint32_t rto, ato, snd_mss, rcv_mss; /* times in microseconds */
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space, total_retrans;
	uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
	uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen, rcv_ooopack, snd_wnd;
};
_Static_assert(sizeof(struct linux_tcp_info) == 232, "struct tcp_info");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, rto) == 8, "tcpi_rto");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, pmtu) == 60, "tcpi_pmtu");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, rtt) == 68, "tcpi_rtt");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, snd_cwnd) == 80, "tcpi_snd_cwnd");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, total_retrans) == 100, "tcpi_total_retrans");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, pacing_rate) == 104, "tcpi_pacing_rate");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, delivery_rate) == 160, "tcpi_delivery_rate");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, bytes_sent) == 200, "tcpi_bytes_sent");
_Static_assert(__builtin_offsetof(struct linux_tcp_info, snd_wnd) == 228, "tcpi_snd_wnd");

#define LINUX_TCPI_OPT_SACK 2
#define LINUX_TCPI_OPT_WSCALE 4
#define LINUX_TCP_CA_OPEN 0
#define LINUX_TCP_CA_RECOVERY 3

/* What the stack knows of a TCP connection, for TCP_INFO: the socket
 * layer reads it from lwIP's control block. lwIP keeps no counts of
 * bytes, segments or retransmissions over a connection's life, and
 * times round trips in ticks of its coarse timer; TCP_INFO answers
 * those as lwIP has them (the counts 0). */
struct tcp_view {
	enum linux_tcp_state state;
	bool in_recovery;    /* fast recovery */
	uint8_t retransmits; /* of the oldest unacknowledged segment */
	bool sack, wscale;
	uint8_t snd_wscale, rcv_wscale;
	uint32_t rto_ms, srtt_ms, rttvar_ms;
	uint32_t mss;
	uint32_t unacked;		/* segments sent and not acknowledged */
	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t snd_wnd, rcv_wnd;	/* bytes */
	uint32_t accept_queue, backlog; /* a listener's */
};

/* TCP_INFO's answer from a view: min(*len, 232) bytes, as Linux. */
void sockopt_tcp_info(const struct tcp_view *v, void *out, uint32_t *len);

/* TCP_MAXSEG's answer, as Linux's: a connection's segment size, or
 * before one (and for a listener) the size asked for, else 536. */
int sockopt_tcp_maxseg(const struct sock_opts *o, const struct tcp_view *v);

/* The type of service (or traffic class) and time to live (or hop limit)
 * a socket's packets carry, as lwIP's control block keeps them. */
int sockopt_packet_tos(const struct sock_opts *o);
int sockopt_packet_ttl(const struct sock_opts *o);

/* Linux's defaults for a new socket of that family and kind. */
void sockopt_init(struct sock_opts *o, int domain, bool stream);

/* setsockopt: val is len bytes already in the kernel. Returns 0 (the
 * option is stored), -EINVAL, -EDOM (a timeout's microseconds out of
 * range) or -ENOPROTOOPT (not an option of this socket). */
int sockopt_set(struct sock_opts *o, int level, int name, const void *val, uint32_t len);

/* getsockopt for every option but SO_ERROR and SO_ACCEPTCONN (the
 * socket's state) and TCP_INFO (the connection's, sockopt_tcp_info),
 * answered by the socket layer: writes up to *len bytes (at most 16)
 * into out and the length written into *len. Returns 0, -EINVAL,
 * -ENOPROTOOPT (an option its level does not have) or -EOPNOTSUPP (a
 * level an IPv4 socket does not serve, as Linux answers). */
int sockopt_get(const struct sock_opts *o, int level, int name, void *out, uint32_t *len);

/* An int answer as getsockopt gives it (also for the socket layer's own
 * options): min(*len, sizeof(int)) bytes. */
void sockopt_put_int(int v, void *out, uint32_t *len);

#endif
