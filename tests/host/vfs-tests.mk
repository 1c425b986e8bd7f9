# The VFS over the RAM filesystem: paths, mounts, the checks of each
# operation by name; record locks; the generated files of /etc.
HOST_TESTS += vfs
test_vfs_SRCS := tests/host/test_vfs.c fs/vfs.c fs/ramfs.c tests/host/sched_host.c kernel/sched.c kernel/sync.c \
	kernel/timerq.c

HOST_TESTS += locks
test_locks_SRCS := tests/host/test_locks.c fs/locks.c

HOST_TESTS += genfs
test_genfs_SRCS := tests/host/test_genfs.c fs/genfs.c kernel/genfile.c
