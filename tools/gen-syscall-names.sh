#!/bin/sh
# Reads Linux's asm/unistd_64.h (the host's) and writes the C of Keel's
# system-call numbers and names: SYS_<name> constants for the families,
# and for sys/names.c every name in order of number, byte-pair encoded
# (tools/bpe.awk): SYSCALL_NAME_TOKENS, the pairs, and
# SYSCALL_NAMES_PACKED, per number a length byte (0 for an unused number)
# and the name's codes. The names only serve the rare report of an
# unknown call, so they are packed, not indexed.
set -eu
awk "$(cat "$(dirname "$0")/bpe.awk")"'
$1 == "#define" && $2 ~ /^__NR_/ && $3 ~ /^[0-9]+$/ {
	name = substr($2, 6)
	printf "#define SYS_%s %s\n", name, $3
	names[$3] = name
	if ($3 + 0 > max) max = $3 + 0
}
END {
	for (i = 0; i <= max; i++)
		all[i] = (i in names) ? names[i] : ""
	bpe_strings_from(all, max + 1)
	bpe(max + 1)
	printf "#define SYSCALL_NAMES_MAX %d\n", max + 1
	printf "#define SYSCALL_NAME_TOKENS { \\\n"
	for (k = 0; k < ntok; k++)
		printf "\t%d, %d, \\\n", pa[k], pb[k]
	printf "}\n"
	printf "#define SYSCALL_NAMES_PACKED { \\\n"
	for (i = 0; i <= max; i++) {
		line = "\t" len[i] ","
		for (j = 0; j < len[i]; j++)
			line = line " " s[i, j] ","
		print line " \\"
	}
	printf "}\n"
}' "$1"
