#!/usr/bin/env bash
# A device writes a used element naming a descriptor past its queue (made
# by the guest in the shared ring, since QEMU will not): the kernel names
# the device, its PCI address and type, the queue and the fault in one
# line, once; counts it; fails the device's requests with -EIO; goes on.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
m=${1:-q35}
./run-qemu.sh --kernel "$KTEST" --accel tcg --machine "$m" --timeout 60 --append "device-fault" \
	--device virtio-rng-pci </dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
line='virtio-rng0 \(pci 00:0[0-9a-f]\.0 rng\): device fault on queue 0: a used element names a descriptor beyond the queue'
[ "$(grep -Ec "$line" "$tmp/out")" = 1 ] || fail "the fault was not named exactly once"
[ "$(grep -c ': device fault on queue' "$tmp/out")" = 1 ] || fail "more than one fault line"
grep -q 'keel_getrandom after the fault returned -5; 1 device fault counted, 1 on the queue' "$tmp/out" ||
	fail "the fault was not counted, or requests did not fail with -EIO"
grep -q 'the kernel is alive after the device fault' "$tmp/out" || fail "the kernel did not go on"
echo PASS
