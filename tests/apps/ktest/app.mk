APP_SRCS := main.c protection.c threads.c devices.c faults.c preempt.c clone.c net.c blk.c blk_bench.c blk_hotplug.c
APP_LIBC := keel
# Compiled with SSE and the x87, as application code is: their threads'
# FPU state must survive preemption.
APP_FPU_SRCS := preempt.c clone.c
# The system-call layer, for the thread system calls (clone, futex...)
# that ktest clone issues itself.
KEEL_SYSCALLS := yes
