# The network stack: lwIP 2.1.3 (Debian's source package, fetched into the
# build folder) and Keel's port and glue around it, in images whose app.mk
# sets KEEL_NET := yes (net/lwip.mk builds lwIP itself; the Makefile
# includes it for those images only, so other builds never fetch it).
#
# Keel's own files, compiled with the kernel's flags like any other:
NET_SRCS := \
	net/sys_arch.c \
	net/lwipmem.c \
	net/sendmem.c \
	net/netif.c \
	net/csum.c \
	net/tso.c \
	net/netcfg.c \
	net/hostfiles.c \
	net/net.c \
	net/netmem.c

# lwIP's files Keel builds: the core with IPv4 and IPv6, Ethernet, and
# the netconn API over the tcpip thread (not lwIP's sockets: sys/ has its
# own). Relative to lwIP's src folder.
LWIP_FILES := \
	core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c core/memp.c \
	core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c core/tcp.c core/tcp_in.c \
	core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/igmp.c core/ipv4/ip4_frag.c \
	core/ipv4/ip4.c core/ipv4/ip4_addr.c \
	core/ipv6/ethip6.c core/ipv6/icmp6.c core/ipv6/inet6.c core/ipv6/ip6.c core/ipv6/ip6_addr.c \
	core/ipv6/ip6_frag.c core/ipv6/mld6.c core/ipv6/nd6.c \
	api/api_lib.c api/api_msg.c api/err.c api/netbuf.c api/netifapi.c api/tcpip.c \
	netif/ethernet.c

# Warnings lwIP's code raises under the kernel's flags, turned off for
# lwIP's objects only (Keel's own files keep every warning):
# parameters and variables its configurations leave unused, its
# function-like macros that expand to nothing, and its comparisons of
# narrow types against limits that hold on other ports.
LWIP_NOWARN := -Wno-unused-parameter -Wno-unused-variable -Wno-unused-but-set-variable \
	-Wno-missing-prototypes -Wno-strict-prototypes -Wno-shadow -Wno-type-limits \
	-Wno-address -Wno-sign-compare -Wno-missing-field-initializers -Wno-implicit-fallthrough \
	-Wno-address-of-packed-member

LWIP_OBJ := $(BUILD)/lwip
NET_OBJS := $(patsubst %.c,$(LWIP_OBJ)/%.o,$(LWIP_FILES))

# The include path every user of lwIP's headers needs: Keel's
# configuration and arch headers first, then lwIP's own (never Debian's
# Unix port).
LWIP_INCLUDES = -Inet -I$(LWIP_DIR)/src/include
