# Keel's C library (lib/) tested on the host against glibc; included by
# host.mk.
#
# The library is compiled as the kernel compiles it, freestanding against
# lib/include, except that tests/host/lib_rename.h (forced in with
# -include) prefixes every public name with keel_: the test programs link
# it next to glibc and call both, comparing results. -fno-builtin keeps
# GCC from treating keel_memcpy and the rest as anything but plain
# functions. Left out are the kernel's -mstack-protector-guard=global,
# whose canary only the kernel defines, and its code-model flags.

HOST_LIB_BUILD := $(HOST_BUILD)/lib
HOST_LIB_CFLAGS := -std=c11 -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) -I. -Ilib/include \
	-include tests/host/lib_rename.h -fno-builtin -g -O1 -Wall -Wextra -Werror \
	-Wno-unused-parameter $(HOST_SAN) -fno-omit-frame-pointer -MD -MP

$(HOST_LIB_BUILD)/%.o: lib/%.c tests/host/lib_rename.h
	@mkdir -p $(dir $@)
	$(say) HOSTCC $<
	$(Q)$(HOSTCC) $(HOST_LIB_CFLAGS) -c $< -o $@

# test_lib_headers.c is built twice: once freestanding against Keel's
# headers, to record their constants, and once against glibc's, to compare.
$(HOST_LIB_BUILD)/headers_keel.o: tests/host/test_lib_headers.c tests/host/lib_rename.h
	@mkdir -p $(dir $@)
	$(say) HOSTCC $<
	$(Q)$(HOSTCC) $(HOST_LIB_CFLAGS) -DKEEL_HEADERS_SIDE -c $< -o $@

HOST_TESTS += lib_string
test_lib_string_SRCS := tests/host/test_lib_string.c
test_lib_string_OBJS := $(addprefix $(HOST_LIB_BUILD)/,string.o ctype.o)

HOST_TESTS += lib_ctype
test_lib_ctype_SRCS := tests/host/test_lib_ctype.c
test_lib_ctype_OBJS := $(HOST_LIB_BUILD)/ctype.o

HOST_TESTS += lib_stdlib
test_lib_stdlib_SRCS := tests/host/test_lib_stdlib.c
test_lib_stdlib_OBJS := $(addprefix $(HOST_LIB_BUILD)/,stdlib.o qsort.o ctype.o errno.o)

HOST_TESTS += lib_format
test_lib_format_SRCS := tests/host/test_lib_format.c
test_lib_format_OBJS := $(addprefix $(HOST_LIB_BUILD)/,format.o stdio.o string.o ctype.o errno.o)

HOST_TESTS += lib_headers
test_lib_headers_SRCS := tests/host/test_lib_headers.c
test_lib_headers_OBJS := $(addprefix $(HOST_LIB_BUILD)/,headers_keel.o format.o stdio.o string.o ctype.o errno.o)
