#!/bin/sh
# Reads Linux's asm/unistd_64.h (the host's) and writes the C of Keel's
# system-call numbers and names: SYS_<name> constants for the families,
# and for sys/names.c every name in order of number, each ending with a
# NUL (an empty name for an unused number): the names only serve the
# rare report of an unknown call, so they are packed, not indexed.
set -eu
awk '
$1 == "#define" && $2 ~ /^__NR_/ && $3 ~ /^[0-9]+$/ {
	name = substr($2, 6)
	printf "#define SYS_%s %s\n", name, $3
	names[$3] = name
	if ($3 + 0 > max) max = $3 + 0
}
END {
	printf "#define SYSCALL_NAMES_MAX %d\n", max + 1
	printf "#define SYSCALL_NAMES_PACKED \\\n"
	for (i = 0; i <= max; i++)
		printf "\t\"%s\\0\" \\\n", (i in names) ? names[i] : ""
	printf "\n"
}' "$1"
