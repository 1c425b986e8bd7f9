# lwIP's objects for an image with networking (KEEL_NET := yes in app.mk).
LWIP_DIR := $(shell tools/fetch-source.sh lwip)
ifeq ($(LWIP_DIR),)
$(error net: cannot fetch Debian's source package lwip (tools/fetch-source.sh))
endif

# The network's per-packet path is compiled for speed (-O2 after the
# kernel's -Oz): at -Oz every small fixed-size copy of lwIP and the glue
# (addresses, header fields) is a call to memcpy, and the per-segment
# functions are not inlined, which an emulated CPU pays for every
# segment. Only images with networking carry this code.
NET_OPT := -O2
$(patsubst %,$(KOBJ)/%.o,$(NET_SRCS)): KCFLAGS += $(LWIP_INCLUDES) $(NET_OPT)

# make LWIP_DEBUG=1: lwIP's traces on the console (net/lwipopts.h); build
# from clean when switching, since the objects do not record the flag.
ifeq ($(LWIP_DEBUG),1)
LWIP_INCLUDES += -DKEEL_LWIP_DEBUG
endif

# lwIP with the kernel's flags, less the warnings net/sources.mk lists.
$(LWIP_OBJ)/%.o: $(LWIP_DIR)/src/%.c $(FLAGS_STAMP) net/lwipopts.h net/arch/cc.h net/arch/sys_arch.h
	@mkdir -p $(dir $@)
	$(say) CC lwip/$*.c
	$(Q)$(CC) $(KCFLAGS) $(LWIP_INCLUDES) $(LWIP_NOWARN) $(NET_OPT) -c $< -o $@

# A keel application with networking (a test that reaches inside) may use
# lwIP's headers too.
ifeq ($(APP_LIBC),keel)
$(patsubst %,$(KOBJ)/%.o,$(APP_SRCS)): KCFLAGS += $(LWIP_INCLUDES)
endif
