#!/usr/bin/env bash
# Standard input of a musl program is the serial port: lines typed on the
# host reach fgets (read on descriptor 0), one line per read.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
{
	# After the guest asks, so the lines are not lost to an early boot.
	sleep 1
	printf 'first line\nsecond, a bit longer than the UART FIFO\nend\n'
} | ./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 60 --append "stdin" >"$tmp/out" 2>&1
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/clean"
cat "$tmp/clean"
[ $rc = 0 ] || fail "exit status $rc, not 0"
grep -q '^mtest: line 1 \[first line\]$' "$tmp/clean" || fail "the first line did not arrive"
grep -q '^mtest: line 2 \[second, a bit longer than the UART FIFO\]$' "$tmp/clean" || fail "the second line did not arrive"
grep -q '^mtest: 2 lines$' "$tmp/clean" || fail "not two lines"
exit 0
