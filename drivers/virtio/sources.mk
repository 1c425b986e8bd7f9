# virtio-net: a struct netdev per device (kernel/netdev.c is the class).
# Its locally administered address comes from the entropy sources when the
# device has none.
DRIVERS_virtio-net := $(DRIVERS_virtio) $(CLASS_entropy) drivers/virtio/virtio_net.c drivers/virtio/virtio_net_rx.c
ALL_DRIVERS += virtio-net

# virtio-blk: disks as struct blkdev (kernel/blkdev.h), named vda, vdb, ...
DRIVERS_virtio-blk := $(DRIVERS_virtio) drivers/virtio/virtio_blk.c drivers/virtio/virtio_blk_queue.c
ALL_DRIVERS += virtio-blk
