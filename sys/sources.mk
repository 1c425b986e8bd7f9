# Sources of the system-call layer kept out of the Makefile's list.
SYS_SRCS += sys/timeval.c
# The file system calls over the VFS: the open file, the calls by path,
# record locks, and the tree mounted at boot.
SYS_SRCS += sys/fsfile.c sys/fscalls.c sys/fsstat.c sys/fslock.c sys/fsroot.c
# KeelFS on a disk at the root, in images with a block driver (Makefile:
# CLASS_disk); sys/fsroot.c calls it when it is there.
SYS_DISK_SRCS += sys/fsdisk.c
