#!/usr/bin/env bash
# A system call Keel does not implement answers ENOSYS each time and is
# logged once, by name: mtest asks acct twice.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 60 --append "enosys" </dev/null >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc = 0 ] || fail "exit status $rc, not 0"
grep -q 'mtest: enosys done' "$tmp/out" || fail "mtest did not finish"
n=$(grep -c 'syscall: acct (163) is not implemented: -ENOSYS' "$tmp/out")
[ "$n" = 1 ] || fail "acct was logged $n times, not once"
grep -q 'syscall: unknown (987654) is not implemented' "$tmp/out" || fail "the unnamed call was not logged"
exit 0
