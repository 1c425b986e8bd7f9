APP_SRCS := main.c protection.c threads.c devices.c preempt.c clone.c
# Compiled with SSE and the x87, as application code is: their threads'
# FPU state must survive preemption.
APP_FPU_SRCS := preempt.c clone.c
# The thread system calls (clone, futex...), which ktest clone issues.
KEEL_SYSCALLS := yes
