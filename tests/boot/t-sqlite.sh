#!/usr/bin/env bash
# Debian's sqlite3 shell, built unmodified on musl, runs SQL typed on the
# console against an in-memory database (100,000 rows, indexes,
# aggregates, floating point) and prints exactly what the same
# amalgamation built for Linux with the same musl prints on the host.
#   t-sqlite.sh SQL-FILE (under tests/boot/sqlite)
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
sql=tests/boot/sqlite/$1
ref=$(tools/linux-build.sh sqlite3 2>"$tmp/build.log") || { cat "$tmp/build.log"; fail "cannot build sqlite3 for Linux"; }
"$ref" -batch :memory: <"$sql" >"$tmp/want" 2>&1 || fail "sqlite3 on the host failed on $sql"
{
	cat "$sql"
	printf '.quit\n'
} | ./run-qemu.sh --kernel build/sqlite3.elf --accel tcg --timeout 240 --device virtio-rng-pci --append "tty.echo=off -- -batch :memory:" >"$tmp/out" 2>&1
rc=$?
app_output "$tmp/out" >"$tmp/got"
if ! diff -u "$tmp/want" "$tmp/got"; then
	tr -d '\r' <"$tmp/out" | tail -40
	fail "sqlite3 on Keel printed something else than on the host"
fi
[ $rc = 0 ] || fail "exit status $rc, not 0"
echo "PASS: the $(wc -l <"$tmp/want") lines the host printed"
