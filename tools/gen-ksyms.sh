#!/bin/sh
# Reads `nm -n --defined-only` output (a file, or - for standard input;
# /dev/null gives an empty table) and writes the assembly of Keel's symbol
# table for backtraces (kernel/ksyms.c reads it), compressed since it sits
# in every image:
#
#   ksyms_count   the number of symbols (.long), then ksyms_base (.long):
#                 the address every offset is from
#   ksyms_tokens  byte pairs: code 128 + i stands for pair i, whose bytes
#                 are characters or earlier codes (at most TOKEN_DEPTH deep)
#   ksyms_addrs   per symbol, sorted by address: 3 bytes, little-endian,
#                 its offset from ksyms_base
#   ksyms_names   per symbol, in the same order: a length byte, then the
#                 name in characters and codes
#
# The pairs are chosen as byte-pair encoding does: the most frequent pair
# of adjacent codes in all names becomes a new code, until codes run out
# or no pair saves bytes. Names are ASCII, so the codes 128 to 255 are free.
set -eu
in=${1:--}
[ "$in" = - ] && in=/dev/stdin
awk '
BEGIN { TOKEN_DEPTH = 12; n = 0; last = "" }
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
	for (c = 1; c < 128; c++)
		ord[sprintf("%c", c)] = c
	for (c = 0; c < 128; c++)
		depth[c] = 0
	for (i = 0; i < n; i++) {
		len[i] = length(name[i])
		for (j = 0; j < len[i]; j++) {
			ch = substr(name[i], j + 1, 1)
			if (!(ch in ord) || ord[ch] >= 128) {
				printf "gen-ksyms: symbol %s is not ASCII\n", name[i] > "/dev/stderr"
				exit 1
			}
			s[i, j] = ord[ch]
		}
	}
	ntok = 0
	while (ntok < 128) {
		split("", cnt)
		for (i = 0; i < n; i++)
			for (j = 0; j + 1 < len[i]; j++) {
				a = s[i, j]; b = s[i, j + 1]
				d = (depth[a] > depth[b] ? depth[a] : depth[b]) + 1
				if (d <= TOKEN_DEPTH)
					cnt[a * 256 + b]++
			}
		best = -1; bestn = 0
		for (k in cnt)
			if (cnt[k] > bestn || (cnt[k] == bestn && k + 0 < best)) {
				best = k + 0; bestn = cnt[k]
			}
		# A pair costs 2 bytes in the table; each use saves one.
		if (bestn <= 2)
			break
		a = int(best / 256); b = best % 256
		code = 128 + ntok
		pa[ntok] = a; pb[ntok] = b; ntok++
		depth[code] = (depth[a] > depth[b] ? depth[a] : depth[b]) + 1
		for (i = 0; i < n; i++) {
			m = 0
			for (j = 0; j < len[i]; j++) {
				if (j + 1 < len[i] && s[i, j] == a && s[i, j + 1] == b) {
					t[m++] = code; j++
				} else {
					t[m++] = s[i, j]
				}
			}
			for (j = 0; j < m; j++)
				s[i, j] = t[j]
			len[i] = m
		}
	}
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
