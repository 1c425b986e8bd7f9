# dmesg's timestamps on the kernel's log lines (kernel/logstamp.c).
HOST_TESTS += logstamp
test_logstamp_SRCS := tests/host/test_logstamp.c kernel/logstamp.c
