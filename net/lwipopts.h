/*
 * lwIP's configuration for Keel (lwIP 2.1.3, Debian's source).
 *
 * The stack runs in its own thread (NO_SYS 0, the tcpip thread) with
 * core locking, so that Keel's socket layer calls netconn and raw
 * functions under the core lock instead of a message round trip per
 * call. lwIP's own sockets are not built: Keel's system-call layer has
 * its own, on netconns with callbacks. Only IPv4 and IPv6 over Ethernet.
 *
 * The sizes favour throughput on a virtual link for a few hundred
 * connections at once; docs/NETWORK.md explains each choice.
 */
#ifndef KEEL_LWIPOPTS_H
#define KEEL_LWIPOPTS_H

/* --- the operating system -------------------------------------------------------------- */
#define NO_SYS 0
#define SYS_LIGHTWEIGHT_PROT 1 /* pools and the heap are shared by every thread */
#define LWIP_TCPIP_CORE_LOCKING 1
/* Received frames go through the tcpip thread's mailbox: the driver's
 * thread never runs the stack, so a slow application cannot hold it up. */
#define LWIP_TCPIP_CORE_LOCKING_INPUT 0
#define LWIP_NETCONN_SEM_PER_THREAD 0
#define LWIP_NETCONN_FULLDUPLEX 0
#define TCPIP_THREAD_NAME "tcpip"
#define TCPIP_THREAD_STACKSIZE (32 * 1024)
#define TCPIP_THREAD_PRIO 0
/* Frames of every NIC queue here before the tcpip thread takes them:
 * twice a virtio ring's worth. */
#define TCPIP_MBOX_SIZE 1024
#define DEFAULT_THREAD_STACKSIZE (16 * 1024)
#define DEFAULT_RAW_RECVMBOX_SIZE 64
#define DEFAULT_UDP_RECVMBOX_SIZE 256
#define DEFAULT_TCP_RECVMBOX_SIZE 512
#define DEFAULT_ACCEPTMBOX_SIZE 256
/* Functions that need the core lock check that the caller holds it. */
void keel_lwip_assert_core_locked(void);
void keel_lwip_mark_tcpip_thread(void);
#define LWIP_ASSERT_CORE_LOCKED() keel_lwip_assert_core_locked()
#define LWIP_MARK_TCPIP_THREAD() keel_lwip_mark_tcpip_thread()
/* Giving up the core lock first runs a hook (net/sys_arch.c): the glue
 * sends the TCP segments it gathered while the lock was held
 * (net/tso.h), so none waits for the next holder. */
void keel_lwip_unlock_core(void);
#define LOCK_TCPIP_CORE() sys_mutex_lock(&lock_tcpip_core)
#define UNLOCK_TCPIP_CORE() keel_lwip_unlock_core()

/* --- memory ------------------------------------------------------------------------------ */
#define MEM_ALIGNMENT 8
/* lwIP's heap holds what is not in a pool: PBUF_RAM buffers (the copies
 * tcp_write makes of sent data until it is acknowledged, a frame copied
 * when the driver's buffers run short). The kernel's heap serves it, so
 * no fixed share of memory is set aside and a few busy connections can
 * use what many idle ones do not; TCP_SND_BUF bounds each connection. */
#define MEM_LIBC_MALLOC 1
#define mem_clib_malloc keel_lwip_malloc
#define mem_clib_calloc keel_lwip_calloc
#define mem_clib_free keel_lwip_free
#define MEMP_MEM_MALLOC 0 /* fixed-size objects come from pools */
#define MEMP_OVERFLOW_CHECK 0
#define MEM_USE_POOLS 0
/* The pools: enough for 512 TCP connections at once. */
#define MEMP_NUM_TCP_PCB 512
#define MEMP_NUM_TCP_PCB_LISTEN 32
#define MEMP_NUM_UDP_PCB 64
#define MEMP_NUM_RAW_PCB 16
#define MEMP_NUM_NETCONN (MEMP_NUM_TCP_PCB + MEMP_NUM_TCP_PCB_LISTEN + MEMP_NUM_UDP_PCB + MEMP_NUM_RAW_PCB)
#define MEMP_NUM_TCP_SEG 4096
#define MEMP_NUM_PBUF 1024 /* PBUF_REF/ROM: data sent without a copy */
#define MEMP_NUM_NETBUF 512
#define MEMP_NUM_TCPIP_MSG_API 128
#define MEMP_NUM_TCPIP_MSG_INPKT TCPIP_MBOX_SIZE
#define MEMP_NUM_ARP_QUEUE 64
#define MEMP_NUM_REASSDATA 16
#define MEMP_NUM_FRAG_PBUF 128 /* a 64 KiB datagram is 45 fragments, all in flight at once */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)
#define MEMP_NUM_ND6_QUEUE 32
/* Pool buffers: received frames are the driver's own buffers (net/netif.c),
 * so this pool only serves lwIP's own needs (reassembly, replies). */
