#!/usr/bin/env bash
# The network: Keel beside a Linux guest (Debian's kernel and busybox:
# bench/linux-guest.sh) on the same QEMU options, each serving the same
# programs built from the same sources with the same musl, measured by
# Debian's clients on the host:
#
#   iperf in, out    TCP throughput host to guest, and guest to host (-R),
#                    against the guest's iperf3 server (apps/iperf), or
#                    iperf 2's (apps/iperf2) where iperf3's Debian source
#                    cannot be fetched
#   ping             ICMP echo round trip
#   tcp echo         round trip of a 64-byte message through a TCP echo
#                    server (apps/echo; bench/progs/tcprr.c)
#   redis SET, GET   redis-benchmark, 50 clients, one request at a time
#                    and pipelined 16 deep (apps/redis), each measured
#                    after an unmeasured pass of the same load
#
# Both guests sit on a tap device in a network namespace this script
# makes and removes (bench/lib-netns.sh: QEMU's user network drops
# connections under 50 clients; there is no vhost here: vhost=off). The
# guest is 10.0.3.2, the host's end of the tap 10.0.3.1. A guest that does not come to serve
# (a Keel image without a network stack) is reported as n/a, with the
# reason from its log. Medians of RUNS boots (default 1). Needs root.
# Prints a Markdown table; with --write, also puts it in bench/README.md.
#
#   bench/net.sh [--runs N] [--secs S] [--only linux|keel] [--write]
#
# KEEL_NET_OPTS holds the kernel options that give Keel its address (default
# "net.en0=ip=10.0.3.2/24,gw=10.0.3.1": the first NIC, static).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/linux-guest.sh
source bench/lib-netns.sh

runs=1 secs=10 write=0 sides="linux keel"
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--secs) secs=$2; shift 2 ;;
	--only) sides=$2; shift 2 ;;
	--write) write=1; shift ;;
	*) echo "usage: bench/net.sh [--runs N] [--secs S] [--only linux|keel] [--write]" >&2; exit 2 ;;
	esac
done
netns_need_root bench/net.sh

KEEL_NET_OPTS=${KEEL_NET_OPTS:-"net.en0=ip=$GUEST_IP/24,gw=$HOST_IP"}
REDIS_ARGS="--save --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0"
REDIS_N=20000 REDIS_PIPE_N=100000 ECHO_N=2000
out=build/bench/net
mkdir -p "$out"

# The host's clients, from Debian.
netns_install "$out/apt.log" iperf3=iperf3 iperf=iperf redis-benchmark=redis-tools ping=iputils-ping ip=iproute2
tools/install-deps.sh test >/dev/null
# Other guests on the machine skew every figure: the load is reported.
load_at_start=$(cut -d' ' -f1 /proc/loadavg)

echo "building the images and their Linux builds..." >&2
for app in redis echo; do make -s APP=$app all >/dev/null; done
tools/linux-build.sh redis-server echo-server >/dev/null
# iperf3's Debian source may be missing from a mirror for every release
# tools/fetch-source.sh asks (its original tarball): iperf 2 (Debian's iperf) measures the same then, and where
# neither builds the other measures are still taken, and the table says
# why iperf's are not.
apps="redis echo"
iperf_name=iperf3
if make -s APP=iperf all >"$out/iperf-build.log" 2>&1 && tools/linux-build.sh iperf3 >>"$out/iperf-build.log" 2>&1; then
	apps="iperf $apps"
elif make -s APP=iperf2 all >>"$out/iperf-build.log" 2>&1 && tools/linux-build.sh iperf2 >>"$out/iperf-build.log" 2>&1; then
	echo "bench/net.sh: iperf3 could not be built (see $out/iperf-build.log); iperf 2 measures instead" >&2
	apps="iperf2 $apps"
	iperf_name="iperf 2"
else
	echo "bench/net.sh: neither iperf3 nor iperf 2 could be built (see $out/iperf-build.log); their measures are left out" >&2
fi
gcc -O2 -Wall -Wextra -o "$out/tcprr" bench/progs/tcprr.c

# One Linux guest per program, as Keel has one image per program.
declare -A linux_cmd=([redis]="/redis-server $REDIS_ARGS" [iperf]="/iperf3 -s" [iperf2]="/iperf2 -s" [echo]="/echo-server 7")
declare -A keel_args=([redis]="$REDIS_ARGS" [iperf]="-s" [iperf2]="-s" [echo]="7")
declare -A ready=([redis]='Ready to accept connections' [iperf]='Server listening on 5201'
	[iperf2]='Server listening on TCP port 5001' [echo]='echo: ready on port')
for app in $apps; do
	{
		linux_guest_net_init "$GUEST_IP/24" "$HOST_IP"
		echo "${linux_cmd[$app]}"
	} >"$out/linux-$app.init"
	linux_guest_initramfs "$out/linux-$app.cpio.gz" "$out/linux-$app.init" --modules "virtio_pci virtio_net" \
		build/linux/redis-server=redis-server build/linux/echo-server=echo-server \
		$([[ " $apps " == *" iperf "* ]] && echo build/linux/iperf3=iperf3) \
		$([[ " $apps " == *" iperf2 "* ]] && echo build/linux/iperf2=iperf2)
