# The kernel's optional parts, beside the core list in the Makefile.

# The memory report (kernel option mem.report=SECONDS) for soak tests.
KERNEL_SRCS += kernel/memreport.c kernel/memwatch.c
# Parts of the kernel an application's app.mk may leave out with
# KEEL_KERNEL_OUT, as KEEL_SYSCALLS_OUT does system-call families: the
# memory report (its option then unknown, and ignored with a line on the
# console; an image with KeelFS or the network stack needs it, as they
# register sources with it).
KERNEL_OPTIONAL_SRCS := kernel/memreport.c kernel/memwatch.c
