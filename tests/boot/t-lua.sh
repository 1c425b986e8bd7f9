#!/usr/bin/env bash
# Debian's Lua 5.4 interpreter, built unmodified on musl, runs a script
# typed on the console (floating point, string formatting, coroutines,
# time, errors) and prints exactly what the same sources built for Linux
# with the same musl print on the host (tools/linux-build.sh).
#   t-lua.sh SCRIPT (under tests/boot/lua)
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
script=tests/boot/lua/$1
ref=$(tools/linux-build.sh lua 2>"$tmp/build.log") || { cat "$tmp/build.log"; fail "cannot build Lua for Linux"; }
"$ref" "$script" >"$tmp/want" 2>&1 || fail "Lua on the host failed on $script"
# The script is typed at the console, ^D ends it; without echo, what the
# console shows after the boot log is Lua's output alone.
{
	cat "$script"
	printf '\004'
} | ./run-qemu.sh --kernel build/lua.elf --accel tcg --timeout 120 --append "tty.echo=off -- -" >"$tmp/out" 2>&1
rc=$?
app_output "$tmp/out" >"$tmp/got"
if ! diff -u "$tmp/want" "$tmp/got"; then
	tr -d '\r' <"$tmp/out" | tail -40
	fail "Lua on Keel printed something else than on the host"
fi
[ $rc = 0 ] || fail "exit status $rc, not 0"
echo "PASS: the $(wc -l <"$tmp/want") lines the host printed"
