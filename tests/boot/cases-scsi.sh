# Boot tests of virtio-scsi disks, sourced by cases.sh: KeelFS at the root
# on a scsi-hd (the read-back checks of t-fs-disk.sh) and SQLite on it, two disks on two
# LUNs through the block device API on each interface, and a disk plugged
# in and taken out through QMP while the kernel runs; the disk under the
# root filesystem taken out while the application writes; a disk grown
# while in use.
script_test scsi-fs-tree tests/boot/t-fs-disk.sh tree scsi
script_test scsi-fs-files-4096 tests/boot/t-fs-disk.sh files scsi 4096
script_test scsi-luns-modern tests/boot/t-scsi-luns.sh modern on 512
script_test scsi-luns-legacy-ind-off-4096 tests/boot/t-scsi-luns.sh legacy off 4096
script_test scsi-hotplug tests/boot/t-scsi-hotplug.sh
script_test scsi-unplug-root tests/boot/t-scsi-unplug-fs.sh
script_test scsi-fs-sqlite tests/boot/t-fs-sqlite.sh scsi
script_test scsi-resize tests/boot/t-scsi-resize.sh
