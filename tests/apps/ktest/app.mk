APP_SRCS := main.c protection.c threads.c devices.c
APP_LIBC := keel
