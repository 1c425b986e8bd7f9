#!/bin/sh
# Reads `nm -n --defined-only` output (a file, or - for standard input;
# /dev/null gives an empty table) and writes the assembly of Keel's symbol
# table for backtraces: the text symbols sorted by address, each an
# address and an offset into a block of names (kernel/ksyms.c reads it).
set -eu
in=${1:--}
[ "$in" = - ] && in=/dev/stdin
awk '
$2 ~ /^[tTW]$/ && $3 !~ /^\./ && $1 != last {
	addr[n] = $1; name[n] = $3; last = $1; n++
}
END {
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_count, ksyms_entries, ksyms_names"
	print "ksyms_count:"
	printf "\t.long %d, 0\n", n
	print "ksyms_entries:"
	off = 0
	for (i = 0; i < n; i++) {
		# The kernel sits below 4 GiB: the low 32 bits are the address.
		printf "\t.long 0x%s, %d\n", substr(addr[i], length(addr[i]) - 7), off
		off += length(name[i]) + 1
	}
	print "ksyms_names:"
	for (i = 0; i < n; i++)
		printf "\t.asciz \"%s\"\n", name[i]
}' "$in"
