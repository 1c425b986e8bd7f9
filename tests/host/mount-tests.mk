# The disks' nodes under /dev: inode numbers that carry the name, stat.
HOST_TESTS += devblk
test_devblk_SRCS := tests/host/test_devblk.c sys/devblk.c
