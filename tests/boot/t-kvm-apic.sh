#!/usr/bin/env bash
# The x2APIC and TSC-deadline paths, which this QEMU's TCG does not offer:
# under KVM when /dev/kvm is usable (slow on hosts whose KVM is itself
# emulated, hence the generous timeout). tests/boot/cases.sh runs it only
# where KVM is usable.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
[ -r /dev/kvm ] && [ -w /dev/kvm ] || fail "/dev/kvm is not usable"
./run-qemu.sh --kernel "$KTEST" --accel kvm --cpu qemu64,+x2apic,+tsc-deadline --timeout 240 \
	--append "sleep" </dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc"
grep -q 'cpu: TSC .*, x2APIC [0-9]*, .* timer TSC-deadline' "$tmp/out" || fail "not in x2APIC with the TSC-deadline timer"
grep -c 'ktest: sleep .*: ok' "$tmp/out" | grep -qx 3 || fail "a sleep was off"
echo PASS
