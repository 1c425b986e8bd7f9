# Boot tests of storage when things go wrong, sourced by cases.sh: the VM
# killed in the middle of writes (mtest fsync-loop, then SQLite), a write
# error from the disk under KeelFS; and the file tests over each
# virtio-blk interface and option.
script_test fs-crash-fsync tests/boot/t-fs-crash.sh 3
script_test fs-write-error tests/boot/t-fs-eio.sh
# The tree test of t-fs-disk.sh over each interface, without indirect
# descriptors and with 4096-byte logical blocks; the file calls on the
# oldest combination.
for opts in "modern on 512" "legacy on 512" "modern off 512" "modern on 4096" "legacy off 4096"; do
	read -r transport indirect lbs <<<"$opts"
	script_test fs-disk-tree-$transport-ind-$indirect-$lbs tests/boot/t-fs-disk.sh tree $transport $indirect $lbs
done
script_test fs-disk-files-legacy-ind-off-4096 tests/boot/t-fs-disk.sh files legacy off 4096
# SQLite killed in a large transaction after a committed one, each way it
# keeps a rollback journal (WAL is compiled out of apps/sqlite3).
script_test fs-crash-sqlite-delete tests/boot/t-fs-sqlite-crash.sh delete
script_test fs-crash-sqlite-truncate tests/boot/t-fs-sqlite-crash.sh truncate
