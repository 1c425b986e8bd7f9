# Boot tests of storage when things go wrong, sourced by cases.sh: the VM
# killed in the middle of writes (mtest fsync-loop, then SQLite), a write
# error from the disk under KeelFS; and the file tests over each
# virtio-blk interface and option.
script_test fs-crash-fsync tests/boot/t-fs-crash.sh 3
script_test fs-write-error tests/boot/t-fs-eio.sh
