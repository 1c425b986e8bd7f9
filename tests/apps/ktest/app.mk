APP_SRCS := main.c protection.c threads.c devices.c preempt.c
# Compiled with SSE and the x87, as application code is: the FPU state
# must survive preemption.
APP_FPU_SRCS := preempt.c
