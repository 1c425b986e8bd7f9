#!/bin/sh
# Reads Linux's asm/unistd_64.h (the host's) and writes the C of Keel's
# system-call numbers and names: SYS_<name> constants, and an initializer
# of the name table indexed by number, for sys/names.c and the families.
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
	printf "#define SYSCALL_NAMES_INIT \\\n"
	for (i = 0; i <= max; i++)
		if (i in names)
			printf "\t[%d] = \"%s\", \\\n", i, names[i]
	printf "\n"
}' "$1"
