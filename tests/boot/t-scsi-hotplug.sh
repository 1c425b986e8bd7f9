#!/usr/bin/env bash
# A SCSI disk plugged in and taken out while the kernel runs (ktest
# blk-hotplug): the adapter starts with one disk (sda, LUN 0); the host adds
# a second on LUN 1 through QMP (blockdev-add, device_add); the guest must
# find it as sdb, write and read it back; the host then removes it
# (device_del) while the guest reads from it: every read ends, and a request
# to the removed disk fails with an error, never hangs. The host checks the
# image holds what the guest wrote.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
truncate -s 8M "$tmp/a.img"
truncate -s 16M "$tmp/b.img"
./run-qemu.sh --kernel "$KTEST" --accel tcg --machine q35 --timeout 180 --qmp "$tmp/qmp" \
	--append "blk-hotplug sdb" -- -device virtio-scsi-pci,id=scsi0 \
	-drive "if=none,id=d0,file=$tmp/a.img,format=raw" -device scsi-hd,bus=scsi0.0,drive=d0,lun=0 \
	</dev/null >"$tmp/out" 2>&1 &
qemu_job=$!
wait_for_line "$tmp/out" 'ktest blk-hotplug: waiting for sdb' 90 || {
	cat "$tmp/out"
	fail "the guest did not get to the hot-plug"
}
python3 - "$tmp/qmp" "$tmp/b.img" <<'PY' || fail "QEMU did not take the new disk"
import sys
sys.path.insert(0, "tests/boot")
from qmp import Qmp
q = Qmp(sys.argv[1])
q.cmd("blockdev-add", **{"node-name": "d1", "driver": "raw",
                          "file": {"driver": "file", "filename": sys.argv[2]}})
q.cmd("device_add", driver="scsi-hd", id="hot1", bus="scsi0.0", drive="d1", lun=1)
PY
wait_for_line "$tmp/out" 'ktest blk-hotplug: waiting for sdb to go' 90 || {
	cat "$tmp/out"
	fail "the guest did not use the new disk"
}
python3 - "$tmp/qmp" <<'PY' || { cat "$tmp/out"; fail "QEMU did not remove the disk"; }
import sys
sys.path.insert(0, "tests/boot")
from qmp import Qmp
q = Qmp(sys.argv[1])
# The guest exits as soon as it sees the disk go: QEMU may be gone
# before its DEVICE_DELETED event is read, so the guest's lines tell.
q.cmd("device_del", id="hot1")
PY
wait $qemu_job
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q '^sdb: scsi 0:1 on virtio-scsi0: Direct-Access QEMU QEMU HARDDISK .*, 32768 512-byte logical blocks (16 MiB)' \
	"$tmp/out" || fail "the new disk was not announced as sdb on 0:1"
grep -q '^sdb: scsi 0:1 removed from virtio-scsi0' "$tmp/out" || fail "the removal was not logged"
grep -Eq 'ktest blk-hotplug: sdb came, 32768 sectors: write 0, flush 0, read 0, first wrong byte -1' "$tmp/out" ||
	fail "the guest could not use the new disk"
grep -Eq 'ktest blk-hotplug: sdb gone; .*after: read -(19|5), write -(19|5)' "$tmp/out" ||
	fail "a request to the removed disk did not fail"
python3 - "$tmp/b.img" <<'PY' || fail "the image does not hold what the guest wrote"
import sys
data = open(sys.argv[1], "rb").read(1 << 20)
want = bytes((((o >> 9) * 131 + (o & 511) * 7 + 9) & 0xff) for o in range(1 << 20))
sys.exit(0 if data == want else "the first MiB differs")
PY
echo "PASS: sdb plugged in, used and taken out; requests to it then fail"
