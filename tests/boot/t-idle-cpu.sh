#!/usr/bin/env bash
# Five seconds of 10 ms sleeps: timer interrupts keep arriving and the CPU
# halts in between, so QEMU should use a small part of a host CPU. The
# share is measured from /proc/<qemu pid>/stat and printed.
#   t-idle-cpu.sh MACHINE
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
machine=$1
log=$tmp/serial.log

./run-qemu.sh --kernel "$KTEST" --accel tcg --machine "$machine" --timeout 60 --serial-log "$log" \
	--append "quiet -- idle 5" </dev/null >"$tmp/out" 2>&1 &
wait_for_line "$log" 'idle start' 30 || fail "the guest never started idling"
pid=$(qemu_pid_with "$log")
[ -n "$pid" ] || fail "no QEMU process found"
c0=$(cpu_ticks "$pid") t0=${EPOCHREALTIME/./}
# Read every 100 ms until the guest says it is done: QEMU exits right
# after, so the last reading taken while it ran closes the window.
c1=$c0 t1=$t0
while ! grep -aq 'idle end' "$log"; do
	c=$(cpu_ticks "$pid" 2>/dev/null) || break
	c1=$c t1=${EPOCHREALTIME/./}
	[ $((t1 - t0)) -lt 30000000 ] || fail "the guest never finished idling"
	sleep 0.1
done
wait
[ $((t1 - t0)) -ge 4000000 ] || fail "measured only $(((t1 - t0) / 1000)) ms of the idle stretch"
cat "$tmp/out"
grep -q 'keel: exit status 0' "$tmp/out" || fail "the guest did not exit with 0"
hz=$(getconf CLK_TCK)
# CPU share in tenths of a percent.
share=$(((c1 - c0) * 1000000 * 1000 / hz / (t1 - t0)))
echo "host CPU used by QEMU while the guest idled: $((share / 10)).$((share % 10))% of one CPU over $(((t1 - t0) / 1000)) ms"
[ $share -lt 250 ] || fail "QEMU used $((share / 10))% of a CPU while the guest was idle (limit 25%)"
echo PASS
