#!/bin/bash
# Fails, naming file, line and rule, on every #include that crosses the
# layers the wrong way (docs/ARCHITECTURE.md), and on any file that points
# at documents outside the repository.
#
# The layers, bottom up, and what each may include ("..." or <...> that
# resolves to a file of the repository):
#
#   lib/                 lib/ (the freestanding C library)
#   include/             nothing of the repository (the public header)
#   boot/                boot/
#   arch/, kernel/       boot/, arch/, kernel/, lib/: one layer split by
#                        portability (arch/x86_64 is the only code that knows
#                        the CPU; the two call each other through headers)
#   drivers/             drivers/, kernel/, arch/, lib/
#   net/, fs/            themselves, kernel/, lib/ (struct netdev, struct blkdev)
#   sys/                 sys/, fs/, net/, kernel/, arch/, lib/ (it serves the
#                        Linux x86_64 ABI: the syscall frame, the FS base,
#                        page protections come from arch/'s headers)
#   apps/, tests/apps/   include/ and lib/include/ (the C library's headers),
#                        and files of their own folder
#   tests/host, tests/fuzz  anything but the applications (host-side tests of
#                        the real code)
#
# include/keel.h is the applications' header: below them only
# kernel/keel_api.c, the bridge that implements it, includes it (and that
# bridge's host test, tests/host/test_keel_api.c).
#
# White-box tests: the ktest application injects faults the public API
# cannot reach; each such include is listed in WHITEBOX with its reason.
cd "$(dirname "$0")/.." || exit 2

# file|included path: an application that reaches into the kernel on purpose.
WHITEBOX=(
	"tests/apps/ktest/devices.c|drivers/virtio/virtio.h" # breaks a virtqueue behind the driver's back
	"tests/apps/ktest/devices.c|kernel/mm/dma.h"         # DMA pools on the real page allocator
	"tests/apps/ktest/protection.c|arch/x86_64/paging.h"  # mmio_map must refuse to map over the kernel
	"tests/apps/ktest/faults.c|drivers/virtio/virtio.h"   # writes a used element the engine must refuse
	"tests/apps/ktest/net.c|kernel/netdev.h"              # the network stack's place, before there is one
	"tests/apps/nettest/main.c|net/netif.h"              # the glue's counters: which offloads a boot used
	"tests/apps/ktest/blk.c|kernel/blkdev.h"              # the raw disk, below any filesystem
	"tests/apps/ktest/blk.c|kernel/sync.h"                # a semaphore posted from completions in interrupt handlers
	"tests/apps/ktest/blk_bench.c|kernel/blkdev.h"        # the raw disk's speed, below any filesystem
	"tests/apps/ktest/blk_bench.c|kernel/sync.h"          # a semaphore posted from completions in interrupt handlers
	"tests/host/test_stailq.c|apps/httpd/compat/sys/queue.h" # Keel's own header for lighttpd, which musl lacks
)

bad=0
fail() { # file line rule
	echo "check-layers: $1:$2: $3"
	bad=$((bad + 1))
}

# The layer a repository path belongs to.
layer_of() {
	case $1 in
	tests/apps/*) echo apps ;;
	tests/host/* | tests/fuzz/*) echo hosttest ;;
	tests/*) echo other ;;
	lib/*) echo lib ;;
	*/*) echo "${1%%/*}" ;;
	*) echo other ;;
	esac
}