#define PBUF_POOL_SIZE 128
#define PBUF_POOL_BUFSIZE 1536
#define LWIP_SUPPORT_CUSTOM_PBUF 1

/* --- protocols --------------------------------------------------------------------------- */
#define LWIP_IPV4 1
#define LWIP_IPV6 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_TABLE_SIZE 64
#define ARP_QUEUEING 1
#define IP_FORWARD 0
/* Linux's time to live and hop limit (lwIP's own is 255); a socket may
 * set its own (IP_TTL, IPV6_UNICAST_HOPS). */
#define IP_DEFAULT_TTL 64
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 64
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_IGMP 1
#define LWIP_AUTOIP 0
#define LWIP_DHCP 1
#define LWIP_DHCP_CHECK_LINK_UP 1
#define DHCP_DOES_ARP_CHECK 0 /* the address is usable at once; the server checks */
/* The DNS resolver is not used (musl resolves names itself), but lwIP
 * keeps the servers DHCP and router advertisements name only in its DNS
 * module: they end up in /etc/resolv.conf (net/hostfiles.c). */
#define LWIP_DNS 1
#define DNS_MAX_SERVERS 3
#define LWIP_DHCP_MAX_DNS_SERVERS 2
#define DNS_TABLE_SIZE 2
#define LWIP_IPV6_AUTOCONFIG 1 /* SLAAC */
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 1
#define LWIP_IPV6_MLD 1
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 1
#define LWIP_IPV6_NUM_ADDRESSES 4
#define LWIP_IPV6_DHCP6 0
#define LWIP_ND6_ALLOW_RA_UPDATES 1
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS 1
#define LWIP_ND6_NUM_NEIGHBORS 32
#define LWIP_ND6_NUM_DESTINATIONS 32
#define LWIP_IPV6_FRAG 1
#define LWIP_IPV6_REASS 1
/* Reassembly keeps its bookkeeping in the fragment header's place, which
 * a 64-bit pointer does not fit (ip6_frag.c asserts it at the first
 * reassembly timer tick): keep a copy of the header instead. */
#define IPV6_FRAG_COPYHEADER 1

/* --- TCP ----------------------------------------------------------------------------------- */
#define TCP_MSS 1460
/* 256 KiB of receive window: a virtual link's bandwidth-delay product is
 * small, but TCG's bursts are long; the window scale option carries it. */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3 /* 0xffff << 3 = 512 KiB, the most TCP_WND may be */
#define TCP_WND (256 * 1024)
/* 1 MiB of data sent and not yet acknowledged: with 256 KiB a guest
 * sending to its host idled a sixth of the time waiting for
 * acknowledgements while the hypervisor caught up with its transmit
 * work. The copies are allocated as data is written, not reserved. */
#define TCP_SND_BUF (1024 * 1024)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
/* Writable again (poll) once this much has room: as much as lwIP's
 * 16-bit check allows. */
#define TCP_SNDLOWAT (0xffff - 4 * TCP_MSS - 1)
#define TCP_SNDQUEUELOWAT (TCP_SND_QUEUELEN / 4)
/* A window update of its own only once the application has taken a
 * quarter of the window since the last segment told the peer (lwIP's
 * default, four segments, sent one after almost every read of a bulk
 * transfer, as many as the acknowledgements themselves). Every
 * acknowledgement carries the window too; a reader that keeps up opens
 * it through them. */
#define TCP_WND_UPDATE_THRESHOLD (TCP_WND / 4)
/* Out-of-order segments hold the driver's buffers: at most 64 frames or
 * 64 KiB per connection, whichever comes first. */
#define TCP_QUEUE_OOSEQ 1
/* lwIP's sanity checks assume received data sits in its pbuf pool, which
 * a window larger than the pool would exhaust; here it sits in the
 * drivers' buffers (net/netif.c). Every other check of that list holds
 * (it was built once with them on and only that one failed). */
