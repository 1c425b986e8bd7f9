# The kernel's optional parts, beside the core list in the Makefile.

# The memory report (kernel option mem.report=SECONDS) for soak tests.
KERNEL_SRCS += kernel/memreport.c kernel/memwatch.c
# Parts of the kernel an application's app.mk may leave out with
# KEEL_KERNEL_OUT, as KEEL_SYSCALLS_OUT does system-call families: the
# memory report (its option then unknown, and ignored with a line on the
# console; an image with KeelFS or the network stack needs it, as they
# register sources with it), the sampling profiler (kernel option
# profile=HZ), and the I/O APIC's driver, which only an image without a
# device interrupt can do without (arch/x86_64/irq.c).
KERNEL_OPTIONAL_SRCS := kernel/memreport.c kernel/memwatch.c kernel/profile.c kernel/profiler.c \
	arch/x86_64/ioapic.c
KERNEL_SRCS += kernel/profile.c kernel/profiler.c
