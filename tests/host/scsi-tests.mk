# virtio-scsi: the SCSI commands and answers, the scan against a simulated
# target, and the driver over the fake transport and a simulated device.
HOST_TESTS += scsi_cdb
test_scsi_cdb_SRCS := tests/host/test_scsi_cdb.c drivers/virtio/scsi_cdb.c

HOST_TESTS += scsi_scan
test_scsi_scan_SRCS := tests/host/test_scsi_scan.c drivers/virtio/scsi_scan.c drivers/virtio/scsi_cdb.c

HOST_TESTS += virtio_scsi
test_virtio_scsi_SRCS := tests/host/test_virtio_scsi.c tests/host/blk_sim.c tests/host/virtio_fake.c tests/host/vdev_sim.c \
	drivers/virtio/virtio.c drivers/virtio/virtqueue.c drivers/virtio/virtio_blkreq.c drivers/virtio/scsi_cdb.c drivers/virtio/scsi_scan.c \
	kernel/devfault.c kernel/blkdev.c kernel/devreg.c
# Allocation failures injected under the driver (test_virtio_scsi.c).
test_virtio_scsi_LDFLAGS := -Wl,--wrap=calloc -Wl,--wrap=realloc
# The driver is #included by the test: a change to it rebuilds the test.
$(HOST_BUILD)/test_virtio_scsi: drivers/virtio/virtio_scsi.c drivers/virtio/virtio_scsi_queue.c \
	drivers/virtio/virtio_scsi_tmf.c \
	drivers/virtio/virtio_scsi_priv.h drivers/virtio/virtio_scsi.h drivers/virtio/scsi_cdb.h drivers/virtio/scsi_scan.h \
	drivers/virtio/virtio_blkreq.h
