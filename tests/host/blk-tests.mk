# The virtio-blk driver over the fake transport, under the block device class.
HOST_TESTS += virtio_blk
test_virtio_blk_SRCS := tests/host/test_virtio_blk.c tests/host/blk_sim.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c drivers/virtio/virtio_blkreq.c kernel/devfault.c kernel/blkdev.c kernel/devreg.c
# Allocation failures injected under the driver (test_virtio_blk.c).
test_virtio_blk_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc
# The driver is #included by the test: a change to it rebuilds the test.
$(HOST_BUILD)/test_virtio_blk: drivers/virtio/virtio_blk.c drivers/virtio/virtio_blk_queue.c \
	drivers/virtio/virtio_blk_queue.h drivers/virtio/virtio_blk.h drivers/virtio/virtio_blkreq.h
