# hello needs no devices: the smallest image.
KEEL_DRIVERS :=
# Nor the sampling profiler.
KEEL_PROFILER := no
# A program of one thread that prints to its console and handles no
# signal: none of the waits on descriptors, timers, clocks, pipes, files
# and names under /dev, threads and futexes, or signal handlers (their
# calls answer ENOSYS, named on the console; the console's descriptors
# 0, 1 and 2 are the fd table's own, and a signal from it takes its
# default action).
KEEL_SYSCALLS_OUT := sys/poll.c sys/epoll.c sys/ptimer.c sys/itimer.c \
	sys/time.c sys/threads.c sys/futex.c \
	sys/signals.c sys/sigdeliver.c sys/sigframe.c \
	sys/pipe.c sys/pipecalls.c \
	sys/fsfile.c sys/fscalls.c sys/fsstat.c sys/fslock.c sys/fsroot.c \
	fs/vfs.c fs/ramfs.c fs/genfs.c fs/locks.c kernel/genfile.c \
	sys/devnode.c sys/devnodes.c sys/mount.c
