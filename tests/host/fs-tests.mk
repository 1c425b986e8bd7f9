# KeelFS's host tests: the filesystem on RAM and file disks, a random
# model test against an in-memory reference, and crash consistency over
# a disk that records writes and flushes.
KFS_TEST_SRCS := $(FS_HOST_SRCS) tools/keelfs/hostdisk.c tests/host/kfs_util.c tests/host/kfs_env.c

HOST_TESTS += keelfs
test_keelfs_SRCS := tests/host/test_keelfs.c $(KFS_TEST_SRCS)

HOST_TESTS += keelfs_damage
test_keelfs_damage_SRCS := tests/host/test_keelfs_damage.c $(KFS_TEST_SRCS)

HOST_TESTS += keelfs_crash
test_keelfs_crash_SRCS := tests/host/test_keelfs_crash.c tests/host/crashdisk.c $(KFS_TEST_SRCS)

HOST_TESTS += keelfs_model
test_keelfs_model_SRCS := tests/host/test_keelfs_model.c $(KFS_TEST_SRCS)
host-tests: $(BUILD)/keelfs

# The host tool as a user runs it.
HOST_TESTS += keelfs_tool
test_keelfs_tool_SRCS := tests/host/test_keelfs_tool.c
$(HOST_BUILD)/test_keelfs_tool: $(BUILD)/keelfs

# KeelFS's kernel disk on the block device class over a fake device.
HOST_TESTS += blkdisk
test_blkdisk_SRCS := tests/host/test_blkdisk.c fs/blkdisk.c $(FS_HOST_SRCS) tests/host/sched_host.c kernel/blkdev.c \
	kernel/devreg.c kernel/sched.c kernel/sync.c kernel/timerq.c

# KeelFS's block cache when memory runs out: it lets clean blocks go.
HOST_TESTS += kfs_cache_memory
test_kfs_cache_memory_SRCS := tests/host/test_kfs_cache_memory.c $(KFS_TEST_SRCS)
test_kfs_cache_memory_LDFLAGS := -Wl,--wrap=malloc
