#!/usr/bin/env bash
# The smallest image stays small: hello, stripped, within the bound it
# reached (apps/hello/app.mk leaves out what it cannot reach), and
# without the families it leaves out, so that a new reference that drags
# one back in fails here rather than going unnoticed.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
img=build/hello.elf
bound=76800 # 75 KiB; the goal is 64 KiB
strip -o "$tmp/hello" "$img" || fail "cannot strip $img"
bytes=$(stat -c %s "$tmp/hello")
echo "hello stripped: $bytes bytes (bound $bound)"
[ "$bytes" -le "$bound" ] || fail "hello stripped is $bytes bytes, over its bound of $bound"
for sym in vfs_open ramfs_create pipe_create signal_raise_self sys_rt_sigaction fsfile_of sys_clone futex_wake; do
	nm "$img" | grep -Eq " [tTdDrRbB] $sym(\.|$)" && fail "$img links $sym"
done
exit 0
