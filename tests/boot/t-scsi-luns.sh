#!/usr/bin/env bash
# Two SCSI disks on two LUNs of one virtio-scsi adapter (ktest blk):
#
#   t-scsi-luns.sh [modern|legacy] [on|off] [512|4096]   LUN 0 (8 MiB) and
#       LUN 1 (16 MiB) are found as sda and sdb, each announced with its
#       vendor, model, size and target:lun; the block device tests of
#       t-blk.sh run on sdb (the pattern, the queue full of reads, a 4 MiB
#       request, 256 pieces in one request, flush); the host then checks
#       sdb's image holds the pattern and sda's is untouched. The adapter
#       on the modern or legacy interface, with indirect descriptors on or
#       off, sdb with 512- or 4096-byte logical blocks.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
transport=${1:-modern} indirect=${2:-on} lbs=${3:-512}
truncate -s 8M "$tmp/a.img"
truncate -s 16M "$tmp/b.img"
hba=virtio-scsi-pci,id=scsi0
case $transport in
modern) hba+=",disable-legacy=on" ;;
legacy) hba+=",disable-modern=on" ;;
*) fail "unknown transport $transport" ;;
esac
[ "$indirect" = off ] && hba+=",indirect_desc=off"
hd1=scsi-hd,bus=scsi0.0,drive=d1,lun=1
[ "$lbs" = 4096 ] && hd1+=",logical_block_size=4096,physical_block_size=4096"
./run-qemu.sh --kernel "$KTEST" --accel tcg --machine q35 --timeout 150 --append "blk sdb rw" -- -device "$hba" \
	-drive "if=none,id=d0,file=$tmp/a.img,format=raw" -device scsi-hd,bus=scsi0.0,drive=d0,lun=0 \
	-drive "if=none,id=d1,file=$tmp/b.img,format=raw" -device "$hd1" </dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q '^sda: scsi 0:0 on virtio-scsi0: Direct-Access QEMU QEMU HARDDISK .*, 16384 512-byte logical blocks (8 MiB)' \
	"$tmp/out" || fail "LUN 0 was not announced as sda with its size"
blocks=$((16 * 1024 * 1024 / lbs))
grep -q "^sdb: scsi 0:1 on virtio-scsi0: Direct-Access QEMU QEMU HARDDISK .*, $blocks $lbs-byte logical blocks (16 MiB)" \
	"$tmp/out" || fail "LUN 1 was not announced as sdb with its size and block size"
grep -q "virtio-scsi0: .*, $transport interface" "$tmp/out" || fail "not the $transport interface"
grep -q 'ktest blk: .* 0 errors, .*: ok' "$tmp/out" || fail "the guest's checks failed"
grep -q 'ktest blk: 256 reads submitted at once' "$tmp/out" || fail "not as many requests in flight as the queue holds"
cmp -s "$tmp/a.img" <(head -c 8M /dev/zero) || fail "sda was written"
# What ktest blk wrote (tests/apps/ktest/blk.c): seed 0 everywhere, then a
# 4 MiB request at 4 MiB (seed 5) and 1 MiB of pieces over its start (seed 6).
python3 - "$tmp/b.img" <<'PY' || fail "the image does not hold what the guest wrote"
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
expect(5 * M, 3 * M, 5)
expect(8 * M, 8 * M, 0)
PY
echo "PASS: sda and sdb on LUNs 0 and 1, the pattern on sdb, sda untouched"
