# The kernel's optional parts, beside the core list in the Makefile.

# The memory report (kernel option mem.report=SECONDS) for soak tests.
KERNEL_SRCS += kernel/memreport.c kernel/memwatch.c
