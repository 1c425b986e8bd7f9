# The block request engine virtio-blk and virtio-scsi share, on its own:
# a driver of the test's over the fake transport and the simulated device.
HOST_TESTS += virtio_blkreq
test_virtio_blkreq_SRCS := tests/host/test_virtio_blkreq.c tests/host/blk_sim.c tests/host/virtio_fake.c \
	tests/host/vdev_sim.c drivers/virtio/virtio.c drivers/virtio/virtqueue.c drivers/virtio/virtio_blkreq.c \
	kernel/devfault.c
# Allocation failures injected under the engine.
test_virtio_blkreq_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc
