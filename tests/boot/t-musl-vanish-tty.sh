#!/usr/bin/env bash
# A console read whose buffer another thread makes read-only while the
# read waits: the line typed afterwards answers EFAULT (not a kernel
# fault) and stays for the next read.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
{
	# Once the read waits, and well after the guest's helper thread took
	# the buffer away 30 ms into it (no echo: it would mix with the
	# guest's lines).
	wait_for_line "$tmp/out" '^mtest: reading the console' 60
	sleep 1
	printf 'typed\n'
} | ./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 60 --append "tty.echo=off -- vanish-tty" >"$tmp/out" 2>&1
rc=$?
tr -d '\r' <"$tmp/out" >"$tmp/clean"
cat "$tmp/clean"
[ $rc = 0 ] || fail "exit status $rc, not 0"
grep -q '^mtest: console read: errno 14$' "$tmp/clean" || fail "the read did not answer EFAULT"
grep -q '^mtest: then read \[typed\]$' "$tmp/clean" || fail "the line was not there for the next read"
exit 0
