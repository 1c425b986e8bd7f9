# The kernel alone: its own C library, no drivers, no system-call layer.
APP_LIBC := keel
KEEL_DRIVERS :=
