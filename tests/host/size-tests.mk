# The interrupt entry stubs as assembled (arch/x86_64/traps.S) against the
# layout the IDT's gates are computed from (arch/x86_64/trap_stubs.h):
# the stubs' text, copied out of the host-assembled object, is linked
# into the test as data.
HOST_TESTS += trap_stubs
test_trap_stubs_SRCS := tests/host/test_trap_stubs.c
test_trap_stubs_OBJS := $(HOST_BUILD)/trap_stubs_text.S
$(HOST_BUILD)/trap_stubs.bin: arch/x86_64/traps.S arch/x86_64/trap_stubs.h
	@mkdir -p $(dir $@)
	$(say) GEN $@
	$(Q)$(HOSTCC) -D__ASSEMBLY__ -I. -c arch/x86_64/traps.S -o $(HOST_BUILD)/traps_host.o
	$(Q)$(OBJCOPY) -O binary -j .text $(HOST_BUILD)/traps_host.o $@
$(HOST_BUILD)/trap_stubs_text.S: $(HOST_BUILD)/trap_stubs.bin
	$(Q)printf '\t.section .rodata\n\t.globl trap_stubs_text, trap_stubs_text_end\ntrap_stubs_text:\n\t.incbin "%s"\ntrap_stubs_text_end:\n\t.section .note.GNU-stack, "", @progbits\n' $< > $@
