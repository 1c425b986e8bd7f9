#!/usr/bin/env bash
# The appliance: lighttpd on Keel (apps/httpd, its site on a KeelFS disk)
# beside the same lighttpd build for Linux (tools/linux-build.sh lighttpd:
# the same objects, linked for Linux) in a Linux guest (Debian's kernel,
# busybox: bench/linux-guest.sh) serving the same files from ext4 on the
# same kind of disk, on the same QEMU options, measured by Debian's wrk on
# the host:
#
#   requests per second and latency percentiles (50, 90, 99), for a small
#   page (the site's index.html) and a 1 MiB file, with 1, 10 and 50
#   connections, SECS seconds each (wrk --latency, 2 threads, 1 for 1
#   connection)
#
# and, for Keel alone: the image's size, the site's, and the smallest
# memory (in MiB, by bisection) in which the appliance boots and serves:
# the page, the 1 MiB file, and wrk with 50 connections for 3 s without an
# error.
#
# Both guests sit on a tap device in a network namespace this script
# makes and removes (bench/lib-netns.sh: QEMU's user network accepts one
# connection at a time and drops some of 50). The guest is 10.0.3.2, the host's end 10.0.3.1.
# Needs root. Prints a Markdown table; with --write, also puts it in
# bench/README.md and draws bench/http.png (gnuplot).
#
#   bench/http.sh [--secs S] [--mem SIZE] [--only linux|keel] [--no-min-mem] [--write]
#
# KEEL_OPTS holds the appliance's kernel options besides its address
# (default "stack=1M", as apps/httpd/app.mk boots it); KEEL_ELF the image
# booted (default build/httpd.elf, built first), to compare two builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/linux-guest.sh
source bench/lib-netns.sh

secs=10 write=0 sides="linux keel" mem=256M min_mem=1
while [ $# -gt 0 ]; do
	case $1 in
	--secs) secs=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--only) sides=$2; shift 2 ;;
	--no-min-mem) min_mem=0; shift ;;
	--write) write=1; shift ;;
	*) echo "usage: bench/http.sh [--secs S] [--mem SIZE] [--only linux|keel] [--no-min-mem] [--write]" >&2; exit 2 ;;
	esac
done
netns_need_root bench/http.sh

# The host's load when the run starts, for the table: other guests on the
# same cores move these figures far more than their run-to-run noise.
load0=$(cut -d' ' -f1 /proc/loadavg)
# The appliance's own kernel options (apps/httpd/app.mk: a 1 MiB stack).
KEEL_OPTS=${KEEL_OPTS:-stack=1M}
KEEL_ELF=${KEEL_ELF:-build/httpd.elf}
out=build/bench/http
mkdir -p "$out"

netns_install "$out/apt.log" wrk=wrk curl=curl mkfs.ext4=e2fsprogs $([ $write = 0 ] || echo gnuplot=gnuplot-nox)

echo "building the appliance and its Linux build..." >&2
make -s APP=httpd all >/dev/null
tools/linux-build.sh lighttpd >/dev/null

# The same files for both: the appliance's disk tree (its configuration
# and site) and a 1 MiB file made now. Linux reads the configuration
# with the site where the guest mounts the disk.
rm -rf "$out/disk"
cp -r build/httpd/disk "$out/disk"
head -c $((1 << 20)) /dev/urandom >"$out/disk/www/1m.bin"
sed -e 's|^server.document-root = "/www"|server.document-root = "/mnt/www"|' \
	-e 's|^server.upload-dirs = ("/var/tmp")|server.upload-dirs = ("/mnt/var/tmp")|' \
	"$out/disk/lighttpd.conf" >"$out/disk/lighttpd-linux.conf"
grep -q '"/mnt/www"' "$out/disk/lighttpd-linux.conf" || { echo "bench/http.sh: cannot point the configuration at /mnt" >&2; exit 1; }
build/keelfs mkfs "$out/keel.img" 64M "$out/disk" >/dev/null 2>&1
rm -f "$out/linux.img"
truncate -s 64M "$out/linux.img"
mkfs.ext4 -q -F -d "$out/disk" "$out/linux.img" >/dev/null
{
	linux_guest_net_init "$GUEST_IP/24" "$HOST_IP"
	echo 'mount -t ext4 /dev/vda /mnt || echo "linux-guest: cannot mount ext4"'
	echo '/lighttpd -D -f /mnt/lighttpd-linux.conf'
} >"$out/linux.init"
linux_guest_initramfs "$out/linux.cpio.gz" "$out/linux.init" \
	--modules "virtio_pci virtio_net virtio_blk ext4 crc32c_generic" build/linux/lighttpd=lighttpd

netns_up keel-http
qemu_opts=("${netns_qemu_opts[@]}")

