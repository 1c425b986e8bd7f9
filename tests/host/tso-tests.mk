# Host tests of transmit segmentation offload (net/tso.c): runs of TCP
# segments gathered, cut again as the device does, and compared.

HOST_TESTS += net_tso
test_net_tso_SRCS := tests/host/test_net_tso.c net/tso.c net/csum.c
