#!/usr/bin/env bash
# The build's summary of an image by part (tools/image-size.sh): for echo
# (kernel, drivers, system calls, network, libc, application) and ktest
# (its own C library, the application in the kernel's object), each part
# that the image holds is there, and the parts add up to what size(1)
# counts for the whole image within 2%: the maps give input sections, so
# the sum leaves out the linker's alignment padding and counts mergeable
# strings before the linker merged their duplicates.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
for app in echo ktest; do
	t=build/$app.size
	[ -f "$t" ] || fail "the build wrote no $t"
	cat "$t"
	want="kernel drivers system application"
	[ $app = echo ] && want="$want network libc"
	for p in $want; do
		grep -q "^  $p " "$t" || fail "$app: no line for $p"
	done
	[ $app = ktest ] && grep -q "^  libc " "$t" && fail "ktest has no musl, yet libc is counted"
	read -r text data bss < <(awk '$1 == "total" { print $2, $3, $4 }' "$t")
	read -r stext sdata sbss < <(size "build/$app.elf" | awk 'NR == 2 { print $1, $2, $3 }')
	for k in text data bss; do
		got=${!k}
		s=s$k
		whole=${!s}
		[ $((got * 100)) -le $((whole * 102)) ] && [ $((got * 100)) -ge $((whole * 98 - 4096 * 100)) ] ||
			fail "$app: $k adds up to $got, size(1) says $whole"
	done
done
echo "PASS: the parts add up to size(1)'s counts"
