#!/usr/bin/env bash
# The smallest image stays small: hello, stripped, within 64 KiB
# (apps/hello/app.mk leaves out what it cannot reach), and without the
# parts it leaves out (system-call families, the console's input, the
# memory report, the symbol table), so that a new reference that drags
# one back in fails here rather than going unnoticed.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
img=build/hello.elf
bound=65536 # 64 KiB
strip -o "$tmp/hello" "$img" || fail "cannot strip $img"
bytes=$(stat -c %s "$tmp/hello")
echo "hello stripped: $bytes bytes (bound $bound)"
[ "$bytes" -le "$bound" ] || fail "hello stripped is $bytes bytes, over its bound of $bound"
for sym in vfs_open ramfs_create pipe_create signal_raise_self sys_rt_sigaction fsfile_of sys_clone futex_wake \
	sys_mmap sys_uname sys_fcntl syscall_name ldisc_input console_getc memreport_register ioapic_init; do
	nm "$img" | grep -Eq " [tTdDrRbB] $sym(\.|$)" && fail "$img links $sym"
done
# Its symbol table is empty: the section holds the hlt sites alone.
ksyms=$(readelf -SW "$img" | awk '{ for (i = 1; i < NF; i++) if ($i == ".ksyms") print $(i + 4) }')
[ -n "$ksyms" ] && [ $((0x$ksyms)) -lt 256 ] || fail "$img carries a symbol table (.ksyms is 0x$ksyms bytes)"
exit 0