done

# The namespace and its tap; removed, with the guest, however the script ends.
netns_up keel-net
qemu_opts=("${netns_qemu_opts[@]}" -m 256M)

# guest_start SIDE APP LOG: boots the guest serving APP; true once it
# says it serves, false (its reason in $why) when it stops or takes 180 s.
guest_start() {
	local side=$1 app=$2 log=$3
	: >"$log"
	if [ "$side" = linux ]; then
		ip netns exec "$ns" qemu-system-x86_64 "${qemu_opts[@]}" -kernel "$(linux_guest_kernel)" -initrd "$out/linux-$app.cpio.gz" \
			-append "console=ttyS0 quiet panic=-1" </dev/null >"$log" 2>&1 &
	else
		ip netns exec "$ns" qemu-system-x86_64 "${qemu_opts[@]}" -kernel "build/$app.elf" \
			-append "$KEEL_NET_OPTS -- ${keel_args[$app]}" </dev/null >"$log" 2>&1 &
	fi
	guest=$!
	guest_wait "$log" "${ready[$app]}" 'not implemented|error|Failed|panic|exit status'
}

# Each measure's value of each run, per side; "-" where a run gave none.
declare -A val
measures=(iperf_in iperf_out ping echo set get set_p16 get_p16)
add() { val[$1,$2]+="$3 "; }
iperf_mbps() { python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$1" 2>/dev/null || true; }
# iperf 2's CSV report (-y C): the last line's last field, bits per second.
iperf2_mbps() { awk -F, 'NF >= 9 { v = $9 } END { if (v != "") printf "%.1f\n", v / 1e6 }' "$1" 2>/dev/null || true; }
bench_rps() { sed -n "s/^\"$2\",\"\([0-9.]*\)\".*/\1/p" "$1" | head -1; }
declare -A note

for ((r = 0; r < runs; r++)); do
	for side in $sides; do
		echo "run $((r + 1)) of $runs: $side" >&2
		# iperf3 (or iperf 2) both ways against the iperf image.
		if [[ " $apps " == *" iperf2 "* ]]; then
			if guest_start "$side" iperf2 "$out/$side-iperf2.$r.log"; then
				in_ns timeout $((secs + 60)) iperf -c "$GUEST_IP" -t "$secs" -y C >"$out/$side-iperf2-in.$r.csv" 2>&1 || true
				add "$side" iperf_in "$(iperf2_mbps "$out/$side-iperf2-in.$r.csv")"
				in_ns timeout $((secs + 60)) iperf -c "$GUEST_IP" -t "$secs" -R -y C >"$out/$side-iperf2-out.$r.csv" 2>&1 || true
				add "$side" iperf_out "$(iperf2_mbps "$out/$side-iperf2-out.$r.csv")"
				guest_stop
			else
				note[$side,iperf]=$why
			fi
		elif [[ " $apps " != *" iperf "* ]]; then
			note[$side,iperf]="neither iperf3 nor iperf 2 could be built: Debian's source packages could not be fetched"
		elif guest_start "$side" iperf "$out/$side-iperf.$r.log"; then
			in_ns iperf3 -c "$GUEST_IP" -t "$secs" -J >"$out/$side-iperf-in.$r.json" 2>&1 || true
			add "$side" iperf_in "$(iperf_mbps "$out/$side-iperf-in.$r.json")"
			in_ns iperf3 -c "$GUEST_IP" -t "$secs" -R -J >"$out/$side-iperf-out.$r.json" 2>&1 || true
			add "$side" iperf_out "$(iperf_mbps "$out/$side-iperf-out.$r.json")"
			guest_stop
		else
			note[$side,iperf]=$why
		fi
		# ping, and TCP round trips, against the echo image.
		if guest_start "$side" echo "$out/$side-echo.$r.log"; then
			in_ns ping -c 50 -i 0.1 -q "$GUEST_IP" >"$out/$side-ping.$r" 2>&1 || true
			add "$side" ping "$(sed -n 's|^rtt .* = [0-9.]*/\([0-9.]*\)/.*|\1|p' "$out/$side-ping.$r")"
			in_ns "$out/tcprr" "$GUEST_IP" 7 "$ECHO_N" 64 >"$out/$side-tcprr.$r" 2>&1 || true
			add "$side" echo "$(sed -n 's/.* median \([0-9.]*\) us.*/\1/p' "$out/$side-tcprr.$r")"
			guest_stop
		else
			note[$side,echo]=$why
		fi
		if guest_start "$side" redis "$out/$side-redis.$r.log"; then
			# Each load runs once unmeasured first, in the same boot, on
			# both guests: that pass pays for QEMU translating the paths
			# and Redis growing its buffers, and the next is the server
			# serving.
			in_ns redis-benchmark -h "$GUEST_IP" -p 6379 -c 50 -n $REDIS_N -t set,get >/dev/null 2>&1 || true
			in_ns redis-benchmark -h "$GUEST_IP" -p 6379 -c 50 -n $REDIS_N -t set,get --csv \
				>"$out/$side-redis.$r.csv" 2>&1 || true
			add "$side" set "$(bench_rps "$out/$side-redis.$r.csv" SET)"
			add "$side" get "$(bench_rps "$out/$side-redis.$r.csv" GET)"
			in_ns redis-benchmark -h "$GUEST_IP" -p 6379 -c 50 -n $REDIS_PIPE_N -P 16 -t set,get >/dev/null 2>&1 || true
			in_ns redis-benchmark -h "$GUEST_IP" -p 6379 -c 50 -n $REDIS_PIPE_N -P 16 -t set,get --csv \
				>"$out/$side-redis-p16.$r.csv" 2>&1 || true
			add "$side" set_p16 "$(bench_rps "$out/$side-redis-p16.$r.csv" SET)"
			add "$side" get_p16 "$(bench_rps "$out/$side-redis-p16.$r.csv" GET)"
			guest_stop
		else
			note[$side,redis]=$why
		fi
	done
done

median() { grep -v "^$" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() { printf '%s\n' ${val[$1,$2]:-} | median; }
# Keel's advantage: its figure over Linux's where more is better, Linux's
# over Keel's where less is; above 1 is Keel better.
advantage() {
	awk -v k="$1" -v l="$2" -v more="$3" 'BEGIN {
		if (k == "n/a" || l == "n/a" || k == 0 || l == 0) { print "n/a"; exit }
		printf "%.2fx", more ? k / l : l / k }'
}
label() {
	case $1 in
	iperf_in) echo "$iperf_name host to guest (Mbit/s)" ;;
	iperf_out) echo "$iperf_name guest to host (Mbit/s)" ;;
	ping) echo "ping round trip (ms)" ;;
	echo) echo "TCP echo round trip, 64 bytes (us)" ;;
	set) echo "redis SET, 50 clients (req/s)" ;;
	get) echo "redis GET, 50 clients (req/s)" ;;
	set_p16) echo "redis SET, 50 clients, pipelined 16 (req/s)" ;;
	get_p16) echo "redis GET, 50 clients, pipelined 16 (req/s)" ;;
	esac
}
more_is_better() { case $1 in ping | echo) echo 0 ;; *) echo 1 ;; esac; }