# Where an include resolves, as the compilers' flags make it: "x" first
# next to the including file, then -I. -Iinclude -Ilib/include; <x> only
# through -Iinclude and -Ilib/include. Prints nothing for a file outside the
# repository (a compiler's or the host's header).
resolve() { # from-file quote path
	local dir=${1%/*} p
	if [ "$2" = '"' ]; then
		p=$(realpath -m --relative-to=. "$dir/$3")
		[ -f "$p" ] && { echo "$p"; return; }
		[ -f "$3" ] && { realpath -m --relative-to=. "$3"; return; }
	fi
	for d in include lib/include; do
		[ -f "$d/$3" ] && { realpath -m --relative-to=. "$d/$3"; return; }
	done
}

allowed() { # from-layer to-path
	local to=$2 tl
	tl=$(layer_of "$to")
	case $to in lib/include/*) tl=libc ;; esac
	case $1 in
	lib) [[ $tl == lib || $tl == libc ]] ;;
	include) false ;;
	boot) [[ $tl == boot ]] ;;
	arch | kernel) [[ $tl =~ ^(boot|arch|kernel|lib|libc)$ ]] ;;
	drivers) [[ $tl =~ ^(drivers|kernel|arch|lib|libc)$ ]] ;;
	net | fs) [[ $tl == "$1" || $tl =~ ^(kernel|lib|libc)$ ]] ;;
	sys) [[ $tl =~ ^(sys|fs|net|kernel|arch|lib|libc)$ ]] ;;
	apps) [[ $tl =~ ^(include|libc)$ ]] ;;
	hosttest) [[ $tl != apps ]] ;;
	*) true ;;
	esac
}

rule_text() {
	case $1 in
	lib) echo "lib/ includes only lib/" ;;
	include) echo "include/ includes nothing of the repository" ;;
	boot) echo "boot/ includes only boot/" ;;
	arch | kernel) echo "$1/ includes only boot/, arch/, kernel/ and lib/" ;;
	drivers) echo "drivers/ include only drivers/, kernel/, arch/ and lib/" ;;
	net | fs) echo "$1/ includes only $1/, kernel/ and lib/" ;;
	sys) echo "sys/ includes only sys/, fs/, net/, kernel/, arch/ and lib/" ;;
	apps) echo "applications include only include/keel.h and the C library's headers" ;;
	hosttest) echo "host tests do not include applications" ;;
	esac
}

while IFS= read -r file; do
	from=$(layer_of "$file")
	[ "$from" = other ] && continue
	while IFS=: read -r line q path; do
		to=$(resolve "$file" "$q" "$path")
		[ -n "$to" ] || continue
		if [ "$to" = include/keel.h ] && [ "$from" != apps ]; then
			[ "$file" = kernel/keel_api.c ] || [ "$file" = tests/host/test_keel_api.c ] ||
				fail "$file" "$line" "includes include/keel.h: below the applications only kernel/keel_api.c may"
			continue
		fi
		[ "$from" = apps ] && [ "$(dirname "$to")" = "$(dirname "$file")" ] && continue
		allowed "$from" "$to" && continue
		white=false
		for w in "${WHITEBOX[@]}"; do
			[ "$w" = "$file|$to" ] && white=true
		done
		$white || fail "$file" "$line" "includes $to: $(rule_text "$from")"
	done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]' "$file" |
		sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*(["<])([^">]+)[">].*/\1:\2:\3/')
done < <(git ls-files '*.c' '*.h' '*.S')

# Documents outside the repository: a reader of the repository cannot
# follow them. Paths of the machine it was written on, and relative paths
# that climb out of the repository.
machine_paths='(^|[^[:alnum:]_.~-])(/''work/|(\.\./)+''shared/)'
while IFS=: read -r file line _; do
	fail "$file" "$line" "points at a document outside the repository"
done < <(git grep -n -I -E "$machine_paths" -- . ':!tools/check-layers.sh')
while IFS= read -r hit; do
	file=${hit%%:*}
	rest=${hit#*:}
	line=${rest%%:*}
	target=${rest#*:}
	dir=$(dirname "$file")
	case $(realpath -m --relative-to=. "$dir/$target") in
	../* | /*) fail "$file" "$line" "links to $target, outside the repository" ;;
	esac
done < <(git grep -n -o -I -E '\]\([^)#[:space:]]+' -- '*.md' | sed -E 's/\]\(//' | grep -v -E ':[a-z]+://')

n=$(git ls-files '*.c' '*.h' '*.S' | wc -l)
[ $bad = 0 ] && echo "check-layers: $n files keep to their layers; no document points outside the repository"
[ $bad = 0 ]
