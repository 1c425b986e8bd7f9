# The memory report's option and line (kernel/memreport.c), which the soak
# bench (bench/soak.sh) reads.
HOST_TESTS += memreport
test_memreport_SRCS := tests/host/test_memreport.c kernel/memreport.c

# The count of KeelFS's cached blocks in the memory report.
HOST_TESTS += kfs_cache_count
test_kfs_cache_count_SRCS := tests/host/test_kfs_cache_count.c $(KFS_TEST_SRCS)
