#!/usr/bin/env bash
# Standard input from a virtio console's port 0: lines typed there reach
# the program as lines typed on the serial port do.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mkfifo "$tmp/vc.in" "$tmp/vc.out"
cat "$tmp/vc.out" >"$tmp/vc.log" &
./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 60 --append "stdin" \
	--device virtio-serial-pci -- -chardev "pipe,id=vc,path=$tmp/vc" -device virtconsole,chardev=vc \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
exec 3<>"$tmp/vc.in"
wait_for_line "$tmp/out" '^mtest: reading' 60 || fail "the program did not start"
printf 'typed on the virtio console\nend\n' >&3
wait $qemu
rc=$?
exec 3>&-
tr -d '\r' <"$tmp/out" >"$tmp/clean"
cat "$tmp/clean"
[ $rc = 0 ] || fail "exit status $rc, not 0"
grep -q '^mtest: line 1 \[typed on the virtio console\]$' "$tmp/clean" || fail "the line did not arrive"
grep -q '^mtest: 1 lines$' "$tmp/clean" || fail "not one line"
exit 0
