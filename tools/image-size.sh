#!/bin/sh
# Prints what an image is made of, part by part: the kernel, its drivers,
# the system-call layer, the filesystem, the network stack, the C library
# and the application, in bytes of code and read-only data, data, and
# zeroed memory (bss), as size(1) counts them, from the linker's maps.
#
#   image-size.sh IMAGE.map KERNEL-R.map [APP-R.map]
#
# IMAGE.map is the final link's map: which input sections of kernel.o and
# app.o survived (--gc-sections drops the rest). The maps of the partial
# links that made kernel.o and app.o (ld -r -Map) say which object each
# of those sections came from; an object's folder names its part.
set -eu
[ $# -ge 2 ] || { echo "usage: image-size.sh IMAGE.map KERNEL-R.map [APP-R.map]" >&2; exit 2; }
final=$1
shift
for m in "$final" "$@"; do
	[ -f "$m" ] || { echo "image-size.sh: no map $m" >&2; exit 1; }
done

awk '
function part(obj) {
	if (obj ~ /\/ksyms[0-9]*\.S\.o$/) return "symbol table"
	if (obj ~ /lib(c|gcc)\.a\(/) return "libc"
	if (obj ~ /^build\/obj\/(boot|arch|kernel|lib)\//) return "kernel"
	if (obj ~ /^build\/obj\/drivers\//) return "drivers"
	if (obj ~ /^build\/obj\/sys\//) return "system calls"
	if (obj ~ /^build\/obj\/fs\//) return "filesystem"
	if (obj ~ /^build\/obj\/net\/|^build\/lwip\//) return "network"
	return "application"
}
# What an output section of the image is: code and read-only data (text,
# with the symbol table apart), data, or memory zeroed at boot.
function kind(out) {
	if (out ~ /^\.bss/ || out ~ /^\.tbss/) return "bss"
	if (out ~ /^\.data/ || out ~ /^\.tdata/ || out ~ /^\.got/ || out ~ /^\.igot/) return "data"
	return "text"
}
# A number the map writes in hexadecimal (0x...); awk has no reader of
# its own for them in every flavour.
function hex(s,    i, n) {
	n = 0
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function record(name, size, file) {
	size = hex(size)
	last_kept = 0
	if (size == 0) return
	if (map == 1) {
		if (out !~ /^\.(debug|comment|note\.GNU-stack|symtab|strtab|shstrtab)/) {
			kept[++nkept] = file SUBSEP name SUBSEP size SUBSEP kind(out) SUBSEP size
			last_kept = 1
		}
	} else {
		# The partial links keep each input section apart (ld -r
		# --unique), but for the few their default script gathers
		# (.text, .rodata, .data, .bss): a name may come from several
		# objects, told apart by their sizes, or from several at once.
		contrib[map, name, size, ++ncontrib[map, name, size]] = file
		all[map, name, ++nall[map, name]] = file SUBSEP size
	}
}
FNR == 1 { map++; in_map = 0; pending = ""; last_kept = 0 }
/^Linker script and memory map/ { in_map = 1; next }
!in_map { next }
/^[^ ]/ { out = $1; pending = ""; last_kept = 0; next }
/^ [^ *]/ {
	if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) record($1, $3, $4)
	else if (NF == 1) pending = $1
	next
}
pending != "" && /^ +0x/ && NF == 3 { record(pending, $2, $3); pending = ""; next }
# Merged strings: the final link prints the size it kept, then the size
# the section had in its object, by which the partial link knows it.
map == 1 && last_kept && /\(size before relaxing\)$/ {
	split(kept[nkept], k, SUBSEP)
	kept[nkept] = k[1] SUBSEP k[2] SUBSEP k[3] SUBSEP k[4] SUBSEP hex($1)
	last_kept = 0
	next
}
function add(p, what, size) {
	if (p == "symbol table") what = "text"
	sum[p, what] += size
}
END {
	for (i = 1; i <= nkept; i++) {
		split(kept[i], k, SUBSEP)
		file = k[1]; name = k[2]; size = k[3]; what = k[4]; key = k[5]
		src = file ~ /\/kernel\.o$/ ? 2 : file ~ /\/app\.o$/ ? 3 : 0
		if (src && used[src, name, key] < ncontrib[src, name, key] && nall[src, name] > 1) {
			# The one object the partial link took this section from.
			add(part(contrib[src, name, key, ++used[src, name, key]]), what, size)
		} else if (src && nall[src, name] > 0 && !done[src, name]++) {
			# The section as the partial link made it, object by object.
			for (j = 1; j <= nall[src, name]; j++) {
				split(all[src, name, j], c, SUBSEP)
				add(part(c[1]), what, c[2])
			}
		} else if (!src) {
			add(part(file), what, size)
		}
	}
	n = split("kernel|drivers|system calls|filesystem|network|libc|application|symbol table", order, "|")
	printf "  %-14s %10s %10s %10s\n", "part", "text", "data", "bss"
	for (i = 1; i <= n; i++) {
		p = order[i]
		t = sum[p, "text"] + 0; d = sum[p, "data"] + 0; b = sum[p, "bss"] + 0
		if (t + d + b == 0) continue
		printf "  %-14s %10d %10d %10d\n", p, t, d, b
		tt += t; td += d; tb += b
	}
	printf "  %-14s %10d %10d %10d\n", "total", tt, td, tb
}
' "$final" "$@"
