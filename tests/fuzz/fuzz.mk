# libFuzzer targets, run briefly by tests/fuzz/run.sh: the virtqueue engine
# and the virtio PCI capability parser, each compiled into its target with
# clang, the fuzzer's coverage, AddressSanitizer and UBSan.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I. -Iinclude -DKEEL_HOST_TEST -D_GNU_SOURCE
FUZZ_BUILD := $(BUILD)/fuzz

FUZZ_TARGETS := fuzz_used_ring fuzz_pci_caps
fuzz_used_ring_SRCS := tests/fuzz/fuzz_used_ring.c drivers/virtio/virtqueue.c
fuzz_pci_caps_SRCS := tests/fuzz/fuzz_pci_caps.c drivers/virtio/virtio_pci_caps.c
# KeelFS's mount, lookups and fsck on damaged images.
FUZZ_TARGETS += fuzz_keelfs
fuzz_keelfs_SRCS := tests/fuzz/fuzz_keelfs.c $(FS_HOST_SRCS) tools/keelfs/hostdisk.c
# The SCSI parsers on what a device could return.
FUZZ_TARGETS += fuzz_scsi
fuzz_scsi_SRCS := tests/fuzz/fuzz_scsi.c drivers/virtio/scsi_cdb.c

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(say) FUZZCC $@
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MD -MP -c -o $@ $<

define fuzz_rule
$(FUZZ_BUILD)/$(1): $$(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$$($(1)_SRCS))
	$$(say) FUZZLD $$@
	$$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$^
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

host-tests: $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
