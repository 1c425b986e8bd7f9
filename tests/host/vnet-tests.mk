# The virtio-net driver over the fake transport and the simulated device,
# with the netdev class above it.
HOST_TESTS += virtio_net
test_virtio_net_SRCS := tests/host/test_virtio_net.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c kernel/devfault.c kernel/mm/dma_pool.c \
	kernel/netdev.c kernel/devreg.c
test_virtio_net_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc
