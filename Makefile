# Keel: one application linked with a small kernel into one bootable image.
#
#   make                 build build/$(APP).elf (boots with -kernel) and build/$(APP).iso
#   make run             install what is missing, build, boot $(APP) under QEMU
#                        (by default the appliance, apps/httpd: a web server)
#   make test            install what is missing, run every test suite
#   make host-tests      build the host unit tests (tests/host)
#
# APP names a folder under apps/ (or tests/apps/ for the test applications);
# its app.mk may set APP_SRCS, APP_OBJS, APP_LIBS, APP_LIBC and KEEL_DRIVERS.
# CMDLINE is baked into the ISO's grub.cfg; run-qemu.sh --append overrides it.

APP ?= httpd
# The images' own build rules come from app.mk files, included below:
# whatever they define first, plain `make` builds the image.
.DEFAULT_GOAL := all
# V=1 shows every command in full.
V ?= 0
ifeq ($(V),1)
Q :=
say := @true
else
Q := @
say := @printf '  %-7s %s\n'
endif
CMDLINE ?=
# Handed to recipes through the environment, so quotes in it survive.
export KEEL_ISO_CMDLINE := $(CMDLINE)
BUILD := build

CC := gcc
HOSTCC := gcc
OBJCOPY := objcopy
LD := ld
OBJDUMP := objdump
NM := nm
STRIP := strip

# --- sources -----------------------------------------------------------------

BOOT_SRCS := \
	boot/header.S \
	boot/entry32.S

KERNEL_SRCS := \
	kernel/main.c \
	kernel/option.c \
	kernel/exit.c \
	kernel/keel_api.c \
	kernel/wallclock.c \
	kernel/devfault.c \
	arch/x86_64/start.c \
	arch/x86_64/serial.c \
	kernel/console.c \
	kernel/console_input.c \
	kernel/logstamp.c \
	kernel/bootinfo.c \
	kernel/mm/memmap.c \
	kernel/mm/pmm.c \
	arch/x86_64/paging.c \
	kernel/mm/heap.c \
	kernel/mm/mm.c \
	kernel/mm/dma.c \
	kernel/mm/dma_pool.c \
	kernel/cmdline.c \
	arch/x86_64/gdt.c \
	arch/x86_64/idt.c \
	arch/x86_64/traps.S \
	arch/x86_64/exception.c \
	kernel/panic.c \
	kernel/ksyms.c \
	arch/x86_64/tsc.c \
	kernel/acpi.c \
	kernel/acpi_aml.c \
	arch/x86_64/pic.c \
	arch/x86_64/lapic.c \
	arch/x86_64/ioapic.c \
	arch/x86_64/msi.c \
	arch/x86_64/irq.c \
	kernel/timerq.c \
	kernel/timer.c \
	kernel/sched.c \
	kernel/sync.c \
	kernel/devreg.c \
	kernel/netdev.c \
	kernel/chardev.c \
	arch/x86_64/thread_arch.c \
	arch/x86_64/switch.S \
	arch/x86_64/fpu.c \
	arch/x86_64/power.c \
	arch/x86_64/rtc.c \
	arch/x86_64/fwcfg.c \
	arch/x86_64/random.c

# The Linux system-call layer, one file per family; each registers its
# calls with SYSCALL() (sys/syscall.h), so adding a family is one line here.
# With it, the `syscall` instruction's entry and set-up (arch). Linked into
# every musl application, and into a keel application whose app.mk sets
# KEEL_SYSCALLS := yes (a test that issues system calls itself).
SYS_SRCS := \
	arch/x86_64/syscall.S \
	arch/x86_64/syscall_arch.c \
	sys/syscall.c \
	sys/names.c \
	sys/uaccess.c \
	sys/ustring.c \
	sys/vm.c \
	sys/fd.c \
	sys/ldisc.c \
	sys/console.c \
	sys/pipe.c \
	sys/devnode.c \
	sys/devnodes.c \
	sys/epoll.c \
	sys/poll.c \
	sys/auxv.c \
	sys/start.c \
	sys/files.c \
	sys/memory.c \
	sys/time.c \
	sys/signals.c \
	sys/sigframe.c \
	sys/sigdeliver.c \
	sys/itimer.c \
	sys/ptimer.c \
	sys/misc.c \
	sys/futex.c \
	sys/threads.c

