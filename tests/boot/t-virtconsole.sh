#!/usr/bin/env bash
# The console on virtio-console port 0, beside the serial port: what the
# kernel and the application print reaches both.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
./run-qemu.sh --kernel "$KTEST" --accel tcg --timeout 60 --append "args one two" \
	--device virtio-serial-pci -- -chardev "file,id=vc,path=$tmp/virtconsole.out" -device virtconsole,chardev=vc \
	</dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
echo "--- the virtconsole got:"
cat "$tmp/virtconsole.out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q 'ktest: arg 2 \[two\]' "$tmp/out" || fail "the serial port lacks the output"
grep -q 'ktest: arg 2 \[two\]' "$tmp/virtconsole.out" || fail "the virtconsole lacks the output"
# The boot log from before the console port was known, replayed to it.
grep -q 'keel: PVH boot' "$tmp/virtconsole.out" || fail "the virtconsole lacks the boot log"

# A panic: the console's sinks are set aside, and the report reaches the
# virtconsole through the device's emergency write (VIRTIO_CONSOLE_F_EMERG_WRITE).
./run-qemu.sh --kernel "$KTEST" --accel tcg --timeout 60 --append "stack-smash" \
	--device virtio-serial-pci -- -chardev "file,id=vc,path=$tmp/panic.out" -device virtconsole,chardev=vc \
	</dev/null >"$tmp/out2" 2>&1
rc=$?
echo "--- after a panic, the virtconsole got:"
cat "$tmp/panic.out"
[ $rc = 125 ] || fail "exit status $rc after the panic, expected 125"
grep -q 'panic at .*stack smashing detected' "$tmp/panic.out" || fail "the panic report did not reach the virtconsole"
echo PASS
