# File throughput through the filesystem (bench/blk.sh): the same source
# runs as a Linux program in the Linux guest over ext4.
KEEL_DRIVERS := virtio-blk
