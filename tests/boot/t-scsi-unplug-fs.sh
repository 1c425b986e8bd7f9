#!/usr/bin/env bash
# The disk under the root filesystem taken away: mtest writes and fsyncs
# files on KeelFS at the root, on a scsi-hd (sda); the host removes the disk
# through QMP (device_del) in the middle. The application must get an error
# (EIO) from the filesystem and end with it, the kernel must go on (no
# panic, no hang: the VM ends with mtest's status); the image, as the disk
# left it, must be clean for `keelfs fsck`, with every file synced before
# the removal whole.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
img=$tmp/img
$KEELFS mkfs "$img" 64M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 180 --qmp "$tmp/qmp" \
	--append "root=sda -- fsync-loop /x" -- -device virtio-scsi-pci,id=scsi0 \
	-drive "if=none,id=d0,file=$img,format=raw" -device scsi-hd,id=hd0,bus=scsi0.0,drive=d0,lun=0 \
	</dev/null >"$tmp/out" 2>&1 &
qemu_job=$!
wait_for_line "$tmp/out" '^synced 5' 120 || {
	tr -d '\r' <"$tmp/out" | tail -20
	fail "mtest did not get to write files"
}
python3 - "$tmp/qmp" <<'PY' || fail "QEMU did not take device_del"
import sys
sys.path.insert(0, "tests/boot")
from qmp import Qmp
Qmp(sys.argv[1]).cmd("device_del", id="hd0")
PY
wait $qemu_job
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/log"
grep -v '^synced' "$tmp/log" | tail -15
# QEMU cancels the commands it held (ABORTED): mtest may end on that EIO
# before the driver's thread has read the removal event.
grep -Eq '^sda: (scsi 0:0 removed from virtio-scsi0|command 0x[0-9a-f]+ failed: )' "$tmp/log" ||
	fail "the kernel did not see the disk go"
grep -Eq '^mtest: fsync-loop: file [0-9]+: errno 5$' "$tmp/log" || fail "mtest did not get EIO"
[ $rc = 1 ] || fail "exit status $rc, not mtest's 1"
grep -qi 'panic' "$tmp/log" && fail "the kernel panicked"
$KEELFS fsck "$img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
synced=$(grep -c '^synced' "$tmp/log")
# Every file reported synced reads back whole, on the same image as a
# scsi-hd again.
./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 180 --append "root=sda -- fsync-verify /x $synced" \
	-- -device virtio-scsi-pci,id=scsi0 -drive "if=none,id=d0,file=$img,format=raw" \
	-device scsi-hd,bus=scsi0.0,drive=d0,lun=0 </dev/null >"$tmp/verify" 2>&1 ||
	{ tr -d '\r' <"$tmp/verify" | tail -20; fail "the guest did not read the synced files back whole"; }
tr -d '\r' <"$tmp/verify" | grep '^mtest: fsync-verify'
echo "PASS: the root disk removed after $synced files synced: EIO to mtest, the kernel went on, image clean"
