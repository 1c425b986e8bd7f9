# The kernel's optional parts, beside the core list in the Makefile.

# The memory report (kernel option mem.report=SECONDS) for soak tests.
KERNEL_SRCS += kernel/memreport.c kernel/memwatch.c

# The sampling profiler (kernel option profile=HZ), in every image whose
# app.mk does not set KEEL_PROFILER := no.
PROFILER_SRCS := kernel/profile.c kernel/profiler.c
KERNEL_SRCS += $(PROFILER_SRCS)
