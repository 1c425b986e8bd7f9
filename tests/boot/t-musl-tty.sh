#!/usr/bin/env bash
# The console as a terminal, typed at from the host: canonical mode edits
# a line (erase, kill), ^D ends it and then reads as end of file; raw mode
# honours VMIN and VTIME; ^C kills the program with SIGINT.
#   t-musl-tty.sh [KERNEL OPTIONS]   ("serial-polled": without the UART's interrupt)
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
kopts=${1:-}
mkfifo "$tmp/in"
./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 90 --append "$kopts -- tty" <"$tmp/in" >"$tmp/out" 2>&1 &
qemu=$!
exec 3>"$tmp/in"
wait_for_line "$tmp/out" '^mtest: tty canonical' 60 || fail "the program did not start"
# Typed a piece at a time, as a person would, each arriving while the
# program waits in read.
printf 'abc\177\177xy\n' >&3
sleep 0.3
printf 'kill me\025ok\n' >&3
sleep 0.3
printf 'partial\004' >&3
sleep 0.3
printf '\004' >&3
wait_for_line "$tmp/out" '^mtest: tty raw' 30 || fail "raw mode not reached"
printf 'xyz' >&3
# 'q' only once 'xyz' was read, or VMIN 3 would take all four.
wait_for_line "$tmp/out" '^mtest: raw 3' 30 || fail "VMIN 3 did not return"
printf 'q' >&3
wait_for_line "$tmp/out" '^mtest: tty waiting for \^C' 30 || fail "the raw reads did not return"
sleep 0.3
printf '\003' >&3
wait $qemu
rc=$?
exec 3>&-
tr -d '\r' <"$tmp/out" >"$tmp/clean"
cat "$tmp/clean"
grep -q '^mtest: line 4 \[axy\\n\]$' "$tmp/clean" || fail "erase: not 'axy\\n'"
grep -q '^mtest: line 3 \[ok\\n\]$' "$tmp/clean" || fail "kill: not 'ok\\n'"
grep -q 'mtest: line 7 \[partial\]$' "$tmp/clean" || fail "^D did not end the line 'partial'"
grep -q '^mtest: eof 0 \[\]$' "$tmp/clean" || fail "^D on an empty line was not end of file"
grep -q '^mtest: timeout 0 \[\]$' "$tmp/clean" || fail "VTIME did not time out with 0 bytes"
grep -q '^mtest: raw 3 \[xyz\]$' "$tmp/clean" || fail "VMIN 3 did not return 'xyz'"
grep -q '^mtest: raw 1 \[q\]$' "$tmp/clean" || fail "VMIN 1 did not return 'q'"
grep -q '^mtest: tty done, 0 failures$' "$tmp/clean" || fail "checks in the program failed"
# Output: CR LF with OPOST|ONLCR (the default), a bare LF without OPOST.
grep -q $'^mtest: tty canonical\r$' "$tmp/out" || fail "no CR LF with ONLCR"
grep -q '^mtest: no cr$' "$tmp/out" || fail "a CR without OPOST"
# The echo: what was typed, with the erased characters rubbed out.
grep -q $'abc\b \b\b \bxy$' "$tmp/clean" || fail "no echo of the erases"
grep -q 'killed by signal 2 (SIGINT)' "$tmp/clean" || fail "^C did not raise SIGINT"
! grep -q 'survived' "$tmp/clean" || fail "the program survived ^C"
[ $rc = 127 ] || fail "exit status $rc, not 127"
exit 0
