#!/usr/bin/env bash
# A virtio-blk disk through the kernel's block device API (ktest blk):
#
#   t-blk.sh rw modern|legacy on|off 512|4096 [IRQ]   the pattern written
#       over a 16 MiB image, read back, many requests in flight, a 4 MiB
#       request, flush and write-zeroes; the host then checks the image's
#       bytes. IRQ: the kernel's virtio.irq (msix, msix-shared, msi, intx, poll)
#   t-blk.sh ro                                 a read-only drive: writes
#       refused with EROFS, the image unchanged
#   t-blk.sh ioerr                              writes at one sector failed
#       by QEMU (blkdebug): -EIO to the caller, the kernel goes on
#   t-blk.sh resize                             the disk grown from the QEMU
#       monitor: the kernel logs the new capacity and the guest uses it
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mode=${1:-rw} transport=${2:-modern} indirect=${3:-on} lbs=${4:-512} irq=${5:-}
img=$tmp/disk.img
truncate -s 16M "$img"

dev="virtio-blk-pci,drive=d0,serial=KEEL-DISK-7"
case $transport in
modern) dev+=",disable-legacy=on" ;;
legacy) dev+=",disable-modern=on" ;;
*) fail "unknown transport $transport" ;;
esac
[ "$indirect" = off ] && dev+=",indirect_desc=off"
[ "$lbs" = 4096 ] && dev+=",logical_block_size=4096,physical_block_size=4096"
drive="file=$img,if=none,id=d0,format=raw"
case $mode in
ro)
	# Something to keep: every byte 0x5a.
	python3 -c "import sys; sys.stdout.buffer.write(b'\x5a' * (16 << 20))" >"$img"
	cp "$img" "$tmp/before.img"
	drive+=",readonly=on" ;;
ioerr)
	printf '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "2048"\n' >"$tmp/blkdebug.conf"
	drive="file=blkdebug:$tmp/blkdebug.conf:$img,if=none,id=d0,format=raw" ;;
esac

append="blk vda $mode"
[ -n "$irq" ] && append="virtio.irq=$irq -- $append"
qemu=(-drive "$drive" -device "$dev")
[ "$mode" = resize ] && qemu+=(-monitor "unix:$tmp/mon,server=on,wait=off")
./run-qemu.sh --kernel "$KTEST" --accel tcg --machine q35 --timeout 120 --append "$append" \
	-- "${qemu[@]}" </dev/null >"$tmp/out" 2>&1 &
qemu_job=$!
if [ "$mode" = resize ]; then
	wait_for_line "$tmp/out" 'waiting for a capacity change' 60 || fail "the guest did not get to the resize"
	python3 - "$tmp/mon" <<'PY' || fail "the monitor did not take block_resize"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'block_resize d0 32M\n')
time.sleep(0.5)
s.close()
PY
fi
wait $qemu_job
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -Eq "^vda: virtio-blk0, 32768 sectors of 512 bytes, $lbs-byte blocks, serial KEEL-DISK-7" "$tmp/out" ||
	fail "the disk was not announced with its size, block size and serial"
want_iface=modern
[ "$transport" = legacy ] && want_iface=legacy
grep -q "virtio-blk0: .*, $want_iface interface" "$tmp/out" || fail "not the $want_iface interface"

case $mode in
rw)
	grep -q 'ktest blk: .* 0 errors, .*: ok' "$tmp/out" || fail "the guest's checks failed"
	grep -q 'ktest blk: 256 reads submitted at once' "$tmp/out" || fail "not as many requests in flight as the queue holds"
	# What the guest wrote (tests/apps/ktest/blk.c): seed 0 everywhere,
	# then a 4 MiB request at 4 MiB (seed 5), 1 MiB of pieces over its
	# start (seed 6), and 64 KiB of zeros after those.
	python3 - "$img" <<'PY' || fail "the image does not hold what the guest wrote"
import sys
data = open(sys.argv[1], 'rb').read()
M = 1 << 20
def expect(off, n, seed):
    want = bytes((((o >> 9) * 131 + (o & 511) * 7 + seed) & 0xff) for o in range(off, off + n))
    if data[off:off + n] != want:
        bad = next(i for i in range(n) if data[off + i] != want[i])
        sys.exit('byte %d differs' % (off + bad))
expect(0, 4 * M, 0)
expect(4 * M, M, 6)
if data[5 * M:5 * M + 65536] != bytes(65536):
    sys.exit('the zeroed range is not zero')
expect(5 * M + 65536, 3 * M - 65536, 5)
expect(8 * M, 8 * M, 0)
print('the image holds the pattern')
PY
	;;
ro)
	grep -q 'ktest blk: read-only: write -30, read 0, flush 0, first byte 0x5a' "$tmp/out" ||
		fail "a write to a read-only disk was not refused with EROFS"
	cmp -s "$img" "$tmp/before.img" || fail "the read-only image changed"
	;;
resize)
	grep -q 'vda: capacity changed from 32768 to 65536 sectors' "$tmp/out" || fail "the kernel did not log the new capacity"
	grep -q 'ktest blk: capacity 65536 sectors, was 32768; the last 4 KiB written 0, read back 0, first wrong byte -1' \
		"$tmp/out" || fail "the guest did not use the new capacity"
	;;
ioerr)
	grep -q 'ktest blk: write 0, write at sector 2048 -5, write after 0, read 0' "$tmp/out" ||
		fail "the injected write error did not reach the caller as -EIO"
	grep -q 'the kernel is alive after the write error' "$tmp/out" || fail "the kernel did not go on"
	;;
esac
echo PASS
