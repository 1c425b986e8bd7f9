# All six kinds of virtio device (entropy, console, blk, scsi, net,
# balloon) in one image and one boot, sourced by cases.sh: as PCI devices
# on q35 and as virtio-mmio devices on microvm (tests/boot/t-virtio-six.sh).
script_test virtio-six-q35 tests/boot/t-virtio-six.sh q35
script_test virtio-six-microvm tests/boot/t-virtio-six.sh microvm