# guest_start SIDE MEM LOG: boots the guest; true once lighttpd says it
# started, false (its reason in $why) when it stops or takes 180 s.
guest_start() {
	local side=$1 m=$2 log=$3 img=$out/$1.img
	: >"$log"
	# QEMU through ip netns exec directly (which execs it), not through a
	# shell function: $! is then QEMU's own process, which guest_stop ends.
	if [ "$side" = linux ]; then
		ip netns exec "$ns" qemu-system-x86_64 "${qemu_opts[@]}" -m "$m" -drive "file=$img,if=none,id=d0,format=raw" \
			-device virtio-blk-pci,drive=d0 -kernel "$(linux_guest_kernel)" -initrd "$out/linux.cpio.gz" \
			-append "console=ttyS0 quiet panic=-1" </dev/null >"$log" 2>&1 &
	else
		ip netns exec "$ns" qemu-system-x86_64 "${qemu_opts[@]}" -m "$m" -drive "file=$img,if=none,id=d0,format=raw" \
			-device virtio-blk-pci,drive=d0 -kernel "$KEEL_ELF" \
			-append "net.en0=ip=$GUEST_IP/24,gw=$HOST_IP $KEEL_OPTS -- -D -f /lighttpd.conf" </dev/null >"$log" 2>&1 &
	fi
	guest=$!
	# The tap is let go a moment after the last guest's QEMU ended: then
	# the guest is started again.
	local rc=0
	NETNS_RETRY_TAP=1 guest_wait "$log" 'server started' 'not implemented|error|panic|exit status|no memory' || rc=$?
	if [ $rc = 2 ]; then
		guest_start "$@"
		return
	fi
	return $rc
}

# wrk_run CONNS PATH SECS FILE: wrk's report with latency percentiles.
wrk_run() {
	local threads=2
	[ "$1" = 1 ] && threads=1
	in_ns timeout $(($3 + 60)) wrk -t $threads -c "$1" -d "${3}s" --timeout 10s --latency "http://$GUEST_IP/$2" >"$4" 2>&1 || true
}
# Requests per second, and a latency percentile in ms, from wrk's report.
rps_of() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
lat_of() { # FILE PERCENT
	awk -v p="$2%" '$1 == p {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000
		printf "%.2f", v }' "$1"
}
errors_of() { { grep -E 'Socket errors|Non-2xx' "$1" || true; } | tr '\n' ' '; }

conns=(1 10 50)
paths=(index.html 1m.bin)
declare -A rps p50 p90 p99 errs note
for side in $sides; do
	echo "$side: booting with $mem..." >&2
	if ! guest_start "$side" "$mem" "$out/$side.log"; then
		note[$side]=$why
		continue
	fi
	for path in "${paths[@]}"; do
		# A short warm-up: the first requests read the file from the disk.
		wrk_run 1 "$path" 2 "$out/$side-warm.txt"
		for c in "${conns[@]}"; do
			echo "$side: $path, $c connections, ${secs} s" >&2
			f=$out/$side-$path-$c.txt
			wrk_run "$c" "$path" "$secs" "$f"
			rps[$side,$path,$c]=$(rps_of "$f")
			p50[$side,$path,$c]=$(lat_of "$f" 50)
			p90[$side,$path,$c]=$(lat_of "$f" 90)
			p99[$side,$path,$c]=$(lat_of "$f" 99)
			errs[$side,$path,$c]=$(errors_of "$f")
		done
	done
	guest_stop
done

# Keel's smallest memory: boots, serves the page and the 1 MiB file, and
# wrk with 50 connections for 3 s meets no error.
serves_in() { # MiB
	guest_start keel "${1}M" "$out/keel-mem-$1.log" || return 1
	local ok=0
	if in_ns curl -sf -m 20 -o /dev/null "http://$GUEST_IP/index.html" &&
		in_ns curl -sf -m 60 -o "$out/got.bin" "http://$GUEST_IP/1m.bin" && cmp -s "$out/got.bin" "$out/disk/www/1m.bin"; then
		wrk_run 50 index.html 3 "$out/keel-mem-$1.wrk"
		[ -n "$(rps_of "$out/keel-mem-$1.wrk")" ] && [ -z "$(errors_of "$out/keel-mem-$1.wrk")" ] && ok=1
	fi
	guest_stop
	[ $ok = 1 ]
}
smallest=n/a
if [ $min_mem = 1 ] && [[ " $sides " == *" keel "* ]]; then
	lo=2 hi=64
	if serves_in $hi; then
		while [ $((hi - lo)) -gt 1 ]; do
			mid=$(((lo + hi) / 2))
			echo "keel: serves in $mid MiB?" >&2
			if serves_in $mid; then hi=$mid; else lo=$mid; fi
		done
		smallest="$hi MiB"
	fi
fi