# Drivers, chosen by each application: app.mk may set KEEL_DRIVERS to any
# of the names below (default: all of them). The kernel probes what the
# image holds. A device class that only drivers feed comes with them: an
# image without an entropy source has no entropy registry, and its
# keel_getrandom (and getrandom(2) past RDRAND) finds no source.
CLASS_entropy := kernel/entropy.c
# Likewise disks: an image without a block driver has no block device
# class, nor the disk filesystem and the mounting of a disk at / that
# come with it in the system-call layer (SYS_DISK_SRCS, below): its root
# is in memory.
CLASS_disk := kernel/blkdev.c
DRIVERS_pci := drivers/pci/pci.c drivers/pci/pci_irq.c drivers/pci/pci_names.c
DRIVERS_virtio := $(DRIVERS_pci) \
	drivers/virtio/virtqueue.c \
	drivers/virtio/virtio.c \
	drivers/virtio/virtio_dev.c \
	drivers/virtio/virtio_pci_caps.c \
	drivers/virtio/virtio_pci.c \
	drivers/virtio/virtio_pci_modern.c \
	drivers/virtio/virtio_pci_legacy.c \
	drivers/virtio/virtio_mmio.c \
	drivers/virtio/virtio_mmio_cmdline.c \
	drivers/virtio/virtio_mmio_probe.c
DRIVERS_virtio-rng := $(DRIVERS_virtio) $(CLASS_entropy) drivers/virtio/virtio_rng.c
DRIVERS_virtio-console := $(DRIVERS_virtio) drivers/virtio/virtio_console.c
ALL_DRIVERS := virtio-rng virtio-console

