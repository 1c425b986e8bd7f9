# Lua 5.4: the stand-alone interpreter of Debian's source package lua5.4,
# built unmodified (its own lua.c is main), with the configuration Debian
# uses on Linux (LUA_USE_POSIX, the 5.3 compatibility functions). The
# source is fetched and unpacked into the build folder, never kept here.
#
#   make APP=lua                                  build/lua.elf, build/lua.iso
#   run-qemu.sh --kernel build/lua.elf --append "-- -e 'print(1)'"
#   ... < script.lua with "-- -" reads a script from the console (^D ends it)
KEEL_DRIVERS := virtio-rng virtio-console

LUA_DIR := $(shell tools/fetch-source.sh lua5.4)
ifeq ($(LUA_DIR),)
$(error apps/lua: cannot fetch Debian's source package lua5.4 (tools/fetch-source.sh))
endif
LUA_SRCS := $(filter-out %/luac.c,$(wildcard $(LUA_DIR)/src/*.c))
LUA_OBJ := $(BUILD)/lua/src
APP_OBJS := $(patsubst $(LUA_DIR)/src/%.c,$(LUA_OBJ)/%.o,$(LUA_SRCS))

# Debian's luaconf.h includes a header its build generates, naming the
# architecture's library folder for module search paths.
$(LUA_OBJ)/include/lua5.4-deb-multiarch.h:
	@mkdir -p $(dir $@)
	$(Q)echo '#define DEB_HOST_MULTIARCH "x86_64-linux-musl"' > $@

# Third-party code: the application's flags without -Werror, optimised
# for speed as Debian builds it.
LUA_CFLAGS = $(filter-out -Werror -Os,$(APP_CFLAGS)) -O2 -w -DLUA_COMPAT_5_3 -DLUA_USE_POSIX -I$(LUA_OBJ)/include

$(LUA_OBJ)/%.o: $(LUA_DIR)/src/%.c $(LUA_OBJ)/include/lua5.4-deb-multiarch.h $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(say) CC lua/$*.c
	$(Q)$(CC) $(LUA_CFLAGS) -c $< -o $@
