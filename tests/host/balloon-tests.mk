# virtio-balloon: the page allocator's reclaim hook (kernel/mm/pmm.c), and
# the balloon's bookkeeping (drivers/virtio/balloon_state.c) against a
# simulated allocator and device.
HOST_TESTS += pmm_reclaim
test_pmm_reclaim_SRCS := tests/host/test_pmm_reclaim.c kernel/mm/pmm.c kernel/mm/memmap.c

HOST_TESTS += balloon_state
test_balloon_state_SRCS := tests/host/test_balloon_state.c drivers/virtio/balloon_state.c
