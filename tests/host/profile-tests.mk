# The sampling profiler's table, grouping and report lines (kernel/profile.c).
HOST_TESTS += profile
test_profile_SRCS := tests/host/test_profile.c kernel/profile.c
