#!/usr/bin/env bash
# tools/symbolize names addresses as the in-image table does: mtest's
# report of a fault without a handler, its names taken out, comes back
# from the tool the same, line for line.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
./run-qemu.sh --kernel build/mtest.elf --timeout 60 --append "fault-default" </dev/null >"$tmp/out" 2>&1
rc=$?
[ $rc = 126 ] || { cat "$tmp/out"; fail "exit status $rc, not 126"; }
sed -n '/^backtrace:/,/^keel: exit status/p' "$tmp/out" | tr -d '\r' >"$tmp/report"
cat "$tmp/report"
n=$(grep -c ' <[A-Za-z_][A-Za-z0-9_.]*+0x[0-9a-f]*>' "$tmp/report")
[ "$n" -ge 2 ] || fail "the report names $n frames, fewer than 2"
sed 's/ <[A-Za-z_][A-Za-z0-9_.]*+0x[0-9a-f]*>//' "$tmp/report" >"$tmp/bare"
grep -q '<' "$tmp/bare" && fail "names left in the bare report"
tools/symbolize build/mtest.elf "$tmp/bare" >"$tmp/named" || fail "tools/symbolize failed"
diff "$tmp/report" "$tmp/named" || fail "tools/symbolize names frames otherwise than the image"
exit 0
