# Sources of the system-call layer kept out of the Makefile's list.
SYS_SRCS += sys/timeval.c
# The vDSO (sys/vdso.h): the clock calls as functions the application
# calls without a system call, and the ELF image musl finds them by.
SYS_SRCS += sys/vdso.c sys/vdso_image.c
# The machine's description (uname, sysinfo, getrusage), resource limits
# and prctl, apart from sys/misc.c so that an image may leave them out.
SYS_SRCS += sys/sysinfo.c sys/rlimit.c sys/prctl.c
# close, the dup family and fcntl, apart from the reads and writes of
# sys/files.c.
SYS_SRCS += sys/fdcalls.c
# pipe and pipe2 over sys/pipe.c.
SYS_SRCS += sys/pipecalls.c
# eventfd and eventfd2 over sys/eventfd.c.
SYS_SRCS += sys/eventfd.c sys/eventfdcalls.c
# Signal names and the death by one, also without the signal calls.
SYS_SRCS += sys/signame.c
# Thread ids, set_tid_address and gettid, also without sys/threads.c.
SYS_SRCS += sys/tid.c
# mount(2) and umount2(2): RAM filesystems anywhere, KeelFS on a disk
# through sys/fsdisk.c when the image has one.
SYS_SRCS += sys/mount.c
# The file system calls over the VFS: the open file, the calls by path,
# record locks, and the tree mounted at boot.
SYS_SRCS += sys/fsfile.c sys/fscalls.c sys/fsstat.c sys/fslock.c sys/fsroot.c

# The socket system calls (sys/sockcalls.h) with the stack or without, and the
# AF_UNIX family and the socket options' checks.
SYS_SRCS += sys/sockcalls.c sys/sockopt.c sys/unix.c sys/unixcalls.c
# The AF_INET, AF_INET6 and AF_NETLINK families over lwIP's netconn API,
# in images with the network stack (KEEL_NET := yes); the Makefile adds
# them to SYS_SRCS once the application's app.mk has said (without them,
# socket() answers EAFNOSUPPORT for those families, as Linux does for a
# family it was built without). The pure parts are host-tested
# (tests/host/sock-tests.mk).
SYS_NET_SRCS := \
	sys/sockaddr.c \
	sys/sockready.c \
	sys/sockerr.c \
	sys/sockconn.c \
	sys/socket.c \
	sys/socketcalls.c \
	sys/sockoptcalls.c \
	sys/netfiles.c \
	sys/rtnl.c \
	sys/netlink.c
SYS_NONET_SRCS :=

# KeelFS on a disk at the root, in images with a block driver (Makefile:
# CLASS_disk); sys/fsroot.c calls it when it is there.
SYS_DISK_SRCS += sys/fsdisk.c
# The kernel option stack=SIZE, the application's main stack (sys/start.c).
SYS_SRCS += sys/stack_size.c
# The disks' nodes under /dev (sys/devnodes.c asks for them by name).
SYS_SRCS += sys/devblk.c
