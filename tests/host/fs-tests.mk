# KeelFS's host tests: the filesystem on RAM and file disks, a random
# model test against an in-memory reference, and crash consistency over
# a disk that records writes and flushes.
KFS_TEST_SRCS := $(FS_HOST_SRCS) tools/keelfs/hostdisk.c tests/host/kfs_util.c

HOST_TESTS += keelfs
test_keelfs_SRCS := tests/host/test_keelfs.c $(KFS_TEST_SRCS)

HOST_TESTS += keelfs_crash
test_keelfs_crash_SRCS := tests/host/test_keelfs_crash.c tests/host/crashdisk.c $(KFS_TEST_SRCS)

HOST_TESTS += keelfs_model
test_keelfs_model_SRCS := tests/host/test_keelfs_model.c $(KFS_TEST_SRCS)
host-tests: $(BUILD)/keelfs
