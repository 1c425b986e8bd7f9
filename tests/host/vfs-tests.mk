# The VFS over the RAM filesystem: paths, mounts, the checks of each
# operation by name; record locks; the generated files of /etc.
HOST_TESTS += vfs
test_vfs_SRCS := tests/host/test_vfs.c fs/vfs.c fs/ramfs.c tests/host/sched_host.c kernel/sched.c kernel/sync.c \
	kernel/timerq.c

HOST_TESTS += locks
test_locks_SRCS := tests/host/test_locks.c fs/locks.c

HOST_TESTS += genfs
test_genfs_SRCS := tests/host/test_genfs.c fs/genfs.c kernel/genfile.c

# The VFS over KeelFS on a RAM disk, as the root is mounted.
HOST_TESTS += vfs_keelfs
test_vfs_keelfs_SRCS := tests/host/test_vfs_keelfs.c fs/vfs.c $(FS_HOST_SRCS) tools/keelfs/hostdisk.c \
	tests/host/sched_host.c kernel/sched.c kernel/sync.c kernel/timerq.c
