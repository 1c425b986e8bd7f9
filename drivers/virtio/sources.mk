# virtio-net: a struct netdev per device (kernel/netdev.c is the class).
# Its locally administered address comes from the entropy sources when the
# device has none.
DRIVERS_virtio-net := $(DRIVERS_virtio) $(CLASS_entropy) drivers/virtio/virtio_net.c drivers/virtio/virtio_net_rx.c
ALL_DRIVERS += virtio-net

# The block request engine virtio-blk and virtio-scsi share: requests cut
# into chunks, tracked in flight, completed, failed when a device breaks.
DRIVERS_blkreq := drivers/virtio/virtio_blkreq.c

# virtio-blk: disks as struct blkdev (kernel/blkdev.h), named vda, vdb, ...;
# with it the class, and KeelFS at the root of a musl application.
DRIVERS_virtio-blk := $(DRIVERS_virtio) $(CLASS_disk) $(DRIVERS_blkreq) drivers/virtio/virtio_blk.c \
	drivers/virtio/virtio_blk_queue.c
ALL_DRIVERS += virtio-blk

# virtio-balloon: gives the host the memory it asks for, and takes it back
# when an allocation would fail (deflate-on-oom: a reclaimer of the page
# allocator, kernel/mm/pmm.h). Its bookkeeping, apart from the device, is
# balloon_state.c.
DRIVERS_virtio-balloon := $(DRIVERS_virtio) drivers/virtio/virtio_balloon.c drivers/virtio/balloon_state.c
ALL_DRIVERS += virtio-balloon

# virtio-scsi: a host adapter whose disks (each LUN of type 0) are struct
# blkdev named sda, sdb, ...; the scan and the SCSI commands are pure
# logic of their own (scsi_scan.c, scsi_cdb.c), tested on the host.
DRIVERS_virtio-scsi := $(DRIVERS_virtio) $(CLASS_disk) $(DRIVERS_blkreq) drivers/virtio/virtio_scsi.c \
	drivers/virtio/virtio_scsi_queue.c drivers/virtio/virtio_scsi_tmf.c drivers/virtio/scsi_cdb.c \
	drivers/virtio/scsi_scan.c
ALL_DRIVERS += virtio-scsi
