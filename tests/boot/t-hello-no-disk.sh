#!/usr/bin/env bash
# hello has no block driver (apps/hello/app.mk): its image links no disk
# code (KeelFS, its disk, the block device class), and root=vda on its
# command line says why it is not obeyed, then runs hello on a root in
# memory.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
img=build/hello.elf
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
grep -q 'hello from Keel: 1 argument$' "$tmp/log" || fail "hello did not run"
exit 0
