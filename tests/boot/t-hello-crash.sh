#!/usr/bin/env bash
# hello carries no symbol table (KEEL_KSYMS := no), yet a crash still ends
# the VM with a status and a backtrace: in 3 MiB of RAM its 8 MiB stack
# cannot be had, the kernel panics, and the backtrace's bare addresses
# name, through tools/symbolize and build/hello.elf, the functions that
# got there.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
./run-qemu.sh --kernel build/hello.elf --machine pc --mem 3M --timeout 60 </dev/null >"$tmp/raw" 2>&1
rc=$?
tr -d '\r' <"$tmp/raw" >"$tmp/out"
cat "$tmp/out"
[ $rc = 125 ] || fail "exit status $rc, not 125 (a panic)"
grep -q 'panic at sys/start.c:[0-9]*: app: no memory for the application' "$tmp/out" || fail "no panic report"
grep -q '^backtrace:' "$tmp/out" || fail "no backtrace"
grep -Eq '^  #0  0x[0-9a-f]{16}$' "$tmp/out" || fail "the backtrace's frames are not bare addresses"
grep -q '<' "$tmp/out" && fail "the image named a function: it has a symbol table"
tools/symbolize build/hello.elf "$tmp/out" >"$tmp/named" || fail "tools/symbolize failed"
cat "$tmp/named"
grep -Eq '^  #0  0x[0-9a-f]{16} <app_run\+0x[0-9a-f]+>$' "$tmp/named" || fail "frame #0 is not named app_run"
grep -Eq '^  #1  0x[0-9a-f]{16} <run_main\+0x[0-9a-f]+>$' "$tmp/named" || fail "frame #1 is not named run_main"
exit 0
