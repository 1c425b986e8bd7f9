#!/usr/bin/env bash
# An image without a block driver but with the file system calls
# (ownmalloc: hello leaves out even those) links no disk code (KeelFS,
# its disk, the block device class), and root=vda on its command line
# says why it is not obeyed, then runs the application on a root in
# memory.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
img=build/ownmalloc.elf
for sym in fs_disk_root keelfs_mount blkdisk_init blkdev_find crc32c; do
	nm "$img" | grep -Eq " [tTdDrRbB] $sym(\.|$)" && fail "$img links $sym"
done
./run-qemu.sh --kernel "$img" --accel tcg --timeout 60 --append "root=vda --" </dev/null >"$tmp/out" 2>&1
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/log"
cat "$tmp/log"
[ $rc = 0 ] || fail "exit status $rc, not 0"
grep -q '^fs: root=vda: this image has no disk driver; the root is in memory$' "$tmp/log" ||
	fail "root=vda without a disk driver was not explained"
grep -q 'unknown kernel option' "$tmp/log" && fail "root= was taken for an unknown option"
grep -q 'keel: exit status 0' "$tmp/log" || fail "ownmalloc did not run to its end"
exit 0
