# virtio-net: a struct netdev per device (kernel/netdev.c is the class).
# Its locally administered address comes from the entropy sources when the
# device has none.
DRIVERS_virtio-net := $(DRIVERS_virtio) $(CLASS_entropy) drivers/virtio/virtio_net.c drivers/virtio/virtio_net_rx.c
ALL_DRIVERS += virtio-net