# Layers and drivers that bring their own source lists (net/, fs/ and
# the like) add them to KERNEL_SRCS, SYS_SRCS and the DRIVERS_ lists in a
# sources.mk of their own folder.
include $(sort $(wildcard */sources.mk */*/sources.mk))

LIB_SRCS := \
	lib/string.c \
	lib/ctype.c \
	lib/stdlib.c \
	lib/qsort.c \
	lib/format.c \
	lib/stdio.c \
	lib/errno.c

# APP_DIR=FOLDER builds an application kept anywhere, outside the tree
# too (a folder with a main.c or an app.mk, as under apps/; its APP_SRCS
# may be absolute paths); APP then defaults to the folder's name.
# tools/keel-build writes such a folder for an application's files.
ifdef APP_DIR
override APP_DIR := $(abspath $(APP_DIR))
$(if $(wildcard $(APP_DIR)/.),,$(error APP_DIR: no folder $(APP_DIR)))
ifeq ($(origin APP),file)
APP := $(notdir $(APP_DIR))
endif
else
APP_DIR := $(firstword $(wildcard apps/$(APP) tests/apps/$(APP)))
endif
ifeq ($(APP_DIR),)
$(error no application '$(APP)' under apps/ or tests/apps/)
endif
# An application lists its sources in app.mk as APP_SRCS (paths relative
# to its folder); without them (and without APP_OBJS or APP_LIBS), its
# main.c is the whole application.
# APP_OBJS and APP_LIBS (paths relative to the top) add prebuilt objects
# and static libraries. APP_LIBC chooses the C library: musl (Debian's,
# the default: the application is a Linux program) or keel (the kernel's
# own freestanding library, for test applications that reach inside).
APP_SRCS :=
APP_OBJS :=
APP_LIBS :=
APP_LIBC := musl
APP_FPU_SRCS :=
# More flags for the application's own sources (-I, -D, -Wno-error...).
APP_EXTRA_CFLAGS :=
# The alignment of the application's functions, its C library's with
# them (1, 2, 4, 8 or 16; empty: as they were compiled, musl's at 16):
# 1 packs them end to end, size before speed, as the kernel's -Oz does
# its own.
APP_TEXT_ALIGN :=
KEEL_SYSCALLS := no
KEEL_DRIVERS := $(ALL_DRIVERS)
# The network stack (net/: lwIP and its glue) only goes into images
# whose app.mk sets KEEL_NET := yes (net/sources.mk says why).
KEEL_NET := no
# The console's input (kernel/console_input.c, and the terminal with its
# line discipline, sys/console.c and sys/ldisc.c) is in every image unless
# app.mk sets KEEL_CONSOLE_INPUT := no: the console then only writes
# (sys/conout.c stands in: a read of descriptors 0, 1, 2 finds the end of
# the input, as from /dev/null).
KEEL_CONSOLE_INPUT := yes
# The symbol table for backtraces (kernel/ksyms.c) is in every image
# unless app.mk sets KEEL_KSYMS := no: reports then print addresses,
# which tools/symbolize names from the unstripped build/APP.elf.
KEEL_KSYMS := yes
# What `make run` needs beside the image: app.mk may name files to build
# first (RUN_DEPS, e.g. a disk), run-qemu.sh options (RUN_ARGS) and a line
# to print before the boot (RUN_NOTE).
RUN_DEPS :=
RUN_ARGS :=
RUN_NOTE :=
-include $(APP_DIR)/app.mk
$(if $(filter-out yes no,$(KEEL_NET)),$(error $(APP_DIR)/app.mk: KEEL_NET must be yes or no))
$(if $(filter-out yes no,$(KEEL_KSYMS)),$(error $(APP_DIR)/app.mk: KEEL_KSYMS must be yes or no))
$(if $(filter-out yes no,$(KEEL_CONSOLE_INPUT)),$(error $(APP_DIR)/app.mk: KEEL_CONSOLE_INPUT must be yes or no))
ifeq ($(KEEL_KSYMS),no)
KERNEL_SRCS := $(patsubst kernel/ksyms.c,kernel/ksyms_none.c,$(KERNEL_SRCS))
endif
ifeq ($(KEEL_CONSOLE_INPUT),no)
KERNEL_SRCS := $(filter-out kernel/console_input.c,$(KERNEL_SRCS))
SYS_SRCS := $(filter-out sys/console.c sys/ldisc.c,$(SYS_SRCS)) sys/conout.c
endif
APP_SRCS := $(foreach s,$(if $(APP_SRCS)$(APP_OBJS)$(APP_LIBS),$(APP_SRCS),main.c),$(if $(filter /%,$(s)),$(s),$(APP_DIR)/$(s)))
$(if $(filter-out musl keel,$(APP_LIBC)),$(error $(APP_DIR)/app.mk: APP_LIBC must be musl or keel))
$(if $(filter-out 1 2 4 8 16,$(APP_TEXT_ALIGN)),$(error $(APP_DIR)/app.mk: APP_TEXT_ALIGN must be 1, 2, 4, 8 or 16))
$(foreach d,$(KEEL_DRIVERS),$(if $(DRIVERS_$(d)),,$(error $(APP_DIR)/app.mk: unknown driver '$(d)' (known: $(ALL_DRIVERS)))))
# System-call families an application never calls may stay out of its
# image: app.mk may set KEEL_SYSCALLS_OUT to files of SYS_SRCS, whose calls
# then answer -ENOSYS (logged once by name, as any call Keel lacks).
$(foreach f,$(KEEL_SYSCALLS_OUT),$(if $(filter $(f),$(SYS_SRCS)),,$(error $(APP_DIR)/app.mk: '$(f)' is not in SYS_SRCS)))
SYS_SRCS := $(filter-out $(KEEL_SYSCALLS_OUT),$(SYS_SRCS))
# Likewise the optional parts of the kernel (KERNEL_OPTIONAL_SRCS,
# kernel/sources.mk): app.mk may list them in KEEL_KERNEL_OUT.
$(foreach f,$(KEEL_KERNEL_OUT),$(if $(filter $(f),$(KERNEL_OPTIONAL_SRCS)),,$(error $(APP_DIR)/app.mk: '$(f)' is not in KERNEL_OPTIONAL_SRCS ($(KERNEL_OPTIONAL_SRCS)))))
KERNEL_SRCS := $(filter-out $(KEEL_KERNEL_OUT),$(KERNEL_SRCS))
DRIVER_SRCS := $(sort $(foreach d,$(KEEL_DRIVERS),$(DRIVERS_$(d))))
SYS_SRCS += $(if $(filter $(CLASS_disk),$(DRIVER_SRCS)),$(SYS_DISK_SRCS))

# --- flags -------------------------------------------------------------------

GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

# Freestanding C11 for a 64-bit kernel: no red zone (the kernel's own
# habit; interrupts leave 128 bytes below an interrupted stack pointer
# alone anyway), no SSE/x87 (the FPU's state belongs to the threads that
# use it, arch/x86_64/fpu.c, and the kernel never touches it), frame pointers
# for backtraces (and no tail calls, which would drop frames from them),
# and a stack protector whose canary is a global drawn
# from RDRAND at boot. -Oz (size before speed, beyond -Os): the image is
# what every boot loads, and the kernel's hot paths are few and short.
KCFLAGS := -std=c11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
	-I. -Iinclude -Ilib/include \
	-Oz -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter \
	-mno-red-zone -mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls \
	-fstack-protector-strong -mstack-protector-guard=global \
	-fno-pic -fno-pie -mcmodel=small -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-common -fno-tree-loop-distribute-patterns \
	-ffunction-sections -fdata-sections -MD -MP
KASFLAGS := -I. -D__ASSEMBLY__ -MD -MP
# -n (nmagic): segments follow each other in the file without padding to
# a page; the loaders place them by physical address.
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,linker.ld -Wl,--gc-sections -Wl,-n \
	-Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--build-id=none \
	-Wl,--no-warn-rwx-segments

# Applications on musl: Debian's musl headers only, the ordinary
# user-space code model (red zone, SSE: the kernel preserves both), and
# the stack protector reading its canary at %fs:0x28 like on Linux.
MUSL_INCLUDE := /usr/include/x86_64-linux-musl
MUSL_LIBDIR := /usr/lib/x86_64-linux-musl
LIBGCC := $(shell $(CC) -print-libgcc-file-name)
APP_CFLAGS := -std=gnu11 -nostdinc -isystem $(MUSL_INCLUDE) -isystem $(GCC_INCLUDE) -Iinclude \
	-Os -g -Wall -Wextra -Werror -fno-pie -fno-pic -fstack-protector-strong -fno-omit-frame-pointer \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -MD -MP

KOBJ := $(BUILD)/obj
ifeq ($(APP_LIBC),musl)
KEEL_SYSCALLS := yes
endif
# The socket calls go with the network stack; an image without it gets
# their stand-ins (sys/sources.mk).
SYS_SRCS += $(if $(filter yes,$(KEEL_NET)),$(SYS_NET_SRCS),$(SYS_NONET_SRCS))
KERNEL_OBJS := $(patsubst %,$(KOBJ)/%.o,$(BOOT_SRCS) $(KERNEL_SRCS) $(if $(filter yes,$(KEEL_SYSCALLS)),$(SYS_SRCS)) \
	$(DRIVER_SRCS) $(LIB_SRCS) $(if $(filter yes,$(KEEL_NET)),$(NET_SRCS))) $(if $(filter yes,$(KEEL_NET)),$(NET_OBJS))
APP_OBJS := $(patsubst %,$(KOBJ)/%.o,$(APP_SRCS)) $(APP_OBJS)

IMAGE := $(BUILD)/$(APP).elf
ISO := $(BUILD)/$(APP).iso

.PHONY: all run test host-tests clean deps images
all: $(IMAGE) $(ISO) $(BUILD)/$(APP).xml

# Objects depend on the flags they were built with: changing a flag in
# this file rebuilds everything it affects.
FLAGS_STAMP := $(BUILD)/flags.$(shell echo '$(KCFLAGS) $(KASFLAGS) $(APP_CFLAGS)' | md5sum | cut -c1-12)
$(FLAGS_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/flags.*
	@touch $@

$(KOBJ)/%.c.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(KOBJ)/%.S.o: %.S $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(say) AS $<
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Musl applications' sources, compiled for user space.
ifeq ($(APP_LIBC),musl)
$(patsubst %,$(KOBJ)/%.o,$(APP_SRCS)): KCFLAGS = $(APP_CFLAGS) $(APP_EXTRA_CFLAGS)
endif
# app.mk may change their flags (APP_EXTRA_CFLAGS).
$(patsubst %,$(KOBJ)/%.o,$(APP_SRCS)): $(wildcard $(APP_DIR)/app.mk)

# The system-call numbers and names, from the host's Linux headers.
$(BUILD)/gen/syscall_nr.h: /usr/include/x86_64-linux-gnu/asm/unistd_64.h tools/gen-syscall-names.sh tools/bpe.awk
	@mkdir -p $(dir $@)
	$(say) GEN $@
	$(Q)tools/gen-syscall-names.sh $< > $@
$(patsubst %,$(KOBJ)/%.o,$(SYS_SRCS)): $(BUILD)/gen/syscall_nr.h
$(patsubst %,$(KOBJ)/%.o,$(SYS_SRCS)): KCFLAGS += -I$(BUILD)/gen
$(patsubst %,$(KOBJ)/%.o,$(SYS_NET_SRCS)): KCFLAGS += $(LWIP_INCLUDES)

# The stack protector's canary is set in start.c, which therefore must not
# carry one of its own: a frame opened before the canary changes would
# fail its check on return.
$(KOBJ)/arch/x86_64/start.c.o: KCFLAGS += -fno-stack-protector

# Sources of a keel application listed in APP_FPU_SRCS (app.mk) may use the FPU and
# SSE, as code built for an ordinary x86-64 target does: the kernel keeps
# each thread's FPU state (arch/x86_64/fpu.c).
FPU_CFLAGS := $(filter-out -mno-sse -mno-mmx -mno-80387 -mgeneral-regs-only,$(KCFLAGS)) -msse2 -mfpmath=sse
$(patsubst %,$(KOBJ)/$(APP_DIR)/%.o,$(APP_FPU_SRCS)): KCFLAGS := $(FPU_CFLAGS)

# lwIP's objects and the flags of the files that use its headers.
ifeq ($(KEEL_NET),yes)
include net/lwip.mk
endif
# --- linking ------------------------------------------------------------------
#
# The kernel (with its C library) becomes one relocatable object whose
# symbols are all local but its entry points and the public API
# (tools/kernel-exports.txt): an application linked beside it, with a C
# library of its own, sees nothing else and collides with nothing. A keel
# application is linked into that object first, since it uses the kernel's
# library; a musl application becomes a second object, with musl's libc.a
# and libgcc.a. The final link puts the two together, twice: the second
# time with the symbol table for backtraces.

# argv[0] for the application: its name, in an object of its own.
$(BUILD)/$(APP)/app_name.c:
	@mkdir -p $(dir $@)
	$(Q)echo 'const char keel_app_name[] = "$(APP)";' > $@

$(BUILD)/$(APP)/%.c.o: $(BUILD)/$(APP)/%.c
	$(say) CC $<
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

ifeq ($(APP_LIBC),keel)
KERNEL_PART := $(KERNEL_OBJS) $(APP_OBJS)
APP_PART :=
else
KERNEL_PART := $(KERNEL_OBJS)
APP_PART := $(BUILD)/$(APP)/app.o
endif
LINK_OBJS := $(BUILD)/$(APP)/kernel.o $(APP_PART) $(BUILD)/$(APP)/app_name.c.o

# app.mk chooses the parts (drivers, system-call families): a change to it
# relinks even when it only removed some.
# Each partial link leaves its map (which object each section came
# from) for tools/image-size.sh. --unique keeps every input section
# apart: without it the partial link joins the sections of one name
# from all objects (the file-scope strings of each file in one
# .rodata.str1.1, static functions of one name), and the final link's
# --gc-sections must keep or drop them together.
$(BUILD)/$(APP)/kernel.o $(BUILD)/$(APP)/kernel.o.map &: $(KERNEL_PART) tools/kernel-exports.txt $(wildcard $(APP_DIR)/app.mk)
	@mkdir -p $(dir $(BUILD)/$(APP)/kernel.o)
	$(say) LD $(BUILD)/$(APP)/kernel.o
	$(Q)$(LD) -r --unique -z noexecstack -Map $(BUILD)/$(APP)/kernel.o.map -o $(BUILD)/$(APP)/kernel.o.all $(KERNEL_PART)
	$(Q)$(OBJCOPY) --wildcard --keep-global-symbols=tools/kernel-exports.txt $(BUILD)/$(APP)/kernel.o.all $(BUILD)/$(APP)/kernel.o
	@rm -f $(BUILD)/$(APP)/kernel.o.all

# The application with the parts of musl it uses (-u pulls the start-up
# from the archive); only what the kernel calls stays global, so none of
# the application's names can answer the kernel's own weak references.
$(BUILD)/$(APP)/app.o $(BUILD)/$(APP)/app.o.map &: $(APP_OBJS) $(APP_LIBS) $(MUSL_LIBDIR)/libc.a $(wildcard $(APP_DIR)/app.mk)
	@mkdir -p $(dir $(BUILD)/$(APP)/app.o)
	$(say) LD $(BUILD)/$(APP)/app.o
	$(Q)$(LD) -r --unique -z noexecstack -Map $(BUILD)/$(APP)/app.o.map -o $(BUILD)/$(APP)/app.o.all -u __libc_start_main -u main $(APP_OBJS) --start-group $(APP_LIBS) \
		$(MUSL_LIBDIR)/libc.a $(LIBGCC) --end-group
	$(Q)$(OBJCOPY) --keep-global-symbol=__libc_start_main --keep-global-symbol=main \
		$(if $(APP_TEXT_ALIGN),$$(readelf -SW $(BUILD)/$(APP)/app.o.all | \
			sed -n 's/^ *\[ *[0-9]*\] \(\.text[^ ]*\) .*/--set-section-alignment \1=$(APP_TEXT_ALIGN)/p' | sort -u)) \
		$(BUILD)/$(APP)/app.o.all $(BUILD)/$(APP)/app.o
	@rm -f $(BUILD)/$(APP)/app.o.all

# The symbol table, and the application's hlt instructions (crashes on
# purpose: tools/gen-hlt-sites.sh), empty for the first link.
$(BUILD)/$(APP)/ksyms0.S: tools/gen-ksyms.sh tools/gen-hlt-sites.sh tools/bpe.awk
	@mkdir -p $(dir $@)
	$(Q){ tools/gen-ksyms.sh /dev/null; tools/gen-hlt-sites.sh /dev/null; } > $@

$(BUILD)/$(APP)/pass1.elf: $(LINK_OBJS) $(BUILD)/$(APP)/ksyms0.S.o linker.ld
	$(say) LD $@
	$(Q)$(CC) $(KLDFLAGS) -o $@ $(LINK_OBJS) $(BUILD)/$(APP)/ksyms0.S.o

# Without its table (KEEL_KSYMS := no) the image keeps the hlt sites.
$(BUILD)/$(APP)/ksyms.S: $(BUILD)/$(APP)/pass1.elf tools/gen-ksyms.sh tools/gen-hlt-sites.sh tools/bpe.awk $(wildcard $(APP_DIR)/app.mk)
	$(say) KSYMS $@
	$(Q){ $(if $(filter yes,$(KEEL_KSYMS)),$(NM) -n --defined-only $< | tools/gen-ksyms.sh -,tools/gen-ksyms.sh /dev/null); \
		tools/gen-hlt-sites.sh $<; } > $@

$(BUILD)/$(APP)/%.S.o: $(BUILD)/$(APP)/%.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# The symbol table sits after everything else, so the second link must
# put every other symbol where the first did: checked, not assumed.
$(IMAGE): $(LINK_OBJS) $(BUILD)/$(APP)/ksyms.S.o linker.ld $(BUILD)/$(APP)/pass1.elf $(patsubst %,%.map,$(BUILD)/$(APP)/kernel.o $(APP_PART)) \
	tools/image-size.sh
	$(say) LD $@
	$(Q)$(CC) $(KLDFLAGS) -Wl,-Map,$(BUILD)/$(APP).map -o $@ $(LINK_OBJS) $(BUILD)/$(APP)/ksyms.S.o
	@$(NM) -n --defined-only $(BUILD)/$(APP)/pass1.elf | grep -v -e ksyms -e app_hlt_ -e __kernel_end > $(BUILD)/$(APP)/syms1
	@$(NM) -n --defined-only $@ | grep -v -e ksyms -e app_hlt_ -e __kernel_end > $(BUILD)/$(APP)/syms2
	@cmp -s $(BUILD)/$(APP)/syms1 $(BUILD)/$(APP)/syms2 || { echo "error: the symbol table moved other symbols"; rm -f $@; exit 1; }
	$(Q)$(NM) -n $@ > $(BUILD)/$(APP).syms
	$(Q)$(OBJDUMP) -d --no-show-raw-insn $@ > $(BUILD)/$(APP).dis
	$(Q)$(STRIP) -o $(BUILD)/$(APP).stripped.elf $@
	@tools/check-image.sh $@
	@tools/image-size.sh $(BUILD)/$(APP).map $(patsubst %,%.map,$(BUILD)/$(APP)/kernel.o $(APP_PART)) \
		>$(BUILD)/$(APP).size
	@echo "  SIZE    $@: $$(stat -c %s $(BUILD)/$(APP).stripped.elf) bytes stripped, by part (build/$(APP).size):"
	@cat $(BUILD)/$(APP).size

$(BUILD)/$(APP)/iso/boot/grub/grub.cfg: tools/grub.cfg.in FORCE
	@mkdir -p $(dir $@)
	@CMDLINE="$$KEEL_ISO_CMDLINE" awk '{ gsub(/@CMDLINE@/, ENVIRON["CMDLINE"]); print }' $< > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(ISO): $(IMAGE) $(BUILD)/$(APP)/iso/boot/grub/grub.cfg
	@mkdir -p $(BUILD)/$(APP)/iso/boot
	$(say) ISO $@
	$(Q)cp $(IMAGE) $(BUILD)/$(APP)/iso/boot/keel.elf
	$(Q)grub-mkrescue -o $@ $(BUILD)/$(APP)/iso 2> $(BUILD)/$(APP)/grub-mkrescue.log || { cat $(BUILD)/$(APP)/grub-mkrescue.log; exit 1; }

# A libvirt domain for the image (tools/libvirt-xml.sh; `virsh define`):
# the PVH ELF with the ISO's command line, the serial console into
# build/APP.serial.log, and a virtio-net device on the user network when
# the image drives one. The VM's status is the log's "keel: exit status".
$(BUILD)/$(APP).xml: tools/libvirt-xml.sh FORCE
	@mkdir -p $(BUILD)
	$(Q)tools/libvirt-xml.sh --name keel-$(APP) --kernel $(IMAGE) --serial-log $(BUILD)/$(APP).serial.log \
		$(if $(filter virtio-net,$(KEEL_DRIVERS)),--net user) $${KEEL_ISO_CMDLINE:+--append "$$KEEL_ISO_CMDLINE"} >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

FORCE:

# --- the two commands of the README ------------------------------------------

deps:
	@tools/install-deps.sh build

run: deps
	@$(MAKE) --no-print-directory all $(RUN_DEPS)
	@$(if $(RUN_NOTE),echo '$(RUN_NOTE)',true)
	./run-qemu.sh --kernel $(IMAGE) $(RUN_ARGS) $(if $(CMDLINE),--append "$(CMDLINE)")

test: deps
	@tools/install-deps.sh test
	@tests/run.sh

# For tools/keel-build: the drivers there are, and the application's.
.PHONY: list-drivers app-drivers
list-drivers:
	@echo $(ALL_DRIVERS)
app-drivers:
	@echo $(KEEL_DRIVERS)

# --- the host tool for KeelFS images ---------------------------------------------

# build/keelfs (tools/keelfs/), built from the filesystem's own sources.
.PHONY: keelfs
keelfs: $(BUILD)/keelfs
$(BUILD)/keelfs: tools/keelfs/keelfs.c tools/keelfs/hostdisk.c $(FS_HOST_SRCS) $(wildcard fs/*.h tools/keelfs/*.h)
	@mkdir -p $(dir $@)
	$(say) HOSTCC $@
	$(Q)$(HOSTCC) -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -I. -D_GNU_SOURCE -o $@ \
		$(filter %.c,$^)

# --- host unit tests ----------------------------------------------------------

include tests/host/host.mk

clean:
	rm -rf $(BUILD)

# Not the dependency files of third-party builds run in a copy of their
# source (build/APP/tree): those name their own folder's files.
-include $(shell find $(BUILD) \( -path $(BUILD)/src -o -path '$(BUILD)/*/tree' \) -prune -o -type f -name '*.d' -print 2>/dev/null)
