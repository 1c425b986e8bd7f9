#!/bin/sh
# Writes the assembly of the table of `hlt` instructions in an image's
# application text (between __app_text_start and __app_text_end): the
# addresses just after each, sorted. An interrupt that returns to one of
# them found the application halted on purpose (musl's a_crash). An
# argument of /dev/null gives an empty table, for the first link.
set -eu
img=$1
echo "	.section .ksyms, \"a\""
echo "	.balign 8"
echo "	.globl app_hlt_count, app_hlt_after"
start=
[ "$img" = /dev/null ] || start=$(nm "$img" | awk '$3 == "__app_text_start" { print $1 }')
stop=
[ "$img" = /dev/null ] || stop=$(nm "$img" | awk '$3 == "__app_text_end" { print $1 }')
# No application text of its own (one on the kernel's C library): none.
if [ "$start" = "$stop" ]; then
	printf 'app_hlt_count:\n\t.quad 0\napp_hlt_after:\n'
	exit 0
fi
objdump -d --no-show-raw-insn --start-address=0x$start --stop-address=0x$stop "$img" |
	awk '$2 == "hlt" || ($2 == "" && $NF == "hlt") { sub(":", "", $1); print $1 }' |
	{
		n=0 list=
		while read -r a; do
			list="$list	.quad 0x$a + 1
"
			n=$((n + 1))
		done
		printf 'app_hlt_count:\n\t.quad %d\napp_hlt_after:\n%s' "$n" "$list"
	}
