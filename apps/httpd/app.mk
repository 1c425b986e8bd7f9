# The default appliance: lighttpd 1.4.69, the web server of Debian's
# source package lighttpd, built unmodified by its own configure and make
# (static, with the modules of plugin-static.h) in a copy of the source
# inside the build folder, serving a site from a KeelFS disk. The image
# takes lighttpd's objects; the same build links a static Linux program
# from them (tools/linux-build.sh lighttpd). The source is fetched and
# unpacked into the build folder, never kept here.
#
#   make APP=httpd            build/httpd.elf, build/httpd.iso and its disk, build/httpd/site.img
#   make run                  boots it; the site is on http://127.0.0.1:8080/
#
# The disk holds the configuration, /lighttpd.conf (apps/httpd/lighttpd.conf),
# and the site, /www (apps/httpd/site); uploads under /upload/ are spooled
# in /var/tmp. lighttpd runs in the foreground (-D), as the only program.
KEEL_DRIVERS := virtio-rng virtio-console $(filter virtio-net virtio-blk,$(ALL_DRIVERS))
KEEL_NET := yes

HTTPD_ARGS := -D -f /lighttpd.conf
# A main stack of 1 MiB, not Linux's 8 (Keel maps it whole at the start):
# lighttpd needs far less, and the appliance then boots and serves in
# 8 MiB of memory.
HTTPD_KERNEL_OPTS := stack=1M
ifeq ($(strip $(CMDLINE)),)
export KEEL_ISO_CMDLINE := $(HTTPD_KERNEL_OPTS) -- $(HTTPD_ARGS)
endif

LIGHTTPD_SRC := $(shell tools/fetch-source.sh lighttpd)
ifeq ($(LIGHTTPD_SRC),)
$(error apps/httpd: cannot fetch Debian's source package lighttpd (tools/fetch-source.sh))
endif
HTTPD_TREE := $(BUILD)/httpd/tree
HTTPD_LIB := $(BUILD)/httpd/liblighttpd.a
APP_LIBS := $(HTTPD_LIB)

# Flags as the kernel's other musl applications have them: code for a
# fixed address, the stack protector, sections the final link can drop.
# musl has no <sys/queue.h>, which lighttpd's HPACK code includes: Keel
# supplies the part it uses (apps/httpd/compat).
HTTPD_CFLAGS := -O2 -g -fno-pie -fno-pic -fstack-protector-strong -ffunction-sections -fdata-sections
HTTPD_CPPFLAGS := -I$(abspath $(APP_DIR)/compat)
# Only what serving files needs: no regular expressions (the configuration
# uses =^ conditionals), no compression, no TLS.
HTTPD_CONFIGURE := --disable-shared --enable-static --without-pcre2 --without-zlib --without-bzip2 \
	--without-zstd --without-brotli

# lighttpd builds in a private copy of its source, made again when the
# fetched source, the module list or this file changes. A static build
# (LIGHTTPD_STATIC) registers the modules plugin-static.h names, which
# lighttpd's build expects the builder to write.
$(HTTPD_TREE)/Makefile: $(LIGHTTPD_SRC)/.keel-source $(APP_DIR)/app.mk $(APP_DIR)/plugin-static.h
	@rm -rf $(HTTPD_TREE)
	@mkdir -p $(dir $(HTTPD_TREE))
	$(Q)cp -a $(LIGHTTPD_SRC) $(HTTPD_TREE)
	$(Q)cp $(APP_DIR)/plugin-static.h $(HTTPD_TREE)/src/plugin-static.h
	$(say) CONFIG lighttpd
	$(Q)cd $(HTTPD_TREE) && LIGHTTPD_STATIC=yes ./configure CC=musl-gcc CFLAGS="$(HTTPD_CFLAGS)" \
		CPPFLAGS="$(HTTPD_CPPFLAGS)" LDFLAGS="-static -no-pie" $(HTTPD_CONFIGURE) >configure.log 2>&1 || \
		{ tail -30 configure.log; exit 1; }

# libtool drops a plain -static; -all-static makes the Linux program of
# the same objects static. lighttpd names the commit of a git repository
# around its source in its version; the search stops at the build folder,
# so it names none. The whole of src/ is built (its generated headers
# first), which a static build makes the server and its angel only.
$(HTTPD_TREE)/src/lighttpd: $(HTTPD_TREE)/Makefile
	$(say) MAKE lighttpd
	$(Q)GIT_CEILING_DIRECTORIES=$(abspath $(HTTPD_TREE)/..) $(MAKE) -C $(HTTPD_TREE)/src LDFLAGS="-all-static -no-pie" >$(BUILD)/httpd/make.log 2>&1 || \
		{ tail -30 $(BUILD)/httpd/make.log; exit 1; }

# The server's objects (automake names them lighttpd-*.o), in an archive:
# the link takes main from it and the modules plugin.c registers. Not the
# angel's (lighttpd-angel.o), a supervisor that forks the server: a
# program of its own, with a main of its own.
$(HTTPD_LIB): $(HTTPD_TREE)/src/lighttpd
	$(say) AR $@
	@rm -f $@
	$(Q)ar rcs $@ $$(find $(HTTPD_TREE)/src -name 'lighttpd-*.o' ! -name 'lighttpd-angel.o' | sort)

# --- the disk --------------------------------------------------------------------

# The site's disk: the configuration, the site and the folder for uploads,
# laid out in the build folder and made into a KeelFS image.
HTTPD_DISK := $(BUILD)/httpd/site.img
HTTPD_SITE := $(shell find $(APP_DIR)/site -type f)
HTTPD_DISK_SIZE := 64M
$(HTTPD_DISK): $(BUILD)/keelfs $(APP_DIR)/lighttpd.conf $(HTTPD_SITE) $(APP_DIR)/app.mk
	$(say) MKFS $@
	@rm -rf $(BUILD)/httpd/disk $@
	@mkdir -p $(BUILD)/httpd/disk/var/tmp
	$(Q)cp -r $(APP_DIR)/site $(BUILD)/httpd/disk/www
	$(Q)cp $(APP_DIR)/lighttpd.conf $(BUILD)/httpd/disk/lighttpd.conf
	$(Q)$(BUILD)/keelfs mkfs $@ $(HTTPD_DISK_SIZE) $(BUILD)/httpd/disk

all: $(HTTPD_DISK)
RUN_DEPS := $(HTTPD_DISK)

# make run: the disk, the user network with the host's port 8080 on the
# guest's 80, and lighttpd's arguments unless CMDLINE gives others.
HTTPD_URL := http://127.0.0.1:8080/
RUN_NOTE := keel: lighttpd will serve $(HTTPD_URL) once booted; Ctrl-C ends it
RUN_ARGS := --disk $(HTTPD_DISK) --net user,hostfwd=tcp:127.0.0.1:8080-:80 \
	$(if $(strip $(CMDLINE)),,--append "$(HTTPD_KERNEL_OPTS) -- $(HTTPD_ARGS)")
