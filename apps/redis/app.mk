# Redis 7.0: the server of Debian's source package redis, built unmodified
# by its own Makefile with Debian's musl (the C library's malloc, no
# jemalloc, no systemd, no TLS), in a copy of the source inside the build
# folder; the image takes its objects and the static libraries of its
# dependencies (hiredis, Lua, hdr_histogram). The same build links a
# static Linux program from the same objects (tools/linux-build.sh redis).
# The source is fetched and unpacked into the build folder, never kept here.
#
#   make APP=redis                                build/redis.elf, build/redis.iso
#   run-qemu.sh --kernel build/redis.elf --append "-- --save --appendonly no --protected-mode no"
#
# Persistence would fork a child to write the snapshot: the command line
# turns it off ("--save" with no value is Redis's "save nothing").
KEEL_DRIVERS := virtio-rng virtio-console $(filter virtio-net,$(ALL_DRIVERS))
# The network stack (net/), in the images that can have one.
KEEL_NET := yes

REDIS_ARGS := --save --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0
ifeq ($(strip $(CMDLINE)),)
export KEEL_ISO_CMDLINE := -- $(REDIS_ARGS)
endif

REDIS_SRC := $(shell tools/fetch-source.sh redis)
ifeq ($(REDIS_SRC),)
$(error apps/redis: cannot fetch Debian's source package redis (tools/fetch-source.sh))
endif
REDIS_TREE := $(BUILD)/redis/tree

# The objects of Redis's own list for redis-server (REDIS_SERVER_OBJ in
# src/Makefile), read from it so that a new version's list is followed.
REDIS_SERVER_OBJ := $(shell sed -n 's/^REDIS_SERVER_OBJ=//p' $(REDIS_SRC)/src/Makefile)
APP_OBJS := $(addprefix $(REDIS_TREE)/src/,$(REDIS_SERVER_OBJ))
APP_LIBS := $(addprefix $(REDIS_TREE)/deps/,hiredis/libhiredis.a lua/src/liblua.a hdr_histogram/libhdrhistogram.a)

# Flags as the kernel's other musl applications have them: code for a
# fixed address, the stack protector, sections the final link can drop.
# Redis adds its own optimisation and warnings.
REDIS_MAKE_FLAGS := CC=musl-gcc MALLOC=libc USE_JEMALLOC=no USE_SYSTEMD=no BUILD_TLS=no OPTIMIZATION=-O2 \
	CFLAGS="-fno-pie -fno-pic -fstack-protector-strong -ffunction-sections -fdata-sections" \
	LDFLAGS="-static -no-pie"

# Redis builds in its source folder: a private copy, made again when the
# fetched source or this file changes.
$(REDIS_TREE)/.copied: $(REDIS_SRC)/.keel-source $(APP_DIR)/app.mk
	@rm -rf $(REDIS_TREE)
	@mkdir -p $(dir $(REDIS_TREE))
	$(Q)cp -a $(REDIS_SRC) $(REDIS_TREE)
	@touch $@

# Redis names the commit of a git repository around its source in its
# version; the search stops at the build folder, so it names none.
$(REDIS_TREE)/src/redis-server: $(REDIS_TREE)/.copied
	$(say) MAKE redis-server
	$(Q)GIT_CEILING_DIRECTORIES=$(abspath $(REDIS_TREE)/..) $(MAKE) -C $(REDIS_TREE)/src redis-server $(REDIS_MAKE_FLAGS) >$(BUILD)/redis/make.log 2>&1 || \
		{ tail -30 $(BUILD)/redis/make.log; exit 1; }

$(APP_OBJS) $(APP_LIBS): $(REDIS_TREE)/src/redis-server ;
