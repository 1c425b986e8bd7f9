#!/bin/sh
# Reads `nm -n --defined-only` output (a file, or - for standard input;
# /dev/null gives an empty table) and writes the assembly of Keel's symbol
# table for backtraces (kernel/ksyms.c reads it), compressed since it sits
# in every image:
#
#   ksyms_count   the number of symbols (.long), then ksyms_base (.long):
#                 the address every offset is from
#   ksyms_tokens  byte pairs: code 128 + i stands for pair i (tools/bpe.awk)
#   ksyms_addrs   per symbol, sorted by address: 3 bytes, little-endian,
#                 its offset from ksyms_base
#   ksyms_names   per symbol, in the same order: a length byte, then the
#                 name in characters and codes
set -eu
in=${1:--}
[ "$in" = - ] && in=/dev/stdin
awk "$(cat "$(dirname "$0")/bpe.awk")"'
BEGIN { n = 0; last = "" }
$2 ~ /^[tTW]$/ && $3 !~ /^\./ && $1 != last {
	addr[n] = $1; name[n] = $3; last = $1; n++
}
function hex(str,   v, k) {
	v = 0
	for (k = 1; k <= length(str); k++)
		v = v * 16 + index("0123456789abcdef", tolower(substr(str, k, 1))) - 1
	return v
}
END {
	bpe_strings_from(name, n)
	bpe(n)
	base = n ? hex(addr[0]) : 0
	print "\t.section .note.GNU-stack, \"\", @progbits"
	print "\t.section .ksyms, \"a\""
	print "\t.balign 8"
	print "\t.globl ksyms_count, ksyms_base, ksyms_tokens, ksyms_addrs, ksyms_names"
	print "ksyms_count:"
	printf "\t.long %d\n", n
	print "ksyms_base:"
	printf "\t.long 0x%x\n", base
	print "ksyms_tokens:"
	for (k = 0; k < ntok; k++)
		printf "\t.byte %d, %d\n", pa[k], pb[k]
	print "ksyms_addrs:"
	for (i = 0; i < n; i++) {
		off = hex(addr[i]) - base
		if (off >= 16777216) {
			print "gen-ksyms: the text is larger than 16 MiB" > "/dev/stderr"
			exit 1
		}
		printf "\t.byte %d, %d, %d\n", off % 256, int(off / 256) % 256, int(off / 65536)
	}
	print "ksyms_names:"
	for (i = 0; i < n; i++) {
		if (len[i] > 255) {
			printf "gen-ksyms: symbol %s is too long\n", name[i] > "/dev/stderr"
			exit 1
		}
		line = "\t.byte " len[i]
		for (j = 0; j < len[i]; j++)
			line = line ", " s[i, j]
		print line
	}
}' "$in"
