# Sources of the system-call layer kept out of the Makefile's list.
SYS_SRCS += sys/timeval.c
