#!/usr/bin/env bash
# All six kinds of virtio device FreeBSD's virtio(4) drives, in one image
# (mtest) and one boot:
#
#   t-virtio-six.sh q35|microvm
#
# q35: each a PCI device; microvm: each over virtio-mmio (version 2, found
# in the DSDT). The VM gets an entropy source, a virtio-serial device with
# a console and a named port, a virtio-blk disk, a virtio-scsi adapter with
# a disk holding the root filesystem, a network card on QEMU's user network
# and a balloon. The boot log must list every device and its driver; then
# mtest six-devices uses each (tests/apps/mtest/devices.c) while the host
# inflates the balloon through QMP, and the host reads back what the guest
# wrote to the disk and to the port.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
machine=${1:-q35}
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
$KEELFS mkfs "$tmp/root.img" 32M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
$KEELFS mkfs "$tmp/data.img" 16M >>"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }

case $machine in
q35)
	bus=pci
	devs=(-device virtio-rng-pci -device virtio-serial-pci,id=ser0
		-drive "file=$tmp/data.img,if=none,id=d1,format=raw" -device virtio-blk-pci,drive=d1
		-device virtio-scsi-pci,id=scsi0 -drive "file=$tmp/root.img,if=none,id=d0,format=raw"
		-device scsi-hd,drive=d0,bus=scsi0.0
		-netdev user,id=n0 -device virtio-net-pci,netdev=n0
		-device virtio-balloon-pci,id=balloon0)
	;;
microvm)
	bus=mmio
	devs=(-M microvm,acpi=on -global virtio-mmio.force-legacy=false
		-device virtio-rng-device -device virtio-serial-device,id=ser0
		-drive "file=$tmp/data.img,if=none,id=d1,format=raw" -device virtio-blk-device,drive=d1
		-device virtio-scsi-device,id=scsi0 -drive "file=$tmp/root.img,if=none,id=d0,format=raw"
		-device scsi-hd,drive=d0,bus=scsi0.0
		-netdev user,id=n0 -device virtio-net-device,netdev=n0
		-device virtio-balloon-device,id=balloon0)
	;;
*) fail "MACHINE is q35 or microvm" ;;
esac
devs+=(-chardev "file,id=port,path=$tmp/port.out" -device virtserialport,bus=ser0.0,name=keel.six,chardev=port)

./run-qemu.sh --kernel build/mtest.elf --machine "$machine" --accel tcg --mem 256M --timeout 240 \
	--qmp "$tmp/qmp" --serial-log "$tmp/serial.log" --append "root=sda -- six-devices 64" \
	-- "${devs[@]}" </dev/null >"$tmp/out" 2>&1 &
if ! wait_for_line "$tmp/out" 'mtest: six: waiting for the balloon' 200; then
	wait
	tr -d '\r' <"$tmp/out" | tail -30
	fail "mtest did not reach the balloon"
fi
# 256 MiB of RAM, 192 left to the guest: 64 MiB into the balloon; mtest
# ends the VM once it holds them.
timeout 60 python3 tests/boot/qmp.py "$tmp/qmp" balloon "{\"value\": $((192 << 20))}" >"$tmp/qmp.log" 2>&1 ||
	{ cat "$tmp/qmp.log"; fail "QMP balloon failed"; }
wait %1
rc=$?
log() { tr -d '\r' <"$tmp/out"; }
[ $rc = 0 ] && log | grep -q '^mtest: six: all devices ok$' || { log | tail -40; fail "mtest six-devices failed (exit status $rc)"; }

# The boot log lists each device with its driver.
for driver in virtio-rng0 virtio-console0 virtio-blk0 virtio-scsi0 virtio-net0 virtio-balloon0; do
	if [ $bus = pci ]; then
		log | grep -Eq "^pci 00:[0-9a-f]{2}\.[0-7] .*driver $driver\$" || { log | grep -E '^pci '; fail "no PCI line with the driver $driver"; }
	else
		log | grep -Eq "^$driver: mmio@0x[0-9a-f]+, mmio v2 interface" || { log | grep -i mmio; fail "$driver did not attach over MMIO"; }
	fi
done
log | grep -Eq '^vda: ' || fail "no line for the virtio-blk disk vda"
log | grep -Eq '^sda: scsi 0:0 on virtio-scsi0: Direct-Access' || fail "no line for the SCSI disk sda"
log | grep -q '^fs: KeelFS on sda at /$' || fail "the root is not KeelFS on sda"
grep -q 'mtest: six: on the named port' "$tmp/port.out" || fail "the named port did not carry the line"
$KEELFS get "$tmp/root.img" /six-devices.txt "$tmp/back" >/dev/null 2>&1 || fail "the file mtest wrote is not on the SCSI disk"
grep -q 'written by mtest six-devices' "$tmp/back" || fail "the file on the SCSI disk has other contents"
$KEELFS fsck "$tmp/root.img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
grep -aiq 'panic\|assert' "$tmp/out" && fail "a panic or an assertion in the log"
echo "PASS: six virtio devices on $machine ($bus): entropy, console port, blk, scsi (root), net ($(log | sed -n 's/^mtest: six: network ok: //p')), balloon ($(log | sed -n 's/^mtest: six: balloon ok: //p'))"