table=$(
	echo "| measure | Linux guest | Keel | Keel's advantage over the Linux guest |"
	echo "|---|---|---|---|"
	for m in "${measures[@]}"; do
		l=$(med linux $m) k=$(med keel $m)
		echo "| $(label $m) | $l | $k | $(advantage "$k" "$l" "$(more_is_better $m)") |"
	done
)
header="Medians of $runs runs under TCG, $(qemu-system-x86_64 --version | head -1), -M q35 -m 256M, virtio-net on a tap (vhost off) in a network namespace, $iperf_name for ${secs} s, redis-benchmark -n $REDIS_N (pipelined: -n $REDIS_PIPE_N), each load after an unmeasured pass of it in the same boot, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), host load average $load_at_start at the start."
notes=""
for side in $sides; do
	for app in iperf echo redis; do
		[ -n "${note[$side,$app]:-}" ] && notes+="- $side, $app: did not serve (${note[$side,$app]})"$'\n'
	done
done
echo "$header"
echo
echo "$table"
[ -n "$notes" ] && printf '\n%s' "$notes"
if [ $write = 1 ]; then
	case $iperf_name in
	iperf3) iperf_text="iperf3 $(basename "$(tools/fetch-source.sh iperf3 2>/dev/null)" | sed 's/^iperf3-//')" iperf_client="iperf3" ;;
	*) iperf_text="iperf 2.1.8, as iperf3's Debian source could not be fetched" iperf_client="iperf (2)" ;;
	esac
	python3 - "$header" "$table" "$notes" "$iperf_text" "$iperf_client" <<'PY'
import sys, re
header, table, notes, iperf_text, iperf_client = sys.argv[1:6]
p = 'bench/README.md'
s = open(p).read()
section = "## Network: `bench/net.sh`\n\n" + \
    "Keel beside a Linux guest (Debian's kernel, busybox) on the same QEMU options, each serving the " + \
    "same programs built from the same sources with the same musl (" + iperf_text + ", Redis 7.0.15, a TCP echo " + \
    "server), measured from the host by Debian's " + iperf_client + ", ping and redis-benchmark (ratios: above 1 is " + \
    "Keel better).\n\n" + header + "\n\n" + table + "\n" + ("\n" + notes if notes else "")
s = re.sub(r"## Network: `bench/net.sh`.*?(?=\n## |\Z)", lambda m: section, s, flags=re.S) \
    if "## Network: `bench/net.sh`" in s else s.rstrip("\n") + "\n\n" + section
open(p, 'w').write(s)
PY
fi