ratio() { awk -v k="$1" -v l="$2" 'BEGIN { if (k == "" || l == "" || k == 0 || l == 0) print "n/a"; else printf "%.2fx", k / l }'; }
show() { [ -n "$1" ] && echo "$1" || echo "n/a"; }
label() { case $1 in index.html) echo "small page ($(wc -c <"$out/disk/www/index.html") B)" ;; 1m.bin) echo "1 MiB file" ;; esac; }
table=$(
	echo "| file | connections | Linux guest req/s | Keel req/s | Keel / Linux | Linux latency p50 / p90 / p99 (ms) | Keel latency p50 / p90 / p99 (ms) |"
	echo "|---|---|---|---|---|---|---|"
	for path in "${paths[@]}"; do
		for c in "${conns[@]}"; do
			l=${rps[linux,$path,$c]:-} k=${rps[keel,$path,$c]:-}
			echo "| $(label $path) | $c | $(show "$l") | $(show "$k") | $(ratio "$k" "$l") |" \
				"$(show "${p50[linux,$path,$c]:-}") / $(show "${p90[linux,$path,$c]:-}") / $(show "${p99[linux,$path,$c]:-}") |" \
				"$(show "${p50[keel,$path,$c]:-}") / $(show "${p90[keel,$path,$c]:-}") / $(show "${p99[keel,$path,$c]:-}") |"
		done
	done
)
image=$(stat -c %s build/httpd.stripped.elf)
site=$(du -sb --exclude=1m.bin "$out/disk" | cut -f1)
sizes="Keel's image: $image bytes stripped (build/httpd.stripped.elf); the site and configuration: $site bytes; smallest memory in which it boots (kernel options: $KEEL_OPTS) and serves (the page, the 1 MiB file, wrk with 50 connections for 3 s without an error): $smallest."
notes=""
for side in $sides; do
	[ -n "${note[$side]:-}" ] && notes+="- $side: did not serve (${note[$side]})"$'\n'
	for path in "${paths[@]}"; do
		for c in "${conns[@]}"; do
			[ -n "${errs[$side,$path,$c]:-}" ] && notes+="- $side, $path, $c connections: ${errs[$side,$path,$c]}"$'\n'
		done
	done
done
header="Under TCG, $(qemu-system-x86_64 --version | head -1), -M q35 -m $mem -smp 1 for both guests, virtio-net on a tap (vhost off) in a network namespace, virtio-blk disk (KeelFS for Keel, ext4 for Linux), wrk ${secs} s per line, one run, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $load0 at the start)."
echo "$header"
echo
echo "$table"
echo
echo "$sizes"
[ -n "$notes" ] && printf '\n%s' "$notes"

if [ $write = 1 ]; then
	# The plot: requests per second and median latency against
	# connections, for the small page, both guests.
	for side in linux keel; do
		for c in "${conns[@]}"; do
			echo "$c ${rps[$side,index.html,$c]:-NaN} ${p50[$side,index.html,$c]:-NaN} ${p99[$side,index.html,$c]:-NaN}"
		done >"$out/$side.dat"
	done
	gnuplot <<GP
set terminal png size 1000,420
set output 'bench/http.png'
set multiplot layout 1,2 title "lighttpd 1.4.69, small page, wrk, TCG: Keel vs a Linux guest"
set xlabel 'connections'
set logscale x
set xtics (1, 10, 50)
set key top left
set ylabel 'requests per second'
set yrange [0:*]
plot '$out/linux.dat' using 1:2 with linespoints title 'Linux guest', '$out/keel.dat' using 1:2 with linespoints title 'Keel'
set ylabel 'latency (ms)'
set logscale y
set yrange [*:*]
plot '$out/linux.dat' using 1:3 with linespoints title 'Linux p50', '$out/linux.dat' using 1:4 with linespoints title 'Linux p99', \
	'$out/keel.dat' using 1:3 with linespoints title 'Keel p50', '$out/keel.dat' using 1:4 with linespoints title 'Keel p99'
unset multiplot
GP
	python3 - "$header" "$table" "$sizes" "$notes" <<'PY'
import sys, re
header, table, sizes, notes = sys.argv[1:5]
p = 'bench/README.md'
s = open(p).read()
section = "## The appliance: `bench/http.sh`\n\n" + \
    "lighttpd 1.4.69 (Debian's source, the same objects linked for each) serving the same files: on Keel " + \
    "(apps/httpd) from its KeelFS disk, and in a Linux guest (Debian's kernel, busybox) from ext4, measured " + \
    "from the host by Debian's wrk (ratios: above 1 is Keel faster).\n\n" + header + "\n\n" + table + "\n\n" + \
    sizes + "\n" + ("\n" + notes if notes else "") + "\n![requests per second and latency against connections](http.png)\n"
s = re.sub(r"## The appliance: `bench/http.sh`.*?(?=\n## |\Z)", lambda m: section, s, flags=re.S) \
    if "## The appliance: `bench/http.sh`" in s else s.rstrip("\n") + "\n\n" + section
open(p, 'w').write(s)
PY
fi
