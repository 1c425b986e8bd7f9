# hello needs no devices: the smallest image.
KEEL_DRIVERS :=
# A program of one thread that prints to its console: none of the waits
# on descriptors, timers, pipes, or files and names under /dev (their
# calls answer ENOSYS, named on the console; the console's descriptors
# 0, 1 and 2 are the fd table's own).
KEEL_SYSCALLS_OUT := sys/poll.c sys/epoll.c sys/ptimer.c sys/itimer.c \
	sys/pipe.c sys/pipecalls.c \
	sys/fsfile.c sys/fscalls.c sys/fsstat.c sys/fslock.c sys/fsroot.c \
	fs/vfs.c fs/ramfs.c fs/genfs.c fs/locks.c kernel/genfile.c \
	sys/devnode.c sys/devnodes.c
