# hello needs no devices: the smallest image.
KEEL_DRIVERS :=
# A program of one thread that prints to its console, allocates no
# memory, opens and closes nothing and handles no signal: none of the
# waits on descriptors, timers, clocks and the vDSO, pipes, files and names under
# /dev, threads and futexes, signal handlers, memory mappings, close, dup
# and fcntl, sockets, eventfd, the machine's description, resource limits
# or prctl (their
# calls answer ENOSYS, logged on the console by number: the table of
# names stays out too; the console's descriptors 0, 1 and 2 are the fd
# table's own, and a signal from it takes its default action). What it
# calls: arch_prctl, set_tid_address, ioctl (TIOCGWINSZ), writev,
# exit_group.
KEEL_SYSCALLS_OUT := sys/poll.c sys/epoll.c sys/ptimer.c sys/itimer.c \
	sys/time.c sys/vdso.c sys/vdso_image.c sys/threads.c sys/futex.c \
	sys/signals.c sys/sigdeliver.c sys/sigframe.c \
	sys/pipe.c sys/pipecalls.c \
	sys/fsfile.c sys/fscalls.c sys/fsstat.c sys/fslock.c sys/fsroot.c \
	fs/vfs.c fs/ramfs.c fs/genfs.c fs/locks.c kernel/genfile.c \
	sys/devnode.c sys/devnodes.c sys/mount.c \
	sys/memory.c sys/sysinfo.c sys/rlimit.c sys/prctl.c sys/names.c \
	sys/fdcalls.c sys/sockcalls.c sys/sockopt.c sys/unix.c sys/unixcalls.c \
	sys/eventfd.c sys/eventfdcalls.c
# It reads nothing: its console only writes (a read finds end of file).
KEEL_CONSOLE_INPUT := no
# Nor the memory report (mem.report=), the sampling profiler (profile=)
# or, with no device to interrupt it, the I/O APIC's driver.
KEEL_KERNEL_OUT := kernel/memreport.c kernel/memwatch.c kernel/profile.c kernel/profiler.c \
	arch/x86_64/ioapic.c
# No symbol table: a crash report prints addresses, and tools/symbolize
# names them from build/hello.elf.
KEEL_KSYMS := no
# Its functions and the C library's packed end to end (size before speed).
APP_TEXT_ALIGN := 1
