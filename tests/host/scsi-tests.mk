# virtio-scsi: the SCSI commands and answers, the scan against a simulated
# target, and the driver over the fake transport and a simulated device.
HOST_TESTS += scsi_cdb
test_scsi_cdb_SRCS := tests/host/test_scsi_cdb.c drivers/virtio/scsi_cdb.c
