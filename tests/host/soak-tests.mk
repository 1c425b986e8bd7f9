# The memory report's option and line (kernel/memreport.c), which the soak
# bench (bench/soak.sh) reads.
HOST_TESTS += memreport
test_memreport_SRCS := tests/host/test_memreport.c kernel/memreport.c
