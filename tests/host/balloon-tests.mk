# virtio-balloon: the page allocator's reclaim hook (kernel/mm/pmm.c), and
# the balloon's bookkeeping (drivers/virtio/balloon_state.c) against a
# simulated allocator and device.
HOST_TESTS += pmm_reclaim
test_pmm_reclaim_SRCS := tests/host/test_pmm_reclaim.c kernel/mm/pmm.c kernel/mm/memmap.c

HOST_TESTS += balloon_state
test_balloon_state_SRCS := tests/host/test_balloon_state.c drivers/virtio/balloon_state.c

# The driver over the fake transport, with a simulated page allocator.
HOST_TESTS += virtio_balloon
test_virtio_balloon_SRCS := tests/host/test_virtio_balloon.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c drivers/virtio/balloon_state.c kernel/devfault.c
test_virtio_balloon_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc
# The driver is #included by the test, not compiled apart: rebuilt with it.
$(HOST_BUILD)/test_virtio_balloon: drivers/virtio/virtio_balloon.c
