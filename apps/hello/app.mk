# hello needs no devices: the smallest image.
KEEL_DRIVERS :=
# A program of one thread that prints: none of the waits on descriptors,
# timers or names under /dev (their calls would answer ENOSYS, named on
# the console).
KEEL_SYSCALLS_OUT := sys/poll.c sys/epoll.c sys/ptimer.c sys/itimer.c
