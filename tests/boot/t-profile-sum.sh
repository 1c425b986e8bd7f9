#!/usr/bin/env bash
# tools/profile-sum.sh over a real console log: the periodic reports of an
# idle guest add up to every sample they counted, the idle loop first,
# and a log given twice counts twice.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh

./run-qemu.sh --kernel "$KTEST" --accel tcg --timeout 60 --append "profile=200 profile.report=1 -- idle 3" \
	</dev/null >"$tmp/log" 2>&1 || fail "the guest did not exit with 0"
reported=$(tr -d '\r' <"$tmp/log" | sed -n 's/.*keel: profile\( at exit\)\?: \([0-9]*\) samples at .*/\2/p' |
	awk '{ s += $1 } END { print s + 0 }')
[ "$reported" -gt 300 ] || fail "the guest reported only $reported samples"
tools/profile-sum.sh "$tmp/log" >"$tmp/sum" || fail "profile-sum failed"
tools/profile-sum.sh -n 1 "$tmp/log" "$tmp/log" >"$tmp/sum2" || fail "profile-sum failed on two logs"
cat "$tmp/sum"
head -1 "$tmp/sum" | grep -qx "$reported samples in [0-9]* reports" || fail "the total is not the reports' $reported"
sed -n 2p "$tmp/sum" | grep -qE '^ *(9[0-9]|100)\.[0-9]% +[0-9]+  arch_idle$' || fail "the idle loop is not first"
head -1 "$tmp/sum2" | grep -qx "$((2 * reported)) samples in [0-9]* reports" || fail "two logs do not count twice"
[ "$(wc -l <"$tmp/sum2")" -le 3 ] || fail "-n 1 listed more than one function"
echo "profile-sum: $reported samples added up"