#define LWIP_DISABLE_TCP_SANITY_CHECKS 1
#define TCP_OOSEQ_MAX_PBUFS 64
#define TCP_OOSEQ_MAX_BYTES (64 * 1024)
#define LWIP_TCP_SACK_OUT 1
/* TIME_WAIT lasts 2 * TCP_MSL. RFC 793's 2 minutes guard against a
 * segment of an old connection that wandered the Internet for that long;
 * Keel's peers are a hypervisor's virtual network a millisecond away.
 * One second each way ends TIME_WAIT after 2 s, so a server closing
 * thousands of connections a second does not run out of PCBs. */
#define TCP_MSL 1000UL
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 255
#define LWIP_TCP_KEEPALIVE 1
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1 /* one slot for the socket layer */
/* Initial sequence numbers drawn at random (lwIP's own only count up,
 * which lets an off-path attacker guess them). */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) keel_lwip_rand()

/* --- the netconn API (no lwIP sockets) ------------------------------------------------------ */
#define LWIP_NETCONN 1
#define LWIP_SOCKET 0
#define LWIP_NETIF_API 1
#define LWIP_SO_RCVTIMEO 1
#define LWIP_SO_SNDTIMEO 1
#define LWIP_SO_RCVBUF 1
#define LWIP_SO_LINGER 1
#define SO_REUSE 1
#define LWIP_NETBUF_RECVINFO 1
#define LWIP_TCPIP_TIMEOUT 1
#define LWIP_COMPAT_SOCKETS 0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0

/* --- network interfaces -------------------------------------------------------------------- */
#define LWIP_SINGLE_NETIF 0
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_EXT_STATUS_CALLBACK 1
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 256
#define LWIP_NUM_NETIF_CLIENT_DATA 1
/* Checksums per interface: a NIC that checks received frames, or
 * computes the TCP checksum of sent ones, turns lwIP's work off
 * (net/netif.c). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
/* Not summed while copied: tcp_write would sum every byte sent even for
 * a device that computes the checksum itself (lwIP cannot know the
 * interface when it copies); lwIP sums a segment when it sends it, and
 * only for an interface that needs it. */
#define LWIP_CHECKSUM_ON_COPY 0
/* Chooses the checks for each received packet (net/netif.c). */
struct pbuf;
struct netif;
int net_if_ip_input_hook(struct pbuf *p, struct netif *netif);
#define LWIP_HOOK_IP4_INPUT(p, inp) net_if_ip_input_hook((p), (inp))
#define LWIP_HOOK_IP6_INPUT(p, inp) net_if_ip_input_hook((p), (inp))
/* The IPv6 router the command line configured (gw6=), before those
 * that advertised themselves (net/netif.c). */
struct ip6_addr;
const struct ip6_addr *net_if_ip6_gateway_hook(struct netif *netif, const struct ip6_addr *dest);
#define LWIP_HOOK_ND6_GET_GW(netif, dest) net_if_ip6_gateway_hook((netif), (dest))
/* The interface for off-link IPv6 traffic from an unbound socket: one
 * with a configured router where the default interface has none
 * (net/netif.c). */
struct netif *net_if_ip6_route_hook(const struct ip6_addr *src, const struct ip6_addr *dest);
#define LWIP_HOOK_IP6_ROUTE(src, dest) net_if_ip6_route_hook((src), (dest))

/* --- statistics and debugging ---------------------------------------------------------------- */
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
/* make LWIP_DEBUG=1 prints lwIP's own traces of its core modules on the
 * console (LWIP_PLATFORM_DIAG, arch/cc.h). */
#ifdef KEEL_LWIP_DEBUG
#define LWIP_DEBUG 1
#define LWIP_DBG_MIN_LEVEL LWIP_DBG_LEVEL_ALL
#define LWIP_DBG_TYPES_ON LWIP_DBG_ON
#define NETIF_DEBUG LWIP_DBG_ON
#define DHCP_DEBUG LWIP_DBG_ON
#define TCP_DEBUG LWIP_DBG_ON
#define TCP_INPUT_DEBUG LWIP_DBG_ON
#define TCP_OUTPUT_DEBUG LWIP_DBG_ON
#define UDP_DEBUG LWIP_DBG_ON
#define IP_DEBUG LWIP_DBG_ON
#define IP6_DEBUG LWIP_DBG_ON
#define ETHARP_DEBUG LWIP_DBG_ON
#define API_MSG_DEBUG LWIP_DBG_ON
#endif
#define LWIP_PROVIDE_ERRNO 0
#define LWIP_ERRNO_STDINCLUDE 1

#endif
