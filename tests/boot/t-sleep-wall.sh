#!/usr/bin/env bash
# A 2 s sleep in the guest, timed by the host's clock between the line
# printed before it and the line printed after: catches a TSC frequency
# that is wrong, which a measurement inside the guest cannot see.
#   t-sleep-wall.sh MACHINE [CALIBRATOR]
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
machine=$1 calibrate=${2:-}
opts=
[ -n "$calibrate" ] && opts="tsc-calibrate=$calibrate"
# How early the host may see the sleep end: the guest never wakes early by
# its own clock, but the host may read the first line late when busy (a
# few ms). A 1% error in the TSC's frequency would be 20 ms.
early_us=5000
case $calibrate in
hpet) source_name="HPET" ;;
pmtimer) source_name="ACPI PM timer" ;;
pit) source_name="PIT" ;;
*) source_name= ;;
esac

# A wrong frequency is wrong every time; a host that stalls the emulator
# or the reader once is not, so a sleep outside the bounds is measured
# again in a new boot, up to three boots.
for attempt in 1 2 3; do
	./run-qemu.sh --kernel "$KTEST" --accel tcg --machine "$machine" --timeout 60 \
		--append "$opts -- sleep-wall 2000" </dev/null 2>&1 |
		while IFS= read -r line; do
			printf '%s %s\n' "${EPOCHREALTIME/./}" "$line"
		done >"$tmp/out"
	cat "$tmp/out"
	t0=$(awk '/sleep-wall start/ { print $1 }' "$tmp/out")
	t1=$(awk '/sleep-wall end/ { print $1 }' "$tmp/out")
	[ -n "$t0" ] && [ -n "$t1" ] || fail "the guest did not print both lines"
	grep -q 'keel: exit status 0' "$tmp/out" || fail "the guest did not exit with 0"
	[ -z "$source_name" ] || grep -q "cpu: TSC [0-9.]* MHz ($source_name)" "$tmp/out" || fail "not calibrated with $source_name"
	gap_us=$((t1 - t0))
	err_us=$((gap_us - 2000000))
	echo "host clock: the 2000 ms sleep took $((gap_us / 1000)).$(printf %03d $((gap_us % 1000))) ms (error ${err_us} us)"
	# Late by at most 2 ms + 1% of 2 s; early by at most early_us.
	if [ $err_us -ge -$early_us ] && [ $err_us -le 22000 ]; then
		echo PASS
		exit 0
	fi
	echo "error ${err_us} us is outside -$((early_us / 1000)) ms .. +22 ms (boot $attempt of 3)"
done
fail "the sleep was outside the bounds in three boots"
