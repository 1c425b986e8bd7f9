# KeelFS's file-data cache (fs/kfs_dcache.c), alone and in the filesystem.
HOST_TESTS += kfs_dcache
test_kfs_dcache_SRCS := tests/host/test_kfs_dcache.c $(KFS_TEST_SRCS)
