APP_SRCS := main.c protection.c threads.c devices.c faults.c
APP_LIBC := keel
