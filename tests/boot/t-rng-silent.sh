#!/usr/bin/env bash
# An entropy device that never answers: QEMU's rng-random backend reads a
# named pipe nothing writes, so the guest's requests stay with the device.
# keel_getrandom must end with -ETIMEDOUT after its bound (5 s), twice,
# and the kernel must go on.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mkfifo "$tmp/silent" || fail "cannot make a named pipe"
./run-qemu.sh --kernel "$KTEST" --accel tcg --timeout 90 --append "rng-silent" \
	-- -object "rng-random,id=silent,filename=$tmp/silent" -device virtio-rng-pci,rng=silent \
	</dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
[ "$(grep -c 'keel_getrandom from a silent device returned -110 after [0-9]* ms: ok' "$tmp/out")" = 2 ] ||
	fail "keel_getrandom did not end with -ETIMEDOUT after its bound, twice"
# The driver says so once, naming the device, not at every read.
[ "$(grep -c 'virtio-rng0 (pci [0-9a-f:.]* rng): no entropy within 5000 ms' "$tmp/out")" = 1 ] ||
	fail "the silent device was not reported exactly once"
grep -q 'the kernel is alive' "$tmp/out" || fail "the kernel did not go on"
echo PASS
