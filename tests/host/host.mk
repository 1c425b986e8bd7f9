# Host unit tests: Keel's pure logic built for Linux as it is, with
# AddressSanitizer and UndefinedBehaviorSanitizer, driven by cmocka.
#
# A test is tests/host/test_<name>.c plus the Keel sources it exercises,
# listed as test_<name>_SRCS; tests of lib/ link the freestanding library
# compiled with its names prefixed (tests/host/lib.mk) so they can compare
# it against glibc in the same process.

HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-fno-omit-frame-pointer $(HOST_SAN) -I. -Iinclude -DKEEL_HOST_TEST -D_GNU_SOURCE -MD -MP
HOST_LDLIBS := -lcmocka
HOST_BUILD := $(BUILD)/host

HOST_TESTS :=
HOST_TOOLS :=
include tests/host/lib.mk

HOST_TESTS += cmdline
test_cmdline_SRCS := tests/host/test_cmdline.c kernel/cmdline.c

HOST_TESTS += option
test_option_SRCS := tests/host/test_option.c kernel/option.c

HOST_TESTS += memmap
test_memmap_SRCS := tests/host/test_memmap.c kernel/mm/memmap.c kernel/bootinfo.c

HOST_TESTS += pmm
test_pmm_SRCS := tests/host/test_pmm.c kernel/mm/pmm.c kernel/mm/memmap.c

HOST_TESTS += wallclock
test_wallclock_SRCS := tests/host/test_wallclock.c kernel/wallclock.c

HOST_TESTS += heap
test_heap_SRCS := tests/host/test_heap.c kernel/mm/heap.c

# DMA buffer pools over a page source of glibc's memory.
HOST_TESTS += dma_pool
test_dma_pool_SRCS := tests/host/test_dma_pool.c kernel/mm/dma_pool.c

HOST_TESTS += acpi
test_acpi_SRCS := tests/host/test_acpi.c kernel/acpi.c

HOST_TESTS += timerq
test_timerq_SRCS := tests/host/test_timerq.c kernel/timerq.c

HOST_TESTS += msi
test_msi_SRCS := tests/host/test_msi.c arch/x86_64/msi.c

HOST_TESTS += sched
test_sched_SRCS := tests/host/test_sched.c tests/host/sched_host.c kernel/sched.c kernel/sync.c kernel/timerq.c

# Preemption: slices, preempt_disable, wake-up preemption.
HOST_TESTS += preempt
test_preempt_SRCS := tests/host/test_preempt.c tests/host/sched_host.c kernel/sched.c kernel/timerq.c

# The futex table (sys/futex.c) on the real scheduler.
HOST_TESTS += futex
test_futex_SRCS := tests/host/test_futex.c tests/host/sched_host.c kernel/sched.c kernel/timerq.c sys/futex.c

# Device classes: entropy sources, on the host scheduler.
HOST_TESTS += entropy
test_entropy_SRCS := tests/host/test_entropy.c tests/host/sched_host.c kernel/entropy.c kernel/sched.c \
	kernel/sync.c kernel/timerq.c

HOST_TESTS += blkdev
test_blkdev_SRCS := tests/host/test_blkdev.c tests/host/sched_host.c kernel/blkdev.c kernel/devreg.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c

HOST_TESTS += netdev
test_netdev_SRCS := tests/host/test_netdev.c tests/host/sched_host.c kernel/netdev.c kernel/devreg.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c

HOST_TESTS += chardev
test_chardev_SRCS := tests/host/test_chardev.c tests/host/sched_host.c kernel/chardev.c kernel/devreg.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c

# The public API over the kernel's, on the same host scheduler.
HOST_TESTS += keel_api
test_keel_api_SRCS := tests/host/test_keel_api.c kernel/keel_api.c kernel/devfault.c tests/host/sched_host.c kernel/sched.c \
	kernel/sync.c kernel/timerq.c kernel/entropy.c kernel/chardev.c kernel/devreg.c

# The virtqueue engine against a simulated device; the virtio core through
# a fake transport with that device behind it; the capability parser.
HOST_TESTS += virtqueue
test_virtqueue_SRCS := tests/host/test_virtqueue.c tests/host/vdev_sim.c drivers/virtio/virtqueue.c

HOST_TESTS += virtio_core
test_virtio_core_SRCS := tests/host/test_virtio_core.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c kernel/devfault.c
# Allocation failures injected under the core (test_virtio_core.c).
test_virtio_core_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc

# The virtio-rng driver over the same fake transport.
HOST_TESTS += virtio_rng
test_virtio_rng_SRCS := tests/host/test_virtio_rng.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c kernel/devfault.c kernel/entropy.c
test_virtio_rng_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc

# The virtio-console driver over the same fake transport.
HOST_TESTS += virtio_console
test_virtio_console_SRCS := tests/host/test_virtio_console.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c kernel/devfault.c kernel/mm/dma_pool.c
test_virtio_console_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc

HOST_TESTS += virtio_caps
test_virtio_caps_SRCS := tests/host/test_virtio_caps.c drivers/virtio/virtio_pci_caps.c

