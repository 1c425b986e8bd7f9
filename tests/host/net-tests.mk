# Host tests of the network stack (net/): the command line's words, the
# generated /etc files, checksum offload, and the netif glue with lwIP
# itself built for the host.

HOST_TESTS += netcfg
test_netcfg_SRCS := tests/host/test_netcfg.c net/netcfg.c

HOST_TESTS += hostfiles
test_hostfiles_SRCS := tests/host/test_hostfiles.c net/hostfiles.c net/netcfg.c

HOST_TESTS += net_csum
test_net_csum_SRCS := tests/host/test_net_csum.c net/csum.c

# The glue (net/netif.c) and the port (net/sys_arch.c) on lwIP built for
# the host as a library, over the host scheduler: frames in and out of a
# fake network device. lwIP is fetched and compiled only when this test
# is built (with the sanitizers, and without the warnings its own code
# raises: net/sources.mk).
LWIP_HOST_DIR = $(eval LWIP_HOST_DIR := $$(shell tools/fetch-source.sh lwip))$(LWIP_HOST_DIR)
LWIP_HOST_LIB := $(HOST_BUILD)/lwip/liblwip.a
$(LWIP_HOST_LIB): net/lwipopts.h net/arch/cc.h net/arch/sys_arch.h net/sources.mk tests/host/net-tests.mk
	@rm -rf $(dir $@) && mkdir -p $(dir $@)
	$(say) HOSTCC $@
	$(Q)test -n "$(LWIP_HOST_DIR)" || { echo "cannot fetch Debian's source package lwip" >&2; exit 1; }
	$(Q)for f in $(LWIP_FILES); do \
		$(HOSTCC) $(filter-out -MD -MP,$(HOST_CFLAGS)) $(LWIP_NOWARN) -Inet -I$(LWIP_HOST_DIR)/src/include \
			-c $(LWIP_HOST_DIR)/src/$$f -o $(dir $@)$$(echo $$f | tr / _ | sed 's/\.c$$/.o/') || exit 1; \
	done
	$(Q)ar rcs $@ $(dir $@)*.o

HOST_TESTS += net_netif
test_net_netif_SRCS := tests/host/test_net_netif.c tests/host/sched_host.c net/netif.c net/sys_arch.c net/lwipmem.c net/sendmem.c net/csum.c net/tso.c \
	kernel/netdev.c kernel/devreg.c kernel/sched.c kernel/sync.c kernel/timerq.c
test_net_netif_OBJS := $(LWIP_HOST_LIB)
# Include paths, on the line that compiles and links (as test_names does).
test_net_netif_LDFLAGS = -Inet -I$(LWIP_HOST_DIR)/src/include

# lwIP's heap with reusable segment-sized blocks (net/lwipmem.c).
HOST_TESTS += net_lwipmem
test_net_lwipmem_SRCS := tests/host/test_net_lwipmem.c net/lwipmem.c
