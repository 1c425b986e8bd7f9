#!/usr/bin/env bash
# A disk that fails a write under KeelFS: a first boot writes and fsyncs
# files (mtest fsync-loop); a second boot runs on the same image through
# QEMU's blkdebug, which fails every write that reaches one sector in the
# middle of the disk, while mtest write-eio writes a large file over it and
# fsyncs: the failure must reach the application as EIO (from write or
# fsync). Afterwards `keelfs fsck` must find the image clean and the files
# of the first boot whole, for the host tool and for a third boot.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
img=$tmp/img
files=20
$KEELFS mkfs "$img" 64M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }

boot() { # OUTPUT APP-ARGS [QEMU-ARGS...]
	local out=$1 args=$2
	shift 2
	./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 300 --append "root=vda -- $args" \
		"$@" </dev/null >"$out" 2>&1
}
boot "$tmp/out1" "fsync-loop /before $files" --disk "$img" ||
	{ tr -d '\r' <"$tmp/out1" | tail -20; fail "the first boot failed"; }

# Without the error the same writes succeed (mtest then exits with 1).
cp "$img" "$tmp/control"
boot "$tmp/out-control" "write-eio /e 41943040" --disk "$tmp/control"
tr -d '\r' <"$tmp/out-control" | grep -q '^mtest: write-eio: nowhere failed with errno 0, a second fsync with errno 0' ||
	{ tr -d '\r' <"$tmp/out-control" | tail -20; fail "write-eio failed on a healthy disk"; }

# Block 6000 of 16384: past what the first boot used, inside the 40 MiB
# that write-eio writes. Writes only: reads there still succeed.
sector=$((6000 * 8))
printf '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "%d"\n' $sector >"$tmp/blkdebug.conf"
boot "$tmp/out2" "write-eio /e 41943040" -- -drive "file=blkdebug:$tmp/blkdebug.conf:$img,if=none,id=d0,format=raw" \
	-device virtio-blk-pci,drive=d0
rc=$?
tr -d '\r' <"$tmp/out2" | grep -E '^mtest: write-eio|^fs: '
tr -d '\r' <"$tmp/out2" | grep -Eq '^mtest: write-eio: (write|fsync) failed with errno 5, a second fsync with errno [1-9]' ||
	fail "the injected write error did not reach the application as EIO"
[ $rc = 0 ] || fail "the second boot ended with status $rc"

$KEELFS fsck "$img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems after the write error"; }
python3 - "$KEELFS" "$img" $files <<'PY' || fail "the host tool did not find the first boot's files whole"
import subprocess, sys
keelfs, img, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
for n in range(count):
    size = (n * 20011) % 120000
    want = bytes(((n * 37 + o * 7 + (o >> 9) * 131) & 0xff) for o in range(size))
    got = subprocess.run([keelfs, 'cat', img, '/before/f%05d' % n], capture_output=True).stdout
    if got != want:
        sys.exit('/before/f%05d: %d bytes, want %d' % (n, len(got), size))
PY
boot "$tmp/out3" "fsync-verify /before $files" --disk "$img" ||
	{ tr -d '\r' <"$tmp/out3" | tail -20; fail "the third boot did not read the files back whole"; }
$KEELFS fsck "$img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems after the third boot"; }
echo "PASS: a failed write reached the application as EIO, the image clean and the synced files whole"