# The system-call layer's pure parts: the application's regions and the
# checks of its pointers, the descriptor table, the initial stack.
HOST_TESTS += vm
test_vm_SRCS := tests/host/test_vm.c sys/vm.c

HOST_TESTS += fd
test_fd_SRCS := tests/host/test_fd.c sys/fd.c tests/host/sched_host.c kernel/sched.c kernel/sync.c kernel/timerq.c

# The device nodes of /dev: found by name and number, stat of each.
HOST_TESTS += devnode
test_devnode_SRCS := tests/host/test_devnode.c sys/devnode.c

HOST_TESTS += ustring
test_ustring_SRCS := tests/host/test_ustring.c sys/ustring.c

HOST_TESTS += ldisc
test_ldisc_SRCS := tests/host/test_ldisc.c sys/ldisc.c

# Pipes and epoll over the descriptor table, on the host scheduler (a
# blocked reader is a thread).
HOST_TESTS += readiness
test_readiness_SRCS := tests/host/test_readiness.c sys/fd.c sys/pipe.c sys/epoll.c tests/host/sched_host.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c

# AF_UNIX sockets over the descriptor table, on the host scheduler (a
# blocked reader, writer, accept or connect is a thread); pipes are the
# files they pass. sys/linux.h wants the generated system-call table (the
# flag finds it, on the line that also links).
HOST_TESTS += unix
test_unix_SRCS := tests/host/test_unix.c sys/unix.c sys/sockopt.c sys/fd.c sys/pipe.c tests/host/sched_host.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c
test_unix_LDFLAGS := -I$(BUILD)/gen
$(HOST_BUILD)/test_unix: $(BUILD)/gen/syscall_nr.h

# eventfd objects over the descriptor table's watches and epoll, on the
# host scheduler (a blocked reader or writer is a thread).
HOST_TESTS += eventfd
test_eventfd_SRCS := tests/host/test_eventfd.c sys/eventfd.c sys/fd.c sys/epoll.c tests/host/sched_host.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c

# Signal delivery's pure logic and the frame against glibc's ucontext_t.
HOST_TESTS += sigframe
test_sigframe_SRCS := tests/host/test_sigframe.c sys/sigframe.c

HOST_TESTS += auxv
test_auxv_SRCS := tests/host/test_auxv.c sys/auxv.c

# The vDSO's ELF image, read back with the host's <elf.h>.
HOST_TESTS += vdso
test_vdso_SRCS := tests/host/test_vdso.c sys/vdso_image.c

# The compressed symbol table for backtraces: the generator's output for a
# made-up listing, read back by the kernel's lookup. The text's bounds are
# the listing's (absolute symbols: no PIE).
HOST_TESTS += ksyms
test_ksyms_SRCS := tests/host/test_ksyms.c kernel/ksyms.c
test_ksyms_OBJS := $(HOST_BUILD)/ksyms_test.S
test_ksyms_LDFLAGS := -no-pie -Wl,--defsym,__text_start=0x100000 -Wl,--defsym,__text_end=0x1000000
$(HOST_BUILD)/ksyms_test.S: tests/host/ksyms_listing.c tests/host/ksyms_listing.h tools/gen-ksyms.sh tools/bpe.awk
	@mkdir -p $(dir $@)
	$(say) GEN $@
	$(Q)$(HOSTCC) -std=c11 -O1 -Wall -Wextra -Werror -I. -o $(HOST_BUILD)/ksyms_listing tests/host/ksyms_listing.c
	$(Q)$(HOST_BUILD)/ksyms_listing | tools/gen-ksyms.sh - > $@

# The system calls' names, decoded from the generated table; the flag
# finds that table (it is a compile flag, on the line that also links).
HOST_TESTS += names
test_names_SRCS := tests/host/test_names.c sys/names.c
test_names_LDFLAGS := -I$(BUILD)/gen
$(HOST_BUILD)/test_names: $(BUILD)/gen/syscall_nr.h

# Tests of a subject kept in a file of their own (tests/host/*-tests.mk)
# add to HOST_TESTS and HOST_TOOLS the same way.
include $(sort $(wildcard tests/host/*-tests.mk))

# Every test above gets its rule here.
define host_test_rule
$(HOST_BUILD)/test_$(1): $$(test_$(1)_SRCS) $$(test_$(1)_OBJS)
	@mkdir -p $$(dir $$@)
	$$(say) HOSTCC $$@
	$$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $$@ $$(test_$(1)_SRCS) $$(test_$(1)_OBJS) $$(test_$(1)_LDFLAGS) $(HOST_LDLIBS)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

host-tests: $(addprefix $(HOST_BUILD)/test_,$(HOST_TESTS))

# Host programs the boot tests drive the images with.
HOST_TOOLS += sockecho
$(HOST_BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(say) HOSTCC $@
	$(Q)$(HOSTCC) -std=c11 -O2 -g -Wall -Wextra -Werror -o $@ $<

host-tests: $(addprefix $(HOST_BUILD)/tools/,$(HOST_TOOLS))

include tests/fuzz/fuzz.mk
