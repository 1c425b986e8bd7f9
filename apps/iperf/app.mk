# iperf3: the network throughput tester of Debian's source package
# iperf3 (the machine's release's, or an earlier release's where the
# mirror lacks it: tools/fetch-source.sh), as the guest's server, built
# unmodified by its own configure and make for a musl target (no
# OpenSSL, no SCTP), in a folder of the build; the image takes its main
# and its library, libiperf. It is single-threaded. The source is
# fetched and unpacked into the build folder, never kept here.
#
#   make APP=iperf                                build/iperf.elf, build/iperf.iso
#   run-qemu.sh --kernel build/iperf.elf --append "-- -s"
KEEL_DRIVERS := virtio-rng virtio-console $(filter virtio-net,$(ALL_DRIVERS))
# The network stack (net/), in the images that can have one.
KEEL_NET := yes

ifeq ($(strip $(CMDLINE)),)
export KEEL_ISO_CMDLINE := -- -s
endif

IPERF_SRC := $(shell tools/fetch-source.sh iperf3)
ifeq ($(IPERF_SRC),)
$(error apps/iperf: cannot fetch Debian's source package iperf3 (tools/fetch-source.sh))
endif
IPERF_OBJ := $(BUILD)/iperf/obj
APP_OBJS := $(IPERF_OBJ)/src/iperf3-main.o
APP_LIBS := $(IPERF_OBJ)/src/.libs/libiperf.a

# Flags as the kernel's other musl applications have them: code for a
# fixed address, the stack protector, sections the final link can drop.
IPERF_CFLAGS := -O2 -g -fno-pie -fno-pic -fstack-protector-strong -ffunction-sections -fdata-sections

$(IPERF_OBJ)/Makefile: $(IPERF_SRC)/.keel-source $(APP_DIR)/app.mk
	@rm -rf $(IPERF_OBJ)
	@mkdir -p $(IPERF_OBJ)
	$(say) CONFIG iperf3
	$(Q)cd $(IPERF_OBJ) && $(abspath $(IPERF_SRC))/configure --host=x86_64-linux-musl CC=musl-gcc \
		--disable-shared --without-openssl --without-sctp CFLAGS="$(IPERF_CFLAGS)" >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }

# libtool drops a plain -static; -all-static makes the Linux program of
# the same objects static too (tools/linux-build.sh iperf).
$(IPERF_OBJ)/src/iperf3: $(IPERF_OBJ)/Makefile
	$(say) MAKE iperf3
	$(Q)$(MAKE) -C $(IPERF_OBJ)/src iperf3 LDFLAGS="-all-static -no-pie" >$(IPERF_OBJ)/make.log 2>&1 || \
		{ tail -30 $(IPERF_OBJ)/make.log; exit 1; }

$(APP_OBJS) $(APP_LIBS): $(IPERF_OBJ)/src/iperf3 ;
