# virtio-scsi: the SCSI commands and answers, the scan against a simulated
# target, and the driver over the fake transport and a simulated device.
HOST_TESTS += scsi_cdb
test_scsi_cdb_SRCS := tests/host/test_scsi_cdb.c drivers/virtio/scsi_cdb.c

HOST_TESTS += scsi_scan
test_scsi_scan_SRCS := tests/host/test_scsi_scan.c drivers/virtio/scsi_scan.c drivers/virtio/scsi_cdb.c
