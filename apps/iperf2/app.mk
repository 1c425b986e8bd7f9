# iperf 2.1.8: the network throughput tester of Debian's source package
# iperf (the host's client is Debian's iperf package), as the guest's
# server, built unmodified. iperf 2 is C++ and C, and threaded; Debian has
# no libstdc++ for musl, so its C++ is compiled by g++ against musl's
# headers without exceptions or RTTI, with the two C++ headers it includes
# (include/cmath, include/ctime: the C library's names in std) and the
# runtime support the compiled code calls (cxxrt.c: new and delete,
# guards of local statics) written here. Its own configure chooses the
# features for musl, in a folder of the build; the source is fetched and
# unpacked into the build folder, never kept here.
#
#   make APP=iperf2                               build/iperf2.elf, build/iperf2.iso
#   run-qemu.sh --kernel build/iperf2.elf --net user,hostfwd=tcp:127.0.0.1:5001-:5001 --append "-- -s"
#
# A separate application rather than a stand-in inside apps/iperf: iperf 2
# and iperf3 are different programs (their own port, options, output and
# client), so an image's name says which one it holds.
KEEL_DRIVERS := virtio-rng virtio-console $(filter virtio-net,$(ALL_DRIVERS))
# The network stack (net/), in the images that can have one.
KEEL_NET := yes

ifeq ($(strip $(CMDLINE)),)
export KEEL_ISO_CMDLINE := -- -s
endif

IPERF2_SRC := $(shell tools/fetch-source.sh iperf)
ifeq ($(IPERF2_SRC),)
$(error apps/iperf2: cannot fetch Debian's source package iperf (tools/fetch-source.sh))
endif
IPERF2_OBJ := $(BUILD)/iperf2/obj

# The program's sources, from its Makefile.am as Debian patches it (which
# drops a Windows-only file its generated Makefile.in still names; Debian
# regenerates that with autoreconf, which the objects taken by name here
# make unnecessary). Only the first assignment: the one addition after
# it, under AF_PACKET, is a feature configure finds absent on musl.
IPERF2_SOURCES := $(shell awk '/^iperf_SOURCES *=/ { on = 1; sub(/^iperf_SOURCES *=/, "") } \
	on { line = $$0; more = sub(/\\$$/, "", line); print line; if (!more) on = 0 }' $(IPERF2_SRC)/src/Makefile.am)
IPERF2_OBJS := $(addprefix $(IPERF2_OBJ)/src/,$(patsubst %.c,%.o,$(IPERF2_SOURCES:.cpp=.o)))
APP_SRCS := cxxrt.c
APP_OBJS := $(IPERF2_OBJS)
APP_LIBS := $(IPERF2_OBJ)/compat/libcompat.a

# Flags as the kernel's other musl applications have them: code for a
# fixed address, the stack protector, sections the final link can drop.
# C++ without exceptions and RTTI, which the code does not use and which
# would need libstdc++'s unwinder and type information.
IPERF2_CFLAGS := -O2 -g -fno-pie -fno-pic -fstack-protector-strong -ffunction-sections -fdata-sections
# (Recursive: the Makefile sets MUSL_LIBDIR after reading this file.)
IPERF2_CXX = g++ -specs=$(MUSL_LIBDIR)/musl-gcc.specs -isystem $(abspath $(APP_DIR)/include)
IPERF2_CXXFLAGS := $(IPERF2_CFLAGS) -fno-exceptions -fno-rtti

$(IPERF2_OBJ)/Makefile: $(IPERF2_SRC)/.keel-source $(APP_DIR)/app.mk
	@rm -rf $(IPERF2_OBJ)
	@mkdir -p $(IPERF2_OBJ)
	$(say) CONFIG iperf2
	$(Q)cd $(IPERF2_OBJ) && $(abspath $(IPERF2_SRC))/configure --host=x86_64-linux-musl CC=musl-gcc \
		CXX="$(IPERF2_CXX)" CFLAGS="$(IPERF2_CFLAGS)" CXXFLAGS="$(IPERF2_CXXFLAGS)" \
		LDFLAGS="-static -no-pie" >configure.log 2>&1 || { tail -30 configure.log; exit 1; }

$(IPERF2_OBJ)/.built: $(IPERF2_OBJ)/Makefile $(wildcard $(APP_DIR)/include/*)
	$(say) MAKE iperf2
	$(Q)$(MAKE) -C $(IPERF2_OBJ)/compat libcompat.a >$(IPERF2_OBJ)/make.log 2>&1 && \
		$(MAKE) -C $(IPERF2_OBJ)/src $(notdir $(IPERF2_OBJS)) >>$(IPERF2_OBJ)/make.log 2>&1 || \
		{ tail -30 $(IPERF2_OBJ)/make.log; exit 1; }
	@touch $@

$(APP_OBJS) $(APP_LIBS): $(IPERF2_OBJ)/.built ;

# The static Linux program of the same objects (tools/linux-build.sh
# iperf2), linked by musl-gcc: g++ would add the host's libstdc++. The
# runtime support is the image's own object (the Makefile's KOBJ, which
# is set after this file is read).
IPERF2_CXXRT := $(BUILD)/obj/$(APP_DIR)/cxxrt.c.o
$(IPERF2_OBJ)/iperf: $(IPERF2_OBJ)/.built $(IPERF2_CXXRT)
	$(say) LD $@
	$(Q)musl-gcc -static -no-pie -o $@ $(IPERF2_OBJS) $(IPERF2_CXXRT) $(APP_LIBS)
