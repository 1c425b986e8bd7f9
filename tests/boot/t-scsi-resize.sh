#!/usr/bin/env bash
# A SCSI disk grown while in use (ktest blk sda resize): the host resizes
# the drive through QMP (block_resize); QEMU tells the guest (a parameter
# change event, VIRTIO_SCSI_F_CHANGE, and a UNIT ATTENTION); the driver
# reads the capacity again, logs it, and the guest writes and reads back
# the new last 4 KiB. The host then finds them in the image.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
truncate -s 16M "$tmp/disk.img"
./run-qemu.sh --kernel "$KTEST" --accel tcg --machine q35 --timeout 150 --qmp "$tmp/qmp" \
	--append "blk sda resize" -- -device virtio-scsi-pci,id=scsi0 \
	-drive "if=none,id=d0,file=$tmp/disk.img,format=raw" -device scsi-hd,bus=scsi0.0,drive=d0,lun=0 \
	</dev/null >"$tmp/out" 2>&1 &
qemu_job=$!
wait_for_line "$tmp/out" 'waiting for a capacity change' 90 || {
	cat "$tmp/out"
	fail "the guest did not get to the resize"
}
python3 - "$tmp/qmp" <<'PY' || fail "QEMU did not take block_resize"
import sys
sys.path.insert(0, "tests/boot")
from qmp import Qmp
Qmp(sys.argv[1]).cmd("block_resize", device="d0", size=32 << 20)
PY
wait $qemu_job
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q 'sda: capacity changed from 32768 to 65536 sectors' "$tmp/out" || fail "the kernel did not log the new capacity"
grep -q 'ktest blk: capacity 65536 sectors, was 32768; the last 4 KiB written 0, read back 0, first wrong byte -1' \
	"$tmp/out" || fail "the guest did not use the new capacity"
python3 - "$tmp/disk.img" <<'PY' || fail "the image does not end with what the guest wrote"
import sys
data = open(sys.argv[1], "rb").read()
end = 32 << 20
want = bytes((((o >> 9) * 131 + (o & 511) * 7 + 3) & 0xff) for o in range(end - 4096, end))
sys.exit(0 if len(data) == end and data[end - 4096:] == want else "the last 4 KiB differ")
PY
echo "PASS: sda grown from 16 to 32 MiB while in use, its new end written and read back"
