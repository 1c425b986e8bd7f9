#!/usr/bin/env bash
# A disk hot-plugged and mounted by the application (mtest hotplug-mount):
# mtest starts with KeelFS at the root on a virtio-blk disk (vda); the host
# plugs in a scsi-hd holding a KeelFS image made from a folder of known
# files (QMP blockdev-add, device_add). The guest must find it, mount it
# with mount(2), print the SHA-256 of each file (compared with the host's)
# and write and read back new files. Then, by $1:
#   umount  the guest unmounts it, the VM ends, and the image must be clean
#           for `keelfs fsck` and hold what the guest wrote, byte for byte;
#   unplug  the host takes the disk out (device_del) while the guest writes:
#           the guest's I/O must fail with an error, umount2 must end, and
#           the kernel go on to the VM's end with mtest's verdict.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mode=$1
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
mkdir -p "$tmp/tree/in"
head -c 300000 /dev/urandom >"$tmp/tree/in/random.bin"
printf 'hello from the host\n' >"$tmp/tree/in/hello.txt"
: >"$tmp/tree/in/empty"
seq 1 20000 >"$tmp/tree/in/numbers.txt"
$KEELFS mkfs "$tmp/root.img" 32M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs root"; }
$KEELFS mkfs "$tmp/hot.img" 32M "$tmp/tree" >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs hot"; }
./run-qemu.sh --kernel build/mtest.elf --accel tcg --machine q35 --timeout 240 --qmp "$tmp/qmp" \
	--disk "$tmp/root.img" --append "root=vda -- hotplug-mount sda /hot $mode" -- \
	-device virtio-scsi-pci,id=scsi0 </dev/null >"$tmp/out" 2>&1 &
qemu_job=$!
wait_for_line "$tmp/out" 'mtest: hotplug-mount: waiting for sda' 120 || {
	tr -d '\r' <"$tmp/out" | tail -20
	fail "the guest did not get to wait for the disk"
}
python3 - "$tmp/qmp" "$tmp/hot.img" <<'PY' || fail "QEMU did not take the new disk"
import sys
sys.path.insert(0, "tests/boot")
from qmp import Qmp
q = Qmp(sys.argv[1])
q.cmd("blockdev-add", **{"node-name": "d1", "driver": "raw",
                          "file": {"driver": "file", "filename": sys.argv[2]}})
q.cmd("device_add", driver="scsi-hd", id="hot1", bus="scsi0.0", drive="d1", lun=0)
PY
if [ "$mode" = unplug ]; then
	wait_for_line "$tmp/out" 'mtest: hotplug-mount: waiting for sda to go|mtest: hotplug-mount: .*errno' 120 || {
		tr -d '\r' <"$tmp/out" | tail -20
		fail "the guest did not use the new disk"
	}
	python3 - "$tmp/qmp" <<'PY' || { tr -d '\r' <"$tmp/out" | tail -20; fail "QEMU did not remove the disk"; }
import sys
sys.path.insert(0, "tests/boot")
from qmp import Qmp
Qmp(sys.argv[1]).cmd("device_del", id="hot1")
PY
fi
wait $qemu_job
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/log"
grep -E '^mtest|^sda' "$tmp/log"
grep -qi 'panic' "$tmp/log" && fail "the kernel panicked"
[ $rc = 0 ] || fail "exit status $rc"
grep -q '^mtest: hotplug-mount: /dev/sda came, device 8:0$' "$tmp/log" || fail "/dev/sda did not come as 8:0"
grep -q '^mtest: hotplug-mount: /dev/sda mounted on /hot' "$tmp/log" || fail "the disk was not mounted"
for f in random.bin hello.txt empty numbers.txt; do
	want="$f $(stat -c %s "$tmp/tree/in/$f") $(sha256sum <"$tmp/tree/in/$f" | cut -d' ' -f1)"
	grep -qx "mtest: in $want" "$tmp/log" || fail "the guest did not read $f as the host wrote it"
done
grep -q '^mtest: hotplug-mount: 4 files read, 8 written, 0 bad' "$tmp/log" || fail "the guest's files are not whole"
if [ "$mode" = umount ]; then
	grep -q '^mtest: hotplug-mount: umount2: 0 ' "$tmp/log" || fail "umount2 failed"
	$KEELFS fsck "$tmp/hot.img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
	python3 - "$KEELFS" "$tmp/hot.img" "$tmp" <<'PY' || fail "the image does not hold what the guest wrote"
import subprocess, sys
keelfs, img, tmp = sys.argv[1:]
for n in range(8):
    dest = f"{tmp}/new-{n}"
    subprocess.run([keelfs, "get", img, f"/out/new-{n}", dest], check=True)
    data = open(dest, "rb").read()
    want = bytes(((n * 53 + o * 11 + (o >> 12)) & 0xff) for o in range(n * 10000 + 1))
    if data != want:
        sys.exit(f"/out/new-{n} differs")
PY
	echo "PASS: a hot-plugged disk mounted, read, written and unmounted; the image is clean and whole"
else
	grep -Eq '^mtest: hotplug-mount: I/O after [0-9]+ rounds, .*: errno (5|19)$' "$tmp/log" ||
		fail "the guest's I/O did not fail with EIO or ENODEV"
	grep -q '^mtest: hotplug-mount: umount2 after the unplug' "$tmp/log" || fail "umount2 did not end"
	grep -q '^mtest: hotplug-mount: the root still answers: yes' "$tmp/log" || fail "the root went with the disk"
	grep -q '^mtest: hotplug-mount: /dev/sda gone$' "$tmp/log" || fail "/dev/sda stayed after the disk went"
	echo "PASS: a hot-plugged disk mounted and used, then taken out: its I/O failed with an error, the kernel went on"
fi
